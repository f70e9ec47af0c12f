import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../src/math/rng.ts';
import { QmcSampler, SOBOL_MAX_DIMS, haltonPoints, latinHypercube, sample, sobolPoints } from '../../src/math/qmc.ts';

describe('rng', () => {
  it('same seed gives identical streams; different seeds or streams differ', () => {
    const draw = (seed: number, stream?: number) => {
      const r = createRng(seed, stream);
      return [r.uniform(), r.normal(), r.int(0, 1000), r.uint32(), ...r.permutation(10), ...r.subset(20, 5)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42, 0)).not.toEqual(draw(42, 1));
    expect(deriveSeed(1)).not.toBe(deriveSeed(1 + 2 ** 32));
    expect(() => createRng(0.5)).toThrow(/safe integer/);
  });

  it('uniform in [0,1), normal with mean 0 and variance 1, shuffles are permutations', () => {
    const r = createRng(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.04);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer(), (len, seed) => {
        const p = createRng(seed).permutation(len);
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: len }, (_, i) => i));
      }),
      { seed: 1, numRuns: 50 },
    );
  });
});

/** Every interval [i/b^m, (i+1)/b^m) holds exactly one of the first b^m values. */
function stratified(values: number[], cells: number): boolean {
  const hit = new Array<number>(cells).fill(0);
  for (const v of values) hit[Math.floor(v * cells + 1e-9)]! += 1; // unscrambled Halton points sit on cell edges
  return hit.every((h) => h === 1);
}

describe('Sobol', () => {
  it('matches the Joe-Kuo Sobol sequence (SciPy qmc.Sobol, scramble=False) across the table', () => {
    // x * 2^30 of points 5, 13, 31, 47, 63, 100, 255 in dimensions 0, 1, 2, 9, 100, 500, 1000, 1023.
    const expected: Record<number, number[]> = {
      5: [939524096, 939524096, 134217728, 134217728, 134217728, 939524096, 402653184, 402653184],
      13: [872415232, 738197504, 872415232, 469762048, 201326592, 335544320, 738197504, 469762048],
      31: [33554432, 570425344, 973078528, 637534208, 973078528, 436207616, 436207616, 369098752],
      47: [117440512, 754974720, 150994944, 788529152, 50331648, 922746880, 218103808, 452984832],
      63: [16777216, 855638016, 385875968, 620756992, 620756992, 687865856, 721420288, 553648128],
      100: [444596224, 276824064, 830472192, 746586112, 41943040, 192937984, 612368384, 1015021568],
      255: [4194304, 1069547520, 826277888, 381681664, 515899392, 599785472, 415236096, 121634816],
    };
    const pts = sobolPoints(256, SOBOL_MAX_DIMS, null);
    const dims = [0, 1, 2, 9, 100, 500, 1000, 1023];
    for (const [i, row] of Object.entries(expected)) {
      expect(dims.map((d) => Math.round((pts[Number(i)] as Float64Array)[d]! * 2 ** 30))).toEqual(row);
    }
  });

  it('first 2^m points stratify every dimension, scrambled or not, and scrambling is seeded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer(), fc.boolean(), (m, seed, scramble) => {
        const n = 2 ** m;
        const pts = sample(QmcSampler.SOBOL, n, 40, createRng(seed), { scramble });
        for (let d = 0; d < 40; d++)
          expect(
            stratified(
              pts.map((p) => p[d]!),
              n,
            ),
          ).toBe(true);
      }),
      { seed: 3, numRuns: 25 },
    );
    const a = sample(QmcSampler.SOBOL, 16, 5, createRng(9));
    expect(sample(QmcSampler.SOBOL, 16, 5, createRng(9))).toEqual(a);
    expect(sample(QmcSampler.SOBOL, 16, 5, createRng(10))).not.toEqual(a);
    expect(sample(QmcSampler.SOBOL, 16, 5, createRng(9), { scramble: false })).not.toEqual(a);
    expect(() => sobolPoints(4, SOBOL_MAX_DIMS + 1, null)).toThrow(/at most 1024 dimensions/);
  });

  it('scrambled Sobol integrates a smooth function better than plain Monte Carlo would', () => {
    // integral of prod_d (1 + (x_d - 0.5)) over [0,1]^5 is 1; QMC error at n=1024 is far below 1/sqrt(n)
    const pts = sample(QmcSampler.SOBOL, 1024, 5, createRng(4));
    const est = pts.reduce((s, p) => s + p.reduce((q, x) => q * (1 + (x - 0.5)), 1), 0) / pts.length;
    expect(Math.abs(est - 1)).toBeLessThan(2e-3);
  });
});

describe('Halton and Latin hypercube', () => {
  it('Halton: values in [0,1), b^m stratification in each prime base, scrambled or not', () => {
    const primes = [2, 3, 5, 7];
    for (const scramble of [false, true]) {
      const rng = createRng(5);
      const pts = scramble ? haltonPoints(125, 4, rng) : haltonPoints(125, 4, null);
      primes.forEach((b, d) => {
        const m = Math.floor(Math.log(125) / Math.log(b) + 1e-9);
        const n = b ** m;
        expect(
          stratified(
            pts.slice(0, n).map((p) => p[d]!),
            n,
          ),
        ).toBe(true);
      });
      for (const p of pts) for (const x of p) expect(x >= 0 && x < 1).toBe(true);
    }
    expect(haltonPoints(4, 1, null).map((p) => p[0])).toEqual([0, 0.5, 0.25, 0.75]);
    const wide = haltonPoints(50, 300, createRng(2));
    for (const p of wide) for (const x of p) expect(x >= 0 && x < 1).toBe(true);
  });

  it('LHS: one point per stratum per dimension; seeded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (n, dims, seed) => {
        const pts = latinHypercube(n, dims, createRng(seed));
        for (let d = 0; d < dims; d++)
          expect(
            stratified(
              pts.map((p) => p[d]!),
              n,
            ),
          ).toBe(true);
        expect(latinHypercube(n, dims, createRng(seed))).toEqual(pts);
      }),
      { seed: 11, numRuns: 40 },
    );
  });
});
