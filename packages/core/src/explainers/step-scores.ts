/**
 * The model's own view of the explained input, from the logits of its unperturbed sequence that each method
 * already runs (or carries in one of its batches): generation `stepScores`, classification `classProbabilities`.
 *
 * Exports: `ReferenceLogits`, `referenceLogits(data, width, rowOffset, positions)`, `stepScoreFields(adapter,
 * item, reference, topK)`.
 */
import { distributionScores, softmax } from '../math/index.ts';
import type { ModelAdapter } from '../model/adapter.ts';
import type { AttributionOutput, StepScore } from '../types.ts';
import type { PreparedItem } from './prepare.ts';

/** Classification: one logits vector over the classes. Generation: one over the vocabulary per target row. */
export type ReferenceLogits = Float32Array[];

/**
 * Copies the reference logits of one row out of a logits buffer: `rowOffset` is where the row starts, `width`
 * the classes or vocabulary; `positions` (generation) the position scoring each target.
 */
export function referenceLogits(
  data: Float32Array,
  width: number,
  rowOffset: number,
  positions: readonly number[] | undefined,
): ReferenceLogits {
  if (!positions) return [data.slice(rowOffset, rowOffset + width)];
  return positions.map((p) => data.slice(rowOffset + p * width, rowOffset + (p + 1) * width));
}

function decodeOne(adapter: ModelAdapter, id: number): string {
  const decode = adapter.tokenizer.decode as unknown as (ids: number[], o: object) => string;
  return decode.call(adapter.tokenizer, [id], { skip_special_tokens: false });
}

export function stepScoreFields(
  adapter: ModelAdapter,
  item: PreparedItem,
  reference: ReferenceLogits,
  topK: number,
): Pick<AttributionOutput, 'stepScores' | 'classProbabilities'> {
  if (adapter.task !== 'generation') return { classProbabilities: softmax(reference[0]!) };
  const stepScores = item.targets.map((tokenId, r): StepScore => {
    const s = distributionScores(reference[r]!, tokenId, topK);
    return {
      tokenId,
      text: decodeOne(adapter, tokenId),
      position: item.promptLength! + r,
      probability: s.probability,
      logit: s.logit,
      logProbability: s.logProbability,
      entropy: s.entropy,
      rank: s.rank,
      topK: s.topK.map(({ id, probability }) => ({ tokenId: id, text: decodeOne(adapter, id), probability })),
    };
  });
  return { stepScores };
}
