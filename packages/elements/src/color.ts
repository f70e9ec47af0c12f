/**
 * Colour maths of the attribution views (docs/spec.md §6), kept pure so that the components and the
 * exporters (SVG, HTML) colour a cell identically and the rules are unit-tested without a DOM.
 *
 * Signed scale: positive values red, negative blue, opacity = |value| / bound where the bound is
 * symmetric (max |value| of the row for classification, of the whole matrix for generation).
 * Text colour is chosen by WCAG contrast against the cell as it is actually painted (the colour
 * composited over the theme background), so strong cells get white text.
 */

export type Theme = 'light' | 'dark';
export type RGB = readonly [number, number, number];

export interface Palette {
  /** Page background the cells are composited over. */
  background: RGB;
  /** Default text colour. */
  foreground: RGB;
  /** Hue of positive attributions. */
  positive: RGB;
  /** Hue of negative attributions. */
  negative: RGB;
  /** Hue of unsigned scores (magnitudes): not red, which reads as "positive". */
  magnitude: RGB;
}

export const PALETTES: Readonly<Record<Theme, Palette>> = {
  light: {
    background: [255, 255, 255],
    foreground: [17, 17, 17],
    positive: [220, 38, 38],
    negative: [37, 99, 235],
    magnitude: [109, 40, 217],
  },
  dark: {
    background: [24, 24, 27],
    foreground: [244, 244, 245],
    positive: [239, 68, 68],
    negative: [59, 130, 246],
    magnitude: [167, 139, 250],
  },
};

/**
 * One hue per class (row) where classes are told apart: the dominant-class view and the Insertion/Deletion
 * curves use the same colour for the same row. None is red or blue, which mean "positive"/"negative" scores.
 */
export const CLASS_COLORS: readonly RGB[] = [
  [13, 148, 136],
  [217, 119, 6],
  [192, 38, 211],
  [101, 163, 13],
  [146, 64, 14],
  [71, 85, 105],
];

/** The hue of row `row` (cycles through CLASS_COLORS). */
export function classColor(row: number): RGB {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((row % n) + n) % n]!;
}

export function hexString([r, g, b]: RGB): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export const WHITE: RGB = [255, 255, 255];
export const NEAR_BLACK: RGB = [17, 17, 17];

/** Throws on an unknown theme name instead of silently falling back. */
export function paletteFor(theme: Theme): Palette {
  // Own keys only: 'constructor' or '__proto__' must not reach Object.prototype.
  const p = typeof theme === 'string' && Object.hasOwn(PALETTES, theme) ? PALETTES[theme] : undefined;
  if (!p) throw new Error(`Unknown theme "${String(theme)}": use 'light' or 'dark'.`);
  return p;
}

/** Largest |v| over the finite values; 0 when there is none (all NaN, or empty). */
export function symmetricBound(values: Iterable<number>): number {
  let b = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > b) b = Math.abs(v);
  return b;
}

/** One symmetric bound per row (classification: per class). */
export function rowBounds(matrix: readonly (readonly number[])[]): number[] {
  return matrix.map((row) => symmetricBound(row));
}

/** One symmetric bound over every cell (generation). */
export function matrixBound(matrix: readonly (readonly number[])[]): number {
  return symmetricBound(matrix.flat());
}

/**
 * value / bound clamped to [-1, 1]; NaN when the value is not a finite number (an undefined cell);
 * 0 when the bound is 0 (an all-zero row has nothing to show).
 */
export function signedIntensity(value: number, bound: number): number {
  if (!Number.isFinite(value)) return Number.NaN;
  if (!(bound > 0) || !Number.isFinite(bound)) return 0;
  return Math.max(-1, Math.min(1, value / bound));
}

/** sRGB relative luminance (WCAG 2.x). */
export function relativeLuminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio, in [1, 21]. */
export function contrastRatio(a: RGB, b: RGB): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The opaque colour seen when `fg` at opacity `alpha` is painted over `bg`. */
export function composite(fg: RGB, alpha: number, bg: RGB): RGB {
  const a = Math.max(0, Math.min(1, alpha));
  return fg.map((f, i) => Math.round(f * a + bg[i]! * (1 - a))) as unknown as RGB;
}

