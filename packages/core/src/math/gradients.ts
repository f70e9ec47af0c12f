/**
 * Per-token scores of the gradient-based methods (docs/spec.md §2), on flat embeddings.
 *
 * Layout: one sequence's embeddings (and the gradients at them) are a Float32Array of length seq*hidden,
 * row-major: token t's vector is [t*hidden, (t+1)*hidden). Scores come back as Float64Array(seq).
 *
 * Exports:
 * - `TokenReduction` = 'mean' (default: mean over hidden of |g * x~|, or |g| when inputXGradient is false;
 *   >= 0) | 'sum' (signed: sum over hidden of g * (x~ - baseline); baseline 0 when none).
 * - `tokenScores(grad, input, seq, hidden, { inputXGradient?, tokenReduction?, baseline? })`.
 * - `baselineEmbeddings(baseline, seq, hidden)`: a number (constant) or an array [seq*hidden] -> Float32Array.
 * - `trapezoidAlphas(nInterpolations) -> { alphas, weights }`: nInterpolations points on [0, 1] with both end
 *   points, trapezoid weights (sum 1).
 * - `interpolate(baseline, input, alpha)`: baseline + alpha (input - baseline).
 * - `integratedGradientsScores(grads, input, baseline, seq, hidden, { tokenReduction?, inputXGradient?, points? })`:
 *   grads[k] = gradient at interpolate(baseline, input, alphas[k]) (`points[k]`, when given). 'mean': sum_k w_k tokenScores at each point
 *   (per perturbed input, as the Python library); 'sum': textbook IG, sum over hidden of
 *   (x - baseline) * sum_k w_k g_k (complete: sums to f(x) - f(baseline) up to the quadrature error).
 * - `NoiseAggregation` = 'mean' (SmoothGrad) | 'squareMean' (SquareGrad) | 'variance' (VarGrad, unbiased);
 *   `aggregateNoisyScores(scores[], kind)`; `NoisyScoreAccumulator`: the same, one sample at a time, with the
 *   running standard error.
 * - `addGaussianNoise(input, noiseStd, rng)`: input + N(0, noiseStd^2) per entry (new array).
 * - `gradientShapSamples(n, input, baseline, noiseStd, rng) -> { alpha, baseline, point }[]`: per sample
 *   alpha ~ U(0,1), baseline' = baseline + noise, point = baseline' + alpha (input - baseline');
 *   `gradientShapSample(input, baseline, noiseStd, rng)`: one of them.
 */

import type { Rng } from './rng.ts';

export type TokenReduction = 'mean' | 'sum';

export interface TokenScoreOptions {
  /** Multiply the gradient by the input (default true); only for 'mean'. */
  inputXGradient?: boolean;
  tokenReduction?: TokenReduction;
  /** For 'sum': scores use (input - baseline); default zero. */
  baseline?: ArrayLike<number>;
}

function checkLayout(name: string, a: ArrayLike<number>, seq: number, hidden: number): void {
  if (a.length !== seq * hidden) {
    throw new Error(
      `${name} has ${a.length} values; expected seq*hidden = ${seq}*${hidden} = ${seq * hidden} (row-major [seq, hidden]).`,
    );
  }
}

export function tokenScores(
  grad: ArrayLike<number>,
  input: ArrayLike<number>,
  seq: number,
  hidden: number,
  options: TokenScoreOptions = {},
): Float64Array {
  checkLayout('gradient', grad, seq, hidden);
  checkLayout('input', input, seq, hidden);
  const reduction = options.tokenReduction ?? 'mean';
  const out = new Float64Array(seq);
  if (reduction === 'sum') {
    const b = options.baseline;
    if (b) checkLayout('baseline', b, seq, hidden);
    for (let t = 0; t < seq; t++) {
      let s = 0;
      for (let h = t * hidden; h < (t + 1) * hidden; h++)
        s += (grad[h] as number) * ((input[h] as number) - (b ? (b[h] as number) : 0));
      out[t] = s;
    }
    return out;
  }
  if (reduction !== 'mean') throw new Error(`Unknown tokenReduction '${String(reduction)}'; use 'mean' or 'sum'.`);
  const xg = options.inputXGradient ?? true;
  for (let t = 0; t < seq; t++) {
    let s = 0;
    for (let h = t * hidden; h < (t + 1) * hidden; h++)
      s += Math.abs((grad[h] as number) * (xg ? (input[h] as number) : 1));
    out[t] = s / hidden;
  }
  return out;
}

