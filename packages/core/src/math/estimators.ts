/**
 * Attribution estimators of the perturbation-based methods (docs/spec.md §2): from the model outputs on the
 * masks of `masks.ts` (one scalar per mask row for one target) to one score per unit.
 *
 * Exports:
 * - `occlusionAttributions(fOriginal, fPerturbed)`: a_g = f(x) - f(x with unit g replaced); `fPerturbed[g]` is
 *   the output on occlusion row g+1.
 * - `LimeDistance` enum (COSINE, HAMMING, EUCLIDEAN), `limeDistance(mask, kind)`, `defaultKernelWidth(G)`
 *   (0.75 sqrt(G)), `limeWeights(masks, kind, kernelWidth?)`.
 * - `limeAttributions(masks, f, { distanceFunction?, kernelWidth? }) -> { coef, intercept, weights }`:
 *   weighted least squares with intercept on the kept indicators (1 - mask).
 * - `kernelShapAttributions(coalitions, f)`: constrained weighted regression (efficiency exact); `kernelShapFit`:
 *   the same with the ridge the fit needed (`ridgeUsed` > 0: rank deficient, too few distinct coalitions).
 * - `SobolIndicesOrder` enum, `sobolIndices(f, G, k, order)`: Jansen estimators; `SobolAccumulator`: the same,
 *   fed sample by sample (anytime estimates from the completed samples).
 * - `bruteForceShapley(G, valueFn)`: exact Shapley values by enumerating the 2^G coalitions (tests, tiny G).
 *
 * Every function takes f as an array aligned with the mask rows (f[r] = model output on masks[r]).
 */

import { weightedLeastSquares } from './linalg.ts';
import type { KernelShapCoalitions } from './masks.ts';

export function occlusionAttributions(fOriginal: number, fPerturbed: ArrayLike<number>): Float64Array {
  return Float64Array.from(fPerturbed, (v) => fOriginal - v);
}

export enum LimeDistance {
  COSINE = 'COSINE',
  HAMMING = 'HAMMING',
  EUCLIDEAN = 'EUCLIDEAN',
}

/**
 * Distance between the sample's kept-indicator vector z = 1 - mask and the all-kept vector 1:
 * COSINE 1 - (z.1)/(|z||1|) = 1 - sqrt(kept/G) (1 when nothing is kept); HAMMING = number of replaced units;
 * EUCLIDEAN = sqrt(number of replaced units).
 */
export function limeDistance(mask: Uint8Array, kind: LimeDistance): number {
  const G = mask.length;
  let replaced = 0;
  for (const m of mask) replaced += m;
  const kept = G - replaced;
  switch (kind) {
    case LimeDistance.COSINE:
      return kept === 0 ? 1 : 1 - Math.sqrt(kept / G);
    case LimeDistance.HAMMING:
      return replaced;
    case LimeDistance.EUCLIDEAN:
      return Math.sqrt(replaced);
    default:
      throw new Error(`Unknown LIME distance ${String(kind)}; use one of ${Object.values(LimeDistance).join(', ')}.`);
  }
}

export function defaultKernelWidth(G: number): number {
  return 0.75 * Math.sqrt(G);
}

/** exp(-d^2 / width^2) per mask row. */
export function limeWeights(masks: Uint8Array[], kind: LimeDistance, kernelWidth?: number): Float64Array {
  const G = masks.length > 0 ? (masks[0] as Uint8Array).length : 0;
  const width = kernelWidth ?? defaultKernelWidth(G);
  if (!(width > 0)) throw new Error(`kernelWidth must be > 0 (got ${width}).`);
  return Float64Array.from(masks, (m) => Math.exp(-(limeDistance(m, kind) ** 2) / (width * width)));
}

function checkAligned(what: string, masks: Uint8Array[], f: ArrayLike<number>): number {
  if (masks.length !== f.length) {
    throw new Error(`${what}: ${masks.length} mask rows but ${f.length} model outputs; pass one output per mask row.`);
  }
  for (let r = 0; r < f.length; r++) {
    if (!Number.isFinite(f[r] as number))
      throw new Error(`${what}: model output ${r} is ${f[r]}; outputs must be finite.`);
  }
  return masks.length > 0 ? (masks[0] as Uint8Array).length : 0;
}

