/**
 * Progress over model rows: totals are added as work is planned (and taken back when a run stops early), `step`
 * reports (done, total) and, from sampling methods, the partial estimates of that batch.
 */
import type { PartialAttribution } from './anytime.ts';

export class Progress {
  private done = 0;
  private total = 0;
  constructor(private readonly onProgress?: (done: number, total: number, partials?: PartialAttribution[]) => void) {}
  /** Whether anyone listens (partial estimates are only worth making then). */
  get listening(): boolean {
    return this.onProgress !== undefined;
  }
  add(n: number): void {
    this.total += n;
  }
  step(n: number, partials?: PartialAttribution[]): void {
    this.done += n;
    if (partials?.length) this.onProgress?.(this.done, this.total, partials);
    else this.onProgress?.(this.done, this.total);
  }
}
