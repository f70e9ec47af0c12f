/**
 * Worker threads for `interpreto run`: each loads the model once with its own onnxruntime sessions; rows go to
 * whichever worker is free, one at a time, so the rows in flight (lost if the process is killed) are at most the
 * worker count. Results come back in completion order.
 *
 * Exports: `runOnWorkers`, `WorkerSetup`, `threadsPerWorker`.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DatasetRowResult, RawDatasetRow, RunDatasetOptions } from '@interpreto-js/core';
import { AsyncQueue } from './queue.ts';

export interface WorkerSetup {
  model: string;
  dtype: string;
  /** onnxruntime intra-op threads of this worker's sessions. */
  threads: number;
  run: Pick<RunDatasetOptions, 'methods' | 'metrics' | 'metricOptions' | 'seed' | 'maxTextLength'>;
}

/** The cores split evenly over the workers, at least one thread each. */
export const threadsPerWorker = (workers: number, cores = availableParallelism()): number =>
  Math.max(1, Math.floor(cores / workers));

type FromWorker =
  | { type: 'ready'; classes?: string[] }
  | { type: 'result'; result: DatasetRowResult }
  | { type: 'fatal'; message: string };

/**
 * The worker module next to this one: the .js once built. In the workspace it is the TypeScript source, which a
 * worker cannot load through the main thread's tsx hooks (Node 20 workers do not get them, even with
 * `--import tsx`): a tiny ES module registers tsx in the worker, then imports the source.
 */
function workerModule(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const source = new URL('./worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

/**
 * Runs `rows` on `workers` threads; yields each result as it arrives. `onReady` gets the model's classes once the
 * first worker has loaded. A worker that cannot load the model stops the run with its error.
 */
export async function* runOnWorkers(
  rows: readonly RawDatasetRow[],
  workers: number,
  setup: WorkerSetup,
  onReady?: (classes: string[] | undefined) => void,
): AsyncGenerator<DatasetRowResult> {
  const results = new AsyncQueue<DatasetRowResult>();
  let next = 0;
  let finished = 0;
  let ready = false;
  const pool: Worker[] = [];
  const feed = (w: Worker) => {
    if (next < rows.length) w.postMessage({ type: 'row', row: rows[next++] });
    else w.postMessage({ type: 'end' });
  };
  const n = Math.max(1, Math.min(workers, rows.length));
  for (let i = 0; i < n; i++) {
    const w = new Worker(workerModule(), { workerData: setup });
    pool.push(w);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        if (!ready) onReady?.(m.classes);
        ready = true;
      } else if (m.type === 'result') {
        results.push(m.result);
        if (++finished === rows.length) results.end();
        feed(w);
      } else results.end(new Error(`worker ${i}: ${m.message}`));
    });
    w.on('error', (e) => results.end(e));
    feed(w);
  }
  if (!rows.length) results.end();
  try {
    yield* results;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
