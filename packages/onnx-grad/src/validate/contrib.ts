/**
 * Static shape checks of the com.microsoft ops the decompositions handle, where onnxruntime's kernels (CheckInputs
 * of attention_base.cc, skip_layer_norm_helper.h, embed_layer_norm_helper.cc, bias_gelu_helper.h, MatMulNBits)
 * refuse the inputs: a fused weight of the wrong hidden size, a gamma/beta/bias of another length than the input's
 * last dim, a past of the wrong layout. Dims are compared only where both are known numbers. MultiHeadAttention,
 * GroupQueryAttention and RotaryEmbedding are checked in contrib-attention.ts.
 *
 * Exports: `checkContribShapes`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import type { ShapeInfo } from '../shape/infer.ts';
import type { Dim } from '../shape/dims.ts';
import { nodeLabel, type Problems } from './errors.ts';
import { checkAttentionShapes } from './contrib-attention.ts';

const num = (d: Dim | undefined): d is number => typeof d === 'number';
const fmt = (s: Dim[]) => `[${s.join(', ')}]`;

/** Checks one com.microsoft node (`info` from shape inference over the graph). */
export function checkContribShapes(n: NodeProto, index: number, info: ShapeInfo, p: Problems): void {
  if (n.domain !== 'com.microsoft') return;
  const where = nodeLabel(n, index);
  const name = (k: number) => n.input[k] ?? '';
  const shape = (k: number) => (n.input[k] ? info.shape(n.input[k]!) : undefined);
  const rank = (k: number, allowed: number[]) => {
    const s = shape(k);
    if (s && !allowed.includes(s.length))
      p.add(
        where,
        `input ${k} "${name(k)}" has rank ${s.length} ${fmt(s)}; ${n.op_type} takes rank ${allowed.join(' or ')} there`,
      );
    return s && allowed.includes(s.length) ? s : undefined;
  };
  /** Input k's dim `axis` must equal `want` (from tensor `from`). */
  const dimIs = (k: number, s: Dim[] | undefined, axis: number, want: Dim | undefined, from: string) => {
    const d = s?.at(axis);
    if (num(d) && num(want) && d !== want)
      p.add(where, `input ${k} "${name(k)}" ${fmt(s!)} has ${d} at axis ${axis}; ${from} says ${want}`);
  };
  const x = shape(0);
  const last = x?.at(-1);
  const lastOf = `the last dim of input 0 "${name(0)}"`;
  switch (n.op_type) {
    case 'FastGelu':
    case 'BiasGelu':
      if (n.input[1]) dimIs(1, rank(1, [1]), 0, last, lastOf);
      return;
    case 'BiasAdd':
      rank(0, [3]);
      dimIs(1, rank(1, [1]), 0, last, lastOf);
      sameShape(2);
      return;
    case 'SkipLayerNormalization':
    case 'SkipSimplifiedLayerNormalization': {
      rank(0, [2, 3]);
      const skip = rank(1, [2, 3]);
      dimIs(1, skip, -1, last, lastOf);
      // skip is the input's shape, or [1, S, H] / [S, H] against a [B, S, H] input
      if (skip && x && skip.length === x.length && skip[0] !== 1)
        dimIs(1, skip, 0, x[0], `axis 0 of "${name(0)}" (or 1)`);
      if (skip && x && x.length === 3) dimIs(1, skip, -2, x[1], `axis 1 of "${name(0)}"`);
      const vectors = n.op_type === 'SkipLayerNormalization' ? [2, 3, 4] : [2, 3];
      for (const k of vectors) if (n.input[k]) dimIs(k, rank(k, [1]), 0, last, lastOf);
      return;
    }
    case 'EmbedLayerNormalization': {
      rank(0, [2]);
      const word = rank(2, [2]);
      const hidden = word?.[1];
      const from = `the hidden size of the word embedding "${name(2)}"`;
      dimIs(3, rank(3, [2]), 1, hidden, from);
      if (n.input[4]) dimIs(4, rank(4, [2]), 1, hidden, from);
      dimIs(5, rank(5, [1]), 0, hidden, from);
      dimIs(6, rank(6, [1]), 0, hidden, from);
      for (const k of [1, 7]) if (n.input[k]) sameShape(k); // segment ids and mask: the ids' shape
      return;
    }
    case 'Attention': {
      const input = rank(0, [3]);
      const w = rank(1, [2]);
      dimIs(1, w, 0, input?.[2], `the hidden size of input 0 "${name(0)}"`);
      const qkv = attrInts(n, 'qkv_hidden_sizes');
      const total = qkv?.length === 3 ? qkv[0]! + qkv[1]! + qkv[2]! : w?.[1];
      if (n.input[2]) dimIs(2, rank(2, [1]), 0, total, `the weights "${name(1)}"`);
      if (qkv?.length === 3 && w) dimIs(1, w, 1, total, `qkv_hidden_sizes [${qkv}]`);
      const heads = attrInt(n, 'num_heads', 0);
      const hidden = qkv?.length === 3 ? qkv[2] : num(total) ? total / 3 : undefined;
      if (!qkv && num(total) && total % 3 !== 0)
        p.add(where, `its weights "${name(1)}" ${fmt(w!)} hold ${total} columns, not 3 equal Q, K, V blocks`);
      else if (num(hidden) && heads > 0 && hidden % heads !== 0)
        p.add(where, `the hidden size ${hidden} is not a multiple of num_heads ${heads}`);
      const past = n.input[4] ? rank(4, [5]) : undefined;
      if (past) {
        dimIs(4, past, 0, 2, 'the past layout [2, batch, heads, past, head size]');
        dimIs(4, past, 1, input?.[0], `the batch of input 0 "${name(0)}"`);
        if (heads > 0) dimIs(4, past, 2, heads, 'num_heads');
        if (num(hidden) && heads > 0) dimIs(4, past, 4, hidden / heads, 'the head size (hidden / num_heads)');
      }
      return;
    }
    case 'MatMulNBits': {
      const k = attrInt(n, 'K');
      if (x && x.length > 0 && num(last) && k !== undefined && last !== k)
        p.add(where, `input 0 "${name(0)}" ${fmt(x)} has ${last} in its last dim; the attribute K says ${k}`);
      return;
    }
    case 'MultiHeadAttention':
    case 'GroupQueryAttention':
    case 'RotaryEmbedding':
      checkAttentionShapes(n, index, info, p);
      return;
    default:
      return;
  }

  function sameShape(k: number) {
    const s = shape(k);
    if (!x || !s) return;
    const bad = s.length !== x.length || s.some((d, i) => num(d) && num(x[i]) && d !== x[i]);
    if (bad)
      p.add(where, `input ${k} "${name(k)}" ${fmt(s)} does not have the shape of input 0 "${name(0)}" ${fmt(x)}`);
  }
}
