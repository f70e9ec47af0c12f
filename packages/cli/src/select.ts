/**
 * The rows a run is for: the first --limit rows of the file and those of the shard, with duplicate ids marked.
 * Pure (no Node), so the playground selects rows as the CLI does.
 *
 * Exports: `selectRows`.
 */
import type { RawDatasetRow } from '@interpreto-js/core';
import { inShard, type Shard } from './shard.ts';

/**
 * The rows of --limit and of the shard, in file order; a row whose id appeared earlier in the file gets a
 * unique id and a 'duplicate id' error (on every shard alike, since it is decided over the whole file).
 */
export function selectRows(rows: readonly RawDatasetRow[], limit: number | undefined, shard: Shard | undefined) {
  const firstAt = new Map<string, number>();
  const all = rows.slice(0, limit).map((r, k): RawDatasetRow => {
    const first = firstAt.get(r.id);
    if (first === undefined) {
      firstAt.set(r.id, k);
      return r;
    }
    return { id: `${r.id}#${k + 1}`, error: `duplicate id '${r.id}' (first at row ${first + 1})` };
  });
  return all.filter((_, k) => inShard(k, shard));
}
