/**
 * Shared forward (buildGradientModel `shareForward`): M distinct inputs and K rows reading them through
 * `row_sources` give, row by row, what the unshared model gives when each row carries its own copy of its input:
 * the same target logits and the same gradient (float32, different batch sizes: only rounding differs), on every
 * fixture (encoders, GPT-2 and Llama exports, merged decoders, onnxruntime-genai's fused GPT-2, the known-answer
 * classifiers and copy LM), in every
 * inference mode, with padding, contrasts and forward-only rows. A forward whose rows mix across the batch where the
 * backward reads it is refused, with the reason, and the model is the unshared one. And on random chains of ops
 * that keep the batch's rows apart or tie them together (reductions, softmax, cumulative sums, gathers, transposes and
 * reshapes across axis 0), a shared model always equals the unshared one: the analysis never accepts a mixing op.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  buildGradientModel,
  DataType,
  encodeModel,
  Graph,
  OpBuilder,
  ROW_SOURCES,
  TARGET_IDS,
  TARGET_LOGITS,
  TARGET_POSITIONS,
  TARGET_WEIGHTS,
  INFERENCE_MODE,
  shareForward,
  type GradientModel,
} from '../src/index.ts';
import { ensureFixture, FIXTURES } from './fixtures/index.ts';
import { addInput, addOutput, emptyModel } from './fixtures/onnx-model.ts';
import { rng } from './transforms/helpers.ts';

type Feeds = Record<string, ort.Tensor>;
const GRAD = 'grad_inputs_embeds';

/** The batch inputs of M inputs of length S (input m masks its last m positions: padding differs per input). */
function inputs(grad: GradientModel, M: number, S: number): { embeds: Float32Array; mask: number[] } {
  const r = rng(11);
  const { hiddenSize: H, vocabSize: V, weights } = grad.embedding!;
  const embeds = new Float32Array(M * S * H);
  for (let k = 0; k < M * S; k++) {
    const id = Math.floor(r() * V);
    for (let h = 0; h < H; h++) embeds[k * H + h] = weights[id * H + h]! + 0.05 * (r() - 0.5);
  }
  const mask = Array.from({ length: M * S }, (_, k) => (k % S < S - Math.floor(k / S) ? 1 : 0));
  return { embeds, mask };
}

/** Feeds for `rows` rows reading inputs `sources` (the shared model) or carrying copies (the unshared one). */
function feeds(
  grad: GradientModel,
  x: { embeds: Float32Array; mask: number[] },
  S: number,
  sources: number[],
  shared: boolean,
  mode: number[],
  sequence: boolean,
): Feeds {
  const H = grad.embedding!.hiddenSize;
  const K = sources.length;
  const picks = shared ? Array.from({ length: x.mask.length / S }, (_, m) => m) : sources;
  const B = picks.length;
  const embeds = new Float32Array(B * S * H);
  picks.forEach((m, b) => embeds.set(x.embeds.subarray(m * S * H, (m + 1) * S * H), b * S * H));
  const perInput = (f: (m: number, s: number) => number) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * S }, (_, k) => BigInt(f(picks[Math.floor(k / S)]!, k % S))),
      [B, S],
    );
  const out: Feeds = {};
  for (const n of grad.inputNames) {
    if (n === 'inputs_embeds') out[n] = new ort.Tensor('float32', embeds, [B, S, H]);
    else if (n === 'attention_mask') out[n] = perInput((m, s) => x.mask[m * S + s]!);
    else if (n === 'token_type_ids') out[n] = perInput(() => 0);
    else if (n === 'input_ids') out[n] = perInput((m, s) => (7 * m + s) % grad.embedding!.vocabSize);
    else if (n === 'position_ids') out[n] = perInput((_, s) => s);
    else if (n === 'num_logits_to_keep' || n === 'logits_to_keep') out[n] = new ort.Tensor('int64', [0n], []);
    else if (n === ROW_SOURCES) out[n] = new ort.Tensor('int64', BigInt64Array.from(sources, BigInt), [K]);
    // Row r: target r, contrast r + 1 on odd rows, the last row forward only; positions walk the unmasked tokens.
    else if (n === TARGET_IDS)
      out[n] = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: K * 2 }, (_, k) => BigInt(((k >> 1) + (k & 1)) % (sequence ? 50 : 2))),
        [K, 2],
      );
    else if (n === TARGET_WEIGHTS)
      out[n] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: K * 2 }, (_, k) => (k >> 1 === K - 1 ? 0 : k & 1 ? -((k >> 1) & 1) : 1)),
        [K, 2],
      );
    else if (n === INFERENCE_MODE) out[n] = new ort.Tensor('float32', Float32Array.from(mode), [3]);
    else if (n === TARGET_POSITIONS)
      out[n] = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: K * 2 }, (_, k) => BigInt(sequence ? ((k >> 1) + (k & 1)) % (S - 2) : 0)),
        [K, 2],
      );
    else if (n.startsWith('grad_')) out[n] = new ort.Tensor('float32', new Float32Array(K).fill(1), [K]);
    else throw new Error(`unexpected input ${n}`);
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

