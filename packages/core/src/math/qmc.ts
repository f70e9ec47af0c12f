/**
 * Quasi-Monte-Carlo samplers for the Sobol attribution method (docs/spec.md §2).
 *
 * Exports:
 * - `QmcSampler` enum: `SOBOL`, `HALTON`, `LATIN_HYPERCUBE` (what `Sobol.samplers` exposes).
 * - `sample(kind, n, dims, rng, { scramble? }) -> Float64Array[]`: `n` rows of `dims` values in [0, 1).
 *   `scramble` (default true) only matters for SOBOL and HALTON; LATIN_HYPERCUBE is random by nature.
 * - `sobolPoints(n, dims, rng | null)`: Sobol points, Joe–Kuo direction numbers, Gray-code order (the order
 *   SciPy's `qmc.Sobol` uses); `rng` given -> random linear matrix scrambling + digital shift (Matoušek 1998;
 *   both keep the (t, m, s)-net structure, so the first 2^m points still stratify every dimension); null -> plain.
 * - `haltonPoints(n, dims, rng | null)`: Halton points (dimension d uses the d-th prime); `rng` given -> one
 *   random permutation of the digits per (dimension, digit position), which keeps the stratification of the
 *   first b^m points per dimension.
 * - `latinHypercube(n, dims, rng)`: one point per stratum [i/n, (i+1)/n) in each dimension, jittered.
 * - `sampleStream(kind, n, dims, rng)`, `sobolStream`, `haltonStream`: the same points one per call (bounded memory).
 * - `SOBOL_MAX_DIMS` (1024): dimensions the embedded Joe–Kuo table covers.
 *
 * Everything is deterministic given the rng's seed.
 */

import type { Rng } from './rng.ts';
import { SOBOL_DIRECTIONS, SOBOL_MAX_DIMS } from './sobol-directions.ts';

export { SOBOL_MAX_DIMS };

export enum QmcSampler {
  SOBOL = 'SOBOL',
  HALTON = 'HALTON',
  LATIN_HYPERCUBE = 'LATIN_HYPERCUBE',
}

const BITS = 32;
const TWO_32 = 2 ** 32;

function checkShape(n: number, dims: number, maxDims = Infinity): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`Number of QMC points must be a non-negative integer (got ${n}).`);
  if (!Number.isInteger(dims) || dims < 0)
    throw new Error(`Number of QMC dimensions must be a non-negative integer (got ${dims}).`);
  if (dims > maxDims) {
    throw new Error(
      `The Sobol sequence covers at most ${maxDims} dimensions (units); got ${dims}. Use a coarser granularity ` +
        `(WORD, SENTENCE) or the HALTON / LATIN_HYPERCUBE sampler.`,
    );
  }
}

let decoded: Uint32Array[] | undefined;

/** Direction numbers v_k (k = 0..31, as 32-bit fractions: bit 31 is the 1/2 digit) of every dimension. */
function directionNumbers(): Uint32Array[] {
  if (decoded) return decoded;
  const out: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) first[k] = (1 << (BITS - 1 - k)) >>> 0; // van der Corput
  out.push(first);
  for (const entry of SOBOL_DIRECTIONS.split(',')) {
    const nums = entry.split(' ').map((t) => parseInt(t, 36));
    const a = nums[0] as number;
    const m = nums.slice(1);
    const s = m.length;
    const v = new Uint32Array(BITS);
    for (let k = 0; k < BITS; k++) {
      if (k < s) {
        v[k] = ((m[k] as number) << (BITS - 1 - k)) >>> 0;
      } else {
        // Bratley–Fox recurrence: v_k = v_{k-s} ^ (v_{k-s} >> s) ^ sum_i a_i v_{k-i}.
        let x = (v[k - s] as number) ^ ((v[k - s] as number) >>> s);
        for (let i = 1; i < s; i++) {
          if ((a >>> (s - 1 - i)) & 1) x ^= v[k - i] as number;
        }
        v[k] = x >>> 0;
      }
    }
    out.push(v);
  }
  decoded = out;
  return out;
}

function parity32(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Left-multiplies the generator matrix of one dimension by a random unit lower-triangular matrix. */
function scrambleDirections(v: Uint32Array, rng: Rng): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let r = 0; r < BITS; r++) {
    // Digit r lives in bit (31 - r); row r mixes digits 0..r (bits 31-r..31), with a 1 on the diagonal.
    const above = r === 0 ? 0 : (rng.uint32() & (0xffffffff << (BITS - r))) >>> 0;
    rows[r] = (above | (1 << (BITS - 1 - r))) >>> 0;
  }
  const out = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) {
    let x = 0;
    for (let r = 0; r < BITS; r++) {
      if (parity32((rows[r] as number) & (v[k] as number))) x |= 1 << (BITS - 1 - r);
    }
    out[k] = x >>> 0;
  }
  return out;
}

/** index of the lowest set bit (i > 0). */
function ctz(i: number): number {
  let c = 0;
  while (i % 2 === 0) {
    i /= 2;
    c++;
  }
  return c;
}

