/** The finite-difference cases of linear.test.ts (also read by fd-coverage.test.ts: the ops they differentiate). */
import type { GradCase } from '../harness.ts';

const gemm = (transA: number, transB: number, cShape: number[]): GradCase => ({
  name: `Gemm transA=${transA} transB=${transB} C${JSON.stringify(cShape)} alpha/beta`,
  opset: 13,
  inputs: [
    { name: 'a', shape: transA ? [4, 3] : [3, 4] },
    { name: 'b', shape: transB ? [2, 4] : [4, 2] },
    { name: 'c', shape: cShape },
  ],
  build: (b) => b.gemm('a', 'b', 'c', { alpha: 0.7, beta: 1.3, transA, transB }),
});

export const linearCases: GradCase[] = [
  {
    name: 'MatMul 2-D',
    opset: 13,
    inputs: [
      { name: 'a', shape: [3, 4] },
      { name: 'b', shape: [4, 2] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul batched with broadcast [2,1,3,4]x[5,4,2]',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 1, 3, 4] },
      { name: 'b', shape: [5, 4, 2] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul activation x weight [2,3,4]x[4,5] (2-D weight gradient)',
    opset: 11,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [4, 5] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul with symbolic batch dims [batch,seq,4]x[4,5]',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 3, 4], declared: ['batch', 'sequence', 4] },
      { name: 'b', shape: [4, 5] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul vector x matrix',
    opset: 13,
    inputs: [
      { name: 'a', shape: [4] },
      { name: 'b', shape: [2, 4, 3] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul matrix x vector',
    opset: 11,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [4] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  {
    name: 'MatMul vector x vector',
    opset: 13,
    inputs: [
      { name: 'a', shape: [4] },
      { name: 'b', shape: [4] },
    ],
    build: (b) => b.matmul('a', 'b'),
  },
  gemm(0, 0, [2]),
  gemm(0, 1, [3, 2]),
  gemm(1, 0, [1]),
  gemm(1, 1, [3, 1]),
  {
    name: 'Einsum attention scores bhqd,bhkd->bhqk',
    opset: 13,
    inputs: [
      { name: 'q', shape: [1, 2, 3, 4] },
      { name: 'k', shape: [1, 2, 5, 4] },
    ],
    build: (b) => b.op('Einsum', ['q', 'k'], { equation: 'bhqd,bhkd->bhqk' }),
  },
  {
    name: 'Einsum outer product i,j->ij (RoPE frequencies)',
    opset: 12,
    inputs: [
      { name: 'p', shape: [5] },
      { name: 'f', shape: [3] },
    ],
    build: (b) => b.op('Einsum', ['p', 'f'], { equation: 'i,j->ij' }),
  },
  {
    name: 'Einsum with ellipsis ...ij,...jk->...ik',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [2, 4, 2] },
    ],
    build: (b) => b.op('Einsum', ['a', 'b'], { equation: '...ij,...jk->...ik' }),
  },
  {
    name: 'Softmax opset 13 axis=-1',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.softmax('x', -1),
  },
  {
    name: 'Softmax opset 13 axis=1 (not last)',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.softmax('x', 1),
  },
  {
    name: 'Softmax opset 11 axis=1 (coerced 2-D: normalises over axes 1 and 2)',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.softmax('x', 1),
  },
  {
    name: 'Softmax opset 11 default axis',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.op('Softmax', ['x']),
  },
  {
    name: 'LogSoftmax opset 13 axis=-1 and opset-11 coerced axis',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.op('LogSoftmax', ['x'], { axis: -1 }),
  },
  {
    name: 'LogSoftmax opset 11 axis=1',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.op('LogSoftmax', ['x'], { axis: 1 }),
  },
  {
    name: 'LayerNormalization opset 17 axis=-1 (x, scale, bias)',
    opset: 17,
    inputs: [
      { name: 'x', shape: [2, 3, 5] },
      { name: 'scale', shape: [5] },
      { name: 'bias', shape: [5] },
    ],
    build: (b) => b.op('LayerNormalization', ['x', 'scale', 'bias'], { axis: -1, epsilon: { float: 1e-5 } }),
  },
  {
    name: 'LayerNormalization opset 17 axis=1 over two axes, no bias',
    opset: 17,
    inputs: [
      { name: 'x', shape: [2, 3, 4] },
      { name: 'scale', shape: [3, 4] },
    ],
    build: (b) => b.op('LayerNormalization', ['x', 'scale'], { axis: 1, epsilon: { float: 1e-3 } }),
  },
  {
    name: 'SimplifiedLayerNormalization (RMS norm, float32 kernel)',
    opset: 17,
    dtype: 'float32',
    inputs: [
      { name: 'x', shape: [2, 3, 5] },
      { name: 'scale', shape: [5] },
    ],
    build: (b) => b.op('SimplifiedLayerNormalization', ['x', 'scale'], { axis: -1, epsilon: { float: 1e-5 } }),
  },
  {
    name: 'RMSNormalization (opset 23)',
    opset: 23,
    inputs: [
      { name: 'x', shape: [2, 3, 5] },
      { name: 'scale', shape: [5] },
    ],
    build: (b) => b.op('RMSNormalization', ['x', 'scale'], { axis: -1, epsilon: { float: 1e-5 } }),
  },
  {
    name: 'RMS norm decomposed (Pow, ReduceMean, Add, Sqrt, Div, Mul) as Llama exports it',
    opset: 14,
    inputs: [
      { name: 'x', shape: [2, 3, 5] },
      { name: 'w', shape: [5] },
    ],
    build: (b, k) =>
      b.mul('w', b.mul('x', b.reciprocal(b.sqrt(b.add(b.reduceMean(b.pow('x', k(2)), [-1], true), k(1e-6)))))),
  },
  {
    name: 'opset 21 mix: LayerNormalization, Softmax, ReduceMean (axes input), Split num_outputs, Squeeze/Unsqueeze',
    opset: 21,
    inputs: [
      { name: 'x', shape: [2, 4, 6], declared: ['batch', 'sequence', 6] },
      { name: 's', shape: [6] },
    ],
    build: (b) => {
      const ln = b.op('LayerNormalization', ['x', 's'], { axis: -1 });
      const [p, q] = b.opN('Split', [ln], 2, { axis: -1, num_outputs: 2 });
      const m = b.squeeze(b.reduceMean(b.mul(p!, q!), [1], true), [1]);
      return b.softmax(b.unsqueeze(m, [0]), 1);
    },
  },
  {
    name: 'ReduceSum opset 11 axes attribute keepdims=0',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.reduceSum('x', [-1, 0], false),
  },
  {
    name: 'ReduceSum opset 13 axes input keepdims=1',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.reduceSum('x', [1], true),
  },
  {
    name: 'ReduceSum opset 13 no axes: all',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3] }],
    build: (b) => b.op('ReduceSum', ['x'], { keepdims: 0 }),
  },
  {
    name: 'ReduceSum opset 13 noop_with_empty_axes=1',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3] }],
    build: (b) => b.op('ReduceSum', ['x'], { keepdims: 0, noop_with_empty_axes: 1 }),
  },
  {
    name: 'ReduceMean opset 13 (attribute) keepdims=0',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.reduceMean('x', [1, 2], false),
  },
  {
    name: 'ReduceMean opset 18 (input) with symbolic dims (dynamic N)',
    opset: 18,
    inputs: [{ name: 'x', shape: [2, 3, 4], declared: ['batch', 'sequence', 4] }],
    build: (b) => b.reduceMean('x', [1], true),
  },
];
