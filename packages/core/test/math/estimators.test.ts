import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/math/rng.ts';
import { QmcSampler } from '../../src/math/qmc.ts';
import { kernelShapCoalitions, limeMasks, occlusionMasks, sobolMasks } from '../../src/math/masks.ts';
import {
  LimeDistance,
  SobolIndicesOrder,
  bruteForceShapley,
  kernelShapAttributions,
  limeAttributions,
  limeDistance,
  occlusionAttributions,
  sobolIndices,
} from '../../src/math/estimators.ts';
import { weightedLeastSquares } from '../../src/math/linalg.ts';

const kept = (m: Uint8Array) => Array.from(m, (x) => 1 - x);
/** A non-additive "model" over G units: interactions and a non-linearity. */
const nonAdditive = (m: Uint8Array) => {
  const z = kept(m);
  const lin = z.reduce((s, v, i) => s + v * (i + 1) * (i % 2 ? -0.7 : 1.3), 0);
  return Math.tanh(lin / 5) + 2 * z[0]! * z[1]! - 1.5 * (z[2] ?? 1) * (z[3] ?? 0) * (z[4] ?? 1) + 0.3;
};

describe('masks', () => {
  it('occlusion = [0; I]', () => {
    const m = occlusionMasks(4);
    expect(m.map((r) => Array.from(r))).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(occlusionAttributions(5, [1, 5, 7, 5.5])).toEqual(Float64Array.from([4, 0, -2, -0.5]));
  });

  it('LIME masks follow the probability and the seed', () => {
    const a = limeMasks(10, 2000, 0.3, createRng(3));
    const rate = a.reduce((s, r) => s + r.reduce((q, x) => q + x, 0), 0) / 20000;
    expect(Math.abs(rate - 0.3)).toBeLessThan(0.02);
    expect(limeMasks(10, 50, 0.3, createRng(3))).toEqual(a.slice(0, 50));
    expect(limeMasks(10, 50, 0.3, createRng(4))).not.toEqual(a.slice(0, 50));
    expect(() => limeMasks(3, 10, 1.5, createRng(1))).toThrow(/perturbProbability/);
  });

  it('Kernel SHAP: enumeration when 2^G <= n, else empty+full then complementary pairs', () => {
    const ex = kernelShapCoalitions(4, 16, createRng(1));
    expect(ex.exact).toBe(true);
    expect(ex.masks.length).toBe(16);
    expect(new Set(ex.masks.map((m) => m.join(''))).size).toBe(16);
    expect(Array.from(ex.masks[0]!)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ex.masks[1]!)).toEqual([1, 1, 1, 1]);
    const s = kernelShapCoalitions(10, 101, createRng(2));
    expect(s.exact).toBe(false);
    expect(Array.from(s.masks[0]!)).toEqual(new Array(10).fill(0));
    expect(Array.from(s.masks[1]!)).toEqual(new Array(10).fill(1));
    // paired sampling: total weight of every coalition equals that of its complement, except one unpaired draw
    const w = new Map<string, number>();
    s.masks.slice(2).forEach((m, i) => w.set(m.join(''), s.weights[i + 2]!));
    let unpaired = 0;
    for (const [k, c] of w) {
      const comp = [...k].map((ch) => (ch === '1' ? '0' : '1')).join('');
      unpaired += Math.abs(c - (w.get(comp) ?? 0));
    }
    expect(unpaired).toBe(1); // 99 draws: 49 pairs and one single
    expect(s.weights.slice(2).reduce((a, b) => a + b, 0)).toBe(99);
    expect(kernelShapCoalitions(10, 101, createRng(2))).toEqual(s);
  });

  it('Sobol: (G+2)k rows, C_i = A except column i from B, binary', () => {
    for (const sampler of Object.values(QmcSampler)) {
      const G = 5;
      const k = 8;
      const { masks } = sobolMasks(G, k, sampler, createRng(7));
      expect(masks.length).toBe((G + 2) * k);
      for (let i = 0; i < G; i++) {
        for (let r = 0; r < k; r++) {
          const A = masks[r]!;
          const B = masks[k + r]!;
          const C = masks[(2 + i) * k + r]!;
          for (let g = 0; g < G; g++) expect(C[g]).toBe(g === i ? B[g] : A[g]);
        }
      }
      for (const m of masks) for (const x of m) expect(x === 0 || x === 1).toBe(true);
    }
    // 700 units > 512: A and B from two scrambles; still well-formed
    const big = sobolMasks(700, 2, QmcSampler.SOBOL, createRng(1));
    expect(big.masks.length).toBe(702 * 2);
  });
});

