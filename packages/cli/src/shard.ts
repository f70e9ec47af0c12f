/**
 * Shards: which rows of the dataset this process runs. Row k (0-based position in the file, after --limit) belongs
 * to shard k mod n, so the shards are disjoint, cover every row, and do not depend on the ids.
 * The shard comes from `--shard i/n`, else from the cluster's job engine:
 *   - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based) with INTERPRETO_SHARD_COUNT (set it to the Job's
 *     `completions`; Kubernetes does not pass the count to the pod);
 *   - SLURM job array: SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (index relative to SLURM_ARRAY_TASK_MIN);
 *   - anywhere: INTERPRETO_SHARD=i/n.
 *
 * Exports: `Shard`, `parseShard`, `shardFromEnv`, `inShard`, `ShardError`.
 */
export interface Shard {
  index: number;
  count: number;
}

export class ShardError extends Error {
  override name = 'ShardError';
}

const int = (s: string | undefined) => (s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s) : undefined);

function checked(index: number | undefined, count: number | undefined, from: string): Shard {
  if (count === undefined || count < 1) throw new ShardError(`${from}: the shard count must be an integer >= 1.`);
  if (index === undefined || index >= count)
    throw new ShardError(`${from}: the shard index must be an integer in 0..${count - 1}.`);
  return { index, count };
}

/** `i/n` (0 <= i < n). */
export function parseShard(text: string, from = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`${from} '${text}': expected i/n, e.g. 0/4 for the first of four shards.`);
  return checked(Number(m[1]), Number(m[2]), `${from} '${text}'`);
}

/** The shard the environment names, or undefined outside an array job. */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (env.INTERPRETO_SHARD) return parseShard(env.INTERPRETO_SHARD, 'INTERPRETO_SHARD');
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.INTERPRETO_SHARD_COUNT === undefined)
      throw new ShardError(
        'JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but INTERPRETO_SHARD_COUNT is not: set it to the ' +
          "Job's completions in the pod's env.",
      );
    return checked(int(env.JOB_COMPLETION_INDEX), int(env.INTERPRETO_SHARD_COUNT), 'JOB_COMPLETION_INDEX');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = int(env.SLURM_ARRAY_TASK_ID);
    const min = int(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const count = int(env.SLURM_ARRAY_TASK_COUNT);
    return checked(id === undefined ? undefined : id - min, count, 'SLURM_ARRAY_TASK_ID');
  }
  return undefined;
}

/** Whether the row at this position belongs to the shard. */
export const inShard = (position: number, shard: Shard | undefined): boolean =>
  !shard || position % shard.count === shard.index;
