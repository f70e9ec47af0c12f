/** Engine behaviour: dynamic broadcasting, accumulation, wrt initializers/intermediates, pruning, stop-gradients, errors. */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  differentiate,
  encodeModel,
  Graph,
  OpBuilder,
  UnsupportedOpsError,
  AutodiffError,
} from '../../src/index.ts';
import { buildCase, emptyModel, gradCheck, rng, type GradCase, SESSION_OPTIONS } from './harness.ts';

const check = async (c: GradCase) => {
  const r = await gradCheck(c);
  expect(r.maxErr, r.worst).toBeLessThan(1);
  return r;
};

describe('broadcast reduction when shapes are only known at run time', () => {
  const unknown2 = [2, null] as (number | null)[];
  it('Add/Mul with unnamed dims where the second operand broadcasts at run time', async () => {
    await check({
      opset: 13,
      inputs: [
        { name: 'a', shape: [2, 3], declared: unknown2 },
        { name: 'b', shape: [2, 1], declared: unknown2 },
      ],
      build: (b) => [b.add('a', 'b'), b.mul('a', 'b')],
    });
  });
  it('the same graph when the first operand broadcasts', async () => {
    await check({
      opset: 13,
      inputs: [
        { name: 'a', shape: [2, 1], declared: unknown2 },
        { name: 'b', shape: [2, 3], declared: unknown2 },
      ],
      build: (b) => [b.add('a', 'b'), b.mul('a', 'b')],
    });
  });
  it('different dim_params (n vs m) at opset 11, and no broadcast at all', async () => {
    await check({
      opset: 11,
      inputs: [
        { name: 'a', shape: [3, 4], declared: ['n', 4] },
        { name: 'b', shape: [1, 4], declared: ['m', 4] },
      ],
      build: (b) => b.sub('a', 'b'),
    });
    await check({
      opset: 11,
      inputs: [
        { name: 'a', shape: [3, 4], declared: ['n', 4] },
        { name: 'b', shape: [3, 4], declared: ['m', 4] },
      ],
      build: (b) => b.div('a', b.exp('b')),
    });
  });
  it('a tensor of unknown rank gives a clear error', () => {
    const { graph, outputs } = buildCase({
      opset: 13,
      inputs: [
        { name: 'a', shape: [2], declared: null },
        { name: 'b', shape: [2, 2] },
      ],
      build: (b) => b.add('a', 'b'),
    });
    expect(() => differentiate(graph, { outputs, wrt: ['a'] })).toThrow(/rank .*unknown/);
  });
});

