/**
 * Shape inference: symbolic dims propagate through exporter-style shape arithmetic, and every inferred integer dim
 * (and every consistent symbol) agrees with the shapes onnxruntime actually produces.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  encodeModel,
  inferShapes,
  type OpBuilder,
  mulDim,
  divDim,
  addDim,
  subDim,
  broadcastDims,
} from '../../src/index.ts';
import { buildCase, SESSION_OPTIONS } from '../autodiff/harness.ts';

describe('symbolic dim arithmetic', () => {
  it('keeps products, quotients and sums canonical', () => {
    expect(mulDim('sequence', 'batch')).toBe('batch*sequence');
    expect(mulDim(mulDim(2, 'batch'), 3)).toBe('6*batch');
    expect(divDim('batch*sequence', 'sequence')).toBe('batch');
    expect(divDim(mulDim('batch', 12), 4)).toBe('3*batch');
    expect(String(divDim('batch', 'sequence'))).toMatch(/^\?/);
    expect(addDim('sequence', 'past')).toBe('(past+sequence)');
    expect(subDim(addDim('sequence', 'past'), 'past')).toBe('sequence');
    expect(broadcastDims(['batch', 1, 1, 'sequence'], [12, 'sequence', 'sequence'])).toEqual([
      'batch',
      12,
      'sequence',
      'sequence',
    ]);
  });
});

function attentionLike(b: OpBuilder): string[] {
  const s = b.shape('x');
  const batch = b.unsqueeze(b.gather(s, b.i64(0)), [0]);
  const seq = b.unsqueeze(b.gather(s, b.i64(1)), [0]);
  const heads = b.reshape('x', b.concat([batch, seq, b.i64([2]), b.i64([3])], 0));
  const t = b.transpose(heads, [0, 2, 1, 3]);
  const scores = b.matmul(t, b.transpose(t, [0, 1, 3, 2]));
  const masked = b.add(scores, b.unsqueeze(b.cast('mask', DataType.FLOAT), [1, 2]));
  const flat = b.reshape('x', [-1, 6]);
  const back = b.reshape(flat, b.concat([batch, seq, b.i64([-1])], 0));
  const cat = b.concat(['past', 'x'], 1);
  const last = b.slice(cat, [-1], [2 ** 62], [1]);
  const firstTok = b.gather('x', b.i64(0), 1);
  const red = b.reduceSum(masked, [-1], false);
  const [p1, p2] = b.split('x', [2, 4], 2) as [string, string];
  const ln = b.op('LayerNormalization', ['x', b.f32(Array(6).fill(1))], { axis: -1 });
  const range = b.op('Range', [b.i64(0), b.squeeze(seq, [0]), b.i64(1)]);
  const e = b.expand(b.unsqueeze(b.cast(range, DataType.FLOAT), [0, 2]), b.shape('x'));
  const flatten = b.flatten(t, 2);
  const einsum = b.op('Einsum', [t, t], { equation: 'bhqd,bhkd->bhqk' });
  return [heads, t, scores, masked, flat, back, cat, last, firstTok, red, p1, p2, ln, range, e, flatten, einsum];
}

describe('inferShapes', () => {
  const built = buildCase({
    opset: 13,
    dtype: 'float32',
    inputs: [
      { name: 'x', shape: [2, 5, 6], declared: ['batch', 'sequence', 6] },
      { name: 'mask', shape: [2, 5], declared: ['batch', 'sequence'], int: Array(10).fill(1) },
      { name: 'past', shape: [2, 3, 6], declared: ['batch', 'past_sequence', 6] },
    ],
    build: attentionLike,
  });

  it('propagates batch/sequence through Shape/Gather/Concat/Reshape, Slice, Concat and -1 reshapes', () => {
    const info = inferShapes(built.graph);
    const [heads, t, scores, masked, flat, back, cat, last, firstTok, red, p1, p2, ln, range, e, flatten, einsum] =
      built.outputs;
    expect(info.shape(heads!)).toEqual(['batch', 'sequence', 2, 3]);
    expect(info.shape(t!)).toEqual(['batch', 2, 'sequence', 3]);
    expect(info.shape(scores!)).toEqual(['batch', 2, 'sequence', 'sequence']);
    expect(info.shape(masked!)).toEqual(['batch', 2, 'sequence', 'sequence']);
    expect(info.shape(flat!)).toEqual(['batch*sequence', 6]);
    expect(info.shape(back!)).toEqual(['batch', 'sequence', 6]);
    expect(info.shape(cat!)).toEqual(['batch', '(past_sequence+sequence)', 6]);
    expect(info.shape(last!)).toEqual(['batch', 1, 6]);
    expect(info.shape(firstTok!)).toEqual(['batch', 6]);
    expect(info.shape(red!)).toEqual(['batch', 2, 'sequence']);
    expect(info.shape(p1!)).toEqual(['batch', 'sequence', 2]);
    expect(info.shape(p2!)).toEqual(['batch', 'sequence', 4]);
    expect(info.shape(ln!)).toEqual(['batch', 'sequence', 6]);
    expect(info.shape(range!)).toEqual(['sequence']);
    expect(info.shape(e!)).toEqual(['batch', 'sequence', 6]);
    expect(info.shape(flatten!)).toEqual(['2*batch', '3*sequence']);
    expect(info.shape(einsum!)).toEqual(['batch', 2, 'sequence', 'sequence']);
    expect(info.elemType(masked!)).toBe(DataType.FLOAT);
    expect(info.elemType(range!)).toBe(DataType.INT64);
    expect(info.values.get(built.graph.nodes.find((n) => n.op_type === 'Concat')!.output[0]!)).toEqual([
      'batch',
      'sequence',
      2,
      3,
    ]);
  });

  it('agrees with the shapes onnxruntime produces for every intermediate tensor', async () => {
    const info = inferShapes(built.graph);
    const all = built.graph.nodes.flatMap((n) => n.output);
    const model = structuredClone({ ...built.model, graph: { ...built.model.graph, output: [] as never[] } });
    for (const name of all) model.graph.output.push({ name } as never);
    const session = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);
    const out = await session.run({
      x: new ort.Tensor('float32', new Float32Array(60), [2, 5, 6]),
      mask: new ort.Tensor('int64', new BigInt64Array(10).fill(1n), [2, 5]),
      past: new ort.Tensor('float32', new Float32Array(36), [2, 3, 6]),
    });
    const symbols = new Map<string, number>([
      ['batch', 2],
      ['sequence', 5],
      ['past_sequence', 3],
    ]);
    let checked = 0;
    for (const name of all) {
      const inferred = info.shape(name);
      const actual = out[name]!.dims;
      expect(inferred, name).toBeDefined();
      expect(inferred!.length, name).toBe(actual.length);
      inferred!.forEach((d, i) => {
        if (typeof d === 'number') expect(d, `${name}[${i}]`).toBe(actual[i]);
        else if (!d.startsWith('?')) {
          // evaluate products and sums of named dims
          const value = Function(...symbols.keys(), `return ${d};`)(...symbols.values()) as number;
          expect(value, `${name}[${i}] = ${d}`).toBe(actual[i]);
        }
        checked++;
      });
      // constant-folded shape values match too
      const v = info.values.get(name);
      if (v?.every((x) => typeof x === 'number'))
        expect(v, name).toEqual(Array.from(out[name]!.data as BigInt64Array, Number));
    }
    expect(checked).toBeGreaterThan(50);
  });
});
