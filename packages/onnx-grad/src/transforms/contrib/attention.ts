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
 * `MultiHeadAttention` and `GroupQueryAttention` share the core (see their functions: gqa_attention_base.h for GQA).
 *
 * Exports: `ATTENTION`.
 */
import { DataType } from '../../onnx/proto.ts';
import { attrFloat, attrInt, attrInts } from '../../ir/attributes.ts';
import { ContribRefusal, intScalar, type ContribOp, type DecomposeContext } from './context.ts';
import { rotate } from './rotary.ts';

const LOWEST_FLOAT32 = -3.4028234663852886e38;

/** The graph's first input of rank 2 or more (input_ids, ...): its axis 0 is the batch. */
function batchInput(c: DecomposeContext): string {
  return c.b.graph.proto.input.find((v) => (v.type?.tensor_type?.shape?.dim?.length ?? 0) >= 2)?.name ?? '';
}

function maskBias(c: DecomposeContext, mask: string, rank: number, batch: string, keyPos: string): string {
  const { b } = c;
  const filter = c.k(attrFloat(c.node, 'mask_filter_value', -10000));
  const zero = c.k(0);
  const kept = () => b.greater(mask, intScalar(b, 0, c.types.elemType(mask)));
  switch (rank) {
    case 1: {
      // [B] end positions, or [2B] end then start positions: zero-padding to 2B reads a missing start as 0.
      const asI64 = b.cast(mask, DataType.INT64);
      const j = b.unsqueeze(keyPos, [0]); // [1, T]
      if (c.types.sameDim(mask, 0, c.input(0)!, 0) || c.types.sameDim(mask, 0, batchInput(c), 0)) {
        // Declared [B]: end positions only (no batch-sized concatenation, so rows stay independent).
        return b.unsqueeze(b.where(b.less(j, b.unsqueeze(asI64, [1])), zero, filter), [1, 2]);
      }
      const end = b.slice(asI64, b.unsqueeze(b.i64(0), [0]), b.unsqueeze(batch, [0]), [0]);
      const padded = b.concat([asI64, b.mul(end, b.i64(0))], 0);
      const start = b.slice(padded, b.unsqueeze(batch, [0]), b.unsqueeze(b.mul(batch, b.i64(2)), [0]), [0]);
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
      // From the past halves and the new keys, not from the stacked present: rows stay batch rows (a batch axis
      // after the stacking axis would tie them together for transforms/shared-forward.ts).
      k = b.concat([b.gather(past, b.i64(0), 0), k], 2);
      v = b.concat([b.gather(past, b.i64(1), 0), v], 2);
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
  /** GroupQueryAttention: conditions (bool, broadcast to [B, N, S, T]) that leave keys out of each row's softmax. */
  hidden?: string[];
  /** GroupQueryAttention: scores become softcap·tanh(scores/softcap) before the softmax. */
  softcap?: number;
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
  if (a.softcap) scores = b.mul(b.tanh(b.div(scores, c.k(a.softcap))), c.k(a.softcap));
  if (a.hidden) {
    for (const h of a.hidden) scores = b.where(h, c.k(LOWEST_FLOAT32), scores); // no And/Or: WebGPU lacks them
    const probs = b.softmax(scores, -1);
    return b.reshape(b.transpose(b.matmul(probs, a.v), [0, 2, 1, 3]), [0, 0, -1]);
  }

  const unidirectional = attrInt(node, 'unidirectional', 0) === 1; // onnxruntime: only 1 is true
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
  const qWidth = c.types.dim(query!, 2);
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

/**
 * `GroupQueryAttention(query, key, value, past_key, past_value, seqlens_k, total_sequence_length[, cos_cache,
 * sin_cache])`, following the CPU kernel (gqa_attention_base.h): Q [B, S, N·h], K, V [B, S, N_kv·h] (or one packed
 * [B, S, (N + 2·N_kv)·h] query); with `do_rotary`, Q and K rotated (RotaryEmbedding) at positions P_b + s; K, V
 * appended to past_key/past_value [B, N_kv, P, h] and repeated over the N/N_kv query heads of each group; always
 * causal. Row b holds t_b = seqlens_k[b] + 1 tokens, P_b = t_b − S of them past (0 for the first prompt, when
 * total_sequence_length = S): query s sees past rows j < P_b and the new keys up to its own, and with
 * `local_window_size` w > 0 only positions ≥ P_b + s − w. `softcap` applies softcap·tanh(x/softcap) first. Query rows
 * of a padded prompt (s ≥ t_b) are undefined in the kernel. present_key/present_value are past and new rows
 * concatenated: the kernel's buffer when P = P_b (no padding, no shared buffer).
 */
function groupQueryAttention(c: DecomposeContext): void {
  const { b, node } = c;
  const numHeads = attrInt(node, 'num_heads', 0);
  const kvHeads = attrInt(node, 'kv_num_heads', 0);
  if (numHeads <= 0 || kvHeads <= 0 || numHeads % kvHeads !== 0) {
    throw new ContribRefusal(`its num_heads ${numHeads} is not a positive multiple of kv_num_heads ${kvHeads}`);
  }
  if (attrInt(node, 'smooth_softmax', 0) !== 0) throw new ContribRefusal('it uses smooth_softmax (not decomposed)');
  const window = attrInt(node, 'local_window_size', -1);
  if (window === 0) throw new ContribRefusal('it has local_window_size 0, which onnxruntime versions read differently');
  for (const [i, what] of [
    [9, 'a position_ids input'],
    [10, 'an attention_bias input'],
    [11, 'a head_sink input'],
  ] as const) {
    if (c.input(i)) throw new ContribRefusal(`it has ${what} (not decomposed)`);
  }
  if (node.output[3]) throw new ContribRefusal('it asks for output_qk');
  const [query, key, value, pastKey, pastValue, seqlensK, totalLength] = [0, 1, 2, 3, 4, 5, 6].map((i) => c.input(i));
  if (!!pastKey !== !!pastValue) throw new ContribRefusal('it has only one of past_key and past_value');
  if (!!key !== !!value) throw new ContribRefusal('it has only one of key and value');
  if (c.types.rank(query!) !== 3) throw new ContribRefusal('its query is not [batch, sequence, hidden]');
  const width = c.types.dim(query!, 2);

  let qIn = query!;
  let kIn = key;
  let vIn = value;
  let headSize: number | undefined;
  if (!kIn) {
    if (width === undefined) throw new ContribRefusal('its packed query has no static width');
    headSize = width / (numHeads + 2 * kvHeads);
    [qIn, kIn, vIn] = b.split(query!, [numHeads * headSize, kvHeads * headSize, kvHeads * headSize], 2) as [
      string,
      string,
      string,
    ];
  } else if (width !== undefined) headSize = width / numHeads;
  const heads = (t: string, n: number) => b.transpose(b.reshape(t, [0, 0, n, -1]), [0, 2, 1, 3]);
  let q = heads(qIn, numHeads);
  let k = heads(kIn!, kvHeads);
  const v = heads(vIn!, kvHeads);

  // per-row past length P_b (int64 [B, 1, 1, 1]): 0 for the first prompt
  const seq = b.gather(b.shape(query!), b.i64(1));
  const total = b.cast(b.reshape(totalLength!, [-1]), DataType.INT64); // [1]
  const rowTotal = b.add(b.cast(seqlensK!, DataType.INT64), b.i64(1)); // [B]
  const firstPrompt = b.equal(total, b.unsqueeze(seq, [0]));
  const pastB = b.where(firstPrompt, b.i64([0]), b.sub(rowTotal, seq)); // [B]
  const queryPos = b.add(b.unsqueeze(pastB, [1]), b.unsqueeze(b.op('Range', [b.i64(0), seq, b.i64(1)]), [0])); // [B, S]

  if (attrInt(node, 'do_rotary', 0) !== 0) {
    const [cosCache, sinCache] = [c.input(7), c.input(8)];
    if (!cosCache || !sinCache) throw new ContribRefusal('it has do_rotary=1 without cos_cache and sin_cache');
    const cacheWidth = c.types.dim(cosCache, 1);
    if (cacheWidth === undefined) throw new ContribRefusal('its cos_cache shape is not static');
    const rot = 2 * cacheWidth;
    const interleaved = attrInt(node, 'rotary_interleaved', 0) === 1;
    const angles = (cache: string) => b.unsqueeze(b.gather(cache, queryPos), [1]); // [B, 1, S, R/2]
    const [cos, sin] = [angles(cosCache), angles(sinCache)];
    const partial = headSize === undefined || rot < headSize;
    q = rotate(c, q, cos, sin, rot, partial, interleaved);
    k = rotate(c, k, cos, sin, rot, partial, interleaved);
  }

  let kAll = k;
  let vAll = v;
  if (pastKey) {
    kAll = b.concat([pastKey, k], 2);
    vAll = b.concat([pastValue!, v], 2);
  }
  c.bind(1, kAll);
  c.bind(2, vAll);

  // Key j of the concatenation: a past row (j < P) counts when j < P_b; new key j − P sits at position P_b + j − P.
  const bufferLength = pastKey ? b.gather(b.shape(pastKey), b.i64(2)) : b.i64(0);
  const keyIdx = b.op('Range', [b.i64(0), b.gather(b.shape(kAll), b.i64(2)), b.i64(1)]); // [T]
  const isPast = b.less(keyIdx, bufferLength); // [T]
  const past4 = b.unsqueeze(pastB, [1, 2]); // [B, 1, 1]
  const keyPos = b.where(isPast, keyIdx, b.add(b.sub(keyIdx, bufferLength), past4)); // [B, 1, T]
  const qPos = b.unsqueeze(queryPos, [2]); // [B, S, 1]
  // hidden: a key after the query, a past row beyond P_b, a position before the local window
  const pastIdx = b.where(isPast, keyIdx, b.i64(-1)); // −1 for new keys: never ≥ P_b
  const hidden = [b.greater(keyPos, qPos), b.greater(pastIdx, b.sub(past4, b.i64(1)))];
  if (window > 0) hidden.push(b.less(keyPos, b.sub(qPos, b.i64(window - 1)))); // the last w positions stay

  const group = numHeads / kvHeads;
  const repeat = (t: string) => {
    if (group === 1) return t;
    const shape = b.shape(t);
    const expanded = b.expand(
      b.unsqueeze(t, [2]),
      b.concat([b.slice(shape, [0], [2], [0]), b.i64([group]), b.slice(shape, [2], [4], [0])], 0),
    ); // [B, N_kv, g, T, h]
    return b.reshape(
      expanded,
      b.concat([b.slice(shape, [0], [1], [0]), b.i64([numHeads]), b.slice(shape, [2], [4], [0])], 0),
    );
  };
  const softcap = attrFloat(node, 'softcap', 0);
  const out = attend(c, {
    q,
    k: repeat(kAll),
    v: repeat(vAll),
    headSize,
    causalOffset: () => b.i64(0),
    hidden: hidden.map((h) => b.unsqueeze(h, [1])), // [B, 1, S, T] (or [1, 1, 1, T])
    softcap: softcap > 0 ? softcap : undefined,
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
  GroupQueryAttention: {
    required: ['query', '', '', '', '', 'seqlens_k', 'total_sequence_length'],
    run: groupQueryAttention,
  },
  Attention: { required: ['input', 'weights'], run: attention },
};
