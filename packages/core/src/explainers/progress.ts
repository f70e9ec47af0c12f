/** Progress over model rows: totals are added as work is planned, `step` reports (done, total). */
export class Progress {
  private done = 0;
  private total = 0;
  constructor(private readonly onProgress?: (done: number, total: number) => void) {}
  add(n: number): void {
    this.total += n;
  }
  step(n: number): void {
    this.done += n;
    this.onProgress?.(this.done, this.total);
  }
}