describe('shareForward', () => {
  test.each(FIXTURES)('%s: K rows over M inputs equal the unshared model fed a copy per row', async (name) => {
    const dir = await ensureFixture(name);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const bytes = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
    const config = { vocab_size: cfg.vocab_size, hidden_size: cfg.hidden_size ?? cfg.n_embd };
    const plain = buildGradientModel(bytes, { config, targetScore: true });
    const shared = buildGradientModel(bytes, { config, targetScore: true, shareForward: true });
    expect(shared.sharedForwardRefused).toBeUndefined();
    expect(shared.sharedForward).toBe(true);
    expect(shared.inputNames).toContain(ROW_SOURCES);
    expect(plain.sharedForward).toBe(false);
    const plainSession = await ort.InferenceSession.create(plain.bytes);
    const sharedSession = await ort.InferenceSession.create(shared.bytes);
    const S = 7;
    const x = inputs(plain, 3, S);
    const sources = [2, 0, 0, 2, 1, 0];
    const sequence = plain.inputNames.includes(TARGET_POSITIONS);
    for (const mode of [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]) {
      const want = await plainSession.run(feeds(plain, x, S, sources, false, mode, sequence));
      const got = await sharedSession.run(feeds(shared, x, S, sources, true, mode, sequence));
      for (const out of [TARGET_LOGITS, GRAD]) {
        expect(got[out]!.dims).toEqual(want[out]!.dims);
        const w = want[out]!.data as Float32Array;
        const g = got[out]!.data as Float32Array;
        let diff = 0;
        for (let i = 0; i < w.length; i++) diff = Math.max(diff, Math.abs(w[i]! - g[i]!));
        // float32 sums over different batch sizes: rounding only, relative to the tensor's scale.
        expect(diff, `${out} mode ${mode}`).toBeLessThanOrEqual(1e-5 * maxAbs(w));
      }
      // The forward-only row's gradient is zero; the others are not.
      const G = got[GRAD]!.data as Float32Array;
      const per = G.length / sources.length;
      expect(maxAbs(G.subarray((sources.length - 1) * per))).toBe(0);
      expect(maxAbs(G.subarray(0, per))).toBeGreaterThan(0);
    }
    await plainSession.release();
    await sharedSession.release();
  });

  test('a forward that mixes the batch where the backward reads it is refused, the model left unshared', () => {
    // logits = (x * mean over the batch of x) @ W: the backward of the Mul reads the batch mean.
    const model = emptyModel(17, 'batch-mixing');
    const g = new Graph(model);
    const H = 4;
    const V = 5;
    const ids = addInput(g, 'input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
    const b = new OpBuilder(g);
    const table = b.f32(
      Array.from({ length: V * H }, (_, k) => Math.sin(k)),
      [V, H],
    );
    const x = b.gather(table, ids);
    const mean = b.reduceMean(x, [0]);
    const w = b.f32(
      Array.from({ length: H * V }, (_, k) => Math.cos(k)),
      [H, V],
    );
    const logits = b.matmul(b.mul(x, mean), w);
    g.addNode('Identity', [logits], { outputs: ['logits'] });
    addOutput(g, 'logits', DataType.FLOAT, ['batch_size', 'sequence_length', V]);
    const bytes = encodeModel(model);
    const config = { vocab_size: V, hidden_size: H };
    const plain = buildGradientModel(bytes, { config, targetScore: true });
    const asked = buildGradientModel(bytes, { config, targetScore: true, shareForward: true });
    expect(asked.sharedForward).toBe(false);
    expect(asked.sharedForwardRefused).toMatch(/reads ".*", whose rows are not proven to be the batch rows/);
    expect(asked.inputNames).not.toContain(ROW_SOURCES);
    expect(asked.bytes).toEqual(plain.bytes);
  });
});

/** Steps of a random model: `rowLocal` keeps each batch row a function of that row alone. */
const STEPS: Record<string, { rowLocal: boolean; emit: (b: OpBuilder, t: string, w: () => string) => string }> = {
  'add-const': { rowLocal: true, emit: (b, t) => b.add(t, b.f32([0.1, -0.2, 0.3, 0.05])) },
  'mul-self': { rowLocal: true, emit: (b, t) => b.mul(t, b.tanh(t)) },
  matmul: { rowLocal: true, emit: (b, t, w) => b.matmul(t, w()) },
  'softmax-last': { rowLocal: true, emit: (b, t) => b.softmax(t, -1) },
  'softmax-batch': { rowLocal: false, emit: (b, t) => b.softmax(t, 0) },
  'transpose-inner': {
    rowLocal: true,
    emit: (b, t) => b.transpose(b.softmax(b.transpose(t, [0, 2, 1]), -1), [0, 2, 1]),
  },
  'transpose-batch-mix': {
    // [S, B, H] -> [S, B*H]: the softmax runs across the batch
    rowLocal: false,
    emit: (b, t) => {
      const sbh = b.transpose(t, [1, 0, 2]);
      const mixed = b.softmax(b.reshape(sbh, [0, -1]), -1);
      return b.transpose(b.reshape(mixed, b.shape(sbh)), [1, 0, 2]);
    },
  },
  'mean-over-batch': { rowLocal: false, emit: (b, t) => b.add(t, b.reduceMean(t, [0])) },
  'mean-over-sequence': { rowLocal: true, emit: (b, t) => b.add(t, b.reduceMean(t, [1])) },
  'rows-matmul': {
    rowLocal: true,
    emit: (b, t, w) => b.reshape(b.matmul(b.reshape(t, [-1, 4]), w()), b.shape(t)),
  },
  'flat-softmax': {
    rowLocal: false,
    emit: (b, t) => b.reshape(b.softmax(b.reshape(t, [-1]), 0), b.shape(t)),
  },
  'cumsum-batch': { rowLocal: false, emit: (b, t) => b.op('CumSum', [t, b.i64(0)]) },
  'cumsum-sequence': { rowLocal: true, emit: (b, t) => b.op('CumSum', [t, b.i64(1)]) },
  'first-row-everywhere': {
    rowLocal: false,
    emit: (b, t) => b.add(t, b.expand(b.gather(t, b.i64([0]), 0), b.shape(t))),
  },
  'concat-sequence-slice': {
    rowLocal: true,
    emit: (b, t) => b.slice(b.concat([b.neg(t), t], 1), b.shape(t, 1, 2), b.i64([2 ** 40]), [1]),
  },
  'expand-constant': { rowLocal: true, emit: (b, t) => b.mul(t, b.expand(b.f32([1, 2, 3, 4], [1, 1, 4]), b.shape(t))) },
  'rotate-batch': {
    rowLocal: false,
    emit: (b, t) => b.concat([b.slice(t, [1], [2 ** 40], [0]), b.slice(t, [0], [1], [0])], 0),
  },
};

/** ids -> embeddings -> the steps -> logits [B, S, V] (H = 4, V = 6), seeded weights. */
function chainModel(steps: string[], seed: number): Uint8Array {
  const model = emptyModel(17, 'chain');
  const g = new Graph(model);
  const b = new OpBuilder(g);
  const r = rng(seed);
  const weights = (n: number, dims: number[]) =>
    b.f32(
      Array.from({ length: n }, () => r() - 0.5),
      dims,
    );
  const ids = addInput(g, 'input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  let t = b.gather(weights(6 * 4, [6, 4]), ids);
  for (const s of steps) t = STEPS[s]!.emit(b, t, () => weights(16, [4, 4]));
  g.addNode('MatMul', [t, weights(4 * 6, [4, 6])], { outputs: ['logits'] });
  addOutput(g, 'logits', DataType.FLOAT, ['batch_size', 'sequence_length', 6]);
  return encodeModel(model);
}

describe('shareForward on random chains of ops', () => {
  test('a shared model equals the unshared one; chains of row-local steps are shared, mixing ones are not', async () => {
    const seen = { shared: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...Object.keys(STEPS)), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        async (steps, seed) => {
          const bytes = chainModel(steps, seed);
          const config = { vocab_size: 6, hidden_size: 4 };
          const plain = buildGradientModel(bytes, { config, targetScore: true });
          const shared = buildGradientModel(bytes, { config, targetScore: true, shareForward: true });
          const local = steps.every((s) => STEPS[s]!.rowLocal);
          // Every row-local step is one the analysis follows (so chains of them are shared).
          if (local) expect(shared.sharedForwardRefused).toBeUndefined();
          seen[shared.sharedForward ? 'shared' : 'refused']++;
          if (!shared.sharedForward) {
            expect(shared.bytes).toEqual(plain.bytes);
            return;
          }
          const plainSession = await ort.InferenceSession.create(plain.bytes);
          const sharedSession = await ort.InferenceSession.create(shared.bytes);
          const S = 3;
          const x = inputs(plain, 3, S);
          const sources = [2, 0, 0, 1, 2];
          const mode = [0, 1, 0];
          const want = await plainSession.run(feeds(plain, x, S, sources, false, mode, true));
          const got = await sharedSession.run(feeds(shared, x, S, sources, true, mode, true));
          for (const out of [TARGET_LOGITS, GRAD]) {
            const w = want[out]!.data as Float32Array;
            const v = got[out]!.data as Float32Array;
            let diff = 0;
            for (let i = 0; i < w.length; i++) diff = Math.max(diff, Math.abs(w[i]! - v[i]!));
            expect(diff, `${steps.join(' > ')}: ${out}`).toBeLessThanOrEqual(1e-5 * Math.max(1e-3, maxAbs(w)));
          }
          await plainSession.release();
          await sharedSession.release();
        },
      ),
      { seed: 20261203, numRuns: 120 },
    );
    // The property ran both ways.
    expect(seen.shared).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  }, 240_000);
});

