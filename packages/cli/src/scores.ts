/**
 * `scores.parquet`: one row per dataset row with its scores, for pandas, polars, DuckDB or Spark: `id`, `status`,
 * `error`, `label`, `predicted`, `correct`, and one DOUBLE column `<method>.<metric>` per method and metric (null
 * where the row failed). Written by hyparquet-writer (pure JS), next to results.jsonl, when a run or merge ends;
 * the JSONL stays the source of truth (attributions and curves are there).
 *
 * Exports: `writeScoresParquet`, `SCORES_FILE`.
 */
import { join } from 'node:path';
import type { DatasetRowResult } from '@interpreto-js/core';
import { parquetWriteFile } from 'hyparquet-writer';

export const SCORES_FILE = 'scores.parquet';

const byId = (a: DatasetRowResult, b: DatasetRowResult) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Writes `<dir>/scores.parquet` from the results (sorted by id); returns its path. */
export function writeScoresParquet(dir: string, results: readonly DatasetRowResult[]): string {
  const rows = [...results].sort(byId);
  const columns = new Set<string>();
  for (const r of rows)
    for (const [method, m] of Object.entries(r.methods))
      for (const metric of Object.keys(m.metrics ?? {})) columns.add(`${method}.${metric}`);
  const score = (r: DatasetRowResult, column: string) => {
    const [method, metric] = column.split('.') as [string, string];
    return r.methods[method]?.metrics?.[metric as 'deletion']?.score ?? null;
  };
  const path = join(dir, SCORES_FILE);
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
      { name: 'status', data: rows.map((r) => r.status), type: 'STRING' },
      { name: 'error', data: rows.map((r) => r.error ?? null), type: 'STRING' },
      { name: 'label', data: rows.map((r) => (r.label === undefined ? null : String(r.label))), type: 'STRING' },
      { name: 'predicted', data: rows.map((r) => r.predicted ?? null), type: 'INT32' },
      { name: 'correct', data: rows.map((r) => r.correct ?? null), type: 'BOOLEAN' },
      ...[...columns].sort().map((c) => ({ name: c, data: rows.map((r) => score(r, c)), type: 'DOUBLE' as const })),
    ],
  });
  return path;
}
