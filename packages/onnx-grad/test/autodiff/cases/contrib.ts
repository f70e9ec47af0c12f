/**
 * The finite-difference cases of contrib.test.ts: each builds one com.microsoft node and decomposes it into standard
 * ops (src/transforms/contrib/), so that what is differentiated is the decomposition, in float64.
 */
import { DataType, type AttrValue } from '../../../src/index.ts';
import { decomposeContribOps } from '../../../src/transforms/contrib/index.ts';
import type { GradCase } from '../harness.ts';

/** A build that adds the contrib node (outputs named `<op>_<i>`, '' skipped) and decomposes it. */
function contrib(
  op: string,
  inputs: string[],
  outputs: boolean[],
  attrs: Record<string, AttrValue> = {},
): GradCase['build'] {
  return (b) => {
    const names = outputs.map((on, i) => (on ? `${op}_${i}` : ''));
    b.graph.addNode(op, inputs, { outputs: names, attrs, domain: 'com.microsoft', name: op });
    const r = decomposeContribOps(b.graph);
    if (r.decomposed !== 1) throw new Error(`${op} not decomposed: ${[...r.refused.values()].join('; ')}`);
    return names.filter((n) => n);
  };
}

export const contribCases: GradCase[] = [
  {
    name: 'FastGelu with bias [2,3,4]+[4]',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 3, 4], range: [-3, 3] },
      { name: 'bias', shape: [4] },
    ],
    build: contrib('FastGelu', ['x', 'bias'], [true]),
  },
  {
    name: 'Gelu (com.microsoft, erf form; float32: Erf has no double kernel)',
    opset: 11,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 5], range: [-3, 3] }],
    build: contrib('Gelu', ['x'], [true]),
  },
  {
    name: 'BiasGelu [2,4]+[4] (float32: Erf)',
    opset: 13,
    dtype: 'float32',
    inputs: [
      { name: 'a', shape: [2, 4], range: [-3, 3] },
      { name: 'b', shape: [4] },
    ],
    build: contrib('BiasGelu', ['a', 'b'], [true]),
  },
  {
    name: 'QuickGelu alpha 1.3 (float32: onnxruntime fuses x·σ(αx) back into its float-only QuickGelu)',
    opset: 13,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [2, 5], range: [-3, 3] }],
    build: contrib('QuickGelu', ['x'], [true], { alpha: { float: 1.3 } }),
  },
  {
    name: 'BiasAdd',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 2, 3] },
      { name: 'bias', shape: [3] },
      { name: 'skip', shape: [2, 2, 3] },
    ],
    build: contrib('BiasAdd', ['x', 'bias', 'skip'], [true]),
  },
  {
    name: 'SkipLayerNormalization with beta, bias, broadcast skip; output, mean, inv_std_var, sum',
    opset: 11,
    inputs: [
      { name: 'x', shape: [2, 3, 5] },
      { name: 'skip', shape: [3, 5] },
      { name: 'gamma', shape: [5] },
      { name: 'beta', shape: [5] },
      { name: 'bias', shape: [5] },
    ],
    build: contrib('SkipLayerNormalization', ['x', 'skip', 'gamma', 'beta', 'bias'], [true, true, true, true], {
      epsilon: { float: 1e-3 },
    }),
  },
  {
    name: 'SkipSimplifiedLayerNormalization with bias',
    opset: 17,
    inputs: [
      { name: 'x', shape: [2, 2, 4] },
      { name: 'skip', shape: [2, 2, 4] },
      { name: 'gamma', shape: [4] },
      { name: 'bias', shape: [4] },
    ],
    build: contrib('SkipSimplifiedLayerNormalization', ['x', 'skip', 'gamma', 'bias'], [true, false, false, true], {
      epsilon: { float: 1e-3 },
    }),
  },
  {
    name: 'EmbedLayerNormalization: tables, gamma and beta (ids, segments and positions fixed)',
    opset: 11,
    inputs: [
      { name: 'ids', shape: [2, 3], int: [1, 4, 4, 0, 2, 3] },
      { name: 'segments', shape: [2, 3], int: [0, 0, 1, 1, 1, 0] },
      { name: 'word', shape: [5, 4] },
      { name: 'pos', shape: [6, 4] },
      { name: 'seg', shape: [2, 4] },
      { name: 'gamma', shape: [4] },
      { name: 'beta', shape: [4] },
    ],
    build: contrib(
      'EmbedLayerNormalization',
      ['ids', 'segments', 'word', 'pos', 'seg', 'gamma', 'beta'],
      [true, false, true],
      { epsilon: { float: 1e-3 } },
    ),
  },
  {
    name: 'Attention: packed QKV with bias, raw mask, unidirectional',
    opset: 11,
    inputs: [
      { name: 'x', shape: [2, 3, 4] },
      { name: 'w', shape: [4, 12] },
      { name: 'bias', shape: [12] },
      { name: 'mask', shape: [2, 3], int: [1, 1, 1, 0, 1, 1] },
    ],
    build: contrib('Attention', ['x', 'w', 'bias', 'mask'], [true], { num_heads: 2, unidirectional: 1 }),
  },
  {
    name: 'Attention: past and present, [2B] mask_index, qkv_hidden_sizes, scale',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 2, 3] },
      { name: 'w', shape: [3, 12] },
      { name: 'bias', shape: [12] },
      { name: 'mask', shape: [4], int: [3, 4, 0, 1] },
      { name: 'past', shape: [2, 2, 2, 2, 2] },
    ],
    build: contrib('Attention', ['x', 'w', 'bias', 'mask', 'past'], [true, true], {
      num_heads: 2,
      qkv_hidden_sizes: [4, 4, 4],
      scale: { float: 0.7 },
    }),
  },
  {
    name: 'RotaryEmbedding rotate-half, partial rotary dim, [B, S, N·h], start position',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 3, 12] },
      { name: 'pos', shape: [1], int: [2] },
      { name: 'cos', shape: [6, 2] },
      { name: 'sin', shape: [6, 2] },
    ],
    build: contrib('RotaryEmbedding', ['x', 'pos', 'cos', 'sin'], [true], { num_heads: 2, rotary_embedding_dim: 4 }),
  },
  {
    name: 'RotaryEmbedding interleaved, [B, N, S, h], per-token positions',
    opset: 11,
    inputs: [
      { name: 'x', shape: [2, 2, 3, 4] },
      { name: 'pos', shape: [2, 3], int: [0, 1, 2, 4, 4, 0] },
      { name: 'cos', shape: [5, 2] },
      { name: 'sin', shape: [5, 2] },
    ],
    build: contrib('RotaryEmbedding', ['x', 'pos', 'cos', 'sin'], [true], { interleaved: 1 }),
  },
  {
    name: 'MultiHeadAttention: separate Q/K/V with bias, past/present, raw key_padding_mask, unidirectional',
    opset: 13,
    inputs: [
      { name: 'q', shape: [2, 2, 4] },
      { name: 'k', shape: [2, 2, 4] },
      { name: 'v', shape: [2, 2, 6] },
      { name: 'bias', shape: [14] },
      { name: 'mask', shape: [2, 3], int: [1, 1, 1, 0, 1, 1] },
    ],
    build: (b, k) => {
      // a past of one position, as constants
      const pastKey = b.op('Expand', [k(0.3), b.i64([2, 2, 1, 2])]);
      const pastValue = b.op('Expand', [k(-0.2), b.i64([2, 2, 1, 3])]);
      return contrib(
        'MultiHeadAttention',
        ['q', 'k', 'v', 'bias', 'mask', '', pastKey, pastValue],
        [true, true, true],
        {
          num_heads: 2,
          unidirectional: 1,
        },
      )(b, k);
    },
  },
  {
    name: 'MultiHeadAttention: cross-attention, K/V already in heads, attention_bias',
    opset: 17,
    inputs: [
      { name: 'q', shape: [1, 3, 4] },
      { name: 'k', shape: [1, 2, 4, 2] },
      { name: 'v', shape: [1, 2, 4, 2] },
      { name: 'ab', shape: [1, 2, 3, 4] },
    ],
    build: contrib('MultiHeadAttention', ['q', 'k', 'v', '', '', 'ab'], [true], { num_heads: 2 }),
  },
  {
    name: 'GroupQueryAttention: 4 query heads on 2 KV heads, past rows, rotary, softcap, local window',
    opset: 13,
    inputs: [
      { name: 'q', shape: [1, 2, 16] },
      { name: 'k', shape: [1, 2, 8] },
      { name: 'v', shape: [1, 2, 8] },
      { name: 'seqlens', shape: [1], int: [3] },
      { name: 'cos', shape: [6, 2] },
      { name: 'sin', shape: [6, 2] },
    ],
    build: (b, k) => {
      const pastKey = b.op('Expand', [k(0.4), b.i64([1, 2, 2, 4])]);
      const pastValue = b.op('Expand', [k(-0.3), b.i64([1, 2, 2, 4])]);
      const seqlens = b.cast('seqlens', DataType.INT32);
      const total = b.tensor(Int32Array.from([4]), [1], DataType.INT32);
      return contrib(
        'GroupQueryAttention',
        ['q', 'k', 'v', pastKey, pastValue, seqlens, total, 'cos', 'sin'],
        [true, true, true],
        { num_heads: 4, kv_num_heads: 2, do_rotary: 1, softcap: { float: 1.5 }, local_window_size: 3 },
      )(b, k);
    },
  },
];
