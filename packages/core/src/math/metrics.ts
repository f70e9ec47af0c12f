/**
 * Pure parts of the Insertion / Deletion metrics (docs/spec.md §5) and AOPC helpers.
 *
 * Exports:
 * - `rankUnits(attributions) -> number[]`: unit indices by attribution, descending; ties keep index order;
 *   NaN cells are left out (they are never perturbed).
 * - `perturbationSteps(nRanked, { nPerturbations = 100, maxPercentagePerturbed = 1 }) -> number[]`:
 *   N = ceil(nRanked * maxPercentagePerturbed), P = min(nPerturbations, N) + 1, steps floor(linspace(0, N, P)).
 * - `deletionMasks(ranking, G, steps)`: row per step, the top-s ranked units replaced (1), the rest kept.
 * - `insertionMasks(ranking, G, steps)`: row per step, every ranked unit replaced except the top-s ones.
 *   Units outside the ranking (NaN cells) are kept (0) in both.
 * - `curveAuc(curve)`: trapezoid area / (P-1) (a curve of one point -> that point).
 * - `aopcComprehensiveness(deletionCurve)`: mean over steps of curve[0] - curve[i] (f(x) minus f(x without
 *   the top-s units); step 0 contributes 0, as in AOPC).
 * - `aopcSufficiency(fOriginal, insertionCurve)`: mean over steps of fOriginal - curve[i] (f(x) minus
 *   f(only the top-s units kept)).
 */

export function rankUnits(attributions: ArrayLike<number>): number[] {
  const idx: number[] = [];
  for (let i = 0; i < attributions.length; i++) if (!Number.isNaN(attributions[i] as number)) idx.push(i);
  // Array.prototype.sort is stable: equal scores keep their index order.
  return idx.sort((a, b) => (attributions[b] as number) - (attributions[a] as number));
}

export function perturbationSteps(
  nRanked: number,
  options: { nPerturbations?: number; maxPercentagePerturbed?: number } = {},
): number[] {
  const nPerturbations = options.nPerturbations ?? 100;
  const pct = options.maxPercentagePerturbed ?? 1;
  if (!Number.isInteger(nRanked) || nRanked < 0)
    throw new Error(`Number of ranked units must be an integer >= 0 (got ${nRanked}).`);
  if (!Number.isInteger(nPerturbations) || nPerturbations < 1) {
    throw new Error(`nPerturbations must be an integer >= 1 (got ${nPerturbations}).`);
  }
  if (!(pct >= 0 && pct <= 1)) throw new Error(`maxPercentagePerturbed must lie in [0, 1] (got ${pct}).`);
  const N = Math.ceil(nRanked * pct);
  const P = Math.min(nPerturbations, N) + 1;
  if (P === 1) return [0];
  // linspace(0, N, P)[i] = i * N / (P - 1); the last one is exactly N.
  return Array.from({ length: P }, (_, i) => (i === P - 1 ? N : Math.floor((i * N) / (P - 1))));
}

function checkRanking(ranking: number[], G: number): void {
  for (const u of ranking) {
    if (!Number.isInteger(u) || u < 0 || u >= G) throw new Error(`Ranking holds unit ${u}, outside 0..${G - 1}.`);
  }
}

export function deletionMasks(ranking: number[], G: number, steps: number[]): Uint8Array[] {
  checkRanking(ranking, G);
  return steps.map((s) => {
    const row = new Uint8Array(G);
    for (let i = 0; i < s; i++) row[ranking[i] as number] = 1;
    return row;
  });
}

export function insertionMasks(ranking: number[], G: number, steps: number[]): Uint8Array[] {
  checkRanking(ranking, G);
  return steps.map((s) => {
    const row = new Uint8Array(G);
    for (let i = s; i < ranking.length; i++) row[ranking[i] as number] = 1;
    return row;
  });
}

export function curveAuc(curve: ArrayLike<number>): number {
  const P = curve.length;
  if (P === 0) throw new Error('curveAuc needs at least one point.');
  if (P === 1) return curve[0] as number;
  let area = 0;
  for (let i = 0; i + 1 < P; i++) area += ((curve[i] as number) + (curve[i + 1] as number)) / 2;
  return area / (P - 1);
}

export function aopcComprehensiveness(deletionCurve: ArrayLike<number>): number {
  const P = deletionCurve.length;
  if (P === 0) throw new Error('aopcComprehensiveness needs at least one point.');
  let s = 0;
  for (let i = 0; i < P; i++) s += (deletionCurve[0] as number) - (deletionCurve[i] as number);
  return s / P;
}

export function aopcSufficiency(fOriginal: number, insertionCurve: ArrayLike<number>): number {
  const P = insertionCurve.length;
  if (P === 0) throw new Error('aopcSufficiency needs at least one point.');
  let s = 0;
  for (let i = 0; i < P; i++) s += fOriginal - (insertionCurve[i] as number);
  return s / P;
}
