/**
 * What the Dataset tab reads and writes, pure: a dataset file's rows (the CLI's parser, @interpreto-js/cli/browser),
 * the results as the CLI's results.jsonl (one JSON result per line), the manifest its report needs, and the
 * progress line (rows/s, time left).
 */
import type { DatasetMetricName, DatasetRowResult, RawDatasetRow } from '@interpreto-js/core';
import { parseDataset, type Manifest } from '@interpreto-js/cli/browser';
import type { MethodName } from '../methods.ts';
import type { ModelRef } from '../url-state.ts';

export interface LoadedData {
  /** The file's name (the bundled set's, or the user's). */
  name: string;
  bytes: number;
  sha256: string;
  rows: RawDatasetRow[];
}

export async function loadData(name: string, bytes: Uint8Array): Promise<LoadedData> {
  const rows = await parseDataset(name, bytes);
  if (!rows.length) throw new Error(`${name}: the file has no rows.`);
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { name, bytes: bytes.length, sha256, rows };
}

/** The results file, line for line as `interpreto run` writes results.jsonl. */
export function resultsJsonl(results: readonly DatasetRowResult[]): string {
  return results.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export interface RunSettings {
  model: ModelRef;
  data: LoadedData;
  methods: MethodName[];
  metrics: DatasetMetricName[];
  seed: number;
  limit: number | null;
  selected: number;
  classes?: string[];
}

/** The manifest `interpreto run` would write for this run (what the report shows of the settings). */
export function runManifest(s: RunSettings, results: readonly DatasetRowResult[]): Manifest {
  const failed = results.filter((r) => r.status === 'failed').length;
  return {
    tool: 'interpreto',
    formatVersion: 1,
    config: {
      model: s.model.id,
      dtype: s.model.dtype ?? 'fp32',
      data: { path: s.data.name, bytes: s.data.bytes, sha256: s.data.sha256 },
      columns: { id: 'id', text: 'text', target: 'target', label: 'label' },
      methods: s.methods.map((name) => ({ name })),
      metrics: s.metrics,
      metricOptions: {},
      seed: s.seed,
      limit: s.limit,
      maxTextLength: 10_000,
      shard: null,
    },
    ...(s.classes ? { classes: s.classes } : {}),
    rows: { selected: s.selected, done: results.length, failed },
    complete: results.length >= s.selected,
  };
}

/** "12 / 128 rows · 3.4 rows/s · about 34 s left" (rate and time left once a row is done). */
export function progressLine(done: number, total: number, elapsedMs: number): string {
  const head = `${done} / ${total} rows`;
  if (done === 0 || elapsedMs <= 0) return head;
  const rate = done / (elapsedMs / 1000);
  const left = (total - done) / rate;
  const leftText = left < 60 ? `${Math.ceil(left)} s` : `${Math.floor(left / 60)} min ${Math.ceil(left % 60)} s`;
  return `${head} · ${rate < 10 ? rate.toFixed(1) : Math.round(rate)} rows/s${done < total ? ` · about ${leftText} left` : ''}`;
}
