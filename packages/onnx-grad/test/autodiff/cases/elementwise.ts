/** The finite-difference cases of elementwise.test.ts (also read by fd-coverage.test.ts: the ops they differentiate). */
import type { GradCase } from '../harness.ts';

const pos: [number, number] = [0.5, 2];

export const elementwiseCases: GradCase[] = [
  {
    name: 'Add broadcast [2,3,4]+[3,1]',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [3, 1] },
    ],
    build: (b) => b.add('a', 'b'),
  },
  {
    name: 'Add broadcast at opset 11 (ReduceSum axes attribute)',
    opset: 11,
    inputs: [
      { name: 'a', shape: [1, 3, 4] },
      { name: 'b', shape: [2, 1, 4] },
    ],
    build: (b) => b.add('a', 'b'),
  },
  {
    name: 'Sub [4]-[2,3,4]',
    opset: 13,
    inputs: [
      { name: 'a', shape: [4] },
      { name: 'b', shape: [2, 3, 4] },
    ],
    build: (b) => b.sub('a', 'b'),
  },
  {
    name: 'Mul [2,1,4]*[3,1]',
    opset: 14,
    inputs: [
      { name: 'a', shape: [2, 1, 4] },
      { name: 'b', shape: [3, 1] },
    ],
    build: (b) => b.mul('a', 'b'),
  },
  {
    name: 'Mul(x, x) accumulates both operands',
    opset: 13,
    inputs: [{ name: 'x', shape: [5] }],
    build: (b) => b.mul('x', 'x'),
  },
  {
    name: 'Div [2,3]/[3] and scalar',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [3], range: pos },
      { name: 's', shape: [], range: pos },
    ],
    build: (b) => b.div(b.div('a', 'b'), 's'),
  },
  {
    name: 'Pow(x, 2), Pow(x, 3), Pow(x, 0.5)',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3], range: pos }],
    build: (b, k) => b.add(b.add(b.pow('x', k(2)), b.pow('x', k(3))), b.pow('x', k(0.5))),
  },
  {
    name: 'Pow(x, p) with a tensor exponent',
    opset: 15,
    inputs: [
      { name: 'x', shape: [2, 3], range: pos },
      { name: 'p', shape: [3], range: [-1, 2] },
    ],
    build: (b) => b.pow('x', 'p'),
  },
  {
    name: 'Neg, Exp, Log, Sqrt, Reciprocal',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3], range: pos }],
    build: (b) => [b.neg('x'), b.exp('x'), b.log('x'), b.sqrt('x'), b.reciprocal('x')],
  },
  {
    name: 'Tanh, Sigmoid, Relu, Abs, Sin, Cos',
    opset: 13,
    inputs: [{ name: 'x', shape: [3, 4], range: [-2, 2] }],
    build: (b) => [
      b.tanh('x'),
      b.sigmoid('x'),
      b.relu('x'),
      b.op('Abs', ['x']),
      b.op('Sin', ['x']),
      b.op('Cos', ['x']),
    ],
  },
  {
    name: 'Erf (float32 kernel only)',
    opset: 13,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 4] }],
    build: (b) => b.erf('x'),
  },
  {
    name: 'Gelu approximate=none (opset 20)',
    opset: 20,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 4], range: [-3, 3] }],
    build: (b) => b.op('Gelu', ['x']),
  },
  {
    name: 'Gelu approximate=tanh (opset 20)',
    opset: 20,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 4], range: [-3, 3] }],
    build: (b) => b.op('Gelu', ['x'], { approximate: 'tanh' }),
  },
  {
    name: 'Clip with min/max inputs (opset 13)',
    opset: 13,
    inputs: [{ name: 'x', shape: [3, 4], range: [-2, 2] }],
    build: (b, k) => b.op('Clip', ['x', k(-0.7), k(0.9)]),
  },
  {
    name: 'Clip with only max (opset 11, float32: no double kernel)',
    opset: 11,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 4], range: [-2, 2] }],
    build: (b, k) => b.op('Clip', ['x', '', k(0.5)]),
  },
  {
    name: 'Clip with tensor min/max that get gradients',
    opset: 12,
    inputs: [
      { name: 'x', shape: [6], values: [-2, -0.5, 0.1, 0.3, 1.2, 2] },
      { name: 'lo', shape: [], values: [-1] },
      { name: 'hi', shape: [], values: [1] },
    ],
    build: (b) => b.op('Clip', ['x', 'lo', 'hi']),
  },
  {
    name: 'Clip attribute form (opset 10)',
    opset: 10,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [3, 4], range: [-2, 2] }],
    build: (b) => b.op('Clip', ['x'], { min: { float: -0.6 }, max: { float: 0.8 } }),
  },
  {
    name: 'Max/Min with ties split evenly (FD at a tie is the average)',
    opset: 13,
    inputs: [
      { name: 'a', shape: [4], values: [0.3, -1, 2, 0.5] },
      { name: 'b', shape: [4], values: [0.3, 1, -2, 0.5] },
      { name: 'c', shape: [1], values: [0.1] },
    ],
    build: (b) => [b.op('Max', ['a', 'b', 'c']), b.op('Min', ['a', 'b'])],
  },
  {
    name: 'Where with broadcast condition and branches',
    opset: 13,
    inputs: [
      { name: 'cond', shape: [3, 1], bool: [true, false, true] },
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [4] },
    ],
    build: (b) => b.where('cond', 'a', 'b'),
  },
  {
    name: 'Sum and Mean (variadic, broadcast; float32: Mean has no double kernel)',
    opset: 13,
    dtype: 'float32',
    inputs: [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [3] },
      { name: 'c', shape: [2, 1] },
    ],
    build: (b) => [b.op('Sum', ['a', 'b', 'c']), b.op('Mean', ['a', 'b'])],
  },
  {
    name: 'Cast float32 -> float64 -> float32',
    opset: 13,
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [5] }],
    build: (b) => b.cast(b.mul(b.cast('x', 11), b.cast('x', 11)), 1),
  },
  {
    name: 'Identity and Dropout (inference)',
    opset: 13,
    inputs: [{ name: 'x', shape: [5] }],
    build: (b, k) => b.mul(b.op('Dropout', [b.identity('x'), k(0.1)]), 'x'),
  },
];
