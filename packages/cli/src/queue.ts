/** An unbounded async queue: `push` / `end` on one side, `for await` on the other. Exports: `AsyncQueue`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private failure: unknown;

  push(item: T): void {
    if (this.ended) throw new Error('push after end');
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  /** No more items: the iteration finishes once the queued ones are read (or throws `error`). */
  end(error?: unknown): void {
    this.ended = true;
    this.failure = error;
    if (this.waiting && !this.items.length) {
      const w = this.waiting;
      this.waiting = undefined;
      if (error === undefined) w({ value: undefined, done: true });
      else w(Promise.reject(error) as never);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length) {
        yield this.items.shift()!;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        this.waiting = (r) => (r instanceof Promise ? r.then(resolve, reject) : resolve(r));
      });
      if (next.done) return;
      yield next.value;
    }
  }
}
