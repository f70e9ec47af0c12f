/**
 * com.microsoft `Attention` as standard ops, following onnxruntime's CPU kernel (contrib_ops/cpu/bert/attention.cc,
 * attention_cpu_base.h, attention_helper.h):
 *
 *   QKV = input · weights (+ bias), split into Q, K, V (sizes `qkv_hidden_sizes`, default three equal parts), each
 *   [B, S, N·h] → [B, N, S, h]. With `past` [2, B, N, P, h]: present = Concat(past, Stack(K, V), axis 3), and K, V
 *   become present[0], present[1] (length T = P + S).
 *   scores = scale · Q·Kᵀ + (attention_bias + mask), scale = `scale` or 1/√h; probs = Softmax(scores, last axis);
 *   output = probs·V → [B, S, N·h_v].
 *
 * The padding mask is ORT's `PrepareMask`: keys a row may not see get `mask_filter_value` (default −10000), others
 * 0. `mask_index` forms: [B] end positions (key j < end[b] kept), [2B] end then start positions (also j ≥ start[b]),
 * [B, T] raw 0/1 mask (> 0 kept), [B, S, T] per-query mask. `unidirectional` also sets key j > P + i of query i to
 * the lowest float32 (`numeric_limits<float>::lowest()`, not the filter value). Refused (left for the caller to
 * report): 4-D masks and past with attention_bias (which ORT's CPU kernel refuses as well), `do_rotary`,
 * `past_present_share_buffer`, and a mask whose rank is unknown.
 *
 * Exports: `ATTENTION`.
 */
import { DataType } from '../../onnx/proto.ts';
import { attrFloat, attrInt, attrInts } from '../../ir/attributes.ts';
import { ContribRefusal, intScalar, type ContribOp, type DecomposeContext } from './context.ts';

const LOWEST_FLOAT32 = -3.4028234663852886e38;

function maskBias(c: DecomposeContext, mask: string, rank: number, batch: string, keyPos: string): string {
  const { b } = c;
  const filter = c.k(attrFloat(c.node, 'mask_filter_value', -10000));
  const zero = c.k(0);
  const maskZero = intScalar(b, 0, c.types.elemType(mask));
  switch (rank) {
    case 1: {
      // [B] end positions, or [2B] end then start positions: zero-padding to 2B reads a missing start as 0.
      const asI64 = b.cast(mask, DataType.INT64);
      const end = b.slice(asI64, b.unsqueeze(b.i64(0), [0]), b.unsqueeze(batch, [0]), [0]);
      const padded = b.concat([asI64, b.mul(end, b.i64(0))], 0);
      const start = b.slice(padded, b.unsqueeze(batch, [0]), b.unsqueeze(b.mul(batch, b.i64(2)), [0]), [0]);
      const j = b.unsqueeze(keyPos, [0]); // [1, T]
      const bias = b.where(
        b.less(j, b.unsqueeze(end, [1])),
        b.where(b.less(j, b.unsqueeze(start, [1])), filter, zero),
        filter,
      ); // [B, T]
      return b.unsqueeze(bias, [1, 2]);
    }
    case 2:
      return b.unsqueeze(b.where(b.greater(mask, maskZero), zero, filter), [1, 2]);
    case 3:
      return b.unsqueeze(b.where(b.greater(mask, maskZero), zero, filter), [1]);
    default:
      throw new ContribRefusal(
        `its mask_index has rank ${rank}; onnxruntime's CPU kernel supports ranks 1 to 3 and so does the decomposition`,
      );
  }
}

