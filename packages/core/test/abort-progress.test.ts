/**
 * The small shared pieces of the explainers: what an abort rejects with (src/explainers/abort.ts) and what
 * progress reports (src/explainers/progress.ts). The explainer-level abort tests always abort with the default
 * reason; these pin the other reasons. Written from the surviving mutants of docs/mutation-report.md.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortError, throwIfAborted } from '../src/explainers/abort.ts';
import { Progress } from '../src/explainers/progress.ts';

describe('abortError', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('an AbortError reason is passed through as is', () => {
    const c = new AbortController();
    c.abort();
    const reason = c.signal.reason as Error;
    expect(reason.name).toBe('AbortError');
    expect(abortError(reason)).toBe(reason);
  });

  it('any other reason becomes a DOMException named AbortError; a string reason is its message', () => {
    const fromString = abortError('stopped by the user');
    expect(fromString).toBeInstanceOf(DOMException);
    expect(fromString.name).toBe('AbortError');
    expect(fromString.message).toBe('stopped by the user');
    for (const reason of [new Error('boom'), 42, undefined]) {
      const e = abortError(reason);
      expect(e).not.toBe(reason);
      expect(e).toBeInstanceOf(DOMException);
      expect(e.name).toBe('AbortError');
      expect(e.message).toBe('The explanation was aborted.');
    }
  });

  it('without DOMException (old runtimes) it is a plain Error named AbortError', () => {
    vi.stubGlobal('DOMException', undefined);
    const e = abortError('late');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('AbortError');
    expect(e.message).toBe('late');
  });

  it('throwIfAborted throws only for an aborted signal, with its reason', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const c = new AbortController();
    expect(() => throwIfAborted(c.signal)).not.toThrow();
    c.abort('no more');
    expect(() => throwIfAborted(c.signal)).toThrow(expect.objectContaining({ name: 'AbortError', message: 'no more' }));
  });
});

describe('Progress', () => {
  it('reports the rows done so far against the rows planned so far', () => {
    const seen: [number, number][] = [];
    const p = new Progress((done, total) => seen.push([done, total]));
    p.add(4);
    p.step(1);
    p.step(3);
    p.add(2);
    p.step(2);
    expect(seen).toEqual([
      [1, 4],
      [4, 4],
      [6, 6],
    ]);
    // Without a callback, stepping is silent.
    expect(() => new Progress().step(1)).not.toThrow();
  });
});
