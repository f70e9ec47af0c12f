/**
 * Insertion / Deletion curves (docs/spec.md §5): pure maths and an inline-SVG drawing, no chart
 * library. A metric result is `{ auc, detailedScores }` with detailedScores[input][row][step] the
 * target probability after each step.
 */
import { CLASS_COLORS, hexString, paletteFor, rgbString, type Theme } from './color.ts';
import { escapeXML } from './text.ts';

export interface MetricResult {
  auc: number;
  detailedScores: number[][][];
}

export type MetricName = 'Insertion' | 'Deletion';

/** Trapezoid area under one curve with steps evenly spread on [0, 1], i.e. area / (P - 1); NaN under 2 steps. */
export function curveAUC(scores: readonly number[]): number {
  const p = scores.length;
  if (p < 2) return Number.NaN;
  let area = 0;
  for (let k = 1; k < p; k++) area += (scores[k - 1]! + scores[k]!) / 2;
  return area / (p - 1);
}

export function validateMetricResult(result: unknown): asserts result is MetricResult {
  const r = result as Partial<MetricResult> | null;
  if (!r || typeof r !== 'object' || typeof r.auc !== 'number' || !Array.isArray(r.detailedScores)) {
    throw new TypeError(
      'Metric result must be { auc: number, detailedScores: number[][][] } as returned by metric.evaluate().',
    );
  }
  r.detailedScores.forEach((input, i) => {
    if (!Array.isArray(input) || input.some((row) => !Array.isArray(row) || row.some((v) => typeof v !== 'number'))) {
      throw new TypeError(`detailedScores[${i}] must be an array of rows of numbers (one curve per target row).`);
    }
  });
}

export interface CurvePlot {
  width: number;
  height: number;
  /** Plot area inside the axes. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  yMin: number;
  yMax: number;
  /** One `points` attribute (x,y pairs) per curve. */
  polylines: string[];
  /** AUC of each curve. */
  aucs: number[];
}

/**
 * Geometry of the curves: x = step / (P - 1) across the plot, y from yMin (bottom) to yMax (top);
 * the y range is [0, 1] (probabilities) widened to any value outside it.
 */
export function curvePlot(curves: readonly (readonly number[])[], width = 360, height = 220): CurvePlot {
  const left = 44;
  const top = 16;
  const right = width - 12;
  const bottom = height - 36;
  const finite = curves.flat().filter(Number.isFinite);
  const yMin = Math.min(0, ...finite);
  const yMax = Math.max(1, ...finite);
  const sx = (k: number, p: number) => left + (p > 1 ? k / (p - 1) : 0) * (right - left);
  const sy = (v: number) => bottom - ((v - yMin) / (yMax - yMin)) * (bottom - top);
  const polylines = curves.map((c) =>
    c
      .map((v, k) => (Number.isFinite(v) ? `${sx(k, c.length).toFixed(1)},${sy(v).toFixed(1)}` : null))
      .filter((s): s is string => s !== null)
      .join(' '),
  );
  return { width, height, left, top, right, bottom, yMin, yMax, polylines, aucs: curves.map((c) => curveAUC(c)) };
}

/**
 * Line colours: row i has the hue row i has in the dominant-class view (CLASS_COLORS), never the red/blue
 * that mean positive/negative scores in the heatmaps.
 */
export const CURVE_COLORS: readonly string[] = CLASS_COLORS.map(hexString);

export interface CurveSVGOptions {
  metric?: MetricName;
  /** Which input of the result to draw. Default 0. */
  inputIndex?: number;
  /** Names of the target rows (classes or generated units), for the legend. */
  rowNames?: string[];
  theme?: Theme;
  width?: number;
  height?: number;
}

