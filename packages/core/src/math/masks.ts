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
 * - `shapleyKernelWeight(G, s)`: the Shapley kernel pi(s) for a coalition of s kept units out of G.
 * - `SobolSamplingSpec` type, `keptCount(mask)`.
 */

import type { Rng } from './rng.ts';
import { QmcSampler, SOBOL_MAX_DIMS, sample } from './qmc.ts';

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
  checkUnits(G);
  checkCount('nPerturbations', nPerturbations, 1);
  if (!(perturbProbability >= 0 && perturbProbability <= 1)) {
    throw new Error(`perturbProbability must lie in [0, 1] (got ${perturbProbability}).`);
  }
  const rows: Uint8Array[] = [];
  for (let r = 0; r < nPerturbations; r++) {
    const row = new Uint8Array(G);
    for (let g = 0; g < G; g++) row[g] = rng.uniform() < perturbProbability ? 1 : 0;
    rows.push(row);
  }
  return rows;
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
  checkUnits(G);
  checkCount('nPerturbations', nPerturbations, 2);
  const full = new Uint8Array(G); // nothing replaced
  const empty = new Uint8Array(G).fill(1); // everything replaced
  if (G <= 30 && 2 ** G <= nPerturbations) {
    const masks: Uint8Array[] = [full, empty];
    const weights: number[] = [Infinity, Infinity];
    for (let code = 1; code < 2 ** G - 1; code++) {
      const row = new Uint8Array(G);
      for (let g = 0; g < G; g++) row[g] = (code >>> g) & 1;
      masks.push(row);
      weights.push(shapleyKernelWeight(G, keptCount(row)));
    }
    // G = 0: full and empty are the same (empty) row; keep a single one.
    if (G === 0) return { masks: [full], weights: Float64Array.of(Infinity), exact: true };
    return { masks, weights: Float64Array.from(weights), exact: true };
  }
  // Here G >= 2 (G <= 1 always enumerates since nPerturbations >= 2).
  const sizeWeights: number[] = [];
  let total = 0;
  for (let s = 1; s < G; s++) {
    const w = (G - 1) / (s * (G - s));
    sizeWeights.push(w);
    total += w;
  }
  const drawSize = (): number => {
    let u = rng.uniform() * total;
    for (let s = 1; s < G; s++) {
      u -= sizeWeights[s - 1] as number;
      if (u < 0) return s;
    }
    return G - 1;
  };
  const counts = new Map<string, { row: Uint8Array; count: number }>();
  const add = (row: Uint8Array): void => {
    const key = row.join('');
    const hit = counts.get(key);
    if (hit) hit.count++;
    else counts.set(key, { row, count: 1 });
  };
  const draws = nPerturbations - 2;
  for (let d = 0; d < draws; d += 2) {
    const kept = rng.subset(G, drawSize());
    const row = new Uint8Array(G).fill(1);
    for (const g of kept) row[g] = 0;
    add(row);
    if (d + 1 < draws) add(row.map((x) => 1 - x));
  }
  const masks: Uint8Array[] = [full, empty];
  const weights: number[] = [Infinity, Infinity];
  for (const { row, count } of counts.values()) {
    masks.push(row);
    weights.push(count);
  }
  return { masks, weights: Float64Array.from(weights), exact: false };
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
  checkUnits(G);
  checkCount('nTokenPerturbations', k, 1);
  const binarise = (p: Float64Array): Uint8Array => Uint8Array.from(p, (x) => (x >= 0.5 ? 1 : 0));
  let A: Uint8Array[];
  let B: Uint8Array[];
  if (sampler === QmcSampler.SOBOL && 2 * G > SOBOL_MAX_DIMS) {
    A = sample(sampler, k, G, rng).map(binarise);
    B = sample(sampler, k, G, rng).map(binarise);
  } else {
    const points = sample(sampler, k, 2 * G, rng);
    A = points.map((p) => binarise(p.subarray(0, G)));
    B = points.map((p) => binarise(p.subarray(G, 2 * G)));
  }
  const masks: Uint8Array[] = [...A, ...B];
  for (let i = 0; i < G; i++) {
    for (let r = 0; r < k; r++) {
      const row = Uint8Array.from(A[r] as Uint8Array);
      row[i] = (B[r] as Uint8Array)[i] as number;
      masks.push(row);
    }
  }
  return { masks, k };
}
