/**
 * Dataset statistics, pure: the mean with a percentile-bootstrap confidence interval, the paired comparison of two
 * methods scored on the same rows, and curves of different lengths brought onto one grid to be averaged.
 * Every resampling is seeded, so the same values and seed give the same interval on every platform.
 *
 * Exports: `mean`, `bootstrapMeanCi`, `pairedComparison`, `resampleCurve`, `averageCurve`, `ConfidenceInterval`,
 * `PairedComparison`, `BootstrapOptions`.
 */
import { createRng } from '../math/rng.ts';

export interface BootstrapOptions {
  /** Seed of the resampling. */
  seed: number;
  /** Bootstrap resamples (default 1000). */
  nResamples?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
}

export interface ConfidenceInterval {
  mean: number;
  /** Lower and upper percentile-bootstrap bounds; equal to the mean for fewer than two values. */
  low: number;
  high: number;
  n: number;
}

export interface PairedComparison {
  /** Rows both methods scored. */
  n: number;
  /** Share of rows where A scores better than B (a tie counts one half). */
  winRate: number;
  /** Mean of score(A) - score(B), with its bootstrap interval. */
  difference: ConfidenceInterval;
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : Number.NaN;
}

/** Linear-interpolated quantile of sorted values (the R-7 / NumPy default). */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean of `values` with its percentile-bootstrap interval (resampling rows with replacement). */
export function bootstrapMeanCi(values: readonly number[], options: BootstrapOptions): ConfidenceInterval {
  const { seed, nResamples = 1000, confidence = 0.95 } = options;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1) (got ${confidence}).`);
  if (!Number.isInteger(nResamples) || nResamples < 1)
    throw new Error(`nResamples must be a positive integer (got ${nResamples}).`);
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, low: m, high: m, n };
  const rng = createRng(seed);
  const means = new Array<number>(nResamples);
  for (let b = 0; b < nResamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(0, n - 1)]!;
    means[b] = s / n;
  }
  means.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { mean: m, low: quantile(means, tail), high: quantile(means, 1 - tail), n };
}

/**
 * A against B on the same rows (`a[i]`, `b[i]` from row i). `lowerIsBetter` for metrics such as Deletion,
 * where a smaller score means a more faithful explanation.
 */
export function pairedComparison(
  a: readonly number[],
  b: readonly number[],
  lowerIsBetter: boolean,
  options: BootstrapOptions,
): PairedComparison {
  if (a.length !== b.length)
    throw new Error(`pairedComparison needs one score of each per row (${a.length} vs ${b.length}).`);
  const diff = a.map((v, i) => v - b[i]!);
  let wins = 0;
  for (const d of diff) wins += d === 0 ? 0.5 : d < 0 === lowerIsBetter ? 1 : 0;
  return { n: a.length, winRate: a.length ? wins / a.length : Number.NaN, difference: bootstrapMeanCi(diff, options) };
}

/** A curve of any number of steps (x evenly spread over [0, 1]) read at `points` evenly spread x, linearly. */
export function resampleCurve(curve: readonly number[], points: number): number[] {
  if (curve.length === 0) throw new Error('Cannot resample an empty curve.');
  if (curve.length === 1) return new Array<number>(points).fill(curve[0]!);
  return Array.from({ length: points }, (_, k) => {
    const x = (k / (points - 1)) * (curve.length - 1);
    const lo = Math.floor(x);
    const hi = Math.min(lo + 1, curve.length - 1);
    return curve[lo]! + (x - lo) * (curve[hi]! - curve[lo]!);
  });
}

/** Pointwise mean of curves after resampling each to `points` steps (rows with short and long texts alike). */
export function averageCurve(curves: readonly (readonly number[])[], points: number): number[] {
  const sum = new Array<number>(points).fill(0);
  for (const c of curves) resampleCurve(c, points).forEach((v, k) => (sum[k] = sum[k]! + v));
  return sum.map((s) => (curves.length ? s / curves.length : Number.NaN));
}
