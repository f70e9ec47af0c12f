/**
 * `pnpm tsx scripts/bench-explain.ts [--hidden 384 --layers 6 --heads 6 --rounds 5 --quick]`: explainer overhead and scaling
 * on a BERT-style classifier of realistic width built on the fly (fixture builder, random weights,
 * vocabulary 30522, 512 positions).
 *
 * 1. Per method, the wall time of `explain` on a 40-word input (defaults, batchSize 4) next to the time of the
 *    bare model calls it needs, measured in the same run: the same number of batches with the same shapes,
 *    tensors prebuilt from the same input, straight `session.run` on the very sessions explain uses:
 *    transformers.js's own (perturbation) or the core's gradient runner's (gradient methods).
 *    Overhead = explain / bare - 1 (target <= 10%).
 * 2. Throughput (model rows per second) against batch size for Occlusion and IntegratedGradients.
 * 3. Peak resident memory while explaining a 512-token input.
 * Every ratio is against a baseline measured in this same process.
 */
import '../packages/core/src/index.ts';
import { basename, dirname } from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import {
  GradientShap,
  IntegratedGradients,
  KernelShap,
  Lime,
  Occlusion,
  Saliency,
  SmoothGrad,
  Sobol,
  SquareGrad,
  VarGrad,
  type AttributionExplainer,
  type ModelLike,
  type TokenizerLike,
} from '../packages/core/src/index.ts';
import { ModelAdapter } from '../packages/core/src/model/adapter.ts';
import { fmt, interleave, ratioOf, summarize, table } from './bench/stats.ts';
import { ENGLISH_WORDS } from '../packages/onnx-grad/test/fixtures/index.ts';
import { writeBenchClassifierFolder } from './bench/model.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const quick = process.argv.includes('--quick');
/** Rounds per timing, explain and bare interleaved in each (median [min-max]; the overhead is taken per round). */
const reps = arg('rounds', arg('reps', quick ? 3 : 5));
const hidden = arg('hidden', 384);
const layers = arg('layers', 6);
const heads = arg('heads', 6);

// ---- model
const dir = writeBenchClassifierFolder({ hidden, layers, heads }, 'bench-explain-');
env.allowRemoteModels = false;
env.localModelPath = `${dirname(dir)}/`;
const model: any = await AutoModelForSequenceClassification.from_pretrained(basename(dir), { dtype: 'fp32' });
const tokenizer: any = await AutoTokenizer.from_pretrained(basename(dir));
const words = ENGLISH_WORDS as readonly string[];
const text = (n: number) => Array.from({ length: n }, (_, i) => words[(i * 7919) % words.length]).join(' ');
const input40 = text(40);
const S40: number = tokenizer.encode(input40).length;
console.log(
  `BERT-style classifier: hidden ${hidden}, ${layers} layers, ${heads} heads, vocab 30522; 40-word input = ${S40} tokens; cpu (onnxruntime-node), ${process.env.OMP_NUM_THREADS ?? 'default'} threads\n`,
);

