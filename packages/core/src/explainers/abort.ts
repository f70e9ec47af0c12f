/**
 * AbortSignal handling shared by explainers and metrics. Exports: `throwIfAborted(signal)`, `abortError()`,
 * `yieldToEvents(...signals)`.
 */

export function abortError(reason?: unknown): Error {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const msg = typeof reason === 'string' ? reason : 'The explanation was aborted.';
  if (typeof DOMException !== 'undefined') return new DOMException(msg, 'AbortError');
  const e = new Error(msg);
  e.name = 'AbortError';
  return e;
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal.reason);
}

/**
 * Lets the event loop run a macrotask before the next batch when a signal could still fire. A run whose model calls
 * resolve without one (onnxruntime-web on WASM with one thread, in a worker) would otherwise never see the message
 * that aborts it or says "stop here": the signal is set by a message handler, which only runs between macrotasks.
 * A MessageChannel round trip, not setTimeout (browsers clamp nested timeouts to 4 ms).
 */
export function yieldToEvents(...signals: (AbortSignal | undefined)[]): Promise<void> | undefined {
  if (!signals.some((s) => s && !s.aborted)) return undefined;
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate!(resolve));
  if (g.MessageChannel) {
    return new Promise((resolve) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
