/**
 * The `interpreto` command: `run`, `merge`, `report` (see the package README). Argument parsing by commander,
 * the progress bar by cli-progress (on stderr, only on a terminal).
 *
 * Exports: `main(argv)`.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import {
  DATASET_METRICS,
  METHOD_NAMES,
  type DatasetMethod,
  type DatasetMetricName,
  type MethodName,
} from '@interpreto-js/core';
import { mergeResults } from './merge.ts';
import { writeReport } from './report.ts';
import { runCommand } from './run.ts';
import { parseShard, shardFromEnv, type Shard } from './shard.ts';

const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
  return Number(v);
};

function parseJsonObject(name: string) {
  return (v: string) => {
    try {
      const o: unknown = JSON.parse(v);
      if (o && typeof o === 'object' && !Array.isArray(o)) return o as Record<string, unknown>;
    } catch {}
    throw new InvalidArgumentError(`${name} must be a JSON object, e.g. '{"nInterpolations": 20}'.`);
  };
}

function parseMethods(v: string): MethodName[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(METHOD_NAMES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown method '${n}'; the methods are ${METHOD_NAMES.join(', ')}.`);
  if (!names.length) throw new InvalidArgumentError('give at least one method.');
  return names as MethodName[];
}

function parseMetrics(v: string): DatasetMetricName[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!Object.hasOwn(DATASET_METRICS, n))
      throw new InvalidArgumentError(
        `unknown metric '${n}'; the metrics are ${Object.keys(DATASET_METRICS).join(', ')}.`,
      );
  return names as DatasetMetricName[];
}

/** 75 -> '1m15s', 3700 -> '1h01m'. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {value}/{total} rows | {speed} rows/s | {left} left | {failed} failed',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

export function program(): Command {
  const cli = new Command('interpreto')
    .description('Attribution methods and faithfulness metrics over datasets: resumable, parallel, shardable.')
    .showHelpAfterError();

  cli
    .command('run')
    .description('Explain every row of a dataset with each method, score each with each metric.')
    .requiredOption('--model <dir|hub-id>', 'model folder (config.json, tokenizer.json, onnx/) or Hugging Face Hub id')
    .option('--dtype <dtype>', 'ONNX file to load (fp32, fp16, q8, q4, ...)', 'fp32')
    .requiredOption('--data <file>', 'rows: .jsonl, .csv or .parquet, with a text column (id, target, label optional)')
    .requiredOption('--methods <list>', `comma-separated: ${METHOD_NAMES.join(', ')}`, parseMethods)
    .option('--metrics <list>', `comma-separated: ${Object.keys(DATASET_METRICS).join(', ')}`, parseMetrics, [])
    .requiredOption('--out <dir>', 'results folder (a shard writes to <dir>/shard-<i>-of-<n>)')
    .option(
      '--workers <n>',
      'worker threads, each with its own model and onnxruntime sessions',
      positiveInt('--workers'),
      1,
    )
    .option(
      '--threads <n>',
      'onnxruntime threads per worker (default: the cores split over the workers)',
      positiveInt('--threads'),
    )
    .option('--limit <n>', 'only the first n rows of the file', positiveInt('--limit'))
    .option(
      '--seed <n>',
      'run seed: each row seed derives from it and the row id',
      (v) => {
        if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('--seed must be an integer.');
        return Number(v);
      },
      0,
    )
    .option(
      '--shard <i/n>',
      'run shard i of n (default: from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, INTERPRETO_SHARD)',
      (v) => parseShard(v),
    )
    .option(
      '--method-options <json>',
      'options per method, e.g. \'{"IntegratedGradients":{"nInterpolations":20}}\'',
      parseJsonObject('--method-options'),
      {},
    )
    .option(
      '--metric-options <json>',
      'metric options, e.g. \'{"nPerturbations":20}\'',
      parseJsonObject('--metric-options'),
      {},
    )
    .option('--text-column <name>', 'column of the texts', 'text')
    .option('--id-column <name>', 'column of the row ids (default: the line or row number)', 'id')
    .option('--target-column <name>', 'column of the class to explain (default: the predicted class)', 'target')
    .option('--label-column <name>', 'column of the gold label', 'label')
    .addOption(
      new Option('--max-text-length <n>', 'longer texts are refused (characters)')
        .default(10_000)
        .argParser(positiveInt('--max-text-length')),
    )
    .option('--no-progress', 'no progress bar')
    .action(async (o) => {
      const methodOptions = o.methodOptions as Record<string, unknown>;
      for (const k of Object.keys(methodOptions))
        if (!(o.methods as string[]).includes(k))
          throw new InvalidArgumentError(`--method-options names '${k}', which is not in --methods.`);
      const methods: DatasetMethod[] = (o.methods as MethodName[]).map((name) =>
        methodOptions[name] ? { name, options: methodOptions[name] as Record<string, unknown> } : { name },
      );
      const shard: Shard | undefined = o.shard ?? shardFromEnv();
      const bar = progressBar(o.progress as boolean);
      const t0 = Date.now();
      let firstAt: number | undefined;
      const summary = await runCommand({
        model: o.model,
        dtype: o.dtype,
        data: o.data,
        methods,
        metrics: o.metrics,
        metricOptions: o.metricOptions,
        out: o.out,
        workers: o.workers,
        threads: o.threads,
        limit: o.limit,
        seed: o.seed,
        shard,
        columns: { text: o.textColumn, id: o.idColumn, target: o.targetColumn, label: o.labelColumn },
        maxTextLength: o.maxTextLength,
        onStart: (todo, skipped) => {
          if (skipped) console.error(`resuming: ${skipped} rows already done, ${todo} to go`);
          bar?.start(todo, 0, { speed: '0.0', left: '?', failed: 0 });
        },
        onProgress: (done, total, failed) => {
          // rows/s from the first finished row on: the model loads are not part of the rate nor of the time left
          firstAt ??= Date.now();
          const rate = done > 1 ? (done - 1) / Math.max((Date.now() - firstAt) / 1000, 1e-3) : 0;
          bar?.update(done, { speed: rate.toFixed(1), left: rate ? duration((total - done) / rate) : '?', failed });
        },
      });
      bar?.stop();
      const s = (Date.now() - t0) / 1000;
      console.log(
        `${summary.dir}: ${summary.ran} rows in ${s.toFixed(1)} s (${(summary.ran / s).toFixed(2)} rows/s on ` +
          `${o.workers} worker${o.workers > 1 ? 's' : ''}, ${availableParallelism()} cores), ${summary.failed} failed, ` +
          `${summary.skipped} already done`,
      );
    });

  cli
    .command('merge')
    .description('Combine the folders of a sharded run and compute the aggregates.')
    .argument('<dirs...>', 'shard folders, e.g. results/shard-*')
    .requiredOption('--out <dir>', 'merged results folder')
    .option('--allow-partial', 'merge even with missing or unfinished shards')
    .action((dirs: string[], o) => {
      const m = mergeResults(dirs, o.out, { allowPartial: o.allowPartial });
      console.log(
        `${o.out}: ${m.rows.done} rows from ${dirs.length} folders, ${m.rows.failed} failed${m.complete ? '' : ' (partial)'}`,
      );
    });

  cli
    .command('report')
    .description('Write a static HTML report (report.html) of a results folder.')
    .argument('<dir>', 'results folder (of run or merge)')
    .option('--out <file>', 'HTML file to write (default <dir>/report.html)')
    .action((dir: string, o) => console.log(`wrote ${writeReport(dir, o.out)}`));
  return cli;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    console.error(`interpreto: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