// ---- bare calls
// The same sessions the explainers call (transformers.js's own session; the gradient runner's session, built once
// per model by the core), fed the 40-word input's ids (cycled to length S) and, for gradients, its word embeddings
// and the target class 1 (LOGITS). Feeds are built before the clock starts: the bare time is the session calls alone.
// Using the runner's own session matters: on this CPU the first call on a session right after calls on another
// one was measured ~35 ms slower (cold state; cause not pinned down), so a separate bare session, warmed up just
// before its timing, would get a warm-up that explain, coming right after it, lacks.
const session = model.sessions.model as ort.InferenceSession;
const runner = await ModelAdapter.for(model, tokenizer).gradients(); // built once per model, outside the timings
const gradSession = (runner as unknown as { session: ort.InferenceSession }).session;
const ids40: number[] = tokenizer.encode(input40);
const idsOf = (S: number) => BigInt64Array.from({ length: S }, (_, s) => BigInt(ids40[s % ids40.length]!));
const i64 = (B: number, S: number, v: bigint) => new ort.Tensor('int64', new BigInt64Array(B * S).fill(v), [B, S]);
const rowsOf = (B: number, row: BigInt64Array) => {
  const out = new BigInt64Array(B * row.length);
  for (let b = 0; b < B; b++) out.set(row, b * row.length);
  return out;
};
function forwardFeeds(B: number, S: number): Record<string, ort.Tensor> {
  return {
    input_ids: new ort.Tensor('int64', rowsOf(B, idsOf(S)), [B, S]),
    attention_mask: i64(B, S, 1n),
    token_type_ids: i64(B, S, 0n),
  };
}
function gradientFeeds(B: number, S: number): Record<string, ort.Tensor> {
  const ids = idsOf(S);
  const x = runner.embed(Array.from(ids, Number));
  const feeds: Record<string, ort.Tensor> = {};
  for (const n of gradSession.inputNames) {
    if (n === 'inputs_embeds') {
      const e = new Float32Array(B * S * hidden);
      for (let b = 0; b < B; b++) e.set(x, b * S * hidden);
      feeds[n] = new ort.Tensor('float32', e, [B, S, hidden]);
    } else if (n.startsWith('grad_')) feeds[n] = new ort.Tensor('float32', new Float32Array(B).fill(1), [B]);
    // The target-score head's inputs: class 1, no contrast, LOGITS (what Saliency's rows carry by default).
    else if (n === 'target_ids') feeds[n] = i64(B, 2, 1n);
    else if (n === 'target_weights')
      feeds[n] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: 2 * B }, (_, i) => (i % 2 ? 0 : 1)),
        [B, 2],
      );
    else if (n === 'inference_mode') feeds[n] = new ort.Tensor('float32', Float32Array.of(1, 0, 0), [3]);
    else if (n === 'attention_mask') feeds[n] = i64(B, S, 1n);
    else if (n === 'input_ids') feeds[n] = new ort.Tensor('int64', rowsOf(B, ids), [B, S]);
    else if (n === 'position_ids')
      feeds[n] = new ort.Tensor(
        'int64',
        rowsOf(
          B,
          BigInt64Array.from({ length: S }, (_, s) => BigInt(s)),
        ),
        [B, S],
      );
    else feeds[n] = i64(B, S, 0n);
  }
  return feeds;
}
async function timeBare(kind: 'forward' | 'gradient', batches: number[], S: number): Promise<number> {
  const sess = kind === 'forward' ? session : gradSession;
  const feeds = new Map(batches.map((B) => [B, kind === 'forward' ? forwardFeeds(B, S) : gradientFeeds(B, S)]));
  await sess.run(feeds.get(batches[0]!)!); // warm-up
  const t0 = performance.now();
  for (const B of batches) await sess.run(feeds.get(B)!);
  return performance.now() - t0;
}
const batchesOf = (rows: number, bs: number) =>
  Array.from({ length: Math.ceil(rows / bs) }, (_, i) => Math.min(bs, rows - i * bs));

