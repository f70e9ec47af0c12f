/**
 * A results folder: `manifest.json` (the run's settings, its row counts, whether it is complete) and
 * `results.jsonl` (one `DatasetRowResult` per line, appended as each row finishes). Appends are synchronous
 * single writes, so a process killed at any point leaves every finished row on disk and at most a partial last
 * line, which the next open cuts off. Reopening with the same settings gives the ids already done; other
 * settings are refused, so one folder never mixes two runs.
 *
 * Exports: `RunConfig`, `Manifest`, `ResultsStore`, `readResults`, `readManifest`, `writeJson`, `sameRun`,
 * `StoreError`, `RESULTS_FILE`, `MANIFEST_FILE`, `AGGREGATES_FILE`.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DatasetMethod, DatasetMetricName, DatasetRowResult, MetricOptions } from '@interpreto-js/core';
import type { ColumnNames } from './read.ts';
import type { Shard } from './shard.ts';

export const RESULTS_FILE = 'results.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const AGGREGATES_FILE = 'aggregates.json';

export class StoreError extends Error {
  override name = 'StoreError';
}

/** What determines a run's results (the worker count does not). */
export interface RunConfig {
  model: string;
  dtype: string;
  /** The dataset: as given, with its size and SHA-256 (the identity checked on resume and merge). */
  data: { path: string; bytes: number; sha256: string };
  columns: Required<ColumnNames>;
  methods: DatasetMethod[];
  metrics: DatasetMetricName[];
  metricOptions: MetricOptions;
  seed: number;
  limit: number | null;
  maxTextLength: number;
  shard: Shard | null;
}

export interface Manifest {
  tool: 'interpreto';
  formatVersion: 1;
  config: RunConfig;
  classes?: string[];
  /** Rows this folder is for, rows with a result, and how many of those failed. */
  rows: { selected: number; done: number; failed: number };
  complete: boolean;
  /** Shard folders a merged folder was made from. */
  mergedFrom?: string[];
}

/** The settings that must agree for two folders to hold parts of one run: all but the data path and shard. */
export function sameRun(a: RunConfig, b: RunConfig): string | undefined {
  const key = (c: RunConfig) => ({ ...c, data: { bytes: c.data.bytes, sha256: c.data.sha256 }, shard: null });
  const [x, y] = [key(a), key(b)] as Record<string, unknown>[];
  for (const k of Object.keys(x!)) if (JSON.stringify(x![k]) !== JSON.stringify(y![k])) return k;
  return undefined;
}

export function writeJson(path: string, value: unknown): void {
  // write then rename: a reader never sees half a manifest
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path))
    throw new StoreError(`${dir}: no ${MANIFEST_FILE}; is it a folder written by 'interpreto run'?`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (m.tool !== 'interpreto' || m.formatVersion !== 1)
    throw new StoreError(`${path}: not an interpreto manifest (format version 1).`);
  return m;
}

/**
 * The results of a folder, in file order. A last line without its newline (a write cut by a kill) is left out;
 * with `repair` the file is cut back to the last complete line.
 */
export function readResults(dir: string, repair = false): DatasetRowResult[] {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (repair && end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as DatasetRowResult;
      } catch {
        throw new StoreError(`${path}: line ${i + 1} is not valid JSON; the file was edited or corrupted.`);
      }
    });
}

export class ResultsStore {
  readonly done: Set<string>;
  private fd: number;

  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    done: DatasetRowResult[],
  ) {
    this.done = new Set(done.map((r) => r.id));
    this.manifest.rows.done = this.done.size;
    this.manifest.rows.failed = done.filter((r) => r.status === 'failed').length;
    this.fd = openSync(join(dir, RESULTS_FILE), 'a');
  }

  /** Opens (or starts) the folder for this run; refuses a folder holding another run. */
  static open(dir: string, config: RunConfig, selected: number): ResultsStore {
    mkdirSync(dir, { recursive: true });
    let manifest: Manifest;
    if (existsSync(join(dir, MANIFEST_FILE))) {
      manifest = readManifest(dir);
      const differs = sameRun(manifest.config, config);
      if (differs || JSON.stringify(manifest.config.shard) !== JSON.stringify(config.shard))
        throw new StoreError(
          `${dir} holds a run with other settings (${differs ?? 'shard'} differs): rerun with the same options to ` +
            'resume it, or pick another --out.',
        );
      manifest.config = config; // the data path may have moved
    } else {
      manifest = {
        tool: 'interpreto',
        formatVersion: 1,
        config,
        rows: { selected, done: 0, failed: 0 },
        complete: false,
      };
    }
    manifest.rows.selected = selected;
    const store = new ResultsStore(dir, manifest, readResults(dir, true));
    store.saveManifest();
    return store;
  }

  append(result: DatasetRowResult): void {
    writeSync(this.fd, `${JSON.stringify(result)}\n`);
    this.done.add(result.id);
    this.manifest.rows.done++;
    if (result.status === 'failed') this.manifest.rows.failed++;
  }

  saveManifest(): void {
    this.manifest.complete = this.manifest.rows.done >= this.manifest.rows.selected;
    writeJson(join(this.dir, MANIFEST_FILE), this.manifest);
  }

  close(): void {
    closeSync(this.fd);
  }
}
