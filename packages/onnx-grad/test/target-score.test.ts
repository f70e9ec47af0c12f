/**
 * The target-score head (buildGradientModel `targetScore`): one call gives the same gradient as the plain gradient
 * model fed the seed of each inference mode (built in JS from a first, forward-only call), for classification and
 * for generation (where the positions are gathered before the LM head), with and without a contrast; and it
 * returns the logits at the asked positions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { buildGradientModel, decodeModel, TransformError, type GradientModel } from '../src/index.ts';
import { ensureFixture } from './fixtures/index.ts';
import { rng } from './transforms/helpers.ts';

type Feeds = Record<string, ort.Tensor>;
const MODES = { logits: [1, 0, 0], softmax: [0, 1, 0], logSoftmax: [0, 0, 1] } as const;

async function load(name: 'gpt2-tiny-opset13' | 'bert-tiny-opset17' | 'llama-tiny-opset18') {
  const dir = await ensureFixture(name);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const bytes = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
  const config = { vocab_size: cfg.vocab_size, hidden_size: cfg.hidden_size ?? cfg.n_embd };
  const plain = buildGradientModel(bytes, { config });
  const targeted = buildGradientModel(bytes, { config, targetScore: true });
  return {
    plain,
    targeted,
    plainSession: await ort.InferenceSession.create(plain.bytes),
    targetedSession: await ort.InferenceSession.create(targeted.bytes),
  };
}

/** Common feeds: seeded embeddings (table rows plus noise), full mask, positions. */
function baseFeeds(grad: GradientModel, B: number, S: number): Feeds {
  const r = rng(7);
  const { hiddenSize: H, vocabSize: V, weights } = grad.embedding!;
  const embeds = new Float32Array(B * S * H);
  for (let k = 0; k < B * S; k++) {
    const id = Math.floor(r() * V);
    for (let h = 0; h < H; h++) embeds[k * H + h] = weights[id * H + h]! + 0.05 * (r() - 0.5);
  }
  const i64 = (f: (k: number) => number) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * S }, (_, k) => BigInt(f(k))),
      [B, S],
    );
  const feeds: Feeds = { inputs_embeds: new ort.Tensor('float32', embeds, [B, S, H]) };
  for (const n of grad.inputNames) {
    if (n === 'attention_mask') feeds[n] = i64(() => 1);
    else if (n === 'token_type_ids') feeds[n] = i64(() => 0);
    else if (n === 'position_ids') feeds[n] = i64((k) => k % S);
  }
  return feeds;
}

/** d mode(z)[t] / dz for one logits row z, as the core used to build it in JS. */
function seedOf(mode: keyof typeof MODES, z: Float32Array, t: number): Float64Array {
  const max = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / sum);
  return Float64Array.from(p, (pk, k) => {
    const d = (k === t ? 1 : 0) - pk;
    return mode === 'logits' ? (k === t ? 1 : 0) : mode === 'softmax' ? p[t]! * d : d;
  });
}