describe('shareForward on the shapes the per-row part reads', () => {
  test('Shape with negative or empty start/end of a forward tensor gives the per-row shape', async () => {
    // forward y = x * x; per row (as a backward would): Shape(y) with start/end attributes, read by an Identity
    // that is a graph output.
    const model = emptyModel(17, 'shapes');
    const g = new Graph(model);
    const x = addInput(g, 'inputs_embeds', DataType.FLOAT, ['batch_size', 'sequence_length', 4]);
    addInput(g, 'seed', DataType.FLOAT, ['batch_size']);
    const y = new OpBuilder(g).mul(x, x);
    const before = new Set(g.nodes);
    const cases = { all: {}, fromNeg2: { start: -2 }, toNeg1: { end: -1 }, empty: { start: 0, end: 0 } };
    for (const [name, attrs] of Object.entries(cases)) {
      g.addNode('Identity', g.addNode('Shape', [y], { attrs }), { outputs: [name] });
      addOutput(g, name, DataType.INT64, ['n']);
    }
    // the seed joins the per-row part through a node reading it
    g.addNode('Identity', ['seed'], { outputs: ['seed_out'] });
    addOutput(g, 'seed_out', DataType.FLOAT, ['batch_size']);
    const backward = new Set(g.nodes.filter((n) => !before.has(n)));
    expect(shareForward(g, { backward, rowInputs: ['seed'], batchInput: 'inputs_embeds' })).toEqual({ shared: true });
    const session = await ort.InferenceSession.create(encodeModel(model));
    const M = 2;
    const K = 5;
    const out = await session.run({
      inputs_embeds: new ort.Tensor('float32', new Float32Array(M * 3 * 4), [M, 3, 4]),
      seed: new ort.Tensor('float32', new Float32Array(K), [K]),
      [ROW_SOURCES]: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 1n, 0n, 1n]), [K]),
    });
    // what Shape gives on the rows' own [K, 3, 4] tensor
    const ints = (n: string) => Array.from(out[n]!.data as BigInt64Array, Number);
    expect(ints('all')).toEqual([K, 3, 4]);
    expect(ints('fromNeg2')).toEqual([3, 4]);
    expect(ints('toNeg1')).toEqual([K, 3]);
    expect(ints('empty')).toEqual([]);
    await session.release();
  });
});