/** White or near-black, whichever contrasts more with the given background. */
export function textColorOn(background: RGB): RGB {
  return contrastRatio(WHITE, background) > contrastRatio(NEAR_BLACK, background) ? WHITE : NEAR_BLACK;
}

export function rgbString([r, g, b]: RGB): string {
  return `rgb(${r}, ${g}, ${b})`;
}

export interface CellColor {
  /** -1, 0 or 1; 0 for zero and undefined cells. */
  sign: number;
  /** Opacity of the hue, |value| / bound in [0, 1]; 0 for undefined cells. */
  alpha: number;
  /** CSS background (`rgba(...)`), or null when the cell is left uncoloured (NaN). */
  background: string | null;
  /** CSS text colour chosen for contrast against the painted cell. */
  color: string;
  /** The opaque colour the cell appears as (hue composited over the theme background). */
  painted: RGB;
  /** True when the text is white (dark painted cell). */
  whiteText: boolean;
}

export interface CellColorOptions {
  /** One-sided scale (magnitudes): the magnitude hue, opacity = max(0, value) / bound. */
  unsigned?: boolean;
  /** A hue to use whatever the sign (the dominant-class view paints each unit in its class's hue). */
  hue?: RGB;
}

/** Everything needed to paint one cell. NaN (undefined) cells are uncoloured, with the theme's text colour. */
export function cellColor(
  value: number,
  bound: number,
  theme: Theme = 'light',
  options: CellColorOptions = {},
): CellColor {
  const pal = paletteFor(theme);
  const raw = signedIntensity(value, bound);
  const t = options.unsigned && raw < 0 ? 0 : raw;
  if (Number.isNaN(t)) {
    return {
      sign: 0,
      alpha: 0,
      background: null,
      color: rgbString(pal.foreground),
      painted: pal.background,
      whiteText: false,
    };
  }
  const sign = t > 0 ? 1 : t < 0 ? -1 : 0;
  const hue = options.hue ?? (options.unsigned ? pal.magnitude : sign < 0 ? pal.negative : pal.positive);
  const alpha = Math.round(Math.abs(t) * 1000) / 1000;
  const painted = composite(hue, alpha, pal.background);
  const text = textColorOn(painted);
  const whiteText = text === WHITE;
  return {
    sign,
    alpha,
    background: `rgba(${hue[0]}, ${hue[1]}, ${hue[2]}, ${alpha})`,
    color: rgbString(text),
    painted,
    whiteText,
  };
}

/** A value as shown in tooltips and labels: 3 decimals, "n/a" for undefined cells, no "-0.000". */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : value > 0 ? '+inf' : '-inf';
  const s = value.toFixed(3);
  return Number(s) === 0 ? '0.000' : s;
}

/**
 * The colour bar of a scale as gradient stops (offset 0..1, opaque colour as painted over the theme
 * background): signed from -bound (negative hue) through 0 (background) to +bound (positive hue); one-sided
 * from 0 to +bound in the magnitude hue (or the given hue).
 */
export function colorBarStops(theme: Theme, unsigned: boolean, hue?: RGB): { offset: number; color: RGB }[] {
  const pal = paletteFor(theme);
  if (unsigned || hue) {
    const h = hue ?? pal.magnitude;
    return [0, 0.5, 1].map((offset) => ({ offset, color: composite(h, offset, pal.background) }));
  }
  return [0, 0.25, 0.5, 0.75, 1].map((offset) => {
    const t = 2 * offset - 1;
    return { offset, color: composite(t < 0 ? pal.negative : pal.positive, Math.abs(t), pal.background) };
  });
}

/** The colour bar as a CSS linear-gradient (left to right). */
export function colorBarCSS(theme: Theme, unsigned: boolean, hue?: RGB): string {
  const stops = colorBarStops(theme, unsigned, hue).map((s) => `${rgbString(s.color)} ${Math.round(s.offset * 100)}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
