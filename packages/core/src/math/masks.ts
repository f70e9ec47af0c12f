/**
 * Perturbation masks of the perturbation-based methods (docs/spec.md §2).
 *
 * A mask row is a `Uint8Array` of length G (number of units); 1 = the unit is replaced, 0 = kept.
 * The explainer turns each row into one model input (every token of a replaced unit -> replacement token).
 *
 * Exports:
 * - `occlusionMasks(G)`: P = G+1 rows; row 0 all zeros (the original input), row g+1 replaces unit g only.
 * - `limeMasks(G, nPerturbations, perturbProbability, rng)`: nPerturbations rows, each unit replaced
 *   independently with probability `perturbProbability`.
 * - `kernelShapCoalitions(G, nPerturbations, rng) -> { masks, weights, exact }`: see the function's comment;
 *   row 0 = nothing replaced (f(x)), row 1 = everything replaced (f(empty)), then the regression rows.
 * - `sobolMasks(G, k, sampler, rng) -> { masks, k }`: A, B (k x G each, binarised at 0.5, 1 = replaced) then
 *   C_0..C_{G-1}; rows [0,k) = A, [k,2k) = B, [(2+i)k, (3+i)k) = C_i (= A with column i taken from B);
 *   P = (G+2)k.
 * - Streams of the same rows, drawn on demand with the same random numbers (bounded memory, any prefix usable):
 *   `limeMaskStream(G, p, rng)`, `KernelShapStream`, `SobolMaskStream` (sample by sample: A_r, B_r, C_0r..).
 * - `shapleyKernelWeight(G, s)`: the Shapley kernel pi(s) for a coalition of s kept units out of G.
 * - `SobolSamplingSpec` type, `keptCount(mask)`.
 */

import type { Rng } from './rng.ts';
import { QmcSampler, SOBOL_MAX_DIMS, sampleStream } from './qmc.ts';

