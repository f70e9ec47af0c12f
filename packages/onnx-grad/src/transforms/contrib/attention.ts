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
 * `MultiHeadAttention` shares the core (see `multiHeadAttention`).
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
  const kept = () => b.greater(mask, intScalar(b, 0, c.types.elemType(mask)));
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
      return b.unsqueeze(b.where(kept(), zero, filter), [1, 2]);
    case 3:
      return b.unsqueeze(b.where(kept(), zero, filter), [1]);
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

  const qSize = sizes?.[0] ?? staticQkvWidth(c, weights);
  const pastLength = (t: string) => b.sub(b.gather(b.shape(t), b.i64(2)), b.gather(b.shape(q), b.i64(2)));
  const out = attend(c, {
    q,
    k,
    v,
    headSize: qSize === undefined ? undefined : qSize / numHeads,
    mask: maskIndex ? { name: maskIndex, rank: maskRank! } : undefined,
    attentionBias,
    causalOffset: () => pastLength(k), // T − S: the past length, keys and queries being the same tokens
  });
  c.bind(0, out);
}

interface AttendInputs {
  /** [B, N, S, h], [B, N, T, h], [B, N, T, h_v] */
  q: string;
  k: string;
  v: string;
  /** Static head size of Q and K, for the kernel's float32 1/√h. */
  headSize?: number;
  mask?: { name: string; rank: number };
  attentionBias?: string;
  /** int64 scalar P, built on demand: with `unidirectional`, query i sees keys j ≤ P + i. */
  causalOffset: () => string;
}

/** The kernels' shared core (AttentionCPUBase::ApplyAttention): scaled scores, masks, softmax, ·V, heads merged. */
function attend(c: DecomposeContext, a: AttendInputs): string {
  const { b, node } = c;
  // 1/√h in float32 like the kernel when h is static, else from the runtime shape.
  const userScale = attrFloat(node, 'scale', 0);
  let scale: string;
  if (userScale !== 0) scale = c.k(userScale);
  else if (a.headSize !== undefined) scale = c.k(Math.fround(1 / Math.fround(Math.sqrt(a.headSize))));
  else {
    const h = b.cast(b.gather(b.shape(a.q), b.i64(3)), c.elem === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT);
    scale = b.reciprocal(b.sqrt(h));
    if (c.elem === DataType.FLOAT16) scale = b.cast(scale, DataType.FLOAT16);
  }
  let scores = b.mul(b.matmul(a.q, b.transpose(a.k, [0, 1, 3, 2])), scale); // [B, N, S, T]

  const unidirectional = attrInt(node, 'unidirectional', 0) !== 0;
  let additive: string | undefined;
  if (a.mask || unidirectional) {
    const shapeQ = b.shape(a.q);
    const total = b.gather(b.shape(a.k), b.i64(2));
    const keyPos = b.op('Range', [b.i64(0), total, b.i64(1)]);
    let mask = a.mask ? maskBias(c, a.mask.name, a.mask.rank, b.gather(shapeQ, b.i64(0)), keyPos) : undefined;
    if (unidirectional) {
      const queryPos = b.op('Range', [b.i64(0), b.gather(shapeQ, b.i64(2)), b.i64(1)]);
      // Key j is hidden from query i when j − i > P; the kernel sets those to the lowest float32 (not the filter
      // value), so they vanish from the softmax unless the padding mask hides the whole row at −FLT_MAX too.
      const ahead = b.greater(b.sub(b.unsqueeze(keyPos, [0]), b.unsqueeze(queryPos, [1])), a.causalOffset());
      mask = b.where(ahead, c.k(LOWEST_FLOAT32), mask ?? c.k(0));
    }
    additive = mask;
  }
  if (a.attentionBias) additive = additive ? b.add(a.attentionBias, additive) : a.attentionBias;
  if (additive) scores = b.add(scores, additive);
  const probs = b.softmax(scores, -1);
  return b.reshape(b.transpose(b.matmul(probs, a.v), [0, 2, 1, 3]), [0, 0, -1]);
}

