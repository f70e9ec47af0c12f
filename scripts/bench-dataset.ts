/**
 * `pnpm bench:dataset [--rows 64] [--cores N] [--metrics deletion] [--base [--layers 12]]`: dataset throughput of
 * `interpreto run`'s worker pool (packages/cli/src/pool.ts) on the default classifier (bert-tiny-sentiment), for
 * Occlusion and IntegratedGradients (default options) on 1 and 2 workers, the cores split evenly over the workers
 * (the CLI's default). `--base` adds a BERT-base-width classifier (hidden 768, 12 heads, vocabulary 30522, random
 * weights, built on the fly as in bench-explain.ts; `--layers` sets its depth, 12 by default).
 *
 * Each configuration runs in a fresh child process, so that its peak resident memory is its own. Per configuration:
 * - rows/s steady: rows after each worker's first (model load and gradient-graph build excluded) over their time;
 * - rows/s overall: all rows over the whole wall time, loads included;
 * - scaling efficiency of 2 workers: steady rows/s(2) / (2 x steady rows/s(1));
 * - peak RSS of the process, and per worker: (peak RSS - RSS before the workers start) / workers.
 * Rows: the bundled evaluation set (fixtures/eval/sentiment-eval.jsonl), cycled to --rows with unique ids.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetMetricName, RawDatasetRow } from '../packages/core/src/index.ts';
import { repoFile } from '../fixtures/index.ts';

interface ChildSpec {
  model: string;
  method: 'Occlusion' | 'IntegratedGradients';
  workers: number;
  threads: number;
  rows: number;
  metrics: DatasetMetricName[];
}
interface ChildResult {
  steady: number;
  overall: number;
  peakRss: number;
  baseRss: number;
}

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function child(spec: ChildSpec): Promise<ChildResult> {
  const { runOnWorkers } = await import('../packages/cli/src/pool.ts');
  const evalRows = readFileSync(repoFile('fixtures/eval/sentiment-eval.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RawDatasetRow);
  const rows = Array.from({ length: spec.rows }, (_, i) => ({ ...evalRows[i % evalRows.length]!, id: `r${i}` }));
  const baseRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const times: number[] = [];
  const setup = {
    model: spec.model,
    dtype: 'fp32',
    threads: spec.threads,
    run: { methods: [spec.method], metrics: spec.metrics, seed: 0 },
  };
  for await (const r of runOnWorkers(rows, spec.workers, setup)) {
    if (r.status !== 'ok') throw new Error(`row ${r.id} failed: ${r.error}`);
    times.push(performance.now());
  }
  const warm = spec.workers; // each worker's first row carries its load
  const steady = (times.length - warm) / ((times.at(-1)! - times[warm - 1]!) / 1000);
  const overall = times.length / ((times.at(-1)! - t0) / 1000);
  return { steady, overall, peakRss: process.resourceUsage().maxRSS * 1024, baseRss };
}

async function baseWidthModel(layers: number): Promise<string> {
  const fx = await import('../packages/onnx-grad/test/fixtures/index.ts');
  const dir = join(mkdtempSync(join(tmpdir(), 'bench-dataset-')), 'bert-base-width');
  const tok = fx.wordPieceTokenizer(fx.ENGLISH_WORDS, { modelMaxLength: 512 });
  const built = fx.buildEncoderClassifier({
    family: 'bert',
    opset: 14,
    vocabSize: 30522,
    hidden: 768,
    layers,
    heads: 12,
    intermediate: 3072,
    maxPositions: 512,
    labels: ['negative', 'neutral', 'positive'],
    padTokenId: fx.specialId(tok, '[PAD]'),
    seed: 1,
    initStd: 0.02,
  });
  fx.writeModelFolder(dir, {
    config: built.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: built.model,
  });
  return dir;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

if (arg('child')) {
  console.log(JSON.stringify(await child(JSON.parse(arg('child')!) as ChildSpec)));
  process.exit(0);
}

const cores = Number(arg('cores') ?? availableParallelism());
const nRows = Number(arg('rows') ?? 64);
const metrics = (arg('metrics')?.split(',') ?? []) as DatasetMetricName[];
const models: [string, string, number][] = [
  ['bert-tiny-sentiment', repoFile('public/models/bert-tiny-sentiment'), nRows],
];
if (process.argv.includes('--base')) {
  const layers = Number(arg('layers') ?? 12);
  models.push([`BERT-base width (768 x ${layers} layers)`, await baseWidthModel(layers), Math.max(8, nRows / 4)]);
}
console.log(`dataset throughput: ${cores} cores split over the workers; metrics: ${metrics.join(', ') || 'none'}\n`);
console.log(
  'model | method | workers x threads | rows | rows/s steady | rows/s overall | 2-worker efficiency | peak RSS | per worker',
);
console.log('---|---|---|---|---|---|---|---|---');
const self = fileURLToPath(import.meta.url);
for (const [name, model, rows] of models)
  for (const method of ['Occlusion', 'IntegratedGradients'] as const) {
    const one: ChildResult[] = [];
    for (const workers of [1, 2]) {
      const spec: ChildSpec = {
        model,
        method,
        workers,
        threads: Math.max(1, Math.floor(cores / workers)),
        rows,
        metrics,
      };
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', JSON.stringify(spec)], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      if (r.status !== 0) throw new Error(`${name} ${method} x${workers} failed:\n${r.stderr}`);
      const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
      one.push(res);
      const eff = workers === 2 ? `${((100 * res.steady) / (2 * one[0]!.steady)).toFixed(0)}%` : '';
      console.log(
        `${name} | ${method} | ${workers} x ${spec.threads} | ${rows} | ${res.steady.toFixed(2)} | ${res.overall.toFixed(2)} | ${eff} | ${mib(res.peakRss)} | ${mib((res.peakRss - res.baseRss) / workers)}`,
      );
    }
  }