/** Sobol points one at a time (the scrambling is drawn here, up front; `next()` draws nothing more). */
export function sobolStream(n: number, dims: number, rng: Rng | null): () => Float64Array {
  checkShape(n, dims, SOBOL_MAX_DIMS);
  if (n > 2 ** 31) throw new Error(`At most 2^31 Sobol points are supported (got ${n}).`);
  const all = directionNumbers();
  const v: Uint32Array[] = [];
  const shift = new Uint32Array(dims);
  for (let d = 0; d < dims; d++) {
    const base = all[d] as Uint32Array;
    v.push(rng ? scrambleDirections(base, rng) : base);
    shift[d] = rng ? rng.uint32() : 0;
  }
  const state = new Uint32Array(dims);
  let i = 0;
  return () => {
    if (i > 0) {
      const c = ctz(i); // Gray code: point i differs from point i-1 by direction c.
      for (let d = 0; d < dims; d++) state[d] = ((state[d] as number) ^ ((v[d] as Uint32Array)[c] as number)) >>> 0;
    }
    i++;
    const row = new Float64Array(dims);
    for (let d = 0; d < dims; d++) row[d] = (((state[d] as number) ^ (shift[d] as number)) >>> 0) / TWO_32;
    return row;
  };
}

export function sobolPoints(n: number, dims: number, rng: Rng | null): Float64Array[] {
  const next = sobolStream(n, dims, rng);
  return Array.from({ length: n }, next);
}

function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let c = 2; primes.length < count; c++) {
    let isPrime = true;
    for (const p of primes) {
      if (p * p > c) break;
      if (c % p === 0) {
        isPrime = false;
        break;
      }
    }
    if (isPrime) primes.push(c);
  }
  return primes;
}

const BELOW_ONE = 1 - 2 ** -53;

/** Halton points one at a time (the digit permutations are drawn here, up front). */
export function haltonStream(n: number, dims: number, rng: Rng | null): () => Float64Array {
  checkShape(n, dims);
  const primes = firstPrimes(dims);
  // Digits kept per base: enough for double precision while b^-D stays representable below 1.
  const nDigits = primes.map((b) => Math.max(1, Math.floor(52 / Math.log2(b))));
  const perms: Int32Array[][] = primes.map((b, d) => {
    const D = nDigits[d] as number;
    // Digits at positions >= `used` are 0 for every index < n: only perm[0] matters there, which is a
    // uniform digit, so draw just that instead of a whole permutation (keeps 1000+ dimensions fast).
    let used = 1;
    while (b ** used < n) used++;
    const out: Int32Array[] = [];
    for (let k = 0; k < D; k++) {
      if (!rng) out.push(Int32Array.from({ length: b }, (_, i) => i));
      else if (k < used) out.push(Int32Array.from(rng.permutation(b)));
      else out.push(Int32Array.of(rng.int(0, b - 1)));
    }
    return out;
  });
  let i = 0;
  return () => {
    const row = new Float64Array(dims);
    for (let d = 0; d < dims; d++) {
      const b = primes[d] as number;
      const D = nDigits[d] as number;
      const p = perms[d] as Int32Array[];
      let rest = i;
      let scale = 1 / b;
      let x = 0;
      for (let k = 0; k < D; k++) {
        const digit = rest % b;
        rest = (rest - digit) / b;
        x += ((p[k] as Int32Array)[digit] as number) * scale;
        scale /= b;
        if (!rng && rest === 0) break; // unscrambled: the remaining digits are zeros
      }
      row[d] = Math.min(x, BELOW_ONE);
    }
    i++;
    return row;
  };
}

export function haltonPoints(n: number, dims: number, rng: Rng | null): Float64Array[] {
  const next = haltonStream(n, dims, rng);
  return Array.from({ length: n }, next);
}

export function latinHypercube(n: number, dims: number, rng: Rng): Float64Array[] {
  checkShape(n, dims);
  const rows = Array.from({ length: n }, () => new Float64Array(dims));
  for (let d = 0; d < dims; d++) {
    const perm = rng.permutation(n);
    for (let i = 0; i < n; i++) {
      (rows[i] as Float64Array)[d] = Math.min(((perm[i] as number) + rng.uniform()) / n, BELOW_ONE);
    }
  }
  return rows;
}

export function sample(
  kind: QmcSampler,
  n: number,
  dims: number,
  rng: Rng,
  options: { scramble?: boolean } = {},
): Float64Array[] {
  const next = sampleStream(kind, n, dims, rng, options);
  return Array.from({ length: n }, next);
}

/**
 * The points of `sample(kind, n, dims, rng)`, one per call, in the same order and drawing the same random numbers:
 * SOBOL and HALTON draw their scrambling up front and then compute each point on demand (memory O(dims));
 * LATIN_HYPERCUBE needs every stratum permutation first, so it draws all n points up front.
 */
export function sampleStream(
  kind: QmcSampler,
  n: number,
  dims: number,
  rng: Rng,
  options: { scramble?: boolean } = {},
): () => Float64Array {
  const scramble = options.scramble ?? true;
  switch (kind) {
    case QmcSampler.SOBOL:
      return sobolStream(n, dims, scramble ? rng : null);
    case QmcSampler.HALTON:
      return haltonStream(n, dims, scramble ? rng : null);
    case QmcSampler.LATIN_HYPERCUBE: {
      const rows = latinHypercube(n, dims, rng);
      let i = 0;
      return () => rows[i++] as Float64Array;
    }
    default:
      throw new Error(`Unknown sampler ${String(kind)}; use one of ${Object.values(QmcSampler).join(', ')}.`);
  }
}
