/**
 * Edges of the gradient-score and estimator math that the known-answer tests do not reach (found by mutation
 * testing, docs/mutation-report.md): every input check refuses what it should, the defaults are the spec's,
 * and the degenerate sizes (one sample, one unit, no unit) give the right numbers.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/math/rng.ts';
import { kernelShapCoalitions } from '../../src/math/masks.ts';
import {
  aggregateNoisyScores,
  addGaussianNoise,
  baselineEmbeddings,
  gradientShapSamples,
  integratedGradientsScores,
  interpolate,
  tokenScores,
  trapezoidAlphas,
} from '../../src/math/gradients.ts';
import {
  LimeDistance,
  SobolIndicesOrder,
  bruteForceShapley,
  defaultKernelWidth,
  kernelShapAttributions,
  limeAttributions,
  limeDistance,
  limeWeights,
  sobolIndices,
} from '../../src/math/estimators.ts';

const seq = 2;
const hidden = 2;
const x = Float32Array.from([1, -2, 0.5, 4]);
const g = Float32Array.from([3, 1, -2, 0.25]);

describe('gradient scores: checks and defaults', () => {
  it('refuses a wrong input, baseline or gradient layout, and an unknown reduction', () => {
    expect(() => tokenScores(g, x.subarray(1), seq, hidden)).toThrow(/input has 3 values/);
    expect(() => tokenScores(g.subarray(1), x, seq, hidden)).toThrow(/gradient has 3 values/);
    expect(() => tokenScores(g, x, seq, hidden, { tokenReduction: 'sum', baseline: [1, 2, 3] })).toThrow(
      /baseline has 3 values/,
    );
    expect(() => tokenScores(g, x, seq, hidden, { tokenReduction: 'max' as never })).toThrow(
      /Unknown tokenReduction 'max'/,
    );
    expect(() => integratedGradientsScores([g, g.subarray(1)], x, x, seq, hidden, { tokenReduction: 'sum' })).toThrow(
      /gradient 1 has 3 values/,
    );
  });

  it("'sum' uses (x - baseline) per entry", () => {
    // token 0: 3 (1 - 0.5) + 1 (-2 - 1) = -1.5; token 1: -2 (0.5 - 0) + 0.25 (4 - 2) = -0.5
    expect(Array.from(tokenScores(g, x, seq, hidden, { tokenReduction: 'sum', baseline: [0.5, 1, 0, 2] }))).toEqual([
      -1.5, -0.5,
    ]);
  });

  it('baselines: a finite constant or a [seq*hidden] array', () => {
    expect(Array.from(baselineEmbeddings(0.5, 1, 2))).toEqual([0.5, 0.5]);
    expect(Array.from(baselineEmbeddings([1, 2], 1, 2))).toEqual([1, 2]);
    expect(() => baselineEmbeddings(Infinity, 1, 2)).toThrow(/finite/);
    expect(() => baselineEmbeddings(NaN, 1, 2)).toThrow(/finite/);
    expect(() => baselineEmbeddings([1, 2, 3], 1, 2)).toThrow(/baseline has 3 values/);
  });

  it('trapezoid: two points at least, integers only; interpolate checks lengths', () => {
    expect(Array.from(trapezoidAlphas(2).weights)).toEqual([0.5, 0.5]);
    expect(() => trapezoidAlphas(1)).toThrow(/>= 2/);
    expect(() => trapezoidAlphas(2.5)).toThrow(/integer/);
    expect(() => interpolate(new Float32Array(2), new Float32Array(3), 0.5)).toThrow(/baseline has 2 values, input 3/);
    expect(Array.from(interpolate(Float32Array.from([1, 1]), Float32Array.from([3, -1]), 0.25))).toEqual([1.5, 0.5]);
  });

  it('IG default reduction: trapezoid of mean |g * point| at the path points (inputXGradient true by default)', () => {
    const base = Float32Array.from([1, 1, 1, 1]);
    const grads = [g, Float32Array.from([1, 1, 1, 1]), Float32Array.from([-1, 2, 0, 1])];
    const points = [0, 0.5, 1].map((a) => interpolate(base, x, a));
    const w = [0.25, 0.5, 0.25];
    const expected = [0, 1].map((t) =>
      grads.reduce(
        (s, gk, k) =>
          s +
          (w[k]! * (Math.abs(gk[2 * t]! * points[k]![2 * t]!) + Math.abs(gk[2 * t + 1]! * points[k]![2 * t + 1]!))) / 2,
        0,
      ),
    );
    const a = integratedGradientsScores(grads, x, base, seq, hidden);
    a.forEach((v, t) => expect(v).toBeCloseTo(expected[t]!, 6));
    // the same with the points given, and |g| alone when inputXGradient is false
    expect(integratedGradientsScores(grads, x, base, seq, hidden, { points })).toEqual(a);
    const plain = integratedGradientsScores(grads, x, base, seq, hidden, { inputXGradient: false });
    const expectedPlain = [0, 1].map((t) =>
      grads.reduce((s, gk, k) => s + (w[k]! * (Math.abs(gk[2 * t]!) + Math.abs(gk[2 * t + 1]!))) / 2, 0),
    );
    plain.forEach((v, t) => expect(v).toBeCloseTo(expectedPlain[t]!, 6));
  });
});

describe('noise: checks and degenerate sizes', () => {
  it('one sample: mean and square mean are that sample, the variance is 0; none is an error', () => {
    const one = [Float64Array.from([2, -3])];
    expect(Array.from(aggregateNoisyScores(one, 'mean'))).toEqual([2, -3]);
    expect(Array.from(aggregateNoisyScores(one, 'squareMean'))).toEqual([4, 9]);
    expect(Array.from(aggregateNoisyScores(one, 'variance'))).toEqual([0, 0]);
    expect(() => aggregateNoisyScores([], 'mean')).toThrow(/at least one/);
    expect(() => aggregateNoisyScores(one, 'median' as never)).toThrow(/Unknown noise aggregation 'median'/);
  });

  it('noise level: finite and >= 0; 0 returns the input; the draws are N(0, s^2)', () => {
    expect(() => addGaussianNoise(x, -0.1, createRng(1))).toThrow(/noiseStd/);
    expect(() => addGaussianNoise(x, NaN, createRng(1))).toThrow(/noiseStd/);
    expect(() => addGaussianNoise(x, Infinity, createRng(1))).toThrow(/noiseStd/);
    expect(addGaussianNoise(x, 0, createRng(1))).toEqual(x);
    const zeros = new Float32Array(20000);
    const noisy = addGaussianNoise(zeros, 0.5, createRng(2));
    const mean = noisy.reduce((s, v) => s + v, 0) / noisy.length;
    const sd = Math.sqrt(noisy.reduce((s, v) => s + (v - mean) ** 2, 0) / (noisy.length - 1));
    // 20000 draws: SE of the mean 0.0035, of the sd 0.0025; 4 SE bounds
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.01);
  });

  it('GradientShap samples: n an integer >= 1; alpha ~ U(0,1); noise on the baseline', () => {
    expect(() => gradientShapSamples(0, x, x, 0.1, createRng(1))).toThrow(/nPerturbations/);
    expect(() => gradientShapSamples(1.5, x, x, 0.1, createRng(1))).toThrow(/nPerturbations/);
    const base = new Float32Array(4);
    expect(gradientShapSamples(1, x, base, 0.1, createRng(1))).toHaveLength(1);
    const s = gradientShapSamples(400, x, base, 0, createRng(3));
    expect(s).toHaveLength(400);
    const abar = s.reduce((acc, smp) => acc + smp.alpha, 0) / s.length;
    expect(Math.abs(abar - 0.5)).toBeLessThan(0.06); // SE 0.0144, 4 SE
    for (const smp of s) {
      expect(smp.baseline).toEqual(base);
      smp.point.forEach((p, i) => expect(p).toBeCloseTo(smp.alpha * x[i]!, 6));
    }
  });
});

describe('estimators: checks and degenerate sizes', () => {
  it('LIME: default width 0.75 sqrt(G), width > 0, aligned finite outputs, known distances', () => {
    expect(defaultKernelWidth(16)).toBe(3);
    const masks = [Uint8Array.from([0, 0, 0, 0]), Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 1, 1, 1])];
    // HAMMING distances 0, 2, 4 with width 0.75 * 2 = 1.5
    expect(Array.from(limeWeights(masks, LimeDistance.HAMMING))).toEqual([
      1,
      Math.exp(-4 / 2.25),
      Math.exp(-16 / 2.25),
    ]);
    expect(Array.from(limeWeights(masks, LimeDistance.HAMMING, 2))).toEqual([1, Math.exp(-1), Math.exp(-4)]);
    expect(() => limeWeights(masks, LimeDistance.HAMMING, 0)).toThrow(/kernelWidth must be > 0/);
    expect(() => limeWeights(masks, LimeDistance.HAMMING, NaN)).toThrow(/kernelWidth/);
    expect(() => limeDistance(masks[0]!, 'MANHATTAN' as never)).toThrow(/Unknown LIME distance MANHATTAN/);
    expect(() => limeAttributions(masks, [1, 2])).toThrow(/3 mask rows but 2 model outputs/);
    expect(() => limeAttributions(masks, [1, NaN, 2])).toThrow(/model output 1 is NaN/);
    expect(() => limeAttributions(masks, [1, Infinity, 2])).toThrow(/model output 1 is Infinity/);
  });

  it('LIME weights the samples: a far sample moves the fit less than a near one', () => {
    // Two units; y is not linear in the kept indicators, so the weighted fit depends on the weights.
    const masks = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ].map((m) => Uint8Array.from(m));
    const y = [3, 1, 1, 2];
    const r = limeAttributions(masks, y, { distanceFunction: LimeDistance.HAMMING, kernelWidth: 1 });
    expect(Array.from(r.weights)).toEqual([1, Math.exp(-1), Math.exp(-1), Math.exp(-4)]);
    // Normal equations of the weighted fit y ~ b + c0 z0 + c1 z1 with weights (1, e^-1, e^-1, e^-4), solved here.
    const [w0, w1, w3] = [1, Math.exp(-1), Math.exp(-4)];
    // By symmetry c0 = c1 = c; rows: z = (1,1) y 3 w0; (0,1) and (1,0) y 1 w1; (0,0) y 2 w3.
    // minimise w0 (3 - b - 2c)^2 + 2 w1 (1 - b - c)^2 + w3 (2 - b)^2  ->  3 equations in (b, c), closed form:
    const A = [
      [w0 + 2 * w1 + w3, 2 * w0 + 2 * w1],
      [2 * w0 + 2 * w1, 4 * w0 + 2 * w1],
    ];
    const rhs = [3 * w0 + 2 * w1 + 2 * w3, 6 * w0 + 2 * w1];
    const det = A[0]![0]! * A[1]![1]! - A[0]![1]! * A[1]![0]!;
    const b = (rhs[0]! * A[1]![1]! - A[0]![1]! * rhs[1]!) / det;
    const c = (A[0]![0]! * rhs[1]! - rhs[0]! * A[1]![0]!) / det;
    expect(r.intercept).toBeCloseTo(b, 10);
    expect(r.coef[0]).toBeCloseTo(c, 10);
    expect(r.coef[1]).toBeCloseTo(c, 10);
  });

  it('Kernel SHAP: no unit, one unit (all of f(x) - f(empty)), misaligned outputs', () => {
    const none = kernelShapCoalitions(0, 4, createRng(1));
    expect(kernelShapAttributions(none, [5])).toHaveLength(0);
    const one = kernelShapCoalitions(1, 4, createRng(1));
    expect(Array.from(kernelShapAttributions(one, [5, 2]))).toEqual([3]);
    const two = kernelShapCoalitions(2, 4, createRng(1));
    expect(() => kernelShapAttributions(two, [1, 2])).toThrow(/4 mask rows but 2 model outputs/);
    // G = 2 exact: v(full) = 5, v(empty) = 1, v({0}) = 4, v({1}) = 1: phi_0 = ((4-1) + (5-1))/2 = 3.5, phi_1 = 0.5
    const v = two.masks.map((m) => (m[0] === 0 && m[1] === 0 ? 5 : m[0] === 0 ? 4 : m[1] === 0 ? 1 : 1));
    const phi = kernelShapAttributions(two, v);
    expect(phi[0]).toBeCloseTo(3.5, 12);
    expect(phi[1]).toBeCloseTo(0.5, 12);
  });

  it('sampled Kernel SHAP recovers an additive game with a non-zero empty value, with an unpaired draw', () => {
    // 39 draws: 19 complementary pairs and one single; f(empty) = 2.5. With complete pairs a constant offset of
    // the regression target is invisible (it projects to zero), the unpaired row makes it count.
    const w = [0.5, -1, 2, 0, 3, -0.25, 1, 1.5, -2, 0.75, 4, -3];
    const additive = (m: Uint8Array) => 2.5 + Array.from(m).reduce((s, r, i) => s + (1 - r) * w[i]!, 0);
    const c = kernelShapCoalitions(12, 41, createRng(6));
    expect(c.exact).toBe(false);
    kernelShapAttributions(c, c.masks.map(additive)).forEach((p, i) => expect(p).toBeCloseTo(w[i]!, 9));
  });

  it('Sobol: k = 1 has no variance (indices 0 or the squared difference over 1e-6), unknown order refused', () => {
    // G = 1, k = 1: rows A, B, C_0
    expect(Array.from(sobolIndices([1, 3, 3], 1, 1, SobolIndicesOrder.TOTAL_ORDER))).toEqual([4 / 1e-6]);
    expect(Array.from(sobolIndices([1, 3, 3], 1, 1, SobolIndicesOrder.FIRST_ORDER))).toEqual([0]);
    expect(sobolIndices([1, 3, 4], 1, 1, SobolIndicesOrder.FIRST_ORDER)[0]).toBeCloseTo(-0.5 / 1e-6, 3);
    expect(() => sobolIndices([1, 3, 3], 1, 1, 'SECOND' as never)).toThrow(/Unknown Sobol indices order SECOND/);
    // k = 2 by hand: f(A) = [0, 2] -> V = 2 (unbiased); f(B) = [3, 1]; f(C_0) = [2, 2]
    // (f(B) differs from mean f(A), so reading one row past A would change V)
    const f = [0, 2, 3, 1, 2, 2];
    expect(sobolIndices(f, 1, 2, SobolIndicesOrder.TOTAL_ORDER)[0]).toBeCloseTo((4 + 0) / 2 / (4 + 1e-6), 12);
    expect(sobolIndices(f, 1, 2, SobolIndicesOrder.FIRST_ORDER)[0]).toBeCloseTo((2 - (1 + 1) / 2 / 2) / (2 + 1e-6), 12);
  });

  it('brute-force Shapley: 0 <= G <= 20', () => {
    expect(bruteForceShapley(0, () => 1)).toHaveLength(0);
    expect(() => bruteForceShapley(21, () => 0)).toThrow(/0 <= G <= 20/);
    expect(() => bruteForceShapley(-1, () => 0)).toThrow(/0 <= G <= 20/);
    expect(() => bruteForceShapley(1.5, () => 0)).toThrow(/0 <= G <= 20/);
  });
});
