/**
 * `pnpm tsx scripts/bench-shared.ts [--quick] [--rounds N] [--layers 12]`: the gradient call per batch of R rows with
 * and without a shared forward (onnx-grad `shareForward`, used by the core), on onnxruntime-node, same model, same
 * rows, rounds interleaved:
 * - unshared: the target-score model, each row carrying its own copy of its input (one forward per row);
 * - shared, one input: the shared model fed the input once and R rows reading it (a generation's target tokens, or
 *   the classes of one input);
 * - shared, distinct inputs: the shared model fed R inputs and R rows, one each (nothing to share: the cost of the
 *   row gathers alone).
 * Models: a GPT-2-small-width decoder (768 wide, vocab 50257; targets at R positions of one prompt) and a
 * BERT-base-width classifier (both classes, alternating), R = 8 rows of 64 tokens.
 */
import * as ort from 'onnxruntime-node';
import { buildGradientModel, type GradientModel } from '../packages/onnx-grad/src/index.ts';
import { targetScoreFeeds, widthCases, type WidthCase } from './bench/widths.ts';
import { flag, fmt, interleave, loadLine, numArg, ratioOf, summarize, table } from './bench/stats.ts';

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 3 : 7);
const layers = numArg('layers', quick ? 2 : 12);
const R = 8;
const S = 64;

interface Case extends WidthCase {
  unshared: GradientModel;
  shared: GradientModel;
}

function gradients(bytes: Uint8Array, config: { vocab_size: number; hidden_size: number }) {
  const shared = buildGradientModel(bytes, { config, targetScore: true, shareForward: true });
  if (!shared.sharedForward) throw new Error(`bench: the forward was not shared (${shared.sharedForwardRefused}).`);
  return { unshared: buildGradientModel(bytes, { config, targetScore: true }), shared };
}

const cases: Case[] = widthCases(layers).map((c) => ({ ...c, ...gradients(c.bytes, c.config) }));
console.log(`${R} rows x ${S} tokens; ${rounds} interleaved rounds after a warm-up; onnxruntime-node, default threads`);
console.log(`${loadLine()}\n`);

const opts = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all' as const,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const rows: string[][] = [];
for (const c of cases) {
  const unshared = await ort.InferenceSession.create(c.unshared.bytes, opts);
  const shared = await ort.InferenceSession.create(c.shared.bytes, opts);
  const H = c.shared.embedding!.hiddenSize;
  let state = 99;
  const one = Float32Array.from(
    { length: S * H },
    () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1,
  );
  /** The batch inputs of M inputs: copies of one prompt (the rows' own copies) or M different ones. */
  const inputs = (M: number, distinct: boolean): Record<string, ort.Tensor> => {
    const embeds = new Float32Array(M * S * H);
    for (let m = 0; m < M; m++) embeds.set(distinct ? one.map((v) => v * (1 + m / 10)) : one, m * S * H);
    const i64 = (f: (k: number) => number) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: M * S }, (_, k) => BigInt(f(k))),
        [M, S],
      );
    return {
      inputs_embeds: new ort.Tensor('float32', embeds, [M, S, H]),
      attention_mask: i64(() => 1),
      token_type_ids: i64(() => 0),
      position_ids: i64((k) => k % S),
    };
  };
  // Row r: target token 100 + r at position S - R + r (generation), or class r % 2.
  const perRow = targetScoreFeeds(
    R,
    (r) => (c.sequence ? 100 + r : r % 2),
    [1, 0, 0],
    c.sequence ? (r) => S - R + r : undefined,
  );
  const feed = (session: ort.InferenceSession, batch: Record<string, ort.Tensor>, sources?: number[]) =>
    session.run(
      Object.fromEntries(
        session.inputNames.map((n) => [
          n,
          n === 'row_sources'
            ? new ort.Tensor('int64', BigInt64Array.from(sources!, BigInt), [R])
            : (batch[n] ?? perRow[n]!),
        ]),
      ),
    );
  const copies = inputs(R, false);
  const single = inputs(1, false);
  const distinct = inputs(R, true);
  const contenders = {
    unshared: () => feed(unshared, copies),
    oneInput: () =>
      feed(
        shared,
        single,
        Array.from({ length: R }, () => 0),
      ),
    distinct: () =>
      feed(
        shared,
        distinct,
        Array.from({ length: R }, (_, r) => r),
      ),
  };
  for (const f of Object.values(contenders)) await f(); // warm-up
  const t = await interleave(rounds, contenders);
  rows.push([
    c.name,
    fmt(summarize(t.unshared!), 0),
    fmt(summarize(t.oneInput!), 0),
    fmt(ratioOf(t.unshared!, t.oneInput!), 2),
    fmt(summarize(t.distinct!), 0),
    fmt(ratioOf(t.distinct!, t.unshared!), 3),
  ]);
  await unshared.release();
  await shared.release();
}
table(
  `Gradient call for ${R} rows of ${S} tokens, ms, median [min-max] over ${rounds} interleaved rounds`,
  [
    'model',
    'unshared (a forward per row)',
    'shared, one input',
    'unshared / shared one input',
    'shared, distinct inputs',
    'shared distinct / unshared (overhead)',
  ],
  rows,
);
