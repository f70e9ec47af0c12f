/** AbortSignal handling shared by explainers and metrics. Exports: `throwIfAborted(signal)`, `abortError()`. */

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
