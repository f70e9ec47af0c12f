/**
 * Output types and shapes of the onnxruntime contrib ops (domain com.microsoft) the decompositions handle, after the
 * shape inference functions of onnxruntime's contrib_ops/bert_defs.cc and contrib_defs.cc (and what the CPU kernels
 * compute where those leave an output unset, e.g. SkipLayerNormalization's input_skip_bias_sum). Without them every
 * tensor after a fused Attention is of unknown shape and no later MatMul's inner dims can be compared.
 *
 * Exports: `inferContribNode`.
 */
import { DataType, type NodeProto } from '../onnx/proto.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import { addDim, type Dim, divDim, freshDim, mulDim } from './dims.ts';
import type { ShapeInfo, TensorType } from './infer.ts';

/** The outputs of a com.microsoft node, or undefined when the op is not one of these (the caller's rules apply). */
export function inferContribNode(node: NodeProto, info: ShapeInfo): (TensorType | undefined)[] | undefined {
  const s = (k: number) => (node.input[k] ? info.shape(node.input[k]!) : undefined);
  const et = (k: number) => (node.input[k] ? info.elemType(node.input[k]!) : 0);
  const same = (k = 0): TensorType => ({ elemType: et(k), shape: s(k) });
  switch (node.op_type) {
    case 'FastGelu':
    case 'BiasGelu':
    case 'Gelu':
    case 'QuickGelu':
    case 'BiasAdd':
    case 'RotaryEmbedding':
      return [same()];
    case 'SkipLayerNormalization':
    case 'SkipSimplifiedLayerNormalization': {
      // output, mean, inv_std_var ([..., 1], float), input_skip_bias_sum (the input's shape)
      const x = s(0);
      const stat = x?.map((d, i) => (i === x.length - 1 ? 1 : d));
      return [same(), { elemType: DataType.FLOAT, shape: stat }, { elemType: DataType.FLOAT, shape: stat }, same()];
    }
    case 'EmbedLayerNormalization': {
      const ids = s(0);
      const hidden = s(2)?.[1] ?? freshDim();
      const out = ids?.length === 2 ? [ids[0]!, ids[1]!, hidden] : undefined;
      return [
        { elemType: et(2), shape: out },
        { elemType: DataType.INT32, shape: ids?.length === 2 ? [ids[0]!] : undefined },
        { elemType: et(2), shape: out },
      ];
    }
    case 'Attention':
      return attention(node, s, et(0));
    case 'MultiHeadAttention':
      return [{ elemType: et(0), shape: multiHeadAttentionShape(node, s) }];
    case 'GroupQueryAttention': {
      const q = s(0);
      if (q?.length !== 3) return [{ elemType: et(0) }];
      const n = attrInt(node, 'num_heads', 0);
      const kv = attrInt(node, 'kv_num_heads', 0);
      // packed QKV (no key): query is [B, S, (N + 2 * kv) * H], the output [B, S, N * H]
      const hidden = node.input[1] ? q[2]! : mulDim(divDim(q[2]!, n + 2 * kv), n);
      return [{ elemType: et(0), shape: [q[0]!, q[1]!, hidden] }];
    }
    case 'MatMulNBits': {
      const a = s(0);
      const n = attrInt(node, 'N');
      return [{ elemType: et(0), shape: a && a.length > 0 && n !== undefined ? [...a.slice(0, -1), n] : undefined }];
    }
    default:
      return undefined;
  }
}

/** Attention(input [B, S, D], weights [D, 3H], bias, mask, past [2, B, N, P, H/N]): output [B, S, H], present. */
function attention(node: NodeProto, s: (k: number) => Dim[] | undefined, elemType: number): (TensorType | undefined)[] {
  const x = s(0);
  const w = s(1);
  if (x?.length !== 3 || w?.length !== 2) return [{ elemType }, { elemType }];
  const qkv = attrInts(node, 'qkv_hidden_sizes');
  const hidden: Dim = qkv && qkv.length === 3 ? qkv[2]! : typeof w[1] === 'number' ? Math.trunc(w[1] / 3) : freshDim();
  const out = [x[0]!, x[1]!, hidden];
  const past = s(4);
  const heads = attrInt(node, 'num_heads', 0);
  let present: Dim[] | undefined;
  if (attrInt(node, 'past_present_share_buffer', 0) === 1) present = past;
  else if (past?.length === 5) present = [past[0]!, past[1]!, past[2]!, addDim(past[3]!, x[1]!), past[4]!];
  else if (!node.input[4] && heads > 0) present = [2, x[0]!, heads, x[1]!, divDim(hidden, heads)];
  return [
    { elemType, shape: out },
    { elemType, shape: present },
  ];
}

/** MultiHeadAttention's output [B, S, v_hidden]: from value [B, L, v_hidden] or [B, N, L, H], or packed forms. */
function multiHeadAttentionShape(node: NodeProto, s: (k: number) => Dim[] | undefined): Dim[] | undefined {
  const q = s(0);
  if (!q) return undefined;
  if (q.length === 5) return [q[0]!, q[1]!, mulDim(q[2]!, q[4]!)]; // packed QKV [B, S, N, 3, H]
  if (q.length !== 3) return undefined;
  const k = s(1);
  const v = s(2);
  if (v?.length === 3) return [q[0]!, q[1]!, v[2]!];
  if (v?.length === 4) return [q[0]!, q[1]!, mulDim(v[1]!, v[3]!)];
  if (!node.input[2] && k?.length === 5) return [q[0]!, q[1]!, mulDim(k[2]!, k[4]!)]; // packed KV [B, L, N, 2, H]
  return [q[0]!, q[1]!, freshDim()];
}
