/**
 * The model's own view of one scored distribution, from its logits (no model call): the target's probability,
 * logit, log-probability and rank, the distribution's entropy (nats), and its top-k alternatives.
 *
 * Exports: `distributionScores(logits, target, k) -> DistributionScores`, `softmax(logits) -> number[]`.
 * Conventions: the inference modes' max-shifted float64 (log-)softmax (`applyInferenceMode`); rank = 1 + number of
 * entries with a strictly greater logit (ties share the better rank); top-k sorted by probability descending, ties by
 * the lower id.
 */
import { InferenceModes } from '../types.ts';
import { applyInferenceMode } from './aggregate.ts';

export interface DistributionScores {
  probability: number;
  logit: number;
  logProbability: number;
  entropy: number;
  rank: number;
  /** Ids and probabilities of the k most probable entries, most probable first. */
  topK: { id: number; probability: number }[];
}

export function softmax(logits: ArrayLike<number>): number[] {
  return Array.from(applyInferenceMode(logits, InferenceModes.SOFTMAX));
}

export function distributionScores(logits: ArrayLike<number>, target: number, k: number): DistributionScores {
  if (!(target >= 0 && target < logits.length)) {
    throw new Error(`distributionScores: target ${target} is outside the ${logits.length} logits.`);
  }
  const logp = applyInferenceMode(logits, InferenceModes.LOG_SOFTMAX);
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