// ---- 1. overhead
type Ctor = new (m: ModelLike, t: TokenizerLike, o?: object) => AttributionExplainer;
const methods: [string, Ctor, object, 'forward' | 'gradient'][] = [
  ['Occlusion', Occlusion, {}, 'forward'],
  ['Lime', Lime, { nPerturbations: quick ? 20 : 100 }, 'forward'],
  ['KernelShap', KernelShap, { nPerturbations: quick ? 20 : 100 }, 'forward'],
  ['Sobol', Sobol, { nTokenPerturbations: quick ? 2 : 8 }, 'forward'],
  ['Saliency', Saliency, {}, 'gradient'],
  ['IntegratedGradients', IntegratedGradients, {}, 'gradient'],
  ['SmoothGrad', SmoothGrad, {}, 'gradient'],
  ['SquareGrad', SquareGrad, {}, 'gradient'],
  ['VarGrad', VarGrad, {}, 'gradient'],
  ['GradientShap', GradientShap, {}, 'gradient'],
];
const rows1: string[][] = [];
for (const [name, Cls, opts, kind] of methods) {
  const ex = new Cls(model, tokenizer, { batchSize: 4, ...opts });
  // Warm-up on the timed input itself: its shapes, and the JIT of code this method is the first to run (the first
  // noisy method otherwise paid for tiering up the noise and aggregation loops inside its timings).
  await ex.explain(input40, 1);
  let total = 0;
  const times = await interleave(reps, {
    explain: async () => void (await ex.explain(input40, 1, { onProgress: (_, t) => (total = t) })),
    bare: () => timeBare(kind, batchesOf(total, 4), S40),
  });
  const overhead = ratioOf(times.explain!, times.bare!);
  rows1.push([
    name,
    String(total),
    fmt(summarize(times.explain!), 0),
    fmt(summarize(times.bare!), 0),
    `${((overhead.median - 1) * 100).toFixed(1)}% [${((overhead.min - 1) * 100).toFixed(1)}-${((overhead.max - 1) * 100).toFixed(1)}]`,
  ]);
}
table(
  '1. explain on a 40-word input vs the bare model calls it needs (batchSize 4)',
  ['method', 'model rows', 'explain ms', 'bare ms', 'overhead (per round)'],
  rows1,
);

// ---- 2. throughput vs batch size
const rows2: string[][] = [];
for (const [name, Cls] of [
  ['Occlusion', Occlusion],
  ['IntegratedGradients', IntegratedGradients],
] as [string, Ctor][]) {
  let base = 0;
  for (const bs of quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32]) {
    const ex = new Cls(model, tokenizer, { batchSize: bs });
    await ex.explain(text(5), 1);
    let total = 0;
    const times = await interleave(reps, {
      explain: async () => void (await ex.explain(input40, 1, { onProgress: (_, t) => (total = t) })),
    });
    const perSec = total / (summarize(times.explain!).median / 1000);
    if (bs === 1) base = perSec;
    rows2.push([name, String(bs), perSec.toFixed(1), `${(perSec / base).toFixed(2)}x`]); // rows/s at the median time
  }
}
table('2. throughput vs batch size (40-word input)', ['method', 'batchSize', 'rows/s', 'vs batchSize 1'], rows2);

// ---- 3. peak memory on a 512-token input
const long = text(600); // truncated to 512 tokens
async function peak(fn: () => Promise<unknown>): Promise<{ peakMb: number; ms: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage().rss;
  let max = start;
  const timer = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  max = Math.max(max, process.memoryUsage().rss);
  return { peakMb: (max - start) / 2 ** 20, ms };
}
const rows3: string[][] = [];
const bareFwd = await peak(() => session.run(forwardFeeds(1, 512)));
rows3.push(['bare forward, 1 x 512', bareFwd.peakMb.toFixed(0), bareFwd.ms.toFixed(0)]);
const bareGrad = await peak(() => gradSession.run(gradientFeeds(4, 512)));
rows3.push(['bare gradient call, 4 x 512', bareGrad.peakMb.toFixed(0), bareGrad.ms.toFixed(0)]);
for (const [name, Cls, opts] of [
  ['Saliency', Saliency, {}],
  ['IntegratedGradients', IntegratedGradients, { nInterpolations: quick ? 4 : 10 }],
  ['Lime', Lime, { nPerturbations: quick ? 8 : 20 }],
] as [string, Ctor, object][]) {
  const r = await peak(() => new Cls(model, tokenizer, opts).explain(long, 1));
  rows3.push([`${name} (512 tokens, batchSize 4)`, r.peakMb.toFixed(0), r.ms.toFixed(0)]);
}
table('3. peak resident memory above the start of each run, 512-token input', ['run', 'peak MB', 'ms'], rows3);
