/**
 * Time left of a run (pure): from the progress reports of one stage, the rate over the most recent batches, so a
 * slow first batch (session warm-up, shader compilation) weighs less as the run goes on. Nothing is estimated
 * before two batches are done: one report has no rate.
 */

/** One progress report: when it came (ms) and how many model calls were done then. */
export interface ProgressSample {
  t: number;
  done: number;
}

/** How many of the latest intervals between reports the rate is taken over. */
export const RATE_WINDOW = 5;

/**
 * Seconds left at `now`, or undefined while fewer than two batches are done, when nothing is left, or when the
 * reports show no progress. The time since the last report is taken off, so the estimate counts down between them.
 */
export function secondsLeft(
  samples: readonly ProgressSample[],
  total: number,
  now: number,
  window = RATE_WINDOW,
): number | undefined {
  if (samples.length < 2) return undefined;
  const last = samples.at(-1)!;
  if (last.done >= total) return undefined;
  const first = samples[Math.max(0, samples.length - 1 - window)]!;
  const dt = last.t - first.t;
  const dn = last.done - first.done;
  if (dt <= 0 || dn <= 0) return undefined;
  const left = ((total - last.done) * dt) / dn - Math.max(0, now - last.t);
  return Math.max(0, left / 1000);
}

/** Adds a report to the samples of its stage: a new stage, or a count that went back, starts them over. */
export function addSample(samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] {
  const last = samples.at(-1);
  if (last && sample.done < last.done) return [sample];
  if (last && sample.done === last.done) return [...samples];
  return [...samples, sample];
}

/** "about 12 s left", "about 2 min 5 s left", "less than a second left". */
export function formatSecondsLeft(s: number): string {
  if (s < 1) return 'less than a second left';
  const whole = Math.ceil(s);
  if (whole < 60) return `about ${whole} s left`;
  const m = Math.floor(whole / 60);
  return `about ${m} min ${whole - 60 * m} s left`;
}
