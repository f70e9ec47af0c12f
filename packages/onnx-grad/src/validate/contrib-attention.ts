/**
 * Static shape checks of com.microsoft MultiHeadAttention, GroupQueryAttention and RotaryEmbedding, after what
 * onnxruntime 1.30's CPU kernels refuse (contrib_ops/cpu/bert/multihead_attention_helper.h,
 * group_query_attention_helper.h, rotary_embedding_helper.h, the kernels' constructors, and the schemas'
 * shape inference in core/graph/contrib_ops/bert_defs.cc, which fail at load). Each node reports its first problem,
 * as the kernel does. A dim is compared only where it and what it is compared with are known numbers; the values
 * of total_sequence_length and position_ids only where they are constants.
 *
 * Exports: `checkAttentionShapes`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import { attrInt } from '../ir/attributes.ts';
import type { ShapeInfo } from '../shape/infer.ts';
import type { Dim } from '../shape/dims.ts';
import { nodeLabel, type Problems } from './errors.ts';

const num = (d: Dim | undefined): d is number => typeof d === 'number';
const fmt = (s: Dim[]) => `[${s.join(', ')}]`;
const allNum = (s: Dim[]): s is number[] => s.every(num);

/** One node's inputs, and `bad`, which records a problem and returns true (so a check reads `if (bad(..)) return`). */
class NodeInputs {
  constructor(
    readonly n: NodeProto,
    readonly where: string,
    readonly info: ShapeInfo,
    readonly p: Problems,
  ) {}
  has(k: number): boolean {
    return !!this.n.input[k];
  }
  shape(k: number): Dim[] | undefined {
    return this.has(k) ? this.info.shape(this.n.input[k]!) : undefined;
  }
  ints(k: number): number[] | undefined {
    return this.has(k) ? this.info.ints(this.n.input[k]!) : undefined;
  }
  /** `input 6 "past_key" [2, 1, 2, 4]` */
  input(k: number): string {
    const s = this.shape(k);
    return `input ${k} "${this.n.input[k] ?? ''}"${s ? ` ${fmt(s)}` : ''}`;
  }
  bad(message: string): true {
    this.p.add(this.where, message);
    return true;
  }
  /** Input k's rank must be one of `allowed`. */
  rank(k: number, allowed: number[], layout: string): boolean {
    const s = this.shape(k);
    return (
      !!s &&
      !allowed.includes(s.length) &&
      this.bad(
        `${this.input(k)} has rank ${s.length}; ${this.n.op_type} takes rank ${allowed.join(' or ')} (${layout})`,
      )
    );
  }
  /** Input k's dim `axis` must be one of `want` (the known ones). */
  dim(k: number, axis: number, want: (Dim | undefined)[], why: string, layout?: string): boolean {
    const d = this.shape(k)?.[axis];
    const known = want.filter(num);
    if (!num(d) || known.length < want.length || known.includes(d)) return false;
    const expected = [...new Set(known)].join(' or ');
    return this.bad(
      `${this.input(k)} has ${d} at axis ${axis}, expected ${expected} (${why})${layout ? `; it is ${layout}` : ''}`,
    );
  }
}

/** Checks one MultiHeadAttention, GroupQueryAttention or RotaryEmbedding node; others are left alone. */
export function checkAttentionShapes(n: NodeProto, index: number, info: ShapeInfo, p: Problems): void {
  const c = new NodeInputs(n, nodeLabel(n, index), info, p);
  if (n.op_type === 'MultiHeadAttention') multiHeadAttention(c);
  else if (n.op_type === 'GroupQueryAttention') groupQueryAttention(c);
  else if (n.op_type === 'RotaryEmbedding') rotaryEmbedding(c);
}

