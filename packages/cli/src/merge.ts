/**
 * `interpreto merge`: the folders of one sharded run into one folder: the results of every shard (sorted by id),
 * their aggregates, a manifest. Refuses folders of different runs, two folders of one shard, and (unless
 * `allowPartial`) a missing shard or an incomplete one.
 *
 * Exports: `mergeResults`, `MergeError`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateDataset, type DatasetRowResult } from '@interpreto-js/core';
import {
  AGGREGATES_FILE,
  MANIFEST_FILE,
  readManifest,
  readResults,
  RESULTS_FILE,
  sameRun,
  writeJson,
  type Manifest,
} from './store.ts';
import { writeScoresParquet } from './scores.ts';

export class MergeError extends Error {
  override name = 'MergeError';
}

const byId = (a: DatasetRowResult, b: DatasetRowResult) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function mergeResults(dirs: readonly string[], out: string, options: { allowPartial?: boolean } = {}): Manifest {
  if (!dirs.length) throw new MergeError('No results folder to merge: give the shard folders, e.g. results/shard-*.');
  const manifests = dirs.map(readManifest);
  const first = manifests[0]!;
  const count = first.config.shard?.count ?? 1;
  const seenShard = new Map<number, string>();
  manifests.forEach((m, i) => {
    const differs = sameRun(first.config, m.config);
    if (differs) throw new MergeError(`${dirs[i]} is another run than ${dirs[0]} (${differs} differs).`);
    const shard = m.config.shard ?? { index: 0, count: 1 };
    if (shard.count !== count)
      throw new MergeError(`${dirs[i]} is shard ${shard.index}/${shard.count}, ${dirs[0]} one of ${count}.`);
    const other = seenShard.get(shard.index);
    if (other) throw new MergeError(`${other} and ${dirs[i]} are both shard ${shard.index}/${count}.`);
    seenShard.set(shard.index, dirs[i]!);
    if (!m.complete && !options.allowPartial)
      throw new MergeError(
        `${dirs[i]} is incomplete (${m.rows.done} of ${m.rows.selected} rows): resume its run, or merge with --allow-partial.`,
      );
  });
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seenShard.has(i));
  if (missing.length && !options.allowPartial)
    throw new MergeError(
      `Shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing (or use --allow-partial).`,
    );
  const results = dirs.flatMap((d) => readResults(d)).sort(byId);
  for (let i = 1; i < results.length; i++)
    if (results[i]!.id === results[i - 1]!.id) throw new MergeError(`Row '${results[i]!.id}' is in two folders.`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, RESULTS_FILE), results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeJson(join(out, AGGREGATES_FILE), aggregateDataset(results, { seed: first.config.seed }));
  writeScoresParquet(out, results);
  const manifest: Manifest = {
    tool: 'interpreto',
    formatVersion: 1,
    config: { ...first.config, shard: null },
    ...(manifests.find((m) => m.classes) ? { classes: manifests.find((m) => m.classes)!.classes } : {}),
    rows: {
      selected: manifests.reduce((s, m) => s + m.rows.selected, 0),
      done: results.length,
      failed: results.filter((r) => r.status === 'failed').length,
    },
    complete: !missing.length && manifests.every((m) => m.complete),
    mergedFrom: [...dirs],
  };
  writeJson(join(out, MANIFEST_FILE), manifest);
  return manifest;
}
