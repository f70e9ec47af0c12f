/**
 * transforms/fused-patterns.ts: decomposed LayerNorm / GELU differentiated whole, sibling Slices as one Split. Each
 * form is checked against finite differences with the pass on (as buildGradientModel runs it), with what the pass
 * replaced and what the gradient graph holds; then on the GPT-2 and BERT fixtures, that every LayerNorm and GELU is
 * found and that onnxruntime still fuses the forward's LayerNorm and GELU inside the gradient model.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGradientModel, decodeModel, encodeModel, Graph, type OpBuilder } from '../../src/index.ts';
import { fusePatterns } from '../../src/transforms/fused-patterns.ts';
import { buildEncoderClassifier, buildGpt2 } from '../fixtures/index.ts';
import { type GradCase, gradCheck } from './harness.ts';

type K = (v: number) => string;

/** torch's LayerNorm decomposition over the last axis. */
function layerNorm(
  b: OpBuilder,
  k: K,
  x: string,
  form: { square: 'pow' | 'mul'; divide: 'div' | 'reciprocal'; axes?: number[] } = { square: 'pow', divide: 'div' },
): { y: string; centred: string } {
  const axes = form.axes ?? [-1];
  const d = b.sub(x, b.reduceMean(x, axes));
  const sq = form.square === 'pow' ? b.pow(d, k(2)) : b.mul(d, d);
  const sd = b.sqrt(b.add(b.reduceMean(sq, axes), k(1e-5)));
  const xhat = form.divide === 'div' ? b.div(d, sd) : b.mul(d, b.reciprocal(sd));
  return { y: b.add(b.mul(xhat, 'scale'), 'bias'), centred: d };
}

const geluErf = (b: OpBuilder, k: K, x: string, halfFirst: boolean) => {
  const s = b.add(b.erf(b.div(x, k(Math.SQRT2))), k(1));
  return halfFirst ? b.mul(b.mul(x, k(0.5)), s) : b.mul(b.mul(x, s), k(0.5));
};

const geluTanh = (b: OpBuilder, k: K, x: string, cube: 'pow' | 'mul') => {
  const x3 = cube === 'pow' ? b.pow(x, k(3)) : b.mul(x, b.mul(x, x));
  const u = b.mul(b.add(x, b.mul(x3, k(0.044715))), k(Math.sqrt(2 / Math.PI)));
  return b.mul(b.mul(x, k(0.5)), b.add(b.tanh(u), k(1)));
};

const lnInputs = (shape: number[], normalised = [shape.at(-1)!]) => [
  { name: 'x', shape },
  { name: 'scale', shape: normalised, range: [0.5, 1.5] as [number, number] },
  { name: 'bias', shape: normalised },
];

