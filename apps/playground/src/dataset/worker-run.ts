/**
 * Worker side of the Dataset tab: the core's runDataset over the rows the page sent, on the loaded model, with the
 * CLI's settings (so a row's result matches `interpreto run`'s for the same seed). Finished rows go back in batches
 * at most every 250 ms, so a 500-row run costs the page a few messages a second, not one per row.
 */
import type { DatasetRequest, FromWorker } from '../protocol.ts';

type Core = typeof import('@interpreto-js/core');

const BATCH_MS = 250;

export async function runDatasetInWorker(
  core: Core,
  // biome-ignore lint/suspicious/noExplicitAny: transformers.js objects, passed through to the core untouched
  loaded: { model: any; tokenizer: any },
  msg: DatasetRequest & { id: number },
  signal: AbortSignal,
  post: (m: FromWorker) => void,
): Promise<void> {
  const batch: Extract<FromWorker, { type: 'dataset-rows' }>['results'] = [];
  let done = 0;
  let failed = 0;
  let last = performance.now();
  const flush = () => {
    post({ type: 'dataset-rows', id: msg.id, results: batch.splice(0), done, failed });
    last = performance.now();
  };
  const results = core.runDataset(msg.rows, {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    methods: msg.methods,
    metrics: msg.metrics,
    seed: msg.seed,
    total: msg.rows.length,
    signal,
  });
  try {
    for await (const result of results) {
      batch.push(result);
      done++;
      if (result.status === 'failed') failed++;
      if (performance.now() - last >= BATCH_MS) flush();
    }
  } finally {
    // also on Cancel: the rows finished before it reach the page (before the 'cancelled' reply)
    flush();
  }
}
