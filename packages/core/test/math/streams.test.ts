/**
 * The on-demand samplers and running estimators behind the anytime results: any prefix is usable, the whole stream
 * is the eager result, and the running statistics equal their direct formulas.
 */
import { describe, expect, test } from 'vitest';
import {
  aggregateNoisyScores,
  createRng,
  KernelShapStream,
  kernelShapCoalitions,
  NoisyScoreAccumulator,
  QmcSampler,
  sample,
  sampleStream,
  SobolAccumulator,
  SobolIndicesOrder,
  SobolMaskStream,
} from '../../src/math/index.ts';

describe('sampleStream', () => {
  test.each(Object.values(QmcSampler))('%s: the points of sample(), one per call', (kind) => {
    const eager = sample(kind, 37, 6, createRng(4));
    const next = sampleStream(kind, 37, 6, createRng(4));
    expect(Array.from({ length: 37 }, next)).toEqual(eager);
  });
});

describe('KernelShapStream', () => {
  test('rows come one at a time; counts, samples used and rows left are right at every step; stop ends it', () => {
    const G = 12;
    const n = 301;
    const whole = kernelShapCoalitions(G, n, createRng(5));
    const s = new KernelShapStream(G, n, createRng(5));
    expect(s.exact).toBe(false);
    expect(s.budget).toBe(n);
    let handed = 0;
    let lastUsed = 0;
    for (let row = s.next(); row; row = s.next()) {
      handed++;
      expect(row).toEqual(whole.masks[handed - 1]);
      const c = s.coalitions();
      expect(c.masks).toHaveLength(handed);
      // Counts so far never exceed the final ones, and add up to the draws behind the rows handed out.
      c.weights.forEach((w, r) => expect(w).toBeLessThanOrEqual(whole.weights[r]!));
      const draws = handed <= 2 ? handed : Array.from(c.weights.slice(2)).reduce((a, b) => a + b, 0) + 2;
      expect(s.samplesUsed).toBe(draws);
      expect(s.samplesUsed).toBeGreaterThanOrEqual(lastUsed);
      lastUsed = s.samplesUsed;
      expect(handed + s.rowsLeft).toBeGreaterThanOrEqual(whole.masks.length);
      if (handed === 40) {
        const stopped = new KernelShapStream(G, n, createRng(5));
        for (let i = 0; i < 40; i++) stopped.next();
        stopped.stop();
        expect(stopped.next()).toBeUndefined();
        expect(stopped.rowsLeft).toBe(0);
        expect(stopped.coalitions().masks).toHaveLength(40);
      }
    }
    expect(s.rowsLeft).toBe(0);
    expect(s.samplesUsed).toBe(n);
    expect(s.coalitions()).toEqual(whole);
  });

  test('an enumeration hands out 2^G rows, budget 2^G', () => {
    const s = new KernelShapStream(4, 100, createRng(1));
    expect(s.exact).toBe(true);
    expect(s.budget).toBe(16);
    let rows = 0;
    while (s.next()) rows++;
    expect(rows).toBe(16);
    expect(s.samplesUsed).toBe(16);
  });
});

describe('SobolAccumulator', () => {
  test('fed sample by sample, it gives the Jansen estimators of the completed samples', () => {
    const G = 5;
    const k = 24;
    const rows = new SobolMaskStream(G, k, QmcSampler.SOBOL, createRng(3));
    // An additive score with noise, so that every estimator term matters.
    const f = (m: Uint8Array, i: number) => m.reduce((s, v, g) => s + (1 - v) * (g + 1), 0) + 0.1 * Math.sin(i);
    const byBlock = { A: [] as number[], B: [] as number[], C: Array.from({ length: G }, () => [] as number[]) };
    const accs = Object.values(SobolIndicesOrder).map((o) => new SobolAccumulator(G, k, o));
    let i = 0;
    for (let row = rows.next(); row; row = rows.next(), i++) {
      const v = f(row.mask, i);
      if (row.block === -2) byBlock.A.push(v);
      else if (row.block === -1) byBlock.B.push(v);
      else byBlock.C[row.block]!.push(v);
      for (const acc of accs) acc.add(row.sample, row.block, v);
      const done = accs[0]!.samples;
      // Only completed samples count: the one in progress never leaks into the estimate.
      expect(done).toBe(row.block === G - 1 ? row.sample + 1 : row.sample);
      if (done >= 2 && row.block === G - 1) {
        const A = byBlock.A.slice(0, done);
        const mean = A.reduce((s, x) => s + x, 0) / done;
        const V = A.reduce((s, x) => s + (x - mean) ** 2, 0) / (done - 1);
        for (const [o, acc] of accs.entries()) {
          const expected = byBlock.C.map((C) => {
            const other = o === 0 ? byBlock.B : byBlock.A;
            const m = C.slice(0, done).reduce((s, c, r) => s + (other[r]! - c) ** 2, 0) / done;
            return o === 0 ? (V - m / 2) / (V + 1e-6) : m / (2 * V + 1e-6);
          });
          Array.from(acc.indices()).forEach((v, g) => expect(v).toBeCloseTo(expected[g]!, 12));
        }
      }
    }
    expect(accs[0]!.samples).toBe(k);
  });
});

describe('NoisyScoreAccumulator', () => {
  test('mean and squareMean equal aggregateNoisyScores bit for bit, variance to rounding; the standard errors', () => {
    const rng = createRng(9);
    const scores = Array.from({ length: 30 }, () => Float64Array.from({ length: 4 }, () => 1 + rng.normal()));
    for (const kind of ['mean', 'squareMean', 'variance'] as const) {
      const acc = new NoisyScoreAccumulator(4, kind);
      expect(acc.standardError()).toBeUndefined();
      scores.forEach((s, n) => {
        acc.add(s);
        const direct = aggregateNoisyScores(scores.slice(0, n + 1), kind);
        if (kind === 'variance') Array.from(acc.estimate()).forEach((v, t) => expect(v).toBeCloseTo(direct[t]!, 12));
        else expect(acc.estimate()).toEqual(direct);
      });
      const se = acc.standardError()!;
      const q = scores.map((s) => Array.from(s, (v) => (kind === 'squareMean' ? v * v : v)));
      for (let t = 0; t < 4; t++) {
        const xs = q.map((r) => r[t]!);
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
        const expected = kind === 'variance' ? v * Math.sqrt(2 / 29) : Math.sqrt(v / 30);
        expect(se[t]).toBeCloseTo(expected, 12);
      }
    }
  });
});