describe('targetScore', () => {
  test.each(['bert-tiny-opset17', 'gpt2-tiny-opset13', 'llama-tiny-opset18'] as const)(
    '%s: one call gives the plain model’s gradient for the seed of every mode, with and without a contrast',
    async (name) => {
      const m = await load(name);
      const B = 3;
      const S = 6;
      const feeds = baseFeeds(m.plain, B, S);
      const sequence = name !== 'bert-tiny-opset17';
      const seedName = m.plain.inputNames.find((n) => n.startsWith('grad_'))!;
      const plainFeeds = (seed: Float32Array, dims: number[]): Feeds => ({
        ...Object.fromEntries(Object.entries(feeds).filter(([k]) => m.plain.inputNames.includes(k))),
        [seedName]: new ort.Tensor('float32', seed, dims),
      });
      // Forward-only call of the plain model: the logits the JS seeds were computed from.
      const W = sequence ? m.plain.embedding!.vocabSize : 2;
      const seedDims = sequence ? [B, S, W] : [B, W];
      const zero = await m.plainSession.run(plainFeeds(new Float32Array(B * (sequence ? S : 1) * W), seedDims));
      const logits = zero.logits!.data as Float32Array;
      const positions = [S - 1, 2, 0]; // row b scores at positions[b] (generation)
      const targets = [1, 0, sequence ? 5 : 1];
      const contrasts = [undefined, 1, sequence ? 9 : 0];
      const rowLogits = (b: number) =>
        sequence
          ? logits.subarray((b * S + positions[b]!) * W, (b * S + positions[b]! + 1) * W)
          : logits.subarray(b * W, (b + 1) * W);
      for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
        const seed = new Float32Array(B * (sequence ? S : 1) * W);
        for (let b = 0; b < B; b++) {
          const z = rowLogits(b);
          const v = seedOf(mode, z, targets[b]!);
          const c = contrasts[b] === undefined ? undefined : seedOf(mode, z, contrasts[b]!);
          const off = sequence ? (b * S + positions[b]!) * W : b * W;
          for (let k = 0; k < W; k++) seed[off + k] = v[k]! - (c ? c[k]! : 0);
        }
        const expected = (await m.plainSession.run(plainFeeds(seed, seedDims))).grad_inputs_embeds!
          .data as Float32Array;
        const targetedFeeds: Feeds = {
          ...Object.fromEntries(Object.entries(feeds).filter(([k]) => m.targeted.inputNames.includes(k))),
          target_ids: new ort.Tensor(
            'int64',
            BigInt64Array.from(targets.flatMap((t, b) => [BigInt(t), BigInt(contrasts[b] ?? t)])),
            [B, 2],
          ),
          target_weights: new ort.Tensor(
            'float32',
            Float32Array.from(contrasts.flatMap((c) => [1, c === undefined ? 0 : -1])),
            [B, 2],
          ),
          inference_mode: new ort.Tensor('float32', Float32Array.from(MODES[mode]), [3]),
          grad_target_score: new ort.Tensor('float32', new Float32Array(B).fill(1), [B]),
        };
        // Generation: each row's scored position, then one more position whose logits are only read.
        if (sequence)
          targetedFeeds.target_positions = new ort.Tensor(
            'int64',
            BigInt64Array.from(positions.flatMap((p) => [BigInt(p), 1n])),
            [B, 2],
          );
        const out = await m.targetedSession.run(targetedFeeds);
        const got = out.grad_inputs_embeds!.data as Float32Array;
        const scale = Math.max(...Array.from(expected, Math.abs));
        expect(scale).toBeGreaterThan(0);
        let worst = 0;
        got.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - expected[i]!))));
        expect(worst / scale, `${name} ${mode}`).toBeLessThan(1e-4);
        // The logits it returns: the plain model's at the asked positions.
        const tl = out.target_logits!.data as Float32Array;
        for (let b = 0; b < B; b++) {
          const want = sequence ? [rowLogits(b), logits.subarray((b * S + 1) * W, (b * S + 2) * W)] : [rowLogits(b)];
          want.forEach((row, p) => row.forEach((v, k) => expect(tl[(b * want.length + p) * W + k]!).toBeCloseTo(v, 4)));
        }
      }
    },
  );

  test('generation: the positions are gathered before the LM head, which then runs on B x P rows only', async () => {
    const { targeted } = await load('gpt2-tiny-opset13');
    const g = decodeModel(targeted.bytes).graph;
    const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const headOnGathered = g.node.filter(
      (n) => n.op_type === 'MatMul' && producer.get(n.input[0]!)?.op_type === 'GatherElements',
    );
    expect(headOnGathered.length).toBe(1);
    expect(g.output.map((o) => o.name)).toEqual(['target_logits', 'target_score', 'grad_inputs_embeds']);
  });

  test('targetScore with outputs is refused', async () => {
    const dir = await ensureFixture('bert-tiny-opset17');
    const bytes = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
    expect(() => buildGradientModel(bytes, { targetScore: true, outputs: ['logits'] })).toThrow(TransformError);
  });
});