// MultiHeadAttention(query, key, value, bias, key_padding_mask, attention_bias, past_key, past_value, ...)
function multiHeadAttention(c: NodeInputs): void {
  const heads = attrInt(c.n, 'num_heads', 0);
  if (heads <= 0) {
    c.bad(`its num_heads attribute is ${heads}; onnxruntime needs a positive num_heads`);
    return;
  }
  if (c.rank(0, [3, 5], 'query is [batch, sequence, hidden]')) return;
  const q = c.shape(0);
  if (!c.has(1)) {
    if (c.has(2)) c.bad(`it has a value (${c.input(2)}) but no key: give both, or neither`);
    else
      c.bad(
        `its query packs Q, K and V (${c.input(0)}, no key), which onnxruntime's CPU kernel does not implement; ` +
          'give query [batch, sequence, hidden], key and value separately',
      );
    return;
  }
  if (q?.length === 5 || c.shape(1)?.length === 5) {
    c.bad(
      `it packs its inputs (${c.input(0)}, ${c.input(1)}), which onnxruntime's CPU kernel does not implement; ` +
        'give query [batch, sequence, hidden], key and value [batch, kv_sequence, hidden] separately',
    );
    return;
  }
  if (!c.has(2)) {
    c.bad(`it has a key (${c.input(1)}) but no value: give both`);
    return;
  }
  const [k, v] = [c.shape(1), c.shape(2)];
  if (c.rank(2, [3, 4], 'value is [batch, kv_sequence, v_hidden] or [batch, num_heads, kv_sequence, head_size]'))
    return;
  if (k && v && (k.length !== v.length || (k.length !== 3 && k.length !== 4))) {
    c.bad(
      `its key and value have ranks ${k.length} and ${v.length} (${c.input(1)}, ${c.input(2)}); give both ` +
        'as [batch, kv_sequence, hidden], or both as [batch, num_heads, kv_sequence, head_size]',
    );
    return;
  }
  const B = q?.[0];
  const S = q?.[1];
  const hidden = q?.[2];
  if (c.dim(1, 0, [B], `the batch of ${c.input(0)}`) || c.dim(2, 0, [B], `the batch of ${c.input(0)}`)) return;
  if (num(hidden) && hidden % heads !== 0) {
    c.bad(`${c.input(0)} has hidden size ${hidden}, not a multiple of num_heads ${heads}`);
    return;
  }
  const head = num(hidden) ? hidden / heads : undefined;
  let L: Dim | undefined; // kv sequence length
  let vHidden: Dim | undefined;
  if (k?.length === 3) {
    if (c.dim(1, 2, [hidden], `the hidden size of ${c.input(0)}`, '[batch, kv_sequence, hidden]')) return;
    if (c.dim(2, 1, [k[1]], `the kv sequence length of ${c.input(1)}`, '[batch, kv_sequence, v_hidden]')) return;
    L = k[1];
    vHidden = v?.[2];
    if (num(vHidden) && vHidden % heads !== 0) {
      c.bad(`${c.input(2)} has hidden size ${vHidden}, not a multiple of num_heads ${heads}`);
      return;
    }
  } else if (k?.length === 4) {
    const layout = '[batch, num_heads, kv_sequence, head_size], the same for key and value';
    if (c.dim(1, 1, [heads], 'num_heads', layout) || c.dim(1, 3, [head], 'the head size (hidden / num_heads)', layout))
      return;
    for (let i = 0; i < 4; i++) if (c.dim(2, i, [k[i]], `axis ${i} of ${c.input(1)}`, layout)) return;
    L = k[2];
    vHidden = num(v?.[3]) ? heads * v[3] : undefined;
  }
  if (c.has(3)) {
    if (c.rank(3, [1], 'bias is [hidden + hidden + v_hidden]')) return;
    const want = num(hidden) && num(vHidden) ? 2 * hidden + vHidden : undefined;
    if (c.dim(3, 0, [want], `2 × the hidden size ${hidden} of query and key + the hidden size ${vHidden} of value`))
      return;
  }
  if (c.has(6) !== c.has(7)) {
    c.bad('it has only one of past_key (input 6) and past_value (input 7): give both, or neither');
    return;
  }
  const pastLayout = '[batch, num_heads, past_sequence, head_size]';
  let T: Dim | undefined = L; // total sequence length
  if (c.has(6)) {
    for (const i of [6, 7]) {
      if (c.rank(i, [4], pastLayout)) return;
      if (c.dim(i, 0, [B], `the batch of ${c.input(0)}`, pastLayout) || c.dim(i, 1, [heads], 'num_heads', pastLayout))
        return;
    }
    if (c.dim(7, 2, [c.shape(6)?.[2]], `the past length of ${c.input(6)}`, pastLayout)) return;
    for (const i of [6, 7]) if (c.dim(i, 3, [head], 'the head size (hidden / num_heads)', pastLayout)) return;
    const P = c.shape(6)?.[2];
    T = num(P) && num(L) ? P + L : undefined;
  }
  if (c.has(4) && keyPaddingMask(c, B, S, L, T)) return;
  if (c.has(5)) {
    const layout = '[batch or 1, num_heads or 1, sequence, total_sequence]';
    if (c.rank(5, [4], layout)) return;
    if (c.dim(5, 0, [B, 1], `the batch of ${c.input(0)}, or 1`, layout)) return;
    if (c.dim(5, 1, [heads, 1], 'num_heads, or 1', layout) || c.dim(5, 2, [S], `the sequence of ${c.input(0)}`, layout))
      return;
    c.dim(5, 3, [T], 'the total sequence length: past + kv sequence', layout);
  }
}

