/**
 * `interpreto run`: reads the dataset (refusing a file of another format before any work), keeps the rows of
 * --limit and of this shard, skips the rows the results folder already has, runs the rest on worker threads,
 * appends each result as it arrives, then writes the aggregates of every row of the folder and scores.parquet.
 *
 * Exports: `runCommand`, `RunArgs`, `RunSummary`, `selectRows` (from select.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  aggregateDataset,
  checkDatasetSettings,
  type DatasetMethod,
  type DatasetMetricName,
  type MetricOptions,
} from '@interpreto-js/core';
import { runOnWorkers, threadsPerWorker } from './pool.ts';
import { readDataset, type ColumnNames } from './read.ts';
import { writeScoresParquet } from './scores.ts';
import { selectRows } from './select.ts';
import type { Shard } from './shard.ts';
import { AGGREGATES_FILE, readResults, ResultsStore, writeJson, type RunConfig } from './store.ts';

export { selectRows } from './select.ts';

export interface RunArgs {
  model: string;
  dtype: string;
  data: string;
  methods: DatasetMethod[];
  metrics: DatasetMetricName[];
  metricOptions?: MetricOptions;
  out: string;
  workers: number;
  /** onnxruntime threads per worker (default: the cores split over the workers). */
  threads?: number;
  limit?: number;
  seed: number;
  shard?: Shard;
  columns?: ColumnNames;
  maxTextLength: number;
  /** Called as rows finish (done this session, total to do this session, failed this session). */
  onProgress?: (done: number, total: number, failed: number) => void;
  onStart?: (todo: number, skipped: number) => void;
}

export interface RunSummary {
  dir: string;
  /** Rows run now, rows skipped as already done, rows that failed (now). */
  ran: number;
  skipped: number;
  failed: number;
}

export async function runCommand(args: RunArgs): Promise<RunSummary> {
  checkDatasetSettings(args.methods, args.metrics, args.metricOptions); // before any work, as the data file below
  const rows = await readDataset(args.data, args.columns);
  const bytes = readFileSync(args.data);
  const selected = selectRows(rows, args.limit, args.shard);
  const config: RunConfig = {
    model: args.model,
    dtype: args.dtype,
    data: { path: args.data, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    columns: { id: 'id', text: 'text', target: 'target', label: 'label', ...args.columns },
    methods: args.methods,
    metrics: args.metrics,
    metricOptions: args.metricOptions ?? {},
    seed: args.seed,
    limit: args.limit ?? null,
    maxTextLength: args.maxTextLength,
    shard: args.shard ?? null,
  };
  const dir = args.shard ? join(args.out, `shard-${args.shard.index}-of-${args.shard.count}`) : args.out;
  const store = ResultsStore.open(dir, config, selected.length);
  const todo = selected.filter((r) => !store.done.has(r.id));
  args.onStart?.(todo.length, selected.length - todo.length);
  let ran = 0;
  let failed = 0;
  try {
    const setup = {
      model: args.model,
      dtype: args.dtype,
      threads: args.threads ?? threadsPerWorker(args.workers),
      run: {
        methods: args.methods,
        metrics: args.metrics,
        metricOptions: args.metricOptions,
        seed: args.seed,
        maxTextLength: args.maxTextLength,
      },
    };
    const onReady = (classes: string[] | undefined) => {
      if (classes) store.manifest.classes = classes;
      store.saveManifest();
    };
    for await (const result of runOnWorkers(todo, args.workers, setup, onReady)) {
      store.append(result);
      ran++;
      if (result.status === 'failed') failed++;
      args.onProgress?.(ran, todo.length, failed);
    }
  } finally {
    store.saveManifest();
    store.close();
  }
  const all = readResults(dir);
  writeJson(join(dir, AGGREGATES_FILE), aggregateDataset(all, { seed: args.seed }));
  writeScoresParquet(dir, all);
  return { dir, ran, skipped: selected.length - todo.length, failed };
}
