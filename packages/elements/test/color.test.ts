import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cellColor,
  composite,
  contrastRatio,
  formatValue,
  matrixBound,
  NEAR_BLACK,
  PALETTES,
  paletteFor,
  relativeLuminance,
  rowBounds,
  signedIntensity,
  symmetricBound,
  textColorOn,
  WHITE,
  type Theme,
} from '../src/color.ts';

describe('bounds', () => {
  it('symmetric bound is the largest |value|, ignoring NaN', () => {
    expect(symmetricBound([1, -3, 2, Number.NaN])).toBe(3);
    expect(symmetricBound([Number.NaN, Number.NaN])).toBe(0);
    expect(symmetricBound([])).toBe(0);
  });
  it('row bounds are per row, the matrix bound over every cell', () => {
    const m = [
      [1, -2, Number.NaN],
      [0.5, 0.25, -0.125],
    ];
    expect(rowBounds(m)).toEqual([2, 0.5]);
    expect(matrixBound(m)).toBe(2);
  });
});

describe('signed intensity and alpha', () => {
  it('is value / bound, clamped, NaN for undefined cells, 0 for a zero bound', () => {
    expect(signedIntensity(1.5, 3)).toBe(0.5);
    expect(signedIntensity(-3, 3)).toBe(-1);
    expect(signedIntensity(5, 3)).toBe(1);
    expect(signedIntensity(Number.NaN, 3)).toBeNaN();
    expect(signedIntensity(1, 0)).toBe(0);
  });
  it('positive is red, negative is blue, alpha = |value| / bound', () => {
    const [r, g, b] = PALETTES.light.positive;
    const pos = cellColor(1, 4, 'light');
    expect(pos.sign).toBe(1);
    expect(pos.alpha).toBe(0.25);
    expect(pos.background).toBe(`rgba(${r}, ${g}, ${b}, 0.25)`);
    const [nr, ng, nb] = PALETTES.light.negative;
    const neg = cellColor(-3, 4, 'light');
    expect(neg.sign).toBe(-1);
    expect(neg.alpha).toBe(0.75);
    expect(neg.background).toBe(`rgba(${nr}, ${ng}, ${nb}, 0.75)`);
  });
  it('NaN cells are uncoloured with the theme text colour; zero cells get alpha 0', () => {
    const nan = cellColor(Number.NaN, 4, 'light');
    expect(nan.background).toBeNull();
    expect(nan.alpha).toBe(0);
    expect(nan.color).toBe('rgb(17, 17, 17)');
    expect(cellColor(Number.NaN, 4, 'dark').color).toBe('rgb(244, 244, 245)');
    const zero = cellColor(0, 4, 'light');
    expect(zero.sign).toBe(0);
    expect(zero.alpha).toBe(0);
  });
  it('rejects an unknown theme', () => {
    expect(() => paletteFor('sepia' as Theme)).toThrow(/Unknown theme "sepia"/);
  });
});

describe('contrast', () => {
  it('matches WCAG reference values', () => {
    expect(relativeLuminance([255, 255, 255])).toBeCloseTo(1, 10);
    expect(relativeLuminance([0, 0, 0])).toBe(0);
    expect(contrastRatio([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 10);
    // #777777 on white is the classic 4.48:1
    expect(contrastRatio([119, 119, 119], [255, 255, 255])).toBeCloseTo(4.48, 2);
  });
  it('composites a colour over the background', () => {
    expect(composite([255, 0, 0], 0.5, [255, 255, 255])).toEqual([255, 128, 128]);
    expect(composite([10, 20, 30], 1, [255, 255, 255])).toEqual([10, 20, 30]);
    expect(composite([10, 20, 30], 0, [1, 2, 3])).toEqual([1, 2, 3]);
  });
  it('light theme: weak cells keep dark text, strong cells turn white, with one switch point', () => {
    for (const v of [1, -1]) {
      expect(cellColor(0.1 * v, 1, 'light').whiteText).toBe(false);
      expect(cellColor(1 * v, 1, 'light').whiteText).toBe(true);
      const flags = Array.from({ length: 101 }, (_, k) => cellColor((v * k) / 100, 1, 'light').whiteText);
      const firstWhite = flags.indexOf(true);
      expect(firstWhite).toBeGreaterThan(30);
      expect(flags.slice(firstWhite).every(Boolean)).toBe(true);
      expect(flags.slice(0, firstWhite).some(Boolean)).toBe(false);
    }
  });
  it('dark theme: text on the dark background is white', () => {
    expect(cellColor(0.05, 1, 'dark').whiteText).toBe(true);
    expect(cellColor(Number.NaN, 1, 'dark').whiteText).toBe(false);
  });
  it('the chosen text colour always contrasts at least as much as the other choice', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.constantFrom<Theme>('light', 'dark'),
        (v, b, theme) => {
          const c = cellColor(v, b, theme);
          const chosen = c.whiteText ? WHITE : NEAR_BLACK;
          const other = c.whiteText ? NEAR_BLACK : WHITE;
          expect(textColorOn(c.painted)).toBe(chosen);
          expect(contrastRatio(chosen, c.painted)).toBeGreaterThanOrEqual(contrastRatio(other, c.painted));
          expect(c.alpha).toBeLessThanOrEqual(1);
          expect(c.alpha).toBeCloseTo(Math.min(1, Math.abs(v) / b), 3);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('formatValue', () => {
  it('shows 3 decimals, never -0.000, n/a for NaN', () => {
    expect(formatValue(0.12345)).toBe('0.123');
    expect(formatValue(-1.23456)).toBe('-1.235');
    expect(formatValue(-0.0001)).toBe('0.000');
    expect(formatValue(1)).toBe('1.000');
    expect(formatValue(Number.NaN)).toBe('n/a');
  });
});