export interface LimeResult {
  /** One coefficient per unit (the attribution). */
  coef: Float64Array;
  intercept: number;
  /** Sample weights used. */
  weights: Float64Array;
  /** Ridge strength the fit needed (0: the design had full column rank; > 0: too few distinct samples). */
  ridgeUsed: number;
}

export function limeAttributions(
  masks: Uint8Array[],
  f: ArrayLike<number>,
  options: { distanceFunction?: LimeDistance; kernelWidth?: number } = {},
): LimeResult {
  const G = checkAligned('limeAttributions', masks, f);
  const weights = limeWeights(masks, options.distanceFunction ?? LimeDistance.COSINE, options.kernelWidth);
  // Column 0 is the intercept (not penalised if a ridge is needed), then the kept indicators.
  const X = masks.map((m) => {
    const row = new Float64Array(G + 1);
    row[0] = 1;
    for (let g = 0; g < G; g++) row[g + 1] = 1 - (m[g] as number);
    return row;
  });
  const { coef, ridgeUsed } = weightedLeastSquares(X, f, weights, { unpenalized: [0] });
  return { coef: coef.slice(1), intercept: coef[0] as number, weights, ridgeUsed };
}

/**
 * Kernel SHAP: phi minimising sum_r w_r (f_r - f_empty - z_r . phi)^2 subject to sum(phi) = f(x) - f_empty,
 * z_r = kept indicators. The constraint is enforced exactly by eliminating the last unit
 * (phi_last = Delta - sum of the others), so efficiency holds up to float rounding whatever the sampling.
 */
export function kernelShapAttributions(coalitions: KernelShapCoalitions, f: ArrayLike<number>): Float64Array {
  return kernelShapFit(coalitions, f).phi;
}

/** `kernelShapAttributions`, with the ridge strength the fit needed (0: full rank). */
export function kernelShapFit(
  coalitions: KernelShapCoalitions,
  f: ArrayLike<number>,
): { phi: Float64Array; ridgeUsed: number } {
  const { masks, weights } = coalitions;
  const G = checkAligned('kernelShapAttributions', masks, f);
  if (G === 0) return { phi: new Float64Array(0), ridgeUsed: 0 };
  const fFull = f[0] as number;
  const fEmpty = f[1] as number;
  const delta = fFull - fEmpty;
  if (G === 1) return { phi: Float64Array.of(delta), ridgeUsed: 0 };
  const X: Float64Array[] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (let r = 2; r < masks.length; r++) {
    const m = masks[r] as Uint8Array;
    const zLast = 1 - (m[G - 1] as number);
    const row = new Float64Array(G - 1);
    for (let g = 0; g < G - 1; g++) row[g] = 1 - (m[g] as number) - zLast;
    X.push(row);
    y.push((f[r] as number) - fEmpty - zLast * delta);
    w.push(weights[r] as number);
  }
  const { coef, ridgeUsed } = weightedLeastSquares(X, y, w);
  const phi = new Float64Array(G);
  phi.set(coef);
  let rest = delta;
  for (let g = 0; g < G - 1; g++) rest -= coef[g] as number;
  phi[G - 1] = rest;
  return { phi, ridgeUsed };
}

export enum SobolIndicesOrder {
  FIRST_ORDER = 'FIRST_ORDER',
  TOTAL_ORDER = 'TOTAL_ORDER',
}

/**
 * Jansen estimators on the rows of `sobolMasks` (A: [0,k), B: [k,2k), C_i: [(2+i)k,(3+i)k)).
 * V = unbiased variance of f(A) (0 when k = 1).
 * FIRST_ORDER S_i = (V - mean((f(B) - f(C_i))^2) / 2) / (V + 1e-6);
 * TOTAL_ORDER ST_i = mean((f(A) - f(C_i))^2) / (2V + 1e-6).
 */
export function sobolIndices(f: ArrayLike<number>, G: number, k: number, order: SobolIndicesOrder): Float64Array {
  if (f.length !== (G + 2) * k) {
    throw new Error(
      `sobolIndices: expected (G+2)k = ${(G + 2) * k} model outputs for G=${G}, k=${k}; got ${f.length}.`,
    );
  }
  const acc = new SobolAccumulator(G, k, order);
  for (let r = 0; r < k; r++) {
    acc.add(r, -2, f[r] as number);
    acc.add(r, -1, f[k + r] as number);
    for (let i = 0; i < G; i++) acc.add(r, i, f[(2 + i) * k + r] as number);
  }
  return acc.indices();
}