/** key_padding_mask: [B], [3B + 2], [B, L], [B, T] or [B, S, T]. */
function keyPaddingMask(c: NodeInputs, B?: Dim, S?: Dim, L?: Dim, T?: Dim): boolean {
  const m = c.shape(4);
  if (!m) return false;
  const layout = '[batch], [3 × batch + 2], [batch, kv_sequence], [batch, total_sequence] or [batch, sequence, total]';
  if (c.rank(4, [1, 2, 3], layout)) return true;
  if (m.length === 1) return c.dim(4, 0, [B, num(B) ? 3 * B + 2 : undefined], 'batch, or 3 × batch + 2', layout);
  if (c.dim(4, 0, [B], `the batch of ${c.input(0)}`, layout)) return true;
  if (m.length === 2) return c.dim(4, 1, [L, T], 'the kv sequence length, or the total one', layout);
  return c.dim(4, 1, [S], `the sequence of ${c.input(0)}`, layout) || c.dim(4, 2, [T], 'the total length', layout);
}

// GroupQueryAttention(query, key, value, past_key, past_value, seqlens_k, total_sequence_length, cos_cache,
// sin_cache, ...)
function groupQueryAttention(c: NodeInputs): void {
  const heads = attrInt(c.n, 'num_heads', 0);
  const kvHeads = attrInt(c.n, 'kv_num_heads', 0);
  if (heads <= 0 || kvHeads <= 0) {
    c.bad(`its num_heads ${heads} and kv_num_heads ${kvHeads} must both be positive (onnxruntime refuses the node)`);
    return;
  }
  if (heads % kvHeads !== 0) {
    c.bad(`its num_heads ${heads} is not a multiple of kv_num_heads ${kvHeads} (each KV head serves whole groups)`);
    return;
  }
  if (c.rank(0, [3], 'query is [batch, sequence, hidden]')) return;
  const q = c.shape(0);
  const [B, S, width] = [q?.[0], q?.[1], q?.[2]];
  const packed = !c.has(1);
  let head: number | undefined;
  if (packed) {
    if (c.has(2)) {
      c.bad(`it has a value (${c.input(2)}) but no key: give both, or pack Q, K and V into the query`);
      return;
    }
    const parts = heads + 2 * kvHeads;
    if (num(width) && width % parts !== 0) {
      c.bad(
        `its packed ${c.input(0)} has width ${width}, not (num_heads + 2 × kv_num_heads) = ${parts} heads of one size`,
      );
      return;
    }
    head = num(width) ? width / parts : undefined;
  } else {
    if (!c.has(2)) {
      c.bad(`it has a key (${c.input(1)}) but no value: give both, or pack Q, K and V into the query`);
      return;
    }
    if (num(width) && width % heads !== 0) {
      c.bad(`${c.input(0)} has hidden size ${width}, not a multiple of num_heads ${heads}`);
      return;
    }
    head = num(width) ? width / heads : undefined;
  }
  if (num(head) && head % 8 !== 0) {
    c.bad(`its head size is ${head} (from ${c.input(0)}); onnxruntime's kernel takes multiples of 8`);
    return;
  }
  const kvLayout = '[batch, sequence, kv_num_heads × head_size]';
  if (!packed) {
    if (c.rank(1, [3], kvLayout) || c.dim(1, 0, [B], `the batch of ${c.input(0)}`, kvLayout)) return;
    const kvHidden = c.shape(1)?.[2];
    if (c.dim(1, 2, [num(head) ? kvHeads * head : undefined], `kv_num_heads ${kvHeads} × head size ${head}`, kvLayout))
      return;
    if (c.rank(2, [3], kvLayout) || c.dim(2, 0, [B], `the batch of ${c.input(0)}`, kvLayout)) return;
    if (c.dim(2, 1, [c.shape(1)?.[1]], `the sequence of ${c.input(1)}`, kvLayout)) return;
    if (c.dim(2, 2, [kvHidden], `the hidden size of ${c.input(1)}`, kvLayout)) return;
    // with a past, a key of 0 rows (a layer sharing another's cache) is allowed too
    const rows = c.has(3) ? [S, 0] : [S];
    if (c.dim(1, 1, rows, `the sequence of ${c.input(0)}${c.has(3) ? ', or 0' : ''}`, kvLayout)) return;
  }
  if (c.has(3) !== c.has(4)) {
    c.bad('it has only one of past_key (input 3) and past_value (input 4): give both, or neither');
    return;
  }
  const pastLayout = '[batch, kv_num_heads, past_sequence, head_size]';
  if (c.has(3)) {
    for (const i of [3, 4])
      if (c.rank(i, [4], pastLayout) || c.dim(i, 0, [B], `the batch of ${c.input(0)}`, pastLayout)) return;
    if (c.dim(4, 2, [c.shape(3)?.[2]], `the past length of ${c.input(3)}`, pastLayout)) return;
    for (const i of [3, 4])
      if (c.dim(i, 1, [kvHeads], 'kv_num_heads', pastLayout) || c.dim(i, 3, [head], 'the head size', pastLayout))
        return;
  }
  if (seqlensK(c, B)) return;
  const total = totalSequenceLength(c);
  if (total === null) return;
  if (c.has(7) !== c.has(8)) {
    c.bad('it has only one of cos_cache (input 7) and sin_cache (input 8): give both, or neither');
    return;
  }
  if (c.has(7)) {
    if (num(head) && head % 16 !== 0) {
      c.bad(`its head size is ${head}; onnxruntime's kernel applies rotary caches only to multiples of 16`);
      return;
    }
    const cacheLayout = '[max_positions, rotary_dim / 2]';
    // onnxruntime 1.30 aborts the whole process (std::terminate) on a cache of another rank: refuse it here.
    if (c.rank(7, [2], cacheLayout) || c.rank(8, [2], cacheLayout)) return;
    const widest = num(head) ? Math.trunc(head / 16) * 8 : undefined;
    for (const i of [7, 8]) {
      const rows = c.shape(i)?.[0];
      if (num(rows) && total !== undefined && rows < total) {
        c.bad(`${c.input(i)} has ${rows} rows, fewer than total_sequence_length ${total}; it is ${cacheLayout}`);
        return;
      }
      const w = c.shape(i)?.[1];
      if (num(w) && (w % 8 !== 0 || (num(widest) && w > widest))) {
        c.bad(
          `${c.input(i)} has width ${w}, expected a multiple of 8 up to head size / 2 = ${widest ?? '?'}; it is ${cacheLayout}`,
        );
        return;
      }
    }
    if (c.dim(8, 1, [c.shape(7)?.[1]], `the width of ${c.input(7)}`, cacheLayout)) return;
  } else if (attrInt(c.n, 'do_rotary', 0) === 1) {
    c.bad('it has do_rotary=1 but no cos_cache and sin_cache (inputs 7 and 8): give both, or set do_rotary=0');
    return;
  }
  if (num(S) && num(B) && total !== undefined && S > 1 && S !== total && B !== 1)
    c.bad(
      `its ${S} query tokens follow a past (total_sequence_length ${total}) with a batch of ${B}; ` +
        'onnxruntime continues a prompt one batch row at a time (batch 1)',
    );
}

