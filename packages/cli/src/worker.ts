/**
 * A worker thread of `interpreto run`: its own model and onnxruntime sessions (with its share of the cores),
 * one `runDataset` over the rows the main thread sends, one message per finished row.
 * Messages in: { type: 'row', row } | { type: 'end' }. Out: { type: 'ready', classes } once loaded,
 * { type: 'result', result } per row, { type: 'fatal', message } when the model cannot load or the run throws.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runDataset, type RawDatasetRow } from '@interpreto-js/core';
import { limitOrtThreads, loadModel } from './model.ts';
import { AsyncQueue } from './queue.ts';
import type { WorkerSetup } from './pool.ts';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const rows = new AsyncQueue<RawDatasetRow>();
port.on('message', (m: { type: 'row'; row: RawDatasetRow } | { type: 'end' }) =>
  m.type === 'row' ? rows.push(m.row) : rows.end(),
);

try {
  limitOrtThreads(setup.threads);
  const { model, tokenizer } = await loadModel(setup.model, setup.dtype);
  const classes = (model.config as { id2label?: Record<string, string> }).id2label;
  port.postMessage({ type: 'ready', classes: classes ? Object.values(classes) : undefined });
  for await (const result of runDataset(rows, { model, tokenizer, ...setup.run }))
    port.postMessage({ type: 'result', result });
  port.close();
} catch (e) {
  // the core's own errors say what to do: their message is enough; anything else keeps its stack
  const known =
    e instanceof Error &&
    /^(InputError|ModelSourceError|QuantizedModelError|UnsupportedModelError|MissingRuntimeError)$/.test(e.name);
  port.postMessage({
    type: 'fatal',
    message: e instanceof Error ? (known ? e.message : (e.stack ?? e.message)) : String(e),
  });
  port.close();
}
