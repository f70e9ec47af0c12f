import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GranularityAggregationStrategy as S, InferenceModes } from '../../src/types.ts';
import { aggregate, applyInferenceMode, poolRows, poolTokensToUnits } from '../../src/math/aggregate.ts';
import {
  aggregateNoisyScores,
  baselineEmbeddings,
  gradientShapSamples,
  integratedGradientsScores,
  interpolate,
  tokenScores,
  trapezoidAlphas,
} from '../../src/math/gradients.ts';
import {
  aopcComprehensiveness,
  aopcSufficiency,
  curveAuc,
  deletionMasks,
  insertionMasks,
  perturbationSteps,
  rankUnits,
} from '../../src/math/metrics.ts';
import { createRng } from '../../src/math/rng.ts';

describe('aggregation', () => {
  it('the seven strategies', () => {
    const v = [1, -4, 3, NaN, 2];
    expect(aggregate(v, S.MEAN)).toBe(0.5);
    expect(aggregate(v, S.MAX)).toBe(3);
    expect(aggregate(v, S.MIN)).toBe(-4);
    expect(aggregate(v, S.SUM)).toBe(2);
    expect(aggregate(v, S.SIGNED_MAX)).toBe(-4);
    expect(aggregate([2, -2], S.SIGNED_MAX)).toBe(2);
    expect(aggregate(v, S.FIRST)).toBe(1);
    expect(aggregate(v, S.LAST)).toBe(2);
    expect(aggregate([NaN], S.MEAN)).toBeNaN();
  });

  it('pools tokens into units, dropping special tokens', () => {
    const units = { unitOfToken: [-1, 0, 0, 1, 2, 2, 2, -1], nUnits: 3 };
    const scores = [100, 1, 3, -5, 2, -7, 4, 100];
    expect(Array.from(poolTokensToUnits(scores, units, S.MEAN))).toEqual([2, -5, -1 / 3]);
    expect(Array.from(poolTokensToUnits(scores, units, S.SIGNED_MAX))).toEqual([3, -5, -7]);
    expect(
      poolRows(
        [
          [1, 2],
          [3, NaN],
          [5, 6],
        ],
        [[0, 1], [2]],
        S.SUM,
      ),
    ).toEqual([
      [4, 2],
      [5, 6],
    ]);
    expect(() => poolTokensToUnits([1], units, S.MEAN)).toThrow(/one score per token/);
  });

  it('inference modes are stable and consistent', () => {
    const logits = [1000, 1001, 999];
    const p = applyInferenceMode(logits, InferenceModes.SOFTMAX);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(p[1]).toBeCloseTo(Math.E / (1 + Math.E + 1 / Math.E), 14);
    const lp = applyInferenceMode(logits, InferenceModes.LOG_SOFTMAX);
    lp.forEach((x, i) => expect(Math.exp(x)).toBeCloseTo(p[i]!, 14));
    expect(Array.from(applyInferenceMode(logits, InferenceModes.LOGITS))).toEqual(logits);
  });
});

