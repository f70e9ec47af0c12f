/**
 * Page side of the worker protocol: one promise per request, progress callbacks, and cancel.
 * Cancel first aborts through the worker's AbortSignal; if the worker does not answer within
 * `hardCancelMs` (a long step that does not check the signal), the worker is replaced.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

type Reply = Exclude<FromWorker, { type: 'progress' } | { type: 'dataset-rows' } | { type: 'partial' }>;
type Rows = Extract<FromWorker, { type: 'dataset-rows' }>;
type PartialOutput = Extract<FromWorker, { type: 'partial' }>['output'];
type Request = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

interface Pending {
  resolve: (r: Reply) => void;
  onProgress?: (stage: string, done: number, total: number, unit?: 'calls') => void;
  onRows?: (batch: Rows) => void;
  onPartial?: (output: PartialOutput) => void;
}

export class WorkerClient {
  private worker!: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  ready!: Promise<Extract<FromWorker, { type: 'ready' }> | Extract<FromWorker, { type: 'error' }>>;

  constructor(
    private readonly base: string,
    private readonly hardCancelMs = 8000,
  ) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'interpreto-explainer' });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      for (const [id, p] of this.pending)
        p.resolve({
          type: 'error',
          id,
          error: { message: 'The explainer worker crashed.', detail: ev.message, hint: 'Reload the page.' },
        });
      this.pending.clear();
    };
    this.ready = this.send({ type: 'init', base: this.base }) as typeof this.ready;
  }

  private receive(msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.stage, msg.done, msg.total, msg.unit);
      return;
    }
    if (msg.type === 'dataset-rows') {
      p.onRows?.(msg);
      return;
    }
    if (msg.type === 'partial') {
      p.onPartial?.(msg.output);
      return;
    }
    this.pending.delete(msg.id);
    p.resolve(msg);
  }

  /** Sends a request; returns its id (for cancel) and the reply. */
  request(
    req: Request,
    onProgress?: Pending['onProgress'],
    onPartial?: Pending['onPartial'],
    onRows?: Pending['onRows'],
  ): { id: number; reply: Promise<Reply> } {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => {
      this.pending.set(id, { resolve, onProgress, onPartial, onRows });
      this.worker.postMessage({ ...req, id } as ToWorker);
    });
    return { id, reply };
  }

  private send(req: Request): Promise<Reply> {
    return this.request(req).reply;
  }

  /** "Stop here": the run ends with the sampling method's current estimate (a normal reply, not a cancel). */
  stop(id: number): void {
    if (this.pending.has(id)) this.worker.postMessage({ type: 'stop', id } satisfies ToWorker);
  }

  cancel(id: number): void {
    if (!this.pending.has(id)) return;
    this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
    setTimeout(() => {
      const p = this.pending.get(id);
      if (!p) return;
      // The worker did not stop in time: replace it (the model is reloaded on the next run).
      this.worker.terminate();
      for (const [pid, q] of this.pending)
        q.resolve(
          pid === id
            ? { type: 'cancelled', id, hard: true }
            : { type: 'error', id: pid, error: { message: 'Stopped with a cancelled run.' } },
        );
      this.pending.clear();
      this.start();
    }, this.hardCancelMs);
  }
}