/**
 * `MultiHeadAttention(query, key, value[, bias][, key_padding_mask][, attention_bias][, past_key, past_value])`:
 * Q, K, V [B, S|L, D|D_v] (+ bias [D | D | D_v] parts) split into heads, or K, V already [B, N, L, h] (then no bias
 * or past); past_key/past_value [B, N, P, h] concatenated into present_key/present_value; the same core as
 * `Attention`, with P the past length for `unidirectional`.
 */
function multiHeadAttention(c: DecomposeContext): void {
  const { b, node } = c;
  const numHeads = attrInt(node, 'num_heads', 0);
  if (numHeads <= 0) throw new ContribRefusal('its num_heads attribute is missing');
  for (const [i, what] of [
    [8, 'a past_sequence_length input (shared-buffer decoding)'],
    [9, 'a cache_indirection input (beam search)'],
  ] as const) {
    if (c.input(i)) throw new ContribRefusal(`it has ${what}`);
  }
  if (node.output[3]) throw new ContribRefusal('it asks for output_qk');
  const [query, key, value, bias, maskIndex, attentionBias, pastKey, pastValue] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    c.input(i),
  );
  if (!key || !value) throw new ContribRefusal('it packs Q, K and V into the query (not supported by the CPU kernel)');
  const qRank = c.types.rank(query!);
  const kRank = c.types.rank(key);
  if (qRank !== 3) throw new ContribRefusal(`its query has rank ${qRank ?? 'unknown'}, not 3`);
  if (kRank !== 3 && kRank !== 4) {
    throw new ContribRefusal(`its key has rank ${kRank ?? 'unknown'}, not 3 or 4 (packed KV is not on the CPU kernel)`);
  }
  if (!!pastKey !== !!pastValue) throw new ContribRefusal('it has only one of past_key and past_value');
  if (kRank === 4 && (bias || pastKey)) {
    throw new ContribRefusal('its key is already split into heads and it also has a bias or a past state');
  }
  let maskRank: number | undefined;
  if (maskIndex) {
    maskRank = c.types.rank(maskIndex);
    if (maskRank === undefined) {
      throw new ContribRefusal(`the rank of its key_padding_mask "${maskIndex}" is unknown (declare its shape)`);
    }
  }

  const heads = (t: string) => b.transpose(b.reshape(t, [0, 0, numHeads, -1]), [0, 2, 1, 3]);
  let qIn = query!;
  let kIn = key;
  let vIn = value;
  if (bias) {
    const d = b.shape(query!, 2, 3); // [D]
    const twoD = b.mul(d, b.i64([2]));
    qIn = b.add(qIn, b.slice(bias, b.i64([0]), d, [0]));
    kIn = b.add(kIn, b.slice(bias, d, twoD, [0]));
    vIn = b.add(vIn, b.slice(bias, twoD, [Number.MAX_SAFE_INTEGER], [0]));
  }
  const q = heads(qIn);
  let k = kRank === 4 ? kIn : heads(kIn);
  let v = kRank === 4 ? vIn : heads(vIn);
  if (pastKey) {
    k = b.concat([pastKey, k], 2);
    v = b.concat([pastValue!, v], 2);
  }
  c.bind(1, k);
  c.bind(2, v);
  const qWidth = c.types.staticShape(query!)?.[2];
  const out = attend(c, {
    q,
    k,
    v,
    headSize: qWidth === undefined ? undefined : qWidth / numHeads,
    mask: maskIndex ? { name: maskIndex, rank: maskRank! } : undefined,
    attentionBias,
    causalOffset: () => (pastKey ? b.gather(b.shape(pastKey), b.i64(2)) : b.i64(0)),
  });
  c.bind(0, out);
}

/** Q's hidden size from a static [in, 3·hidden] weight shape, when known. */
function staticQkvWidth(c: DecomposeContext, weights: string): number | undefined {
  const shape = c.types.staticShape(weights);
  const width = shape?.[shape.length - 1];
  return width !== undefined && width % 3 === 0 ? width / 3 : undefined;
}

export const ATTENTION: Record<string, ContribOp> = {
  MultiHeadAttention: { required: ['query'], run: multiHeadAttention },
  Attention: { required: ['input', 'weights'], run: attention },
};