describe('gradient scores', () => {
  const seq = 3;
  const hidden = 2;
  const x = Float32Array.from([1, -2, 0.5, 0, 3, 1]);
  const g = Float32Array.from([2, 1, -4, 7, 0.5, -1]);

  it('mean |g*x|, |g|, and signed sum', () => {
    expect(Array.from(tokenScores(g, x, seq, hidden))).toEqual([2, 1, 1.25]);
    expect(Array.from(tokenScores(g, x, seq, hidden, { inputXGradient: false }))).toEqual([1.5, 5.5, 0.75]);
    expect(Array.from(tokenScores(g, x, seq, hidden, { tokenReduction: 'sum' }))).toEqual([0, -2, 0.5]);
    expect(() => tokenScores(g, x, 2, hidden)).toThrow(/seq\*hidden/);
  });

  it('trapezoid weights and IG completeness on f(x) = sum_i c_i x_i^2', () => {
    const { alphas, weights } = trapezoidAlphas(5);
    expect(Array.from(alphas)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(weights)).toEqual([0.125, 0.25, 0.25, 0.25, 0.125]);
    const c = [0.5, -1, 2, 1, -0.5, 3];
    const f = (e: ArrayLike<number>) => c.reduce((s, ci, i) => s + ci * (e[i] as number) ** 2, 0);
    const grad = (e: Float32Array) => Float32Array.from(e, (v, i) => 2 * c[i]! * v);
    const base = baselineEmbeddings(0.2, seq, hidden);
    const n = 10;
    const grads = Array.from(trapezoidAlphas(n).alphas, (a) => grad(interpolate(base, x, a)));
    const a = integratedGradientsScores(grads, x, base, seq, hidden, { tokenReduction: 'sum' });
    // gradient is linear in alpha, so the trapezoid rule is exact: completeness up to float32 rounding
    expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(f(x) - f(base), 5);
    const unsigned = integratedGradientsScores(grads, x, base, seq, hidden);
    for (const v of unsigned) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('SmoothGrad / SquareGrad / VarGrad reductions and seeded GradientShap samples', () => {
    const s = [Float64Array.from([1, 2]), Float64Array.from([3, 2]), Float64Array.from([5, 2])];
    expect(Array.from(aggregateNoisyScores(s, 'mean'))).toEqual([3, 2]);
    expect(Array.from(aggregateNoisyScores(s, 'squareMean'))).toEqual([35 / 3, 4]);
    expect(Array.from(aggregateNoisyScores(s, 'variance'))).toEqual([4, 0]);
    const base = baselineEmbeddings(0, seq, hidden);
    const a = gradientShapSamples(4, x, base, 0.1, createRng(1));
    expect(gradientShapSamples(4, x, base, 0.1, createRng(1))).toEqual(a);
    for (const smp of a) {
      expect(smp.alpha >= 0 && smp.alpha < 1).toBe(true);
      smp.point.forEach((p, i) => expect(p).toBeCloseTo(smp.baseline[i]! + smp.alpha * (x[i]! - smp.baseline[i]!), 5));
    }
  });
});

describe('insertion / deletion helpers', () => {
  it('ranking: descending, ties by index, NaN excluded', () => {
    expect(rankUnits([0.1, 0.5, NaN, 0.5, -1])).toEqual([1, 3, 0, 4]);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(NaN))), (a) => {
        const r = rankUnits(a);
        expect(r.length).toBe(a.filter((v) => !Number.isNaN(v)).length);
        for (let i = 1; i < r.length; i++) {
          const [p, q] = [a[r[i - 1]!]!, a[r[i]!]!];
          expect(p > q || (p === q && r[i - 1]! < r[i]!)).toBe(true);
        }
      }),
      { seed: 2, numRuns: 100 },
    );
  });

  it('steps = floor(linspace(0, N, P)) and masks for a known ranking', () => {
    expect(perturbationSteps(10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(perturbationSteps(10, { nPerturbations: 4 })).toEqual([0, 2, 5, 7, 10]);
    expect(perturbationSteps(10, { maxPercentagePerturbed: 0.25, nPerturbations: 2 })).toEqual([0, 1, 3]);
    expect(perturbationSteps(0)).toEqual([0]);
    const ranking = [2, 0, 3];
    expect(deletionMasks(ranking, 4, [0, 1, 3]).map((m) => Array.from(m))).toEqual([
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 1, 1],
    ]);
    expect(insertionMasks(ranking, 4, [0, 1, 3]).map((m) => Array.from(m))).toEqual([
      [1, 0, 1, 1],
      [1, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
  });

  it('AUC and AOPC', () => {
    expect(curveAuc([1, 0.5, 0])).toBe(0.5);
    expect(curveAuc([0.8, 0.6, 0.2, 0.2])).toBeCloseTo((0.7 + 0.4 + 0.2) / 3, 15);
    expect(curveAuc([0.3])).toBe(0.3);
    expect(aopcComprehensiveness([0.9, 0.5, 0.1])).toBeCloseTo((0 + 0.4 + 0.8) / 3, 15);
    expect(aopcSufficiency(0.9, [0.1, 0.5, 0.9])).toBeCloseTo((0.8 + 0.4 + 0) / 3, 15);
  });
});
