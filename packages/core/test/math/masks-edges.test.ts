/**
 * Edges of the perturbation masks (src/math/masks.ts) that the estimator tests do not reach: argument bounds,
 * the Shapley kernel's values (the regression is blind to its scale), the kept count, the coalition-size law of
 * sampled Kernel SHAP and its draw count. Written from the surviving mutants of docs/mutation-report.md.
 */
import { describe, expect, it } from 'vitest';
import {
  kernelShapCoalitions,
  keptCount,
  limeMasks,
  occlusionMasks,
  shapleyKernelWeight,
  sobolMasks,
} from '../../src/math/masks.ts';
import { QmcSampler } from '../../src/math/qmc.ts';
import { createRng } from '../../src/math/rng.ts';

describe('argument bounds', () => {
  it('G must be a non-negative integer, for every builder', () => {
    for (const G of [-1, 1.5]) {
      expect(() => occlusionMasks(G)).toThrow(/G must be a non-negative integer/);
      expect(() => limeMasks(G, 4, 0.5, createRng(1))).toThrow(/G must be a non-negative integer/);
      expect(() => kernelShapCoalitions(G, 4, createRng(1))).toThrow(/G must be a non-negative integer/);
      expect(() => sobolMasks(G, 4, QmcSampler.SOBOL, createRng(1))).toThrow(/G must be a non-negative integer/);
    }
    expect(occlusionMasks(0)).toEqual([new Uint8Array(0)]);
  });

  it('counts: LIME and Sobol take >= 1, Kernel SHAP >= 2; the bound itself is accepted', () => {
    expect(() => limeMasks(3, 0, 0.5, createRng(1))).toThrow(/nPerturbations must be an integer >= 1 \(got 0\)/);
    expect(() => limeMasks(3, 2.5, 0.5, createRng(1))).toThrow(/nPerturbations must be an integer >= 1/);
    expect(limeMasks(3, 1, 0.5, createRng(1))).toHaveLength(1);
    expect(() => kernelShapCoalitions(3, 1, createRng(1))).toThrow(/nPerturbations must be an integer >= 2 \(got 1\)/);
    // G = 1 with 2 rows: both coalitions, enumerated exactly.
    const two = kernelShapCoalitions(1, 2, createRng(1));
    expect(two.masks.map((m) => Array.from(m))).toEqual([[0], [1]]);
    expect(two.exact).toBe(true);
    expect(() => sobolMasks(3, 0, QmcSampler.SOBOL, createRng(1))).toThrow(
      /nTokenPerturbations must be an integer >= 1/,
    );
    expect(sobolMasks(3, 1, QmcSampler.SOBOL, createRng(1)).masks).toHaveLength(5);
  });

  it('perturbProbability: 0 replaces nothing, 1 replaces everything, outside [0, 1] or NaN is rejected', () => {
    for (const row of limeMasks(5, 20, 0, createRng(2))) expect(Array.from(row)).toEqual([0, 0, 0, 0, 0]);
    for (const row of limeMasks(5, 20, 1, createRng(2))) expect(Array.from(row)).toEqual([1, 1, 1, 1, 1]);
    for (const p of [-0.1, 1.1, Number.NaN]) {
      expect(() => limeMasks(3, 4, p, createRng(1))).toThrow(/perturbProbability must lie in \[0, 1\]/);
    }
  });
});

describe('Shapley kernel and kept count', () => {
  it('keptCount counts the 0 (kept) cells', () => {
    expect(keptCount(Uint8Array.of(1, 0, 0, 1, 0))).toBe(3);
    expect(keptCount(Uint8Array.of(1, 1))).toBe(0);
  });

  it('pi(s) = (G-1) / (C(G,s) s (G-s)), infinite at s = 0 and s = G (also for G = 1)', () => {
    expect(shapleyKernelWeight(4, 1)).toBe(3 / (4 * 1 * 3));
    expect(shapleyKernelWeight(4, 2)).toBe(3 / (6 * 2 * 2));
    expect(shapleyKernelWeight(5, 2)).toBeCloseTo(4 / (10 * 2 * 3), 15);
    expect(shapleyKernelWeight(4, 0)).toBe(Infinity);
    expect(shapleyKernelWeight(4, 4)).toBe(Infinity);
    expect(shapleyKernelWeight(1, 0)).toBe(Infinity);
    expect(shapleyKernelWeight(1, 1)).toBe(Infinity);
  });
});

describe('Kernel SHAP sampling', () => {
  it('G = 0: one (empty) row, exact', () => {
    const c = kernelShapCoalitions(0, 2, createRng(1));
    expect(c.masks).toEqual([new Uint8Array(0)]);
    expect(Array.from(c.weights)).toEqual([Infinity]);
    expect(c.exact).toBe(true);
  });

  it('an even number of draws gives exactly that many (paired) rows of total weight', () => {
    const c = kernelShapCoalitions(10, 102, createRng(4));
    expect(c.exact).toBe(false);
    expect(c.weights.slice(2).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('coalition sizes follow the kernel law P(s) proportional to (G-1) / (s (G-s))', () => {
    // G = 16: P(s in {1, 15}) = 2 / sum_s 15/(s(16-s)) = 2 / (15/8 * H_15) = 0.32146...
    const G = 16;
    let total = 0;
    for (let s = 1; s < G; s++) total += (G - 1) / (s * (G - s));
    const expected = 2 / total;
    expect(expected).toBeCloseTo(0.32146, 4);
    const c = kernelShapCoalitions(G, 4002, createRng(11));
    let edge = 0;
    let all = 0;
    c.masks.slice(2).forEach((m, i) => {
      const w = c.weights[i + 2] as number;
      all += w;
      const s = keptCount(m);
      if (s === 1 || s === G - 1) edge += w;
    });
    expect(all).toBe(4000);
    // 2000 pairs: standard error ~0.0104; allow ~3.4 of them.
    expect(Math.abs(edge / all - expected)).toBeLessThan(0.035);
  });
});