/** seqlens_k: [batch] (or dims of 1 and batch whose product is batch). */
function seqlensK(c: NodeInputs, B?: Dim): boolean {
  const s = c.shape(5);
  if (!s) return false;
  if (s.length === 0) return c.bad(`${c.input(5)} is a scalar; seqlens_k is [batch] (each row's length - 1)`);
  if (!num(B) || !allNum(s)) return false;
  const count = s.reduce((a, b) => a * b, 1);
  if (count !== B) return c.bad(`${c.input(5)} has ${count} elements, expected the batch ${B}; seqlens_k is [batch]`);
  return s.some((d) => d !== 1 && d !== B) && c.bad(`${c.input(5)} is not [batch] = [${B}]`);
}

/** total_sequence_length: one element, positive; its value when a constant, null after a problem. */
function totalSequenceLength(c: NodeInputs): number | undefined | null {
  const s = c.shape(6);
  if (s && (s.length > 1 || (s.length === 1 && num(s[0]) && s[0] !== 1))) {
    c.bad(`${c.input(6)} is not one element; total_sequence_length is a scalar or [1]`);
    return null;
  }
  const v = c.ints(6);
  if (v?.length !== 1) return undefined;
  if (v[0]! <= 0) {
    c.bad(`${c.input(6)} holds ${v[0]}; total_sequence_length (past + new tokens) must be positive`);
    return null;
  }
  return v[0];
}