/**
 * The Jansen estimators of `sobolIndices`, fed one model output at a time, sample by sample (the rows of one
 * sample r in the order A_r, B_r, C_0r, ..; samples in order); `indices()` uses the completed samples. Each
 * squared difference is summed in sample order, so after all k samples the indices equal `sobolIndices` exactly.
 * Memory O(k + G): f(A) is kept for the two-pass variance.
 */
export class SobolAccumulator {
  private readonly fA: Float64Array;
  private readonly acc: Float64Array;
  /** The squared differences of the sample in progress, added to `acc` once it is complete. */
  private readonly pending: Float64Array;
  private fB = 0;
  private completed = 0;

  constructor(
    private readonly G: number,
    k: number,
    private readonly order: SobolIndicesOrder,
  ) {
    if (order !== SobolIndicesOrder.FIRST_ORDER && order !== SobolIndicesOrder.TOTAL_ORDER) {
      throw new Error(`Unknown Sobol indices order ${String(order)}; use FIRST_ORDER or TOTAL_ORDER.`);
    }
    this.fA = new Float64Array(k);
    this.acc = new Float64Array(G);
    this.pending = new Float64Array(G);
  }

  /** Samples whose G + 2 outputs are all in. */
  get samples(): number {
    return this.completed;
  }

  /** The output of row `block` (-2 = A, -1 = B, i = C_i) of sample r. */
  add(r: number, block: number, f: number): void {
    if (block === -2) this.fA[r] = f;
    else if (block === -1) this.fB = f;
    else {
      const other = this.order === SobolIndicesOrder.FIRST_ORDER ? this.fB : (this.fA[r] as number);
      this.pending[block] = (other - f) ** 2;
    }
    if (block === this.G - 1 || (this.G === 0 && block === -1)) {
      for (let i = 0; i < this.G; i++) this.acc[i] = (this.acc[i] as number) + (this.pending[i] as number);
      this.completed = r + 1;
    }
  }

  /** The indices from the completed samples (zeros before the first). */
  indices(): Float64Array {
    const k = this.completed;
    const out = new Float64Array(this.G);
    if (k === 0) return out;
    let mean = 0;
    for (let r = 0; r < k; r++) mean += this.fA[r] as number;
    mean /= k;
    let V = 0;
    for (let r = 0; r < k; r++) V += ((this.fA[r] as number) - mean) ** 2;
    V = k > 1 ? V / (k - 1) : 0;
    for (let i = 0; i < this.G; i++) {
      const acc = (this.acc[i] as number) / k;
      out[i] = this.order === SobolIndicesOrder.FIRST_ORDER ? (V - acc / 2) / (V + 1e-6) : acc / (2 * V + 1e-6);
    }
    return out;
  }
}

/**
 * Exact Shapley values: phi_i = sum over S not holding i of |S|!(G-|S|-1)!/G! (v(S+i) - v(S)), where
 * v(S) = valueFn(mask with every unit outside S replaced). `valueFn` receives a mask (1 = replaced).
 */
export function bruteForceShapley(G: number, valueFn: (mask: Uint8Array) => number): Float64Array {
  if (!Number.isInteger(G) || G < 0 || G > 20) throw new Error(`bruteForceShapley needs 0 <= G <= 20 (got ${G}).`);
  const n = 2 ** G;
  const v = new Float64Array(n); // indexed by the kept set as a bit code
  for (let code = 0; code < n; code++) {
    const mask = new Uint8Array(G);
    for (let g = 0; g < G; g++) mask[g] = (code >>> g) & 1 ? 0 : 1;
    v[code] = valueFn(mask);
  }
  const fact = [1];
  for (let i = 1; i <= G; i++) fact.push((fact[i - 1] as number) * i);
  const phi = new Float64Array(G);
  for (let code = 0; code < n; code++) {
    let size = 0;
    for (let g = 0; g < G; g++) size += (code >>> g) & 1;
    if (size === G) continue;
    const coeff = ((fact[size] as number) * (fact[G - size - 1] as number)) / (fact[G] as number);
    for (let i = 0; i < G; i++) {
      if ((code >>> i) & 1) continue;
      phi[i] = (phi[i] as number) + coeff * ((v[code | (1 << i)] as number) - (v[code] as number));
    }
  }
  return phi;
}
