/**
 * `pnpm tsx scripts/bench-contrast.ts [--quick] [--rounds N] [--hidden 384 --layers 6 --heads 6]`: contrastive
 * gradient explanations ("why A rather than B?") against the single-target run, same explainer, same input, same
 * batch, rounds interleaved. A contrastive row differentiates f(target) - f(contrast) in the same backward pass as
 * a single target (the gradient model's score head takes both ids), so the target is contrastive <= 1.1x single.
 * Models: a BERT-style classifier of realistic width built on the fly (random weights, vocabulary 30522) and the
 * tiny GPT-2 fixture (generation, a 3-token target and a contrast of the same length).
 */
import '../packages/core/src/index.ts';
import { basename, dirname } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
} from '@huggingface/transformers';
import { IntegratedGradients, Saliency } from '../packages/core/src/index.ts';
import { GradientRunner } from '../packages/core/src/model/gradient.ts';
import { flag, fmt, interleave, numArg, ratioOf, summarize, table } from './bench/stats.ts';
import { ENGLISH_WORDS, ensureFixture } from '../packages/onnx-grad/test/fixtures/index.ts';
import { writeBenchClassifierFolder } from './bench/model.ts';

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 3 : 7);
const hidden = numArg('hidden', quick ? 256 : 384);
const layers = numArg('layers', quick ? 4 : 6);
const heads = numArg('heads', quick ? 4 : 6);
const batchSize = 4;

env.allowRemoteModels = false;
async function load(dir: string, task: 'classification' | 'generation') {
  env.localModelPath = `${dirname(dir)}/`;
  const Model = task === 'classification' ? AutoModelForSequenceClassification : AutoModelForCausalLM;
  const model: any = await Model.from_pretrained(basename(dir), { dtype: 'fp32' });
  const tokenizer: any = await AutoTokenizer.from_pretrained(basename(dir));
  return { model, tokenizer };
}

const bertDir = writeBenchClassifierFolder({ hidden, layers, heads }, 'bench-contrast-');
const bert = await load(bertDir, 'classification');
const gpt2 = await load(await ensureFixture('gpt2-tiny-opset13'), 'generation');
const words = ENGLISH_WORDS as readonly string[];
const text = Array.from({ length: 40 }, (_, i) => words[(i * 7919) % words.length]).join(' ');

interface Case {
  name: string;
  single: () => Promise<unknown>;
  contrastive: () => Promise<unknown>;
}
const cases: Case[] = [];
/** n explains per timing: a run of a few ms alone is mostly the timer's and the load's noise. */
const repeat = (n: number, f: () => Promise<unknown>) => async () => {
  for (let k = 0; k < n; k++) await f();
};
for (const [name, make] of [
  ['Saliency', (m: unknown, t: unknown) => new Saliency(m as never, t as never, { batchSize })],
  [
    'IntegratedGradients (10 points)',
    (m: unknown, t: unknown) => new IntegratedGradients(m as never, t as never, { batchSize, nInterpolations: 10 }),
  ],
] as const) {
  const c = make(bert.model, bert.tokenizer);
  // Saliency is one gradient call: 10 explains per timing, as for the tiny GPT-2 below.
  const n = name === 'Saliency' ? 10 : 1;
  cases.push({
    name: `${name}, BERT ${hidden}x${layers}, 40 words${n > 1 ? ` (x${n})` : ''}`,
    single: repeat(n, () => c.explain(text, 1)),
    contrastive: repeat(n, () => c.explain(text, 1, { contrast: 0 })),
  });
  const g = make(gpt2.model, gpt2.tokenizer);
  const prompt = 'Roses are red, the sky is';
  cases.push({
    name: `${name}, tiny GPT-2, 3-token target (x10)`,
    single: repeat(10, () => g.explain(prompt, { input_ids: [[100, 101, 102]] })),
    contrastive: repeat(10, () => g.explain(prompt, { input_ids: [[100, 101, 102]] }, { contrast: [200, 201, 202] })),
  });
}

console.log(`batchSize ${batchSize}; ${rounds} interleaved rounds after a warm-up; onnxruntime-node (cpu)\n`);
// Backward passes per run, counted once per case: equal by construction, printed so the table says so.
const calls = (fn: () => Promise<unknown>) => {
  const proto = GradientRunner.prototype as unknown as { run: (...a: unknown[]) => Promise<unknown> };
  const original = proto.run;
  let n = 0;
  proto.run = function (this: unknown, ...a: unknown[]) {
    n += (a[0] as unknown[]).length;
    return original.apply(this, a);
  };
  return fn()
    .finally(() => {
      proto.run = original;
    })
    .then(() => n);
};
const rows: string[][] = [];
const cpuRows: string[][] = [];
/**
 * The process's CPU time (every thread: user + system) beside the wall time: on a shared machine (load far above
 * the cores) the wall time mostly measures the wait for a core, while the CPU time spent is the work itself.
 */
function withCpu(f: () => Promise<unknown>, cpu: number[]): () => Promise<unknown> {
  return async () => {
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  };
}
for (const c of cases) {
  const rowsSingle = await calls(c.single); // also the warm-up
  const rowsContrast = await calls(c.contrastive);
  const cpu = { single: [] as number[], contrastive: [] as number[] };
  const t = await interleave(rounds, {
    single: withCpu(c.single, cpu.single),
    contrastive: withCpu(c.contrastive, cpu.contrastive),
  });
  rows.push([
    c.name,
    `${rowsSingle} / ${rowsContrast}`,
    fmt(summarize(t.single!), 1),
    fmt(summarize(t.contrastive!), 1),
    fmt(ratioOf(t.contrastive!, t.single!), 3),
    // Under load the fastest round of each is the least disturbed: their ratio is the steadier comparison.
    (summarize(t.contrastive!).min / summarize(t.single!).min).toFixed(3),
  ]);
  cpuRows.push([
    c.name,
    fmt(summarize(cpu.single), 1),
    fmt(summarize(cpu.contrastive), 1),
    fmt(ratioOf(cpu.contrastive, cpu.single), 3),
  ]);
}
const head = (what: string) => [what, 'single target', 'contrastive', 'contrastive / single (per round)'];
table(
  `Contrastive vs single-target explain, wall ms, median [min-max] over ${rounds} interleaved rounds (target: ratio <= 1.1)`,
  [
    ...head('method, model').slice(0, 1),
    'gradient rows single / contrastive',
    ...head('').slice(1),
    'fastest / fastest',
  ],
  rows,
);
table(`The same runs, process CPU ms (all threads), median [min-max]`, head('method, model'), cpuRows);