function checkUnits(G: number): void {
  if (!Number.isInteger(G) || G < 0) throw new Error(`Number of units G must be a non-negative integer (got ${G}).`);
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got ${n}).`);
}

export function occlusionMasks(G: number): Uint8Array[] {
  checkUnits(G);
  const rows = [new Uint8Array(G)];
  for (let g = 0; g < G; g++) {
    const row = new Uint8Array(G);
    row[g] = 1;
    rows.push(row);
  }
  return rows;
}

export function limeMasks(G: number, nPerturbations: number, perturbProbability: number, rng: Rng): Uint8Array[] {
  checkCount('nPerturbations', nPerturbations, 1);
  const next = limeMaskStream(G, perturbProbability, rng);
  return Array.from({ length: nPerturbations }, next);
}

/** The rows of `limeMasks`, one per call, drawing the same random numbers in the same order. */
export function limeMaskStream(G: number, perturbProbability: number, rng: Rng): () => Uint8Array {
  checkUnits(G);
  if (!(perturbProbability >= 0 && perturbProbability <= 1)) {
    throw new Error(`perturbProbability must lie in [0, 1] (got ${perturbProbability}).`);
  }
  return () => {
    const row = new Uint8Array(G);
    for (let g = 0; g < G; g++) row[g] = rng.uniform() < perturbProbability ? 1 : 0;
    return row;
  };
}

export function keptCount(mask: Uint8Array): number {
  let s = 0;
  for (const m of mask) if (m === 0) s++;
  return s;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Shapley kernel pi(s) = (G-1) / (C(G,s) s (G-s)); infinite for s = 0 and s = G (those are constraints). */
export function shapleyKernelWeight(G: number, s: number): number {
  if (s <= 0 || s >= G) return Infinity;
  return (G - 1) / (binomial(G, s) * s * (G - s));
}

export interface KernelShapCoalitions {
  /** Row 0: nothing replaced; row 1: everything replaced; rows 2..: regression coalitions. */
  masks: Uint8Array[];
  /** Regression weight of each row; Infinity for rows 0 and 1 (enforced exactly as constraints). */
  weights: Float64Array;
  /** True when every coalition was enumerated (2^G <= nPerturbations): the result is then the exact Shapley value. */
  exact: boolean;
}

/**
 * Kernel SHAP coalitions (Lundberg and Lee 2017).
 *
 * - 2^G <= nPerturbations: every coalition, each weighted by the Shapley kernel (`exact` = true); solving the
 *   constrained weighted regression on them gives the exact Shapley values.
 * - otherwise: the empty and full coalitions, then nPerturbations - 2 coalitions drawn from the Shapley kernel
 *   distribution (size s with probability proportional to (G-1)/(s(G-s)), then a uniform subset of that size),
 *   in complementary pairs (a coalition and its complement; the last draw is unpaired when the count is odd).
 *   Because the draws already follow the kernel, each draw has weight 1 (Covert and Lee 2021); identical
 *   coalitions are merged into one row whose weight is their count, so fewer than nPerturbations rows may come
 *   back (fewer model calls, same estimate).
 */
export function kernelShapCoalitions(G: number, nPerturbations: number, rng: Rng): KernelShapCoalitions {
  const stream = new KernelShapStream(G, nPerturbations, rng);
  while (stream.next()) {
    // every row is kept by the stream
  }
  return stream.coalitions();
}

/**
 * The coalitions of `kernelShapCoalitions`, drawn on demand: `next()` returns the next new row (in the order
 * `kernelShapCoalitions` lists them) or undefined when the budget is drawn; repeated draws only raise a row's
 * count. `coalitions()` gives the rows and weights so far, so an estimate can be made from any prefix of the
 * budget; once every draw is made it equals `kernelShapCoalitions(G, nPerturbations, rng)` exactly.
 */
export class KernelShapStream {
  readonly exact: boolean;
  /** Samples of the whole budget: nPerturbations, or the 2^G coalitions when they are enumerated. */
  readonly budget: number;
  private readonly masks: Uint8Array[] = [];
  private readonly weights: number[] = [];
  /** Per row, the draws counted before it (its own excluded). */
  private readonly drawsBefore: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly sizeWeights: number[] = [];
  private sizeTotal = 0;
  /** Draws counted so far, the 2 constraint rows included. */
  private drawn = 0;
  private handed = 0;
  /** Sampled mode: the complement of the last draw, not yet counted. */
  private pendingComplement?: Uint8Array;
  private code = 1;
  private stopped = false;

  constructor(
    private readonly G: number,
    private readonly nPerturbations: number,
    private readonly rng: Rng,
  ) {
    checkUnits(G);
    checkCount('nPerturbations', nPerturbations, 2);
    this.exact = G <= 30 && 2 ** G <= nPerturbations;
    this.budget = this.exact ? Math.max(1, 2 ** G) : nPerturbations;
    this.push(new Uint8Array(G), Infinity); // nothing replaced
    // G = 0: full and empty are the same (empty) row; keep a single one.
    if (G > 0) this.push(new Uint8Array(G).fill(1), Infinity); // everything replaced
    if (!this.exact) {
      // Here G >= 2 (G <= 1 always enumerates since nPerturbations >= 2).
      for (let s = 1; s < G; s++) {
        const w = (G - 1) / (s * (G - s));
        this.sizeWeights.push(w);
        this.sizeTotal += w;
      }
    }
  }

  /** Samples of the budget behind the rows handed out so far (repeated draws included). */
  get samplesUsed(): number {
    return this.handed < this.masks.length ? (this.drawsBefore[this.handed] as number) : this.drawn;
  }

  /** Upper bound of the rows still to come (exact once the last row is out). */
  get rowsLeft(): number {
    if (this.stopped) return 0;
    const buffered = this.masks.length - this.handed;
    if (this.exact) return buffered + Math.max(0, 2 ** this.G - 1 - this.code);
    return buffered + (this.pendingComplement ? 1 : 0) + (this.nPerturbations - this.drawn);
  }

  /** No more rows: estimates use the rows handed out so far. */
  stop(): void {
    this.stopped = true;
  }

  next(): Uint8Array | undefined {
    if (this.stopped) return undefined;
    if (this.handed >= this.masks.length && !this.produce()) return undefined;
    const row = this.masks[this.handed++];
    // Look ahead through repeated draws, so that counts (and `rowsLeft`) are final when the last row is out.
    const before = this.masks.length;
    while (this.handed === before && this.masks.length === before && this.produce()) {
      // a repeated coalition only raises its count
    }
    return row;
  }

  /** The rows handed out so far and their weights (as `kernelShapCoalitions` returns them). */
  coalitions(): KernelShapCoalitions {
    return {
      masks: this.masks.slice(0, this.handed),
      weights: Float64Array.from(this.weights.slice(0, this.handed)),
      exact: this.exact,
    };
  }

  /** Counts one draw (or the pending complement); false when the budget is drawn. */
  private produce(): boolean {
    const G = this.G;
    if (this.exact) {
      if (G === 0 || this.code >= 2 ** G - 1) return false;
      const row = new Uint8Array(G);
      for (let g = 0; g < G; g++) row[g] = (this.code >>> g) & 1;
      this.code++;
      this.push(row, shapleyKernelWeight(G, keptCount(row)));
      return true;
    }
    if (this.pendingComplement) {
      const c = this.pendingComplement;
      this.pendingComplement = undefined;
      this.count(c);
      return true;
    }
    if (this.drawn >= this.nPerturbations) return false;
    const d = this.drawn - 2;
    const kept = this.rng.subset(G, this.drawSize());
    const row = new Uint8Array(G).fill(1);
    for (const g of kept) row[g] = 0;
    this.count(row);
    // Complementary pairs; the last draw is unpaired when the count is odd.
    if (d + 1 < this.nPerturbations - 2) this.pendingComplement = row.map((x) => 1 - x);
    return true;
  }

  private drawSize(): number {
    let u = this.rng.uniform() * this.sizeTotal;
    for (let s = 1; s < this.G; s++) {
      u -= this.sizeWeights[s - 1] as number;
      if (u < 0) return s;
    }
    return this.G - 1;
  }

  private push(row: Uint8Array, weight: number): void {
    this.drawsBefore.push(this.drawn++);
    this.masks.push(row);
    this.weights.push(weight);
  }

  /** Identical coalitions are merged into one row whose weight is their count. */
  private count(row: Uint8Array): void {
    const key = row.join('');
    const hit = this.index.get(key);
    if (hit === undefined) {
      this.index.set(key, this.masks.length);
      this.push(row, 1);
    } else {
      this.weights[hit] = (this.weights[hit] as number) + 1;
      this.drawn++;
    }
  }
}

export interface SobolMasks {
  /** (G+2)k rows: A, B, then C_0..C_{G-1}, k rows each. */
  masks: Uint8Array[];
  /** Number of rows of each block. */
  k: number;
}

/**
 * Sobol masks: one QMC sample of k points in 2G dimensions; A = its first G columns, B = the last G (the
 * usual Saltelli construction), both binarised at 0.5 (value >= 0.5 -> 1 = replaced). C_i = A with column i
 * replaced by B's column i. The Sobol table covers 1024 dimensions, so for G > 512 units with the SOBOL sampler
 * A and B come from two independently scrambled G-dimensional Sobol samples instead.
 */
export function sobolMasks(G: number, k: number, sampler: QmcSampler, rng: Rng): SobolMasks {
  const stream = new SobolMaskStream(G, k, sampler, rng);
  const A: Uint8Array[] = [];
  const B: Uint8Array[] = [];
  const C: Uint8Array[][] = Array.from({ length: G }, () => []);
  for (let row = stream.next(); row; row = stream.next()) {
    if (row.block === -2) A.push(row.mask);
    else if (row.block === -1) B.push(row.mask);
    else (C[row.block] as Uint8Array[]).push(row.mask);
  }
  return { masks: [...A, ...B, ...C.flat()], k };
}

/** One row of a Sobol sample: block -2 = A, -1 = B, i >= 0 = C_i; `sample` is r. */
export interface SobolRow {
  mask: Uint8Array;
  sample: number;
  block: number;
}

/**
 * The rows of `sobolMasks`, drawn on demand sample by sample: A_r, B_r, C_0r .. C_(G-1)r for r = 0..k-1 (the same
 * rows, the same random numbers; only the order differs, so that every completed sample r can be used at once).
 * Memory O(G) per call (O(kG) up front for LATIN_HYPERCUBE, whose strata need every point first).
 */
export class SobolMaskStream {
  private readonly nextA: () => Float64Array;
  private readonly nextB?: () => Float64Array;
  private r = 0;
  private block = -2;
  private A?: Uint8Array;
  private B?: Uint8Array;
  private stopped = false;

  constructor(
    private readonly G: number,
    readonly k: number,
    sampler: QmcSampler,
    rng: Rng,
  ) {
    checkUnits(G);
    checkCount('nTokenPerturbations', k, 1);
    if (sampler === QmcSampler.SOBOL && 2 * G > SOBOL_MAX_DIMS) {
      this.nextA = sampleStream(sampler, k, G, rng);
      this.nextB = sampleStream(sampler, k, G, rng);
    } else {
      this.nextA = sampleStream(sampler, k, 2 * G, rng);
    }
  }

  /** Rows per sample. */
  get rowsPerSample(): number {
    return this.G + 2;
  }

  /** Rows still to come. */
  get rowsLeft(): number {
    if (this.stopped) return 0;
    return (this.k - this.r) * (this.G + 2) - (this.block + 2);
  }

  stop(): void {
    this.stopped = true;
  }

  next(): SobolRow | undefined {
    if (this.stopped || this.r >= this.k) return undefined;
    const G = this.G;
    // Binarised at 0.5: value >= 0.5 -> 1 = replaced.
    const binarise = (p: Float64Array): Uint8Array => Uint8Array.from(p, (x) => (x >= 0.5 ? 1 : 0));
    const sample = this.r;
    const block = this.block;
    let mask: Uint8Array;
    if (block === -2) {
      if (this.nextB) {
        this.A = binarise(this.nextA());
        this.B = binarise(this.nextB());
      } else {
        const p = this.nextA();
        this.A = binarise(p.subarray(0, G));
        this.B = binarise(p.subarray(G, 2 * G));
      }
      mask = this.A;
    } else if (block === -1) {
      mask = this.B as Uint8Array;
    } else {
      mask = Uint8Array.from(this.A as Uint8Array);
      mask[block] = (this.B as Uint8Array)[block] as number;
    }
    if (++this.block === G) {
      this.block = -2;
      this.r++;
    }
    return { mask, sample, block };
  }
}
