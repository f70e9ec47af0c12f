/**
 * Anytime results of the sampling methods (Lime, KernelShap, Sobol, SmoothGrad, SquareGrad, VarGrad,
 * GradientShap): the estimate after a batch, how much it still moves, and when to stop early.
 *
 * Convergence measures (one number per input, over every target row and unit):
 * - 'coefficientChange' (Lime, KernelShap) and 'indexChange' (Sobol): the largest absolute change of a score
 *   since the previous estimate. Estimates are made after every batch while the samples are few, then each time
 *   the samples used have grown by an eighth (a regression over all rows so far costs O(rows); this keeps the
 *   total cost of the estimates a small multiple of one final fit).
 * - 'standardError' (SmoothGrad family, GradientShap): the largest running standard error of a token score,
 *   sqrt(sample variance / n) of the averaged per-sample quantity (VarGrad: var * sqrt(2 / (n - 1)), the normal
 *   approximation of the variance's error).
 *
 * Exports: `StopWhen`, `PartialAttribution`, `ConvergenceMeasure`, `ChangeTracker`, `stopWhenMet`, `stopRequested`,
 * `defaultMinSamples`.
 */
import type { AttributionOutput, ConvergenceMeasure } from '../types.ts';

export type { ConvergenceMeasure };

/** `explain(..., { stopWhen })`: stop drawing samples for an input once its convergence is within `tolerance`. */
export interface StopWhen {
  /**
   * Largest convergence value (see the measures above) at which an input stops; in attribution units. Optional when
   * `signal` is given (then only the signal stops early).
   */
  tolerance?: number;
  /** Samples an input uses at least before it may stop (default: see `defaultMinSamples`). */
  minSamples?: number;
  /**
   * "Stop here": once it fires, every input still sampled stops at its next batch with the estimate so far (after
   * at least one sample, `minSamples` aside), and `explain` resolves with those estimates (`sampling.stoppedEarly`).
   * Unlike the `signal` of `explain`, which rejects and discards the work.
   */
  signal?: AbortSignal;
}

/** What `onProgress` receives as its third argument after a batch that advanced a sampling method's inputs. */
export interface PartialAttribution {
  /** Which input (index into the explained inputs). */
  index: number;
  /** The current estimate, as `explain` would return it; `output.sampling.inProgress` is true until the input is done. */
  output: AttributionOutput;
}

/**
 * Samples an input uses before `stopWhen` may stop it, unless `minSamples` says otherwise: a regression needs
 * more rows than unknowns (Lime, KernelShap: max(8, 2 (G + 1))), Sobol and the gradient methods 8 samples (their
 * variance estimates are meaningless below that); never more than the budget.
 */
export function defaultMinSamples(measure: ConvergenceMeasure, G: number, budget: number): number {
  return Math.min(budget, measure === 'coefficientChange' ? Math.max(8, 2 * (G + 1)) : 8);
}

/** Whether an input may stop now. */
export function stopWhenMet(stop: StopWhen | undefined, convergence: number | undefined, samples: number, min: number) {
  if (stop === undefined) return false;
  if (stop.signal?.aborted) return samples >= 1;
  return stop.tolerance !== undefined && convergence !== undefined && samples >= min && convergence <= stop.tolerance;
}

/** Whether the user asked to stop sampling now (StopWhen.signal fired): estimates are due at once. */
export function stopRequested(stop: StopWhen | undefined): boolean {
  return stop?.signal?.aborted === true;
}

/** The change-based measures: when an estimate is due, and how far it moved from the previous one. */
export class ChangeTracker {
  private last?: Float64Array[];
  private lastSamples = 0;
  /** The convergence after the latest estimate (undefined before the second). */
  convergence?: number;

  /** An estimate is due after every batch until 8 samples, then each time the samples grow by an eighth. */
  due(samples: number): boolean {
    return samples > this.lastSamples && samples - this.lastSamples >= Math.max(1, Math.floor(this.lastSamples / 8));
  }

  /**
   * Records an estimate made from `samples` samples; returns the largest absolute change since the last one
   * (undefined, not converged, when the estimate is not `determined` by the data, e.g. a rank-deficient fit).
   */
  update(estimate: Float64Array[], samples: number, determined = true): number | undefined {
    if (!determined) this.convergence = undefined;
    else if (this.last) {
      let max = 0;
      estimate.forEach((row, r) => {
        const prev = this.last![r]!;
        for (let g = 0; g < row.length; g++) {
          const d = Math.abs(row[g]! - prev[g]!);
          if (!(d <= max)) max = d; // NaN counts as not converged
        }
      });
      this.convergence = max;
    }
    this.last = estimate;
    this.lastSamples = samples;
    return this.convergence;
  }
}
