/**
 * Row selection pushed above the last layer (transforms/row-selection.ts, buildGradientModel `pruneRows`):
 * - exactness: the pruned gradient model's logits and gradients equal the unpruned one's on the synthetic encoders,
 *   the vendored optimum DistilBERT and the embedded default classifier, plain and with the target-score head;
 * - the pruned gradient matches central differences on a small random encoder;
 * - structure: the last layer's Q, output and FFN MatMuls run on [B, 1, .], its attention softmax on [B, heads, 1, S],
 *   K and V and the earlier layers on every position;
 * - graphs where the selection cannot move (mean pooling, a sequence head, a hidden state that is also an output,
 *   a softmax over positions) are left byte for byte as they were.
 *
 * Tolerance of the exactness checks: |pruned - unpruned| <= 1e-5 * max |unpruned| per tensor. Both graphs compute
 * the same float32 ops on the same values for the rows that matter; only the kernels' accumulation order may differ
 * (a matmul over B x 1 rows is blocked differently from one over B x S rows), a few ulps per op that the following
 * layers carry: measured up to 3e-7 relative, so 1e-5 leaves a margin of 30 without hiding a wrong row (which is off
 * by O(1)).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  buildGradientModel,
  DataType,
  decodeModel,
  encodeModel,
  Graph,
  inferShapes,
  OpBuilder,
  selectRows,
  type GradientModel,
  type ModelProto,
} from '../../src/index.ts';
import { buildEncoderClassifier, type EncoderFamily } from '../fixtures/index.ts';
import { addInput, addOutput, emptyModel } from '../fixtures/onnx-model.ts';
import { repoFile } from '../../../../fixtures/index.ts';
import { checkGradient } from './gradcheck.ts';
import { DISTILBERT, readBytes, rng, type Feeds } from './helpers.ts';

const B = 3,
  S = 7;
const REL_TOL = 1e-5;

function encoder(family: EncoderFamily, opset: number, layers = 2): ModelProto {
  return buildEncoderClassifier({
    family,
    opset,
    vocabSize: 50,
    hidden: 16,
    layers,
    heads: 2,
    intermediate: 32,
    maxPositions: 24,
    labels: ['a', 'b', 'c'],
    padTokenId: 1,
    seed: 3,
    initStd: 0.3,
  }).model;
}

/** Seeded feeds for a gradient model: random embeddings, a padded last row, segment ids, targets, seeds. */
function gradientFeeds(grad: GradientModel, seed: number): Feeds {
  const r = rng(seed);
  const gm = decodeModel(grad.bytes);
  const H = grad.embedding!.hiddenSize;
  const i64 = (f: (k: number) => number, dims = [B, S]) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: dims[0]! * dims[1]! }, (_, k) => BigInt(f(k))),
      dims,
    );
  const f32 = (n: number, dims: number[], f: (k: number) => number = () => r() - 0.5) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: n }, (_, k) => f(k)),
      dims,
    );
  const feeds: Feeds = {};
  for (const v of gm.graph.input) {
    const n = v.name;
    const classes = Number(v.type?.tensor_type?.shape?.dim[1]?.dim_value ?? 0);
    if (n === 'inputs_embeds') feeds[n] = f32(B * S * H, [B, S, H], () => 2 * r() - 1);
    else if (n === 'attention_mask') feeds[n] = i64((k) => (k >= B * S - 2 ? 0 : 1));
    else if (n === 'token_type_ids') feeds[n] = i64((k) => (k % S > 3 ? 1 : 0));
    else if (n === 'input_ids') feeds[n] = i64((k) => 3 + ((k * 7) % 40));
    else if (n === 'grad_logits') feeds[n] = f32(B * classes, [B, classes]);
    else if (n === 'grad_target_score') feeds[n] = f32(B, [B], () => 1);
    else if (n === 'target_ids') feeds[n] = i64((k) => (k * 5) % 2, [B, 2]);
    else if (n === 'target_weights') feeds[n] = f32(B * 2, [B, 2], (k) => (k % 2 ? -1 : 1));
    else if (n === 'inference_mode') feeds[n] = f32(3, [3], (k) => (k === 1 ? 1 : 0));
    else throw new Error(`no feed rule for the gradient model's input "${n}"`);
  }
  return feeds;
}

