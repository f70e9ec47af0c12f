/**
 * Fused normalizations as standard ops, with onnxruntime's CPU-kernel arithmetic (contrib_ops/cpu/skip_layer_norm.cc,
 * bert/embed_layer_norm.cc); means are over the last axis:
 * - `SkipLayerNormalization(input, skip, gamma[, beta][, bias])`: x = input + skip (+ bias);
 *   y = (x − mean) / √(mean(x²) − mean² + ε) · gamma (+ beta). Outputs: y, mean, inv_std_var (1/√…, shape [..., 1]),
 *   input_skip_bias_sum (x). skip may broadcast ([S, H] or [1, S, H]).
 * - `SkipSimplifiedLayerNormalization(input, skip, gamma[, bias])`: the same with y = x / √(mean(x²) + ε) · gamma.
 * - `EmbedLayerNormalization(input_ids, segment_ids, word_embedding, position_embedding, segment_embedding, gamma,
 *   beta, mask, position_ids)`: x = W[ids] + P[position_ids or 0..S−1] (+ Seg[segment_ids]); two-pass LayerNorm
 *   y = (x − mean) / √(mean((x − mean)²) + ε) · gamma + beta. Outputs: y, mask_index (int32 count of mask == 1 per
 *   row; zeros without a mask), embedding_sum (x). The word lookup stays a plain `Gather`, which is what the embedding
 *   cut replaces by `inputs_embeds` (word embeddings before positions are added).
 *
 * Exports: `NORMALIZATIONS`.
 */
import { DataType } from '../../onnx/proto.ts';
import { makeTensor } from '../../onnx/tensor.ts';
import { attrFloat, attrInt } from '../../ir/attributes.ts';
import { ContribRefusal, intScalar, type ContribOp, type DecomposeContext } from './context.ts';

function skipLayerNorm(c: DecomposeContext, simplified: boolean): void {
  const { b } = c;
  const eps = attrFloat(c.node, 'epsilon', 1e-12);
  // SkipLayerNormalization(input, skip, gamma, beta, bias); SkipSimplifiedLayerNormalization(input, skip, gamma, bias)
  const beta = simplified ? undefined : c.input(3);
  const bias = simplified ? c.input(3) : c.input(4);
  let x = b.add(c.input(0)!, c.input(1)!);
  if (bias) x = b.add(x, bias);
  const mean = b.reduceMean(x, [-1]);
  const meanSquare = b.reduceMean(b.mul(x, x), [-1]);
  const variance = simplified ? meanSquare : b.sub(meanSquare, b.mul(mean, mean));
  const std = b.sqrt(b.add(variance, c.k(eps)));
  const normed = b.div(simplified ? x : b.sub(x, mean), std);
  let y = b.mul(normed, c.input(2)!);
  if (beta) y = b.add(y, beta);
  c.bind(0, y);
  c.bind(1, mean);
  c.bind(2, b.reciprocal(std));
  c.bind(3, x);
}

function embedLayerNorm(c: DecomposeContext): void {
  const { b } = c;
  const eps = attrFloat(c.node, 'epsilon', 1e-12);
  const ids = c.input(0)!;
  const segmentIds = c.input(1);
  const segmentTable = c.input(4);
  const mask = c.input(7);
  let positionIds = c.input(8);
  if (!!segmentIds !== !!segmentTable) {
    throw new ContribRefusal('it has only one of segment_ids and segment_embedding');
  }
  if (!positionIds) {
    const seqLen = b.gather(b.shape(ids), b.i64(1));
    positionIds = b.op('Range', [b.i64(0), seqLen, b.i64(1)]);
  }
  let x = b.add(b.gather(c.input(2)!, ids), b.gather(c.input(3)!, positionIds));
  if (segmentIds) x = b.add(x, b.gather(segmentTable!, segmentIds));
  const mean = b.reduceMean(x, [-1]);
  const centered = b.sub(x, mean);
  const std = b.sqrt(b.add(b.reduceMean(b.mul(centered, centered), [-1]), c.k(eps)));
  c.bind(0, b.add(b.mul(b.div(centered, std), c.input(5)!), c.input(6)!));
  if (c.node.output[1] && attrInt(c.node, 'mask_index_type', 1) !== 0) {
    const maskIndex = mask
      ? b.reduceSum(b.cast(b.equal(mask, intScalar(b, 1, c.types.elemType(mask))), DataType.INT32), [1], false)
      : b.op('ConstantOfShape', [b.shape(ids, 0, 1)], { value: makeTensor('value', [1], Int32Array.from([0])) });
    c.bind(1, maskIndex);
  }
  c.bind(2, x);
}

export const NORMALIZATIONS: Record<string, ContribOp> = {
  SkipLayerNormalization: { required: ['input', 'skip', 'gamma'], run: (c) => skipLayerNorm(c, false) },
  SkipSimplifiedLayerNormalization: { required: ['input', 'skip', 'gamma'], run: (c) => skipLayerNorm(c, true) },
  EmbedLayerNormalization: {
    required: ['input_ids', '', 'word_embedding', 'position_embedding', '', 'gamma', 'beta'],
    floatInput: 2,
    run: embedLayerNorm,
  },
};