describe('estimators', () => {
  it('Kernel SHAP with enumeration equals brute-force Shapley on a non-additive function', () => {
    for (const G of [2, 3, 5, 7]) {
      const c = kernelShapCoalitions(G, 2 ** G, createRng(0));
      expect(c.exact).toBe(true);
      const phi = kernelShapAttributions(c, c.masks.map(nonAdditive));
      const truth = bruteForceShapley(G, nonAdditive);
      phi.forEach((p, i) => expect(p).toBeCloseTo(truth[i]!, 10));
    }
  });

  it('bruteForceShapley on a known game: v(S) = 1 when units 0 and 1 are both kept', () => {
    const phi = bruteForceShapley(3, (m) => (m[0] === 0 && m[1] === 0 ? 1 : 0));
    expect(Array.from(phi)).toEqual([0.5, 0.5, 0]);
  });

  it('Kernel SHAP efficiency holds exactly when sampling, and additive models are recovered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 4, max: 60 }), fc.integer(), (G, n, seed) => {
        const c = kernelShapCoalitions(G, n, createRng(seed));
        const f = c.masks.map(nonAdditive);
        const phi = kernelShapAttributions(c, f);
        expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(f[0]! - f[1]!, 12);
      }),
      { seed: 5, numRuns: 60 },
    );
    const w = [0.5, -1, 2, 0, 3, -0.25, 1, 1.5, -2, 0.75, 4, -3];
    const additive = (m: Uint8Array) => 1 + kept(m).reduce((s, z, i) => s + z * w[i]!, 0);
    const c = kernelShapCoalitions(12, 200, createRng(8));
    expect(c.exact).toBe(false);
    const phi = kernelShapAttributions(c, c.masks.map(additive));
    phi.forEach((p, i) => expect(p).toBeCloseTo(w[i]!, 9));
  });

  it('LIME recovers the exact coefficients of an additive function, with every distance', () => {
    const w = [0.5, -1, 2, 0, 3, -0.25];
    const f = (m: Uint8Array) => 0.7 + kept(m).reduce((s, z, i) => s + z * w[i]!, 0);
    const masks = limeMasks(6, 60, 0.5, createRng(1));
    for (const d of Object.values(LimeDistance)) {
      const r = limeAttributions(masks, masks.map(f), { distanceFunction: d });
      r.coef.forEach((c, i) => expect(c).toBeCloseTo(w[i]!, 9));
      expect(r.intercept).toBeCloseTo(0.7, 9);
    }
  });

  it('LIME distances use the kept vector against all-kept', () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(limeDistance(m, LimeDistance.HAMMING)).toBe(2);
    expect(limeDistance(m, LimeDistance.EUCLIDEAN)).toBeCloseTo(Math.SQRT2, 15);
    expect(limeDistance(m, LimeDistance.COSINE)).toBeCloseTo(1 - Math.sqrt(0.5), 15);
    expect(limeDistance(new Uint8Array(4), LimeDistance.COSINE)).toBe(0);
    expect(limeDistance(Uint8Array.from([1, 1]), LimeDistance.COSINE)).toBe(1);
  });

  it('LIME survives rank deficiency (fewer samples than units, identical samples) with finite output', () => {
    const masks = limeMasks(8, 3, 0.5, createRng(2));
    const r = limeAttributions(masks, [1, 2, 3]);
    for (const c of r.coef) expect(Number.isFinite(c)).toBe(true);
    const same = [Uint8Array.from([0, 1]), Uint8Array.from([0, 1])];
    const r2 = limeAttributions(same, [2, 2]);
    // unit 0 always kept (collinear with the intercept), unit 1 never kept: the ridge puts it all in the intercept
    expect(Math.abs(r2.coef[0]!)).toBeLessThan(1e-6);
    expect(r2.coef[1]).toBe(0);
    expect(r2.intercept).toBeCloseTo(2, 6);
  });

  it('weighted least squares by QR matches an exact solution and ignores zero weights', () => {
    const X = [
      [1, 2],
      [1, -1],
      [1, 0.5],
      [1, 3],
      [1, 10],
    ];
    const y = X.map((r) => 3 * r[0]! - 2 * r[1]!);
    y[4] = 1000; // outlier with weight 0
    const { coef, ridgeUsed } = weightedLeastSquares(X, y, [1, 2, 0.5, 3, 0]);
    expect(ridgeUsed).toBe(0);
    expect(coef[0]).toBeCloseTo(3, 12);
    expect(coef[1]).toBeCloseTo(-2, 12);
  });

  it('Sobol indices: units outside f are ~0, the relevant ones are not', () => {
    const G = 6;
    const k = 256;
    const f = (m: Uint8Array) => {
      const z = kept(m);
      return 2 * z[0]! + z[1]! + z[0]! * z[1]!;
    };
    for (const sampler of Object.values(QmcSampler)) {
      const { masks } = sobolMasks(G, k, sampler, createRng(3));
      const fv = masks.map(f);
      const first = sobolIndices(fv, G, k, SobolIndicesOrder.FIRST_ORDER);
      const total = sobolIndices(fv, G, k, SobolIndicesOrder.TOTAL_ORDER);
      for (let i = 2; i < G; i++) {
        expect(Math.abs(first[i]!)).toBeLessThan(0.1);
        expect(total[i]).toBe(0); // f(C_i) = f(A) exactly when unit i is irrelevant
      }
      // with Bernoulli(1/2) inputs: S_0 ~ 0.79, S_1 ~ 0.18 (unit 0 dominates)
      expect(first[0]).toBeGreaterThan(0.55);
      expect(first[1]).toBeGreaterThan(0.1);
      expect(total[0]).toBeGreaterThan(first[1]!);
    }
    expect(() => sobolIndices([1, 2, 3], 2, 2, SobolIndicesOrder.FIRST_ORDER)).toThrow(/\(G\+2\)k = 8/);
  });
});
