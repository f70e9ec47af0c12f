/**
 * The build's time budget: a checkpoint function the passes call between (and inside long) steps, which throws
 * `BuildBudgetError` once the budget is spent, so a slow or hostile model ends with a clear error, not a hang.
 *
 * Exports: `BuildBudgetError`, `Checkpoint`, `budgetCheckpoint`.
 */

export class BuildBudgetError extends Error {
  override name = 'BuildBudgetError';
}

export type Checkpoint = (stage: string) => void;

/** A checkpoint that throws after `ms` milliseconds (none when `ms` is undefined). */
export function budgetCheckpoint(ms: number | undefined, now: () => number = () => performance.now()): Checkpoint {
  if (ms === undefined) return () => {};
  if (!(ms > 0)) throw new RangeError(`timeBudgetMs must be a positive number of milliseconds, got ${ms}.`);
  const end = now() + ms;
  return (stage) => {
    if (now() > end)
      throw new BuildBudgetError(
        `Building the gradient model took longer than the time budget of ${ms} ms (stopped after "${stage}"). ` +
          'Raise timeBudgetMs (CLI: --time-budget <seconds>) for a model this large.',
      );
  };
}