function attention(c: DecomposeContext): void {
  const { b, node } = c;
  const numHeads = attrInt(node, 'num_heads', 0);
  if (numHeads <= 0) throw new ContribRefusal('its num_heads attribute is missing');
  if (attrInt(node, 'do_rotary', 0) !== 0) throw new ContribRefusal('it uses do_rotary=1 (not decomposed yet)');
  if (attrInt(node, 'past_present_share_buffer', 0) !== 0) {
    throw new ContribRefusal('it uses past_present_share_buffer=1 (a decoding-time buffer, not decomposed)');
  }
  if (c.input(6)) throw new ContribRefusal('it has a past_sequence_length input (shared-buffer decoding)');
  if (node.output.length > 2 && node.output.slice(2).some((o) => o)) {
    throw new ContribRefusal('it has outputs beyond output and present');
  }
  const x = c.input(0)!;
  const weights = c.input(1)!;
  const bias = c.input(2);
  const maskIndex = c.input(3);
  const past = c.input(4);
  const attentionBias = c.input(5);
  if (past && attentionBias)
    throw new ContribRefusal('it has both past and attention_bias (onnxruntime refuses that too)');
  const sizes = attrInts(node, 'qkv_hidden_sizes');
  if (sizes && (sizes.length !== 3 || sizes.some((s) => s % numHeads !== 0))) {
    throw new ContribRefusal(`its qkv_hidden_sizes ${JSON.stringify(sizes)} are not three multiples of num_heads`);
  }
  if (sizes && past && sizes[1] !== sizes[2]) {
    throw new ContribRefusal('it has a past state with different K and V hidden sizes');
  }
  let maskRank: number | undefined;
  if (maskIndex) {
    maskRank = c.types.rank(maskIndex);
    if (maskRank === undefined) {
      throw new ContribRefusal(`the rank of its mask_index "${maskIndex}" is unknown (declare its shape)`);
    }
  }

  let qkv = b.matmul(x, weights);
  if (bias) qkv = b.add(qkv, bias);
  let parts: string[];
  if (sizes) parts = b.split(qkv, sizes, 2);
  else parts = b.opN('Split', [qkv], 3, { axis: 2, num_outputs: b.opset >= 18 ? 3 : undefined }); // equal parts
  const heads = (t: string) => b.transpose(b.reshape(t, [0, 0, numHeads, -1]), [0, 2, 1, 3]);
  const q = heads(parts[0]!);
  let k = heads(parts[1]!);
  let v = heads(parts[2]!);

  if (past || node.output[1]) {
    const stacked = b.concat([b.unsqueeze(k, [0]), b.unsqueeze(v, [0])], 0); // [2, B, N, S, h]
    const present = past ? b.concat([past, stacked], 3) : stacked;
    c.bind(1, present);
    if (past) {
      k = b.gather(present, b.i64(0), 0);
      v = b.gather(present, b.i64(1), 0);
    }
  }

  // 1/√h in float32 like the kernel when h is static, else from the runtime shape.
  const qSize = sizes?.[0] ?? staticQkvWidth(c, weights);
  const userScale = attrFloat(node, 'scale', 0);
  let scale: string;
  if (userScale !== 0) scale = c.k(userScale);
  else if (qSize !== undefined) scale = c.k(Math.fround(1 / Math.fround(Math.sqrt(qSize / numHeads))));
  else {
    const h = b.cast(b.gather(b.shape(q), b.i64(3)), c.elem === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT);
    scale = b.reciprocal(b.sqrt(h));
    if (c.elem === DataType.FLOAT16) scale = b.cast(scale, DataType.FLOAT16);
  }
  let scores = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), scale); // [B, N, S, T]

  const unidirectional = attrInt(node, 'unidirectional', 0) !== 0;
  let additive: string | undefined;
  if (maskIndex || unidirectional) {
    const shapeQ = b.shape(q);
    const shapeK = b.shape(k);
    const batch = b.gather(shapeQ, b.i64(0));
    const seq = b.gather(shapeQ, b.i64(2));
    const total = b.gather(shapeK, b.i64(2));
    const keyPos = b.op('Range', [b.i64(0), total, b.i64(1)]);
    let mask = maskIndex ? maskBias(c, maskIndex, maskRank!, batch, keyPos) : c.k(0);
    if (unidirectional) {
      const queryPos = b.op('Range', [b.i64(0), seq, b.i64(1)]);
      // Key j is hidden from query i when j − i > P = T − S; the kernel sets those to the lowest float32 (not the
      // filter value), so they vanish from the softmax unless the padding mask hides the whole row at −FLT_MAX too.
      const ahead = b.greater(b.sub(b.unsqueeze(keyPos, [0]), b.unsqueeze(queryPos, [1])), b.sub(total, seq));
      mask = b.where(ahead, c.k(LOWEST_FLOAT32), mask);
    }
    additive = mask;
  }
  if (attentionBias) additive = additive ? b.add(attentionBias, additive) : attentionBias;
  if (additive) scores = b.add(scores, additive);
  const probs = b.softmax(scores, -1);
  const out = b.reshape(b.transpose(b.matmul(probs, v), [0, 2, 1, 3]), [0, 0, -1]);
  c.bind(0, out);
}

/** Q's hidden size from a static [in, 3·hidden] weight shape, when known. */
function staticQkvWidth(c: DecomposeContext, weights: string): number | undefined {
  const shape = c.types.staticShape(weights);
  const width = shape?.[shape.length - 1];
  return width !== undefined && width % 3 === 0 ? width / 3 : undefined;
}

export const ATTENTION: Record<string, ContribOp> = { Attention: { required: ['input', 'weights'], run: attention } };