const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('decomposed LayerNorm, GELU and sibling Slices are differentiated whole', () => {
  const cases: (GradCase & { expect: (r: Awaited<ReturnType<typeof gradCheck>>) => void })[] = [
    {
      name: 'LayerNorm (Pow, Div) at opset 14: the internal op, the forward restored as exported',
      opset: 14,
      inputs: lnInputs([2, 3, 6]),
      build: (b, k) => layerNorm(b, k, 'x').y,
      expect: (r) => {
        expect(r.fused).toMatchObject({ layerNorm: 1, gelu: 0 });
        expect(count(r.ops, 'Pow')).toBe(1); // the forward's, left for onnxruntime's LayerNorm fusion
        expect(r.ops).not.toContain('LayerNormalization');
      },
    },
    {
      name: 'LayerNorm (Mul, Reciprocal) at opset 17 in float32: LayerNormalization, its saved statistics',
      opset: 17,
      dtype: 'float32',
      inputs: lnInputs([2, 4, 5]),
      build: (b, k) => layerNorm(b, k, 'x', { square: 'mul', divide: 'reciprocal' }).y,
      expect: (r) => {
        expect(r.fused).toMatchObject({ layerNorm: 1 });
        expect(count(r.ops, 'LayerNormalization')).toBe(1);
        expect(count(r.ops, 'Sqrt')).toBe(0); // mean and inverse std-dev come from the forward node
        expect(count(r.ops, 'ReduceMean')).toBe(2); // mean(g), mean(g·x̂)
      },
    },
    {
      name: 'LayerNorm over the last two axes at opset 18 (axes as inputs), float64: statistics recomputed',
      opset: 18,
      inputs: lnInputs([2, 3, 4], [3, 4]),
      build: (b, k) => layerNorm(b, k, 'x', { square: 'pow', divide: 'div', axes: [1, 2] }).y,
      expect: (r) => {
        expect(r.fused).toMatchObject({ layerNorm: 1 });
        expect(count(r.ops, 'LayerNormalization')).toBe(1);
      },
    },
    {
      name: 'a LayerNorm whose centred input is also an output is left as it is',
      opset: 14,
      inputs: lnInputs([2, 5]),
      build: (b, k) => {
        const { y, centred } = layerNorm(b, k, 'x');
        return [y, centred];
      },
      expect: (r) => expect(r.fused).toMatchObject({ layerNorm: 0 }),
    },
    {
      name: 'GELU, erf form, (x · s) · 0.5, at opset 14',
      opset: 14,
      dtype: 'float32', // onnxruntime has no float64 Erf
      inputs: [{ name: 'x', shape: [3, 7], range: [-3, 3] }],
      build: (b, k) => geluErf(b, k, 'x', false),
      expect: (r) => {
        expect(r.fused).toMatchObject({ gelu: 1 });
        expect(count(r.ops, 'Erf')).toBe(2); // the forward's and the backward's
      },
    },
    {
      name: 'GELU, erf form, (x · 0.5) · s, at opset 13',
      opset: 13,
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [3, 7], range: [-3, 3] }],
      build: (b, k) => geluErf(b, k, 'x', true),
      expect: (r) => expect(r.fused).toMatchObject({ gelu: 1 }),
    },
    {
      name: 'GELU, tanh form with Pow(x, 3) (GPT-2 gelu_new): one Pow, the forward one',
      opset: 14,
      inputs: [{ name: 'x', shape: [3, 7], range: [-3, 3] }],
      build: (b, k) => geluTanh(b, k, 'x', 'pow'),
      expect: (r) => {
        expect(r.fused).toMatchObject({ gelu: 1 });
        expect(count(r.ops, 'Pow')).toBe(1);
      },
    },
    {
      name: 'GELU, tanh form with x · (x · x)',
      opset: 13,
      inputs: [{ name: 'x', shape: [3, 7], range: [-3, 3] }],
      build: (b, k) => geluTanh(b, k, 'x', 'mul'),
      expect: (r) => expect(r.fused).toMatchObject({ gelu: 1 }),
    },
    {
      name: 'GELU at opset 20 in float32: the standard Gelu op',
      opset: 20,
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [3, 7], range: [-3, 3] }],
      build: (b, k) => [geluErf(b, k, 'x', false), geluTanh(b, k, b.mul('x', k(0.7)), 'pow')],
      expect: (r) => {
        expect(r.fused).toMatchObject({ gelu: 2 });
        expect(count(r.ops, 'Gelu')).toBe(2);
        expect(count(r.ops, 'Pow')).toBe(0);
      },
    },
    {
      name: 'three Slices of a fused projection, with a gap: one Split, one Concat, no Pad',
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3, 9] }],
      build: (b) => {
        const [q, kk, v] = [
          [0, 3],
          [3, 5],
          [6, 9],
        ].map(([s, e]) => b.slice('x', [s!], [e!], [2]));
        return [b.tanh(q!), b.mul(kk!, kk!), b.sigmoid(v!)];
      },
      expect: (r) => {
        expect(r.fused).toMatchObject({ slices: 1 });
        expect(count(r.ops, 'Slice')).toBe(0);
        expect(count(r.ops, 'Pad')).toBe(0);
        expect(count(r.ops, 'Split')).toBe(1);
        expect(count(r.ops, 'Concat')).toBe(1);
      },
    },
    {
      name: 'overlapping Slices stay Slices',
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 6] }],
      build: (b) => [b.tanh(b.slice('x', [0], [4], [1])), b.sigmoid(b.slice('x', [2], [6], [1]))],
      expect: (r) => {
        expect(r.fused).toMatchObject({ slices: 0 });
        expect(count(r.ops, 'Slice')).toBe(2);
      },
    },
  ];
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck({ ...c, fuse: true });
      expect(r.maxErr, r.worst).toBeLessThan(1);
      c.expect(r);
    });
  }
});

describe('fused patterns in the fixture models', () => {
  const gpt2 = (opset: number) =>
    buildGpt2(
      { opset, vocabSize: 64, nEmbd: 16, nLayer: 2, nHead: 2, nPositions: 32, bosTokenId: 1, eosTokenId: 1, seed: 3 },
      false,
    ).model;
  const bert = (opset: number) =>
    buildEncoderClassifier({
      family: 'bert',
      opset,
      vocabSize: 64,
      hidden: 16,
      layers: 2,
      heads: 2,
      intermediate: 32,
      maxPositions: 32,
      labels: ['a', 'b'],
      padTokenId: 0,
      seed: 3,
      initStd: 0.02,
    }).model;

  it('finds every LayerNorm and GELU of GPT-2 (tanh) and BERT (erf) at opset 14, statistics at opset 17', () => {
    // GPT-2: ln_1, ln_2 per layer and ln_f; BERT: the embeddings' and two per layer
    expect(fusePatterns(new Graph(gpt2(14)))).toEqual({ layerNorm: 5, gelu: 2, statistics: 0, slices: 0 });
    expect(fusePatterns(new Graph(bert(14)))).toEqual({ layerNorm: 5, gelu: 2, statistics: 0, slices: 0 });
    expect(fusePatterns(new Graph(bert(17)))).toEqual({ layerNorm: 0, gelu: 2, statistics: 5, slices: 0 });
  });

  it("onnxruntime still fuses the forward's LayerNorm and GELU inside the gradient model", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fused-patterns-'));
    try {
      const optimized = async (bytes: Uint8Array) => {
        const path = join(dir, 'optimized.onnx');
        const s = await ort.InferenceSession.create(bytes, {
          optimizedModelFilePath: path,
          graphOptimizationLevel: 'extended',
          intraOpNumThreads: 1,
        });
        await s.release();
        return decodeModel(new Uint8Array(readFileSync(path))).graph.node.map((n) => n.op_type);
      };
      const config = { vocab_size: 64, hidden_size: 16 };
      const g = await optimized(buildGradientModel(encodeModel(gpt2(14)), { config }).bytes);
      expect(count(g, 'LayerNormalization')).toBe(5);
      expect(count(g, 'FastGelu')).toBe(2);
      const e = await optimized(buildGradientModel(encodeModel(bert(14)), { config }).bytes);
      expect(count(e, 'LayerNormalization')).toBe(5);
      expect(count(e, 'Gelu') + count(e, 'BiasGelu')).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
