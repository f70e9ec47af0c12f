/**
 * Batch assembly (pure): right-padded id matrices, attention masks, position ids as transformers.js makes them,
 * and the `target_weights` tensor the training graph's loss reads (one-hot targets x mask / number of targets, so
 * the loss is the mean cross-entropy).
 *
 * Exports: `Batch`, `classifierBatch`, `causalLmBatch`.
 */

export interface Batch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  /** transformers.js `create_position_ids`: cumsum(mask) - 1, and 1 where masked. */
  positionIds: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** [batch, classes] for a classifier, [batch, seqLen, vocab] for a causal LM. */
  targetWeights: Float32Array;
  targetDims: number[];
}

function pad(seqs: readonly (readonly number[])[], padId: number): Omit<Batch, 'targetWeights' | 'targetDims'> {
  if (seqs.length === 0) throw new Error('batch: no sequences given.');
  const B = seqs.length;
  const S = Math.max(...seqs.map((s) => s.length));
  const inputIds = new BigInt64Array(B * S).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(B * S);
  const positionIds = new BigInt64Array(B * S).fill(1n);
  seqs.forEach((s, b) => {
    s.forEach((id, i) => {
      inputIds[b * S + i] = BigInt(id);
      attentionMask[b * S + i] = 1n;
      positionIds[b * S + i] = BigInt(i);
    });
  });
  return { batch: B, seqLen: S, inputIds, attentionMask, positionIds, tokenTypeIds: new BigInt64Array(B * S) };
}

export function classifierBatch(
  seqs: readonly (readonly number[])[],
  labels: readonly number[],
  numLabels: number,
  padId: number,
): Batch {
  if (labels.length !== seqs.length)
    throw new Error(`classifierBatch: ${seqs.length} sequences but ${labels.length} labels.`);
  const base = pad(seqs, padId);
  const targetWeights = new Float32Array(base.batch * numLabels);
  labels.forEach((l, b) => {
    if (!(l >= 0 && l < numLabels)) throw new Error(`classifierBatch: label ${l} is outside 0..${numLabels - 1}.`);
    targetWeights[b * numLabels + l] = 1 / base.batch;
  });
  return { ...base, targetWeights, targetDims: [base.batch, numLabels] };
}

/** Next-token targets: position i predicts token i+1 of the same sequence; padding predicts nothing. */
export function causalLmBatch(seqs: readonly (readonly number[])[], vocabSize: number, padId: number): Batch {
  const base = pad(seqs, padId);
  const { batch: B, seqLen: S } = base;
  const count = seqs.reduce((a, s) => a + Math.max(0, s.length - 1), 0);
  if (count === 0) throw new Error('causalLmBatch: every sequence is shorter than 2 tokens: nothing to predict.');
  const targetWeights = new Float32Array(B * S * vocabSize);
  seqs.forEach((s, b) => {
    for (let i = 0; i + 1 < s.length; i++) targetWeights[(b * S + i) * vocabSize + s[i + 1]!] = 1 / count;
  });
  return { ...base, targetWeights, targetDims: [B, S, vocabSize] };
}
