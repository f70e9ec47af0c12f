/**
 * The model's own view of one scored distribution, from its logits (no model call): the target's probability,
 * logit, log-probability and rank, the distribution's entropy (nats), and its top-k alternatives.
 *
 * Exports: `distributionScores(logits, target, k) -> DistributionScores`, `softmax(logits) -> number[]`.
 * Conventions: max-shifted float64 softmax; rank = 1 + number of entries with a strictly greater logit (ties share
 * the better rank); top-k sorted by probability descending, ties by the lower id.
 */

export interface DistributionScores {
  probability: number;
  logit: number;
  logProbability: number;
  entropy: number;
  rank: number;
  /** Ids and probabilities of the k most probable entries, most probable first. */
  topK: { id: number; probability: number }[];
}

/** log-softmax in float64 (max-shifted). */
function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logSum = Math.log(sum) + max;
  return Float64Array.from(logits, (v) => v - logSum);
}

export function softmax(logits: ArrayLike<number>): number[] {
  return Array.from(logSoftmax(logits), Math.exp);
}

export function distributionScores(logits: ArrayLike<number>, target: number, k: number): DistributionScores {
  if (!(target >= 0 && target < logits.length)) {
    throw new Error(`distributionScores: target ${target} is outside the ${logits.length} logits.`);
  }
  const logp = logSoftmax(logits);
  const t = logits[target]!;
  let entropy = 0;
  let above = 0;
  for (let i = 0; i < logp.length; i++) {
    const lp = logp[i]!;
    if (lp > -Infinity) entropy -= Math.exp(lp) * lp;
    if (logits[i]! > t) above++;
  }
  // Partial selection: keep the k best in a small sorted list (k << vocabulary).
  const best: number[] = [];
  const better = (a: number, b: number) => logp[a]! > logp[b]! || (logp[a] === logp[b] && a < b);
  const n = Math.min(Math.max(0, Math.floor(k)), logp.length);
  for (let i = 0; i < logp.length && n > 0; i++) {
    if (best.length === n && !better(i, best[n - 1]!)) continue;
    let j = best.length < n ? best.length : n - 1;
    best[j] = i;
    while (j > 0 && better(best[j]!, best[j - 1]!)) {
      [best[j - 1], best[j]] = [best[j]!, best[j - 1]!];
      j--;
    }
  }
  return {
    probability: Math.exp(logp[target]!),
    logit: t,
    logProbability: logp[target]!,
    entropy,
    rank: above + 1,
    topK: best.map((id) => ({ id, probability: Math.exp(logp[id]!) })),
  };
}