/** The curves of one input and the overall AUC as a standalone SVG string. */
/** Checks the options of curveToSVG (types and ranges) before any goes into markup. */
export function validateCurveOptions(options: unknown): asserts options is CurveSVGOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`Curve options must be an object, got ${options === null ? 'null' : typeof options}.`);
  }
  const o = options as Record<string, unknown>;
  for (const [k, lo, hi] of [
    ['width', 120, 8000],
    ['height', 80, 8000],
  ] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)) {
      throw new RangeError(
        `Curve option ${k} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v) ?? String(v)}.`,
      );
    }
  }
  if (o.inputIndex !== undefined && !(Number.isInteger(o.inputIndex) && (o.inputIndex as number) >= 0)) {
    throw new RangeError(`Curve option inputIndex must be an integer >= 0, got ${JSON.stringify(o.inputIndex)}.`);
  }
  if (o.metric !== undefined && o.metric !== 'Insertion' && o.metric !== 'Deletion') {
    throw new RangeError(`Curve option metric must be 'Insertion' or 'Deletion', got ${JSON.stringify(o.metric)}.`);
  }
  if (o.rowNames !== undefined && (!Array.isArray(o.rowNames) || o.rowNames.some((n) => typeof n !== 'string'))) {
    throw new TypeError('Curve option rowNames must be an array of strings (one per target row).');
  }
  if (o.theme !== undefined) paletteFor(o.theme as Theme);
}

export function curveToSVG(result: MetricResult, options: CurveSVGOptions = {}): string {
  validateMetricResult(result);
  validateCurveOptions(options);
  const inputIndex = options.inputIndex ?? 0;
  const curves = result.detailedScores[inputIndex];
  if (!curves) {
    throw new RangeError(
      `inputIndex ${inputIndex} does not exist: the result has ${result.detailedScores.length} input(s).`,
    );
  }
  const pal = paletteFor(options.theme ?? 'light');
  const fg = rgbString(pal.foreground);
  const g = curvePlot(curves, options.width, options.height);
  const metric = options.metric ?? 'Insertion';
  const better = metric === 'Deletion' ? 'lower is better' : 'higher is better';
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeXML(`${metric} curve, AUC ${result.auc.toFixed(3)} (${better})`)}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="${rgbString(pal.background)}"/>`);
  out.push(`<path d="M${g.left},${g.top} V${g.bottom} H${g.right}" fill="none" stroke="${fg}" stroke-width="1"/>`);
  out.push(`<text x="${g.left - 4}" y="${g.top + 4}" text-anchor="end" fill="${fg}">${g.yMax.toFixed(1)}</text>`);
  out.push(`<text x="${g.left - 4}" y="${g.bottom}" text-anchor="end" fill="${fg}">${g.yMin.toFixed(1)}</text>`);
  out.push(`<text x="${g.left}" y="${g.bottom + 14}" fill="${fg}">0%</text>`);
  out.push(`<text x="${g.right}" y="${g.bottom + 14}" text-anchor="end" fill="${fg}">100%</text>`);
  out.push(
    `<text x="${(g.left + g.right) / 2}" y="${g.bottom + 14}" text-anchor="middle" fill="${fg}">${metric === 'Deletion' ? 'units removed' : 'units inserted'}</text>`,
  );
  g.polylines.forEach((pts, i) => {
    const name = options.rowNames?.[i] ?? `row ${i}`;
    out.push(
      `<polyline points="${pts}" fill="none" stroke="${CURVE_COLORS[i % CURVE_COLORS.length]}" stroke-width="2"><title>${escapeXML(`${name}: AUC ${g.aucs[i]!.toFixed(3)}`)}</title></polyline>`,
    );
    // The numbers in the picture too: each row's AUC in its line's colour.
    if (g.polylines.length > 1)
      out.push(
        `<text class="row-auc" x="${g.right}" y="${g.top + 10 + 13 * i}" text-anchor="end" font-weight="bold" fill="${CURVE_COLORS[i % CURVE_COLORS.length]}">${escapeXML(`${name}: ${g.aucs[i]!.toFixed(3)}`)}</text>`,
      );
  });
  out.push(
    `<text x="${g.left}" y="${g.height - 6}" fill="${fg}" font-weight="bold">${escapeXML(`${metric} AUC ${result.auc.toFixed(3)} (${better})`)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
