/** The finite-difference cases of layout.test.ts (also read by fd-coverage.test.ts: the ops they differentiate). */
import type { GradCase } from '../harness.ts';

const BIG = 2 ** 62; // stands in for INT64_MAX ("to the end")

export const layoutCases: GradCase[] = [
  {
    name: 'Reshape with 0 and -1',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => b.reshape('x', [0, -1, 2]),
  },
  {
    name: 'Reshape to a shape computed by Shape/Gather/Concat (BERT-style)',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 3, 4], declared: ['batch', 'sequence', 4] }],
    build: (b) => {
      const s = b.shape('x');
      const bs = b.unsqueeze(b.gather(s, b.i64(0)), [0]);
      const sq = b.unsqueeze(b.gather(s, b.i64(1)), [0]);
      return b.transpose(b.reshape('x', b.concat([bs, sq, b.i64([2, 2])], 0)), [0, 2, 1, 3]);
    },
  },
  { name: 'Flatten axis=2', opset: 13, inputs: [{ name: 'x', shape: [2, 3, 2, 2] }], build: (b) => b.flatten('x', 2) },
  {
    name: 'Squeeze/Unsqueeze opset 11 (attributes)',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 1, 3] }],
    build: (b) => b.unsqueeze(b.squeeze('x', [1]), [0, 3]),
  },
  {
    name: 'Squeeze/Unsqueeze opset 13 (inputs), negative axes',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 1, 3] }],
    build: (b) => b.unsqueeze(b.squeeze('x', [-2]), [-1]),
  },
  {
    name: 'Transpose default and explicit perm',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: (b) => [b.transpose('x'), b.transpose('x', [1, 2, 0])],
  },
  {
    name: 'Expand [3,1] -> [2,3,4]',
    opset: 13,
    inputs: [{ name: 'x', shape: [3, 1] }],
    build: (b) => b.expand('x', b.i64([2, 3, 4])),
  },
  {
    name: 'Concat of three along axis 1 (opset 11)',
    opset: 11,
    inputs: [
      { name: 'a', shape: [2, 1, 3] },
      { name: 'b', shape: [2, 2, 3] },
      { name: 'c', shape: [2, 3, 3] },
    ],
    build: (b) => b.concat(['a', 'b', 'c'], 1),
  },
  {
    name: 'Concat along a symbolic axis (offsets from Shape)',
    opset: 13,
    inputs: [
      { name: 'a', shape: [2, 3], declared: [2, 'past'] },
      { name: 'b', shape: [2, 2], declared: [2, 'sequence'] },
    ],
    build: (b) => b.concat(['a', 'b'], -1),
  },
  {
    name: 'Split opset 11 (split attribute), one output unused',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 6] }],
    build: (b) => b.split('x', [1, 2, 3], 1)[2]!,
  },
  {
    name: 'Split opset 13 (sizes input)',
    opset: 13,
    inputs: [{ name: 'x', shape: [6, 2] }],
    build: (b) => {
      const [p, q] = b.split('x', [2, 4], 0) as [string, string];
      return [b.mul(p, p), q];
    },
  },
  {
    name: 'Split opset 18 num_outputs',
    opset: 18,
    inputs: [{ name: 'x', shape: [2, 6] }],
    build: (b) => b.opN('Split', ['x'], 3, { axis: 1, num_outputs: 3 }).slice(0, 2),
  },
  {
    name: 'Slice static, negative start, INT64_MAX end',
    opset: 13,
    inputs: [{ name: 'x', shape: [3, 5] }],
    build: (b) => b.slice('x', [-2, 1], [BIG, -1], [0, 1]),
  },
  {
    name: 'Slice static, clamped ends beyond the dim',
    opset: 11,
    inputs: [{ name: 'x', shape: [4, 5] }],
    build: (b) => b.slice('x', [1], [100], [1]),
  },
  {
    name: 'Slice step 2 and negative step',
    opset: 13,
    inputs: [{ name: 'x', shape: [4, 6] }],
    build: (b) => [b.slice('x', [0], [BIG], [1], [2]), b.slice('x', [-1], [-BIG], [0], [-1])],
  },
  {
    name: 'Slice with dynamic starts (graph input)',
    opset: 13,
    inputs: [
      { name: 'x', shape: [4, 6] },
      { name: 'st', shape: [1], int: [-3] },
    ],
    build: (b) => b.slice('x', 'st', [BIG], [1]),
  },
  {
    name: 'Slice on a symbolic dim with a negative start (runtime clamp)',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 5], declared: [2, 'sequence'] }],
    build: (b) => b.slice('x', [-1], [BIG], [1]),
  },
  {
    // a start past the run-time end selects nothing (the rotate-half of a dim that turned out shorter): the
    // backward pad is min(start, dim), not the start
    name: 'Slice from an offset past the end of a symbolic dim',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 2], declared: [2, 'sequence'] }],
    build: (b) => b.concat([b.slice('x', [3], [BIG], [1]), b.slice('x', [0], [3], [1])], 1),
  },
  {
    name: 'Pad constant opset 11 (and negative pads)',
    opset: 11,
    inputs: [{ name: 'x', shape: [3, 4] }],
    build: (b) => b.pad('x', [1, -1, 0, 2]),
  },
  {
    name: 'Pad constant opset 18 with axes',
    opset: 18,
    inputs: [{ name: 'x', shape: [3, 4] }],
    build: (b) => b.op('Pad', ['x', b.i64([2, 1]), '', b.i64([1])]),
  },
  {
    name: 'Tile static',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3] }],
    build: (b) => b.op('Tile', ['x', b.i64([2, 3])]),
  },
  {
    name: 'Tile with symbolic dims',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3], declared: ['batch', 3] }],
    build: (b) => b.op('Tile', ['x', b.i64([1, 2])]),
  },
  {
    name: 'Gather scalar index on activations (CLS pooling, opset 11)',
    opset: 11,
    inputs: [{ name: 'x', shape: [2, 4, 3] }],
    build: (b) => b.gather('x', b.i64(0), 1),
  },
  {
    name: 'Gather negative scalar index (last token)',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 4, 3], declared: ['batch', 'sequence', 3] }],
    build: (b) => b.gather('x', b.i64(-1), 1),
  },
  {
    name: 'Gather tensor indices, one-hot MatMul (opset 13), duplicates and negatives',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 4, 3] },
      { name: 'i', shape: [2, 2], int: [0, 3, -1, 0] },
    ],
    build: (b) => b.gather('x', 'i', 1),
  },
  {
    name: 'Gather tensor indices, ScatterND add (opset 16)',
    opset: 16,
    inputs: [
      { name: 'x', shape: [2, 4, 3] },
      { name: 'i', shape: [2, 2], int: [0, 3, -1, 0] },
    ],
    build: (b) => b.gather('x', 'i', 1),
  },
  {
    name: 'Gather tensor indices on axis 0 (weight rows), opset 18',
    opset: 18,
    inputs: [
      { name: 'w', shape: [5, 3] },
      { name: 'i', shape: [2, 3], int: [1, 4, 1, 0, 2, 2] },
    ],
    build: (b) => b.gather('w', 'i', 0),
  },
  {
    name: 'Gather tensor indices on axis 0, opset 11',
    opset: 11,
    inputs: [
      { name: 'w', shape: [5, 3] },
      { name: 'i', shape: [2, 3], int: [1, 4, 1, 0, 2, 2] },
    ],
    build: (b) => b.gather('w', 'i', 0),
  },
  {
    name: 'GatherElements opset 13 (one-hot)',
    opset: 13,
    inputs: [
      { name: 'x', shape: [3, 4] },
      { name: 'i', shape: [2, 4], int: [0, 2, 1, -1, 2, 2, 0, 1] },
    ],
    build: (b) => b.op('GatherElements', ['x', 'i'], { axis: 0 }),
  },
  {
    name: 'GatherElements opset 16 (ScatterElements add)',
    opset: 16,
    inputs: [
      { name: 'x', shape: [3, 4] },
      { name: 'i', shape: [3, 2], int: [0, 3, 1, 1, -1, 2] },
    ],
    build: (b) => b.op('GatherElements', ['x', 'i'], { axis: 1 }),
  },
  {
    name: 'CumSum and Trilu on floats',
    opset: 14,
    inputs: [{ name: 'x', shape: [3, 3] }],
    build: (b) => [
      b.op('CumSum', ['x', b.i64(1)]),
      b.op('CumSum', ['x', b.i64(0)], { reverse: 1, exclusive: 1 }),
      b.op('Trilu', ['x'], { upper: 0 }),
    ],
  },
  {
    name: 'Cos/Sin RoPE rotation (Slice halves, Neg, Concat, Mul)',
    opset: 13,
    inputs: [
      { name: 'x', shape: [1, 3, 4] },
      { name: 'theta', shape: [3, 4] },
    ],
    build: (b) => {
      const half = (s: number, e: number) => b.slice('x', [s], [e], [-1]);
      const rot = b.concat([b.neg(half(2, 4)), half(0, 2)], -1);
      return b.add(b.mul('x', b.op('Cos', ['theta'])), b.mul(rot, b.op('Sin', ['theta'])));
    },
  },
];
