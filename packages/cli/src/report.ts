/**
 * `interpreto report`: writes the static HTML report (report-html.ts) of a results folder.
 *
 * Exports: `writeReport`, `renderReport`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateDataset, type DatasetAggregates } from '@interpreto-js/core';
import { renderReport } from './report-html.ts';
import { AGGREGATES_FILE, readManifest, readResults } from './store.ts';

export { renderReport } from './report-html.ts';

/** Writes the report of a results folder; returns the file's path. */
export function writeReport(dir: string, out = join(dir, 'report.html')): string {
  const manifest = readManifest(dir);
  const rows = readResults(dir);
  const aggPath = join(dir, AGGREGATES_FILE);
  const agg = existsSync(aggPath)
    ? (JSON.parse(readFileSync(aggPath, 'utf8')) as DatasetAggregates)
    : aggregateDataset(rows, { seed: manifest.config.seed });
  writeFileSync(out, renderReport(manifest, rows, agg));
  return out;
}