async function run(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const nodeCount = (g: GradientModel) => decodeModel(g.bytes).graph.node.length;
const opCount = (g: GradientModel, op: string) =>
  decodeModel(g.bytes).graph.node.filter((n) => n.op_type === op).length;

/** Builds the gradient model with and without pruning and checks every output agrees (see the tolerance above). */
async function expectSameOutputs(bytes: Uint8Array, targetScore: boolean) {
  const pruned = buildGradientModel(bytes, { targetScore });
  const whole = buildGradientModel(bytes, { targetScore, pruneRows: false });
  expect(pruned.outputNames).toEqual(whole.outputNames);
  expect(pruned.bytes).not.toEqual(whole.bytes);
  const feeds = gradientFeeds(pruned, 11);
  const [a, b] = [await run(pruned.bytes, feeds), await run(whole.bytes, feeds)];
  for (const name of whole.outputNames) {
    const x = a[name]!.data as Float32Array;
    const y = b[name]!.data as Float32Array;
    expect(a[name]!.dims).toEqual(b[name]!.dims);
    const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst, `${name}: max |pruned - whole| against max |whole| ${scale}`).toBeLessThanOrEqual(REL_TOL * scale);
  }
  return { pruned, whole };
}

describe('row selection: exactness of the pruned gradient model', () => {
  const cases: [string, () => Uint8Array][] = [
    ['synthetic BERT, opset 14 (decomposed LayerNorm)', () => encodeModel(encoder('bert', 14))],
    ['synthetic BERT, opset 17 (LayerNormalization)', () => encodeModel(encoder('bert', 17))],
    [
      'synthetic DistilBERT, opset 11 (Where mask over Expand(Shape(scores)))',
      () => encodeModel(encoder('distilbert', 11)),
    ],
    ['synthetic RoBERTa, opset 17', () => encodeModel(encoder('roberta', 17))],
    ['vendored optimum tiny DistilBERT', () => readBytes(DISTILBERT)],
    [
      'embedded default classifier bert-tiny-sentiment',
      () => readBytes(repoFile('public/models/bert-tiny-sentiment/onnx/model.onnx')),
    ],
  ];
  for (const [name, bytes] of cases) {
    for (const targetScore of [false, true]) {
      it(`${name}, ${targetScore ? 'target-score head' : 'plain logits seed'}`, async () => {
        const { pruned, whole } = await expectSameOutputs(bytes(), targetScore);
        // the selected LayerNorm / GELU subgraphs are fused as the whole ones are: no decomposed backward appears
        for (const op of ['ReduceMean', 'Pow', 'Sqrt', 'Erf', 'Softmax', 'MatMul', 'Gemm'])
          expect(opCount(pruned, op), op).toBe(opCount(whole, op));
        expect(nodeCount(pruned)).toBeLessThanOrEqual(nodeCount(whole) + 8);
      });
    }
  }
});

describe('row selection: gradient check', () => {
  it('the pruned gradient of a random 2-layer BERT matches central differences', async () => {
    const grad = buildGradientModel(encodeModel(encoder('bert', 14)));
    const feeds = gradientFeeds(grad, 5);
    delete feeds.grad_logits;
    const session = await ort.InferenceSession.create(grad.bytes);
    try {
      for (const seed of [1, 2, 3]) {
        const r = await checkGradient(session, feeds, 'logits', [B, 3], seed);
        expect(Math.abs(r.analytic)).toBeGreaterThan(0);
        expect(Math.abs(r.numeric - r.analytic)).toBeLessThanOrEqual(r.tolerance);
      }
    } finally {
      await session.release();
    }
  });
});

/**
 * The model with its inputs' symbolic batch and sequence dims set to B and S: a Slice of one position out of a
 * symbolic extent has an unknown extent (the sequence could be empty), out of 7 it has extent 1.
 */
function atSize(model: ModelProto): ModelProto {
  for (const v of model.graph.input) {
    const dims = v.type?.tensor_type?.shape?.dim ?? [];
    dims.forEach((d, i) => {
      if (d.dim_param && i < 2) dims[i] = { dim_value: i === 0 ? B : S };
    });
  }
  return model;
}

