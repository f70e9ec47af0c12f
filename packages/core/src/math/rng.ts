/**
 * Seeded random numbers for every sampling method (spec: "seed every random thing").
 *
 * Exports:
 * - `createRng(seed, stream?) -> Rng`: a generator (pure-rand xoroshiro128+) seeded by an integer; the optional
 *   `stream` number derives an independent generator from the same seed (e.g. one per input, so batching and
 *   input order never change results).
 * - `deriveSeed(seed, ...streams) -> number`: the 32-bit seed `createRng` uses for `(seed, ...streams)`.
 * - `Rng`: `uniform()` in [0,1) with 53 random bits, `normal()` standard normal (Marsaglia polar method),
 *   `int(lo, hi)` inclusive integer, `uint32()`, `shuffle(array)` in place (Fisher–Yates),
 *   `permutation(n)` (a shuffled 0..n-1), `subset(n, k)` (k distinct indices of 0..n-1, ascending).
 *
 * Same seed and stream -> identical streams. Uniforms, integers and shuffles are bit-identical on every
 * platform (integer arithmetic only); normals go through `Math.log`, which JS engines may round differently in
 * the last bit, so they can differ by an ulp across engines, never more.
 */

import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export interface Rng {
  /** Uniform in [0, 1), multiples of 2^-53. */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number;
  /** Uniform unsigned 32-bit integer. */
  uint32(): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): number[];
  /** `k` distinct indices drawn uniformly from 0..n-1, in ascending order. */
  subset(n: number, k: number): number[];
}

/** splitmix32-style finaliser: spreads every input bit over the output. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

function checkSeed(seed: number, what: string): void {
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${what} must be a safe integer (got ${String(seed)}); pass e.g. seed: 42.`);
  }
}

export function deriveSeed(seed: number, ...streams: number[]): number {
  checkSeed(seed, 'seed');
  // Fold the high bits in too, so seeds that differ only above 2^32 still differ.
  let h = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) >>> 0));
  for (const s of streams) {
    checkSeed(s, 'stream');
    h = mix32(h ^ mix32((s >>> 0) + 0x9e3779b9));
  }
  return h | 0;
}

class PureRng implements Rng {
  private readonly gen: RandomGenerator;
  private spare: number | undefined;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed);
  }

  uniform(): number {
    return uniformFloat64(this.gen);
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    // Marsaglia polar method: no trigonometry, two normals per accepted pair.
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const k = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * k;
        return u * k;
      }
    }
  }

  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new Error(`int(lo, hi) needs integers with lo <= hi (got ${lo}, ${hi}).`);
    }
    return uniformInt(this.gen, lo, hi);
  }

  uint32(): number {
    return this.gen.next() >>> 0;
  }

  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = uniformInt(this.gen, 0, i);
      const t = array[i] as T;
      array[i] = array[j] as T;
      array[j] = t;
    }
    return array;
  }

  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  subset(n: number, k: number): number[] {
    if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`subset(n, k) needs 0 <= k <= n (got n=${n}, k=${k}).`);
    // Partial Fisher–Yates: the first k entries of a shuffle.
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = uniformInt(this.gen, i, n - 1);
      const t = a[i] as number;
      a[i] = a[j] as number;
      a[j] = t;
    }
    return a.slice(0, k).sort((x, y) => x - y);
  }
}

export function createRng(seed: number, stream?: number): Rng {
  return new PureRng(stream === undefined ? deriveSeed(seed) : deriveSeed(seed, stream));
}