describe('the differentiation engine', () => {
  it('accumulates gradients from several consumers (x used by Mul, Exp, Tanh and twice by one Mul)', async () => {
    await check({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3] }],
      build: (b) => b.add(b.mul('x', b.exp('x')), b.add(b.tanh('x'), b.mul('x', 'x'))),
    });
  });

  it('an output that is also consumed gets its seed plus the downstream gradient', async () => {
    await check({
      opset: 13,
      inputs: [{ name: 'x', shape: [3] }],
      build: (b) => {
        const h = b.tanh('x');
        return [h, b.mul(h, h)];
      },
    });
  });

  it('stops gradients at integer and boolean subgraphs (Shape, Cast to float, Greater/Where masks)', async () => {
    await check({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3], declared: ['batch', 3] }],
      build: (b, k) => {
        const n = b.cast(b.gather(b.shape('x'), b.i64(1)), DataType.DOUBLE);
        return b.mul(b.where(b.greater('x', k(0)), 'x', b.mul('x', k(0.1))), n);
      },
    });
  });

  it('differentiates w.r.t. initializers (weights) exactly as w.r.t. the same values fed as inputs', async () => {
    const rand = rng(7);
    const w = Float64Array.from({ length: 12 }, () => rand() - 0.5);
    const bias = Float64Array.from({ length: 3 }, () => rand() - 0.5);
    const build = (b: OpBuilder, wName: string, bName: string) => b.tanh(b.add(b.matmul('x', wName), bName));
    // reference: weights as inputs, checked against finite differences
    const ref = await check({
      opset: 13,
      inputs: [
        { name: 'x', shape: [2, 4], values: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8] },
        { name: 'w', shape: [4, 3], values: [...w] },
        { name: 'bias', shape: [3], values: [...bias] },
      ],
      wrt: ['w', 'bias'],
      build: (b) => build(b, 'w', 'bias'),
      seed: 99,
    });
    // the same model with initializers
    const model = emptyModel(13);
    model.graph.input.push({
      name: 'x',
      type: { tensor_type: { elem_type: DataType.DOUBLE, shape: { dim: [{ dim_value: 2 }, { dim_value: 4 }] } } },
    });
    const g = new Graph(model);
    const b = new OpBuilder(g);
    const wName = b.tensor(w, [4, 3], undefined, 'W');
    const bName = b.tensor(bias, [3], undefined, 'B');
    const y = build(b, wName, bName);
    g.proto.output.push({ name: y, type: { tensor_type: { elem_type: DataType.DOUBLE } } });
    const { seeds, grads } = differentiate(g, { outputs: [y], wrt: [wName, bName] });
    for (const t of [wName, bName])
      g.proto.output.push({ name: grads.get(t)!, type: { tensor_type: { elem_type: DataType.DOUBLE } } });
    const s = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);
    // the cotangent gradCheck drew (all inputs have fixed values, so it is the first draw of the seed)
    const cot = cotangentOf(99, 6);
    const out2 = await s.run({
      x: new ort.Tensor('float64', Float64Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8]), [2, 4]),
      [seeds.get(y)!]: new ort.Tensor('float64', cot, [2, 3]),
    });
    expect(out2[grads.get(wName)!]!.dims).toEqual([4, 3]);
    expect(Array.from(out2[grads.get(wName)!]!.data as Float64Array)).toEqual(ref.analytic.get('w'));
    expect(Array.from(out2[grads.get(bName)!]!.data as Float64Array)).toEqual(ref.analytic.get('bias'));
  });

  it('gives the cotangent for an intermediate wrt tensor and zeros for a wrt the outputs do not depend on', async () => {
    const { model, graph, outputs } = buildCase({
      opset: 13,
      inputs: [
        { name: 'x', shape: [3] },
        { name: 'z', shape: [2, 2] },
      ],
      build: (b) => b.mul(b.tanh('x'), b.tanh('x')),
    });
    const h = graph.nodes.find((n) => n.op_type === 'Tanh')!.output[0]!;
    const { seeds, grads } = differentiate(graph, { outputs, wrt: [h, 'z', 'x'] });
    for (const t of [h, 'z'])
      graph.proto.output.push({ name: grads.get(t!)!, type: { tensor_type: { elem_type: DataType.DOUBLE } } });
    const s = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);
    const x = [0.3, -0.7, 1.1];
    const c = [0.5, -2, 1.5];
    const out = await s.run({
      x: new ort.Tensor('float64', Float64Array.from(x), [3]),
      z: new ort.Tensor('float64', new Float64Array(4), [2, 2]),
      [seeds.get(outputs[0]!)!]: new ort.Tensor('float64', Float64Array.from(c), [3]),
    });
    // y = h*h where h = tanh(x) is consumed twice (two Tanh nodes: only the first is the wrt tensor)
    const gh = Array.from(out[grads.get(h)!]!.data as Float64Array);
    gh.forEach((v, i) => expect(v).toBeCloseTo(c[i]! * Math.tanh(x[i]!), 12));
    expect(out[grads.get('z')!]!.dims).toEqual([2, 2]);
    expect(Array.from(out[grads.get('z')!]!.data as Float64Array)).toEqual([0, 0, 0, 0]);
  });

  it('adds backward nodes only between wrt tensors and outputs', () => {
    const { graph, outputs } = buildCase({
      opset: 13,
      inputs: [
        { name: 'a', shape: [2, 3] },
        { name: 'b', shape: [2, 3] },
      ],
      // b's branch (Exp, Sigmoid) does not depend on a: it needs no backward nodes
      build: (b) => b.mul('a', b.sigmoid(b.exp('b'))),
    });
    const before = graph.nodes.length;
    differentiate(graph, { outputs, wrt: ['a'] });
    const added = graph.nodes.slice(before);
    expect(added.map((n) => n.op_type)).toEqual(['Mul']); // da = dy * sigmoid(exp(b)), nothing else
  });

  it('declares seed inputs with the output type and symbolic shape', () => {
    const { graph, outputs } = buildCase({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3], declared: ['batch', 'sequence'] }],
      build: (b) => b.unsqueeze(b.tanh('x'), [1]),
    });
    const { seeds } = differentiate(graph, { outputs, wrt: ['x'], seedName: (o) => `cot_${o}` });
    const seed = graph.proto.input.find((v) => v.name === seeds.get(outputs[0]!))!;
    expect(seed.name).toBe(`cot_${outputs[0]}`);
    expect(seed.type!.tensor_type!.elem_type).toBe(DataType.DOUBLE);
    expect(seed.type!.tensor_type!.shape!.dim).toEqual([
      { dim_param: 'batch' },
      { dim_value: 1 },
      { dim_param: 'sequence' },
    ]);
  });

  it('names every unsupported op on the path (type, domain, node) and leaves the graph untouched', () => {
    const { model, graph, outputs } = buildCase({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3] }],
      build: (b) => {
        const fast = graph0(b).addNode('FastGelu', ['x'], { domain: 'com.microsoft', name: 'ms_gelu' })[0]!;
        const hm = b.op('Hardmax', [fast]);
        const rmax = b.reduce('ReduceMax', hm, [1], true);
        // off the path: only reads a constant, so it needs no rule
        const side = b.op('Hardmax', [b.tensor(Float64Array.from([1, 2, 3]), [1, 3])]);
        return b.add(b.mul(rmax, 'x'), side);
      },
    });
    model.opset_import.push({ domain: 'com.microsoft', version: 1 });
    const snapshot = JSON.stringify({
      n: graph.nodes.length,
      i: graph.proto.input.length,
      init: graph.proto.initializer.length,
    });
    let err: unknown;
    try {
      differentiate(graph, { outputs, wrt: ['x'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const ops = (err as UnsupportedOpsError).ops;
    expect(ops.map((o) => `${o.domain}:${o.opType}`).sort()).toEqual([
      ':Hardmax',
      ':ReduceMax',
      'com.microsoft:FastGelu',
    ]);
    expect(ops.find((o) => o.opType === 'FastGelu')!.node).toBe('ms_gelu');
    expect((err as Error).message).toMatch(/FastGelu.*Hardmax.*ReduceMax|ms_gelu/);
    expect(
      JSON.stringify({ n: graph.nodes.length, i: graph.proto.input.length, init: graph.proto.initializer.length }),
    ).toBe(snapshot);
  });

  it('rejects unknown tensor names and integer wrt tensors', () => {
    const { graph, outputs } = buildCase({
      opset: 13,
      inputs: [
        { name: 'x', shape: [2] },
        { name: 'i', shape: [1], int: [0] },
      ],
      build: (b) => b.gather('x', 'i'),
    });
    expect(() => differentiate(graph, { outputs, wrt: ['nope'] })).toThrow(AutodiffError);
    expect(() => differentiate(graph, { outputs, wrt: ['i'] })).toThrow(/non-float/);
  });
});

function graph0(b: OpBuilder): Graph {
  return b.graph;
}

/** The cotangent gradCheck draws for a case whose inputs all have fixed values. */
function cotangentOf(seed: number, n: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() * 2 - 1);
}