export function baselineEmbeddings(baseline: number | ArrayLike<number>, seq: number, hidden: number): Float32Array {
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new Error(`baseline must be finite (got ${baseline}).`);
    return new Float32Array(seq * hidden).fill(baseline);
  }
  checkLayout('baseline', baseline, seq, hidden);
  return Float32Array.from(baseline);
}

export function trapezoidAlphas(nInterpolations: number): { alphas: Float64Array; weights: Float64Array } {
  if (!Number.isInteger(nInterpolations) || nInterpolations < 2) {
    throw new Error(`nInterpolations must be an integer >= 2 (both end points are included); got ${nInterpolations}.`);
  }
  const n = nInterpolations;
  const alphas = Float64Array.from({ length: n }, (_, k) => k / (n - 1));
  const weights = Float64Array.from({ length: n }, (_, k) => (k === 0 || k === n - 1 ? 0.5 : 1) / (n - 1));
  return { alphas, weights };
}

export function interpolate(baseline: Float32Array, input: Float32Array, alpha: number): Float32Array {
  if (baseline.length !== input.length)
    throw new Error(`interpolate: baseline has ${baseline.length} values, input ${input.length}.`);
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++)
    out[i] = (baseline[i] as number) + alpha * ((input[i] as number) - (baseline[i] as number));
  return out;
}

export function integratedGradientsScores(
  grads: Float32Array[],
  input: Float32Array,
  baseline: Float32Array,
  seq: number,
  hidden: number,
  options: {
    tokenReduction?: TokenReduction;
    inputXGradient?: boolean;
    /** The points the gradients were taken at, when the caller already has them (saves recomputing them). */
    points?: readonly Float32Array[];
  } = {},
): Float64Array {
  const { alphas, weights } = trapezoidAlphas(grads.length);
  const out = new Float64Array(seq);
  if ((options.tokenReduction ?? 'mean') === 'sum') {
    const avg = new Float64Array(seq * hidden); // float64: the weighted sum must not lose completeness
    grads.forEach((g, k) => {
      checkLayout(`gradient ${k}`, g, seq, hidden);
      const w = weights[k] as number;
      for (let i = 0; i < avg.length; i++) avg[i] = (avg[i] as number) + w * (g[i] as number);
    });
    return tokenScores(avg, input, seq, hidden, { tokenReduction: 'sum', baseline });
  }
  grads.forEach((g, k) => {
    const point = options.points?.[k] ?? interpolate(baseline, input, alphas[k] as number);
    const s = tokenScores(g, point, seq, hidden, { inputXGradient: options.inputXGradient ?? true });
    const w = weights[k] as number;
    for (let t = 0; t < seq; t++) out[t] = (out[t] as number) + w * (s[t] as number);
  });
  return out;
}

export type NoiseAggregation = 'mean' | 'squareMean' | 'variance';

export function aggregateNoisyScores(scores: Float64Array[], kind: NoiseAggregation): Float64Array {
  if (scores.length === 0)
    throw new Error('aggregateNoisyScores needs at least one perturbation (nPerturbations >= 1).');
  const seq = (scores[0] as Float64Array).length;
  const n = scores.length;
  const out = new Float64Array(seq);
  for (let t = 0; t < seq; t++) {
    let mean = 0;
    let sq = 0;
    for (const s of scores) {
      mean += s[t] as number;
      sq += (s[t] as number) ** 2;
    }
    mean /= n;
    if (kind === 'mean') out[t] = mean;
    else if (kind === 'squareMean') out[t] = sq / n;
    else if (kind === 'variance') {
      let v = 0;
      for (const s of scores) v += ((s[t] as number) - mean) ** 2;
      out[t] = n > 1 ? v / (n - 1) : 0;
    } else throw new Error(`Unknown noise aggregation '${String(kind)}'; use 'mean', 'squareMean' or 'variance'.`);
  }
  return out;
}

