/**
 * `pnpm tsx scripts/bench-target.ts [--quick] [--rounds N] [--layers 12]`: the gradient call per batch before and
 * after the target-score head (onnx-grad `targetScore`, used by the core), on onnxruntime-node, same model, same
 * feeds, rounds interleaved:
 * - before: the plain gradient model with a seed built in JS: in SOFTMAX / LOG_SOFTMAX modes a forward-only call
 *   (zero seed) to read the logits, then the seeded call; for generation a dense [B, S, vocab] seed each call;
 * - after: one call with the targets and the mode as inputs (and, for generation, the LM head on the scored
 *   positions only).
 * Models: a GPT-2-small-width decoder (768 wide, vocab 50257) and a BERT-base-width classifier, batch 8 x 64.
 */
import * as ort from 'onnxruntime-node';
import { buildGradientModel, type GradientModel } from '../packages/onnx-grad/src/index.ts';
import { targetScoreFeeds, widthCases, type WidthCase } from './bench/widths.ts';
import { flag, fmt, interleave, numArg, ratioOf, summarize, table } from './bench/stats.ts';

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 3 : 7);
const layers = numArg('layers', quick ? 2 : 12);
const B = 8;
const S = 64;
type Mode = 'LOGITS' | 'SOFTMAX';

interface Case extends WidthCase {
  plain: GradientModel;
  targeted: GradientModel;
}

function gradients(bytes: Uint8Array, config: { vocab_size: number; hidden_size: number }) {
  return {
    plain: buildGradientModel(bytes, { config }),
    targeted: buildGradientModel(bytes, { config, targetScore: true }),
  };
}

const cases: Case[] = widthCases(layers).map((c) => ({ ...c, ...gradients(c.bytes, c.config) }));
console.log(`batch ${B} x ${S}; ${rounds} interleaved rounds after a warm-up; onnxruntime-node, default threads\n`);

const opts = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all' as const,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const rows: string[][] = [];
for (const c of cases) {
  const plain = await ort.InferenceSession.create(c.plain.bytes, opts);
  const targeted = await ort.InferenceSession.create(c.targeted.bytes, opts);
  const H = c.plain.embedding!.hiddenSize;
  let state = 99;
  const embeds = new ort.Tensor(
    'float32',
    Float32Array.from(
      { length: B * S * H },
      () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1,
    ),
    [B, S, H],
  );
  const i64 = (f: (k: number) => number) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * S }, (_, k) => BigInt(f(k))),
      [B, S],
    );
  const common: Record<string, ort.Tensor> = {
    inputs_embeds: embeds,
    attention_mask: i64(() => 1),
    token_type_ids: i64(() => 0),
    position_ids: i64((k) => k % S),
  };
  const pick = (names: readonly string[], extra: Record<string, ort.Tensor>) => ({
    ...Object.fromEntries(Object.entries(common).filter(([k]) => names.includes(k))),
    ...extra,
  });
  const seedName = c.plain.inputNames.find((n) => n.startsWith('grad_'))!;
  const seedDims = c.sequence ? [B, S, c.width] : [B, c.width];
  const seedSize = seedDims.reduce((a, b) => a * b, 1);
  const target = (b: number) => (c.sequence ? 100 + b : b % 2);
  const position = S - 1;
  // Before: what the core did per batch (the seed built in JS, a first seedless call outside LOGITS).
  const before = async (mode: Mode) => {
    let logits: Float32Array | undefined;
    if (mode !== 'LOGITS') {
      const fwd = await plain.run(
        pick(plain.inputNames, { [seedName]: new ort.Tensor('float32', new Float32Array(seedSize), seedDims) }),
      );
      logits = fwd.logits!.data as Float32Array;
    }
    const seed = new Float32Array(seedSize);
    for (let b = 0; b < B; b++) {
      const off = c.sequence ? (b * S + position) * c.width : b * c.width;
      const t = target(b);
      if (!logits) {
        seed[off + t] = 1;
        continue;
      }
      const z = logits.subarray(off, off + c.width);
      let max = -Infinity;
      for (const v of z) max = Math.max(max, v);
      let sum = 0;
      for (const v of z) sum += Math.exp(v - max);
      const pt = Math.exp(z[t]! - max) / sum;
      for (let k = 0; k < c.width; k++) seed[off + k] = pt * ((k === t ? 1 : 0) - Math.exp(z[k]! - max) / sum);
    }
    await plain.run(pick(plain.inputNames, { [seedName]: new ort.Tensor('float32', seed, seedDims) }));
  };
  const after = async (mode: Mode) => {
    const extra = targetScoreFeeds(
      B,
      target,
      mode === 'LOGITS' ? [1, 0, 0] : [0, 1, 0],
      c.sequence ? () => position : undefined,
    );
    await targeted.run(pick(targeted.inputNames, extra));
  };
  for (const mode of ['LOGITS', 'SOFTMAX'] as Mode[]) {
    await before(mode); // warm-up
    await after(mode);
    const t = await interleave(rounds, { before: () => before(mode), after: () => after(mode) });
    rows.push([
      `${c.name}, ${mode}`,
      fmt(summarize(t.before!), 0),
      fmt(summarize(t.after!), 0),
      fmt(ratioOf(t.before!, t.after!), 2),
    ]);
  }
  await plain.release();
  await targeted.release();
}
table(
  `Gradient work per batch of ${B} x ${S}, ms, median [min-max] over ${rounds} interleaved rounds`,
  ['model, inference mode', 'before (JS seed)', 'after (target score)', 'before / after (per round)'],
  rows,
);