// RotaryEmbedding(input, position_ids, cos_cache, sin_cache)
function rotaryEmbedding(c: NodeInputs): void {
  const heads = attrInt(c.n, 'num_heads', 0);
  const rotaryDim = attrInt(c.n, 'rotary_embedding_dim', 0);
  if (heads < 0 || rotaryDim < 0) {
    c.bad(`its num_heads ${heads} and rotary_embedding_dim ${rotaryDim} must not be negative`);
    return;
  }
  if (rotaryDim > 0 && heads === 0) {
    c.bad(`it has rotary_embedding_dim ${rotaryDim} but no num_heads: onnxruntime needs num_heads to find the heads`);
    return;
  }
  const inputLayout = '[batch, sequence, num_heads × head_size] or [batch, num_heads, sequence, head_size]';
  if (c.rank(0, [3, 4], inputLayout)) return;
  const pos = c.shape(1);
  const posLayout = 'position_ids is [batch, sequence], or one start position';
  if (pos && (pos.length > 2 || (pos.length === 1 && num(pos[0]) && pos[0] !== 1))) {
    c.bad(`${c.input(1)} is neither [batch, sequence] nor one element; ${posLayout}`);
    return;
  }
  const cacheLayout = '[max_positions, rotary_dim / 2]';
  if (c.rank(2, [2], cacheLayout) || c.rank(3, [2], cacheLayout)) return;
  const cos = c.shape(2);
  for (let i = 0; i < 2; i++) if (c.dim(3, i, [cos?.[i]], `axis ${i} of ${c.input(2)}`, cacheLayout)) return;
  const x = c.shape(0);
  const width = cos?.[1];
  const B = x?.[0];
  const S = x?.length === 4 ? x[2] : x?.[1];
  let head: Dim | undefined;
  if (x?.length === 4) head = x[3];
  else if (x && heads > 0) {
    const hidden = x[2];
    if (num(hidden) && hidden % heads !== 0) {
      c.bad(`${c.input(0)} has hidden size ${hidden}, not a multiple of num_heads ${heads}`);
      return;
    }
    head = num(hidden) ? hidden / heads : undefined;
  } else if (x && num(width)) {
    // no num_heads: the head size is twice the cache width
    head = 2 * width;
    const hidden = x[2];
    if (num(hidden) && (head === 0 || hidden % head !== 0)) {
      c.bad(
        `${c.input(0)} has hidden size ${hidden}, not a multiple of the head size ${head} (2 × the width of ` +
          `${c.input(2)}); set num_heads, or give caches of width head_size / 2`,
      );
      return;
    }
  }
  if (num(head) && rotaryDim > head) {
    c.bad(`its rotary_embedding_dim ${rotaryDim} exceeds the head size ${head}`);
    return;
  }
  if (num(width) && num(head)) {
    const ok = [Math.trunc(head / 2), ...(rotaryDim > 0 ? [Math.trunc(rotaryDim / 2)] : [])];
    const why = `head size ${head} / 2${rotaryDim > 0 ? `, or rotary_embedding_dim ${rotaryDim} / 2` : ''}`;
    if (c.dim(2, 1, ok, why, cacheLayout)) return;
  }
  if (pos?.length === 2) {
    if (c.dim(1, 0, [B], `the batch of ${c.input(0)}`, posLayout) || c.dim(1, 1, [S], 'the sequence length', posLayout))
      return;
  }
  // constant positions must index rows of the caches
  const rows = cos?.[0];
  const ids = c.ints(1);
  if (!ids || !num(rows)) return;
  const first = pos && pos.length === 2 ? undefined : ids[0];
  if (first !== undefined && num(S) && (first < 0 || first + S > rows))
    c.bad(
      `${c.input(1)} starts at ${first}: positions ${first}..${first + S - 1} are not all rows of the caches [0, ${rows})`,
    );
  else if (first === undefined) {
    const out = ids.find((i) => i < 0 || i >= rows);
    if (out !== undefined) c.bad(`${c.input(1)} holds position ${out}, not a row of the caches [0, ${rows})`);
  }
}