/**
 * `aggregateNoisyScores`, fed one sample's token scores at a time (memory O(seq)), with the running standard
 * error of the estimate. 'mean' and 'squareMean' sum in sample order exactly as `aggregateNoisyScores`, so
 * they equal it bit for bit; 'variance' uses Welford's update (equal up to float rounding).
 * `standardError()`: per token, sqrt(var(q) / n) of the averaged quantity q (s, or s^2 for 'squareMean');
 * for 'variance', var * sqrt(2 / (n - 1)) (normal approximation). Undefined below 2 samples.
 */
export class NoisyScoreAccumulator {
  private n = 0;
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  /** Welford's running mean and sum of squared deviations of q. */
  private readonly wMean: Float64Array;
  private readonly wM2: Float64Array;

  constructor(
    private readonly seq: number,
    private readonly kind: NoiseAggregation,
  ) {
    if (kind !== 'mean' && kind !== 'squareMean' && kind !== 'variance') {
      throw new Error(`Unknown noise aggregation '${String(kind)}'; use 'mean', 'squareMean' or 'variance'.`);
    }
    this.sum = new Float64Array(seq);
    this.sq = new Float64Array(seq);
    this.wMean = new Float64Array(seq);
    this.wM2 = new Float64Array(seq);
  }

  get samples(): number {
    return this.n;
  }

  add(scores: ArrayLike<number>): void {
    if (scores.length !== this.seq) throw new Error(`Expected ${this.seq} token scores, got ${scores.length}.`);
    this.n++;
    for (let t = 0; t < this.seq; t++) {
      const s = scores[t] as number;
      this.sum[t] = (this.sum[t] as number) + s;
      this.sq[t] = (this.sq[t] as number) + s ** 2;
      const q = this.kind === 'squareMean' ? s ** 2 : s;
      const d = q - (this.wMean[t] as number);
      this.wMean[t] = (this.wMean[t] as number) + d / this.n;
      this.wM2[t] = (this.wM2[t] as number) + d * (q - (this.wMean[t] as number));
    }
  }

  estimate(): Float64Array {
    const n = this.n;
    if (n === 0) throw new Error('No sample yet: add at least one sample before estimating.');
    if (this.kind === 'mean') return this.sum.map((v) => v / n);
    if (this.kind === 'squareMean') return this.sq.map((v) => v / n);
    return this.wM2.map((v) => (n > 1 ? v / (n - 1) : 0));
  }

  standardError(): Float64Array | undefined {
    const n = this.n;
    if (n < 2) return undefined;
    if (this.kind === 'variance') return this.wM2.map((v) => (v / (n - 1)) * Math.sqrt(2 / (n - 1)));
    return this.wM2.map((v) => Math.sqrt(v / (n - 1) / n));
  }
}

export function addGaussianNoise(input: Float32Array, noiseStd: number, rng: Rng): Float32Array {
  if (!(noiseStd >= 0) || !Number.isFinite(noiseStd))
    throw new Error(`noiseStd must be finite and >= 0 (got ${noiseStd}).`);
  // A plain loop: Float32Array.from(typedArray, fn) goes through the iterator protocol and a closure per entry,
  // about 4x slower at embedding sizes (same draws, same order, same values).
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = (input[i] as number) + noiseStd * rng.normal();
  return out;
}

export interface GradientShapSample {
  alpha: number;
  /** Noisy baseline. */
  baseline: Float32Array;
  /** baseline + alpha (input - baseline): where the gradient is taken. */
  point: Float32Array;
}

export function gradientShapSamples(
  n: number,
  input: Float32Array,
  baseline: Float32Array,
  noiseStd: number,
  rng: Rng,
): GradientShapSample[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`nPerturbations must be an integer >= 1 (got ${n}).`);
  return Array.from({ length: n }, () => gradientShapSample(input, baseline, noiseStd, rng));
}

/** One sample of `gradientShapSamples` (the same draws in the same order). */
export function gradientShapSample(
  input: Float32Array,
  baseline: Float32Array,
  noiseStd: number,
  rng: Rng,
): GradientShapSample {
  const alpha = rng.uniform();
  const noisy = addGaussianNoise(baseline, noiseStd, rng);
  return { alpha, baseline: noisy, point: interpolate(noisy, input, alpha) };
}