describe('row selection: structure', () => {
  /** The forward MatMuls of the gradient model by the weight they read, with their inferred output shapes. */
  function matmulShapes(model: ModelProto, grad: GradientModel) {
    const weights = new Map<string, string>(); // weight -> forward node name in the original model
    for (const n of model.graph.node)
      if (n.op_type === 'MatMul' && n.input[1]!.startsWith('onnx::MatMul')) weights.set(n.input[1]!, n.name!);
    const g = new Graph(atSize(decodeModel(grad.bytes)));
    const shapes = inferShapes(g);
    const out = new Map<string, (string | number)[]>();
    for (const n of g.nodes) {
      const name = n.op_type === 'MatMul' ? weights.get(n.input[1]!) : undefined;
      if (name) out.set(name, shapes.shape(n.output[0]!)!);
    }
    return { out, g, shapes };
  }

  for (const [family, opset] of [
    ['bert', 14],
    ['distilbert', 17],
  ] as const) {
    it(`${family} opset ${opset}: the last layer runs its Q, output and FFN projections on one row`, () => {
      const model = encoder(family, opset, 3);
      const grad = buildGradientModel(encodeModel(model));
      const { out, g, shapes } = matmulShapes(model, grad);
      const last = family === 'bert' ? '/bert/encoder/layer/2/' : '/distilbert/transformer/layer/2/';
      const lastNames =
        family === 'bert'
          ? {
              one: ['attention/self/query', 'attention/output/dense', 'intermediate/dense', 'output/dense'],
              all: ['attention/self/key', 'attention/self/value'],
            }
          : {
              one: ['attention/q_lin', 'attention/out_lin', 'ffn/lin1', 'ffn/lin2'],
              all: ['attention/k_lin', 'attention/v_lin'],
            };
      expect(out.size).toBe(18); // 6 projections in each of 3 layers, each run once forward
      for (const [name, shape] of out) {
        const rows = lastNames.one.some((m) => name === `${last}${m}/MatMul`) ? 1 : shape[1];
        expect(shape[1], name).toBe(rows);
        if (!name.startsWith(last) || lastNames.all.some((m) => name.includes(m))) expect(shape[1], name).not.toBe(1);
        expect(shape).toHaveLength(3);
      }
      expect([...out].filter(([, s]) => s[1] === 1)).toHaveLength(4);
      // one attention softmax of [B, heads, 1, S], the others [B, heads, S, S]
      const softmaxes = g.nodes.filter((n) => n.op_type === 'Softmax').map((n) => shapes.shape(n.output[0]!)!);
      expect(softmaxes).toHaveLength(3);
      expect(softmaxes.filter((s) => s[2] === 1 && s[3] !== 1)).toHaveLength(1);
    });
  }

  it('reports what it pushed, and keeps a wrt tensor whole', async () => {
    const model = encoder('bert', 14);
    const g = new Graph(encoder('bert', 14));
    expect(selectRows(g)).toEqual({ roots: 1, pushed: expect.any(Number) });
    // the last layer's GELU output: its gradient is asked for, so it stays [B, S, intermediate]
    const gelu = model.graph.node.find(
      (n) =>
        n.name?.startsWith('/bert/encoder/layer/1/ffn/') &&
        n.op_type === 'Mul' &&
        model.graph.node.some((m) => m.op_type === 'MatMul' && m.input[0] === n.output[0]),
    )!.output[0]!;
    const grad = buildGradientModel(encodeModel(model), { wrt: [gelu] });
    const whole = buildGradientModel(encodeModel(model), { wrt: [gelu], pruneRows: false });
    const feeds = gradientFeeds(grad, 3);
    const [a, b] = [await run(grad.bytes, feeds), await run(whole.bytes, feeds)];
    expect(a[`grad_${gelu}`]!.dims).toEqual([B, S, 32]);
    const x = a[`grad_${gelu}`]!.data as Float32Array;
    const y = b[`grad_${gelu}`]!.data as Float32Array;
    const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    for (let i = 0; i < y.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(REL_TOL * scale);
  });
});

describe('row selection: graphs it leaves unchanged', () => {
  /** x [B, S, 4] -> Relu -> (head) with weights; the head decides whether a selection can move. */
  function tiny(head: (b: OpBuilder, h: string) => string, hiddenOutput = false): ModelProto {
    const model = emptyModel(17, 'tiny');
    const g = new Graph(model);
    const x = addInput(g, 'x', DataType.FLOAT, ['batch', 'sequence', 4]);
    const b = new OpBuilder(g, '/');
    const w = b.tensor(
      Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2),
      [4, 4],
    );
    const h = b.relu(b.matmul(x, w));
    const y = head(b, h);
    g.producer(y)!.output = ['logits'];
    g.invalidate();
    addOutput(g, 'logits', DataType.FLOAT, ['batch', 4]);
    if (hiddenOutput) {
      g.producer(h)!.output = ['last_hidden_state'];
      g.replaceUses(h, 'last_hidden_state');
      addOutput(g, 'last_hidden_state', DataType.FLOAT, ['batch', 'sequence', 4]);
    }
    return model;
  }
  const cases: [string, ModelProto][] = [
    ['mean pooling', tiny((b, h) => b.reduceMean(h, [1], false))],
    [
      'a sequence-level head (ReduceMax over positions, then Gather of a class)',
      tiny((b, h) => b.gather(b.reduce('ReduceMax', h, [1], false), b.i64(0), 1)),
    ],
    ['[CLS] of a hidden state that is also a graph output', tiny((b, h) => b.gather(h, b.i64(0), 1), true)],
    ['[CLS] after a softmax over the positions', tiny((b, h) => b.gather(b.softmax(h, 1), b.i64(0), 1))],
    [
      '[CLS] after a cumulative sum over the positions',
      tiny((b, h) => b.gather(b.op('CumSum', [h, b.i64(1)]), b.i64(0), 1)),
    ],
  ];
  for (const [name, model] of cases) {
    it(name, () => {
      const before = encodeModel(model);
      const g = new Graph(decodeModel(before));
      expect(selectRows(g)).toEqual({ roots: 0, pushed: 0 });
      expect(encodeModel(g.model)).toEqual(before);
    });
  }

  const selections: [string, (b: OpBuilder, h: string) => string][] = [
    ['Gather index 0', (b, h) => b.gather(h, b.i64(0), 1)],
    ['Gather index -1 (the last position)', (b, h) => b.gather(h, b.i64(-1), 1)],
    [
      'Gather of a 1-D index [2], then ReduceSum over it',
      (b, h) => b.reduceSum(b.gather(h, b.i64([2]), 1), [1], false),
    ],
    ['Slice [:, 0:1], then Squeeze', (b, h) => b.squeeze(b.slice(h, [0], [1], [1]), [1])],
    ['Slice [:, -1:], then Squeeze', (b, h) => b.squeeze(b.slice(h, [-1], [2 ** 31], [1]), [1])],
  ];
  for (const [name, head] of selections) {
    it(`${name}: pushed above the MatMul and Relu, the same logits`, async () => {
      const model = tiny(head);
      const before = encodeModel(model);
      const g = new Graph(decodeModel(before));
      expect(selectRows(g)).toEqual({ roots: 1, pushed: 2 });
      const r = rng(9);
      const x = new ort.Tensor(
        'float32',
        Float32Array.from({ length: B * S * 4 }, () => r() - 0.5),
        [B, S, 4],
      );
      const [a, b] = [await run(encodeModel(g.model), { x }), await run(before, { x })];
      expect(a.logits!.dims).toEqual(b.logits!.dims);
      const [p, q] = [a.logits!.data as Float32Array, b.logits!.data as Float32Array];
      const scale = Math.max(...q.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      q.forEach((v, i) => expect(Math.abs(p[i]! - v)).toBeLessThanOrEqual(REL_TOL * scale));
    });
  }

  it('a [CLS] Gather straight after the position-wise op is pushed (the same builder, as a control)', () => {
    const g = new Graph(tiny((b, h) => b.gather(h, b.i64(0), 1)));
    expect(selectRows(g)).toEqual({ roots: 1, pushed: 2 });
    const shapes = inferShapes(new Graph(atSize(g.model)));
    const mm = g.nodes.find((n) => n.op_type === 'MatMul')!;
    expect(shapes.shape(mm.output[0]!)).toEqual([B, 1, 4]);
    expect(shapes.shape('logits')).toEqual([B, 4]);
  });
});
