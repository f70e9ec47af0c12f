/**
 * Memory bounds of the sampling budgets. Samples are drawn batch by batch, so most methods use memory O(batch);
 * what a method must keep per sample (Lime and KernelShap every row for the least-squares fit, Sobol f(A) for the
 * variance, LATIN_HYPERCUBE every point for its strata) is checked against `MAX_SAMPLE_BYTES` before any model
 * call, per input, once the number of units is known. The constructors already refuse budgets that cannot fit
 * for any input (registry `max`).
 *
 * Exports: `MAX_SAMPLE_BYTES`, `regressionBytesPerSample(G, T)`, `checkSampleMemory(...)`.
 */
import { InputError } from '../errors.ts';

/** What one explain call may keep for its samples: 1 GiB. */
export const MAX_SAMPLE_BYTES = 2 ** 30;

/** Lime / KernelShap: the mask row, the scores, the design row and its QR copy, and object headers. */
export function regressionBytesPerSample(G: number, targets: number): number {
  return 300 + 16 * G + 8 * targets;
}

const mb = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MB`;

/** Refuses, with the limit and why, a budget whose kept samples would not fit in `MAX_SAMPLE_BYTES`. */
export function checkSampleMemory(
  method: string,
  option: string,
  samples: number,
  bytesPerSample: number,
  input: number,
  why: string,
): void {
  const bytes = samples * bytesPerSample;
  if (bytes <= MAX_SAMPLE_BYTES) return;
  const fits = Math.max(0, Math.floor(MAX_SAMPLE_BYTES / bytesPerSample));
  throw new InputError(
    `${method}: ${option} ${samples} needs about ${mb(bytes)} for input ${input} (${why}, about ${bytesPerSample} ` +
      `bytes per sample), over the ${mb(MAX_SAMPLE_BYTES)} limit. Use ${option} <= ${fits} for this input, or a ` +
      'coarser granularity (fewer units).',
  );
}
