/**
 * Cross-origin isolation on any host. onnxruntime-web runs WASM on several threads only in a cross-origin isolated
 * page (SharedArrayBuffer). Where the host sends COOP/COEP the page is isolated and this does nothing; elsewhere it
 * registers the playground's service worker (coi-sw.js, which adds the headers to the page's documents and workers)
 * and reloads the page once. A page still not isolated after that reload stays on one thread and says why: never a
 * second reload in a row (a session-storage mark, read and cleared on each load, guards it).
 *
 * Exports: `ensureIsolation(env)` (pure over its env), `browserEnv(url)`, `isolation()` / `setIsolation()`
 * (the outcome, for the page to show).
 */

/** Isolated (and by what), or not and why: the page shows it next to the thread count. */
export type Isolation = { isolated: true; by: 'headers' | 'service worker' } | { isolated: false; reason: string };

/** What `ensureIsolation` reads and does; `browserEnv()` gives the page's own. */
export interface IsolationEnv {
  /** `crossOriginIsolated`. */
  isolated: boolean;
  /** `isSecureContext`: browsers give service workers to https and localhost pages only. */
  secure: boolean;
  /** `navigator.serviceWorker`, or undefined where the browser gives none (Firefox private windows, disabled). */
  serviceWorker:
    | { readonly controller: unknown; register(url: string, options: { scope: string }): Promise<unknown> }
    | undefined;
  /** Resolves once the worker is active (`navigator.serviceWorker.ready`). */
  ready(): Promise<unknown>;
  /** `sessionStorage`, or undefined where it cannot be used (it throws in some sandboxed frames). */
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;
  reload(): void;
  /** The service worker's URL; its folder is the worker's scope. */
  workerUrl: string;
  /** How long to wait for the worker to become active. */
  timeoutMs: number;
}

/** Set just before the reload this module asks for, cleared on the next load. */
export const RELOAD_MARK = 'interpreto:isolation-reload';

const NOT_ISOLATED = 'this page is not cross-origin isolated (the host sends no COOP/COEP headers)';

/**
 * Isolated, not isolated and why, or 'reloading' (the page is about to reload through the service worker: start
 * nothing). Never throws.
 */
export async function ensureIsolation(env: IsolationEnv): Promise<Isolation | 'reloading'> {
  let storage = env.storage;
  let reloaded = false;
  try {
    reloaded = storage ? storage.getItem(RELOAD_MARK) !== null : false;
    storage?.removeItem(RELOAD_MARK);
  } catch {
    storage = undefined; // storage that throws cannot guard the reload
  }
  if (env.isolated) return { isolated: true, by: env.serviceWorker?.controller ? 'service worker' : 'headers' };
  if (reloaded)
    return {
      isolated: false,
      reason: `${NOT_ISOLATED}, and still not after the playground's service worker was installed and the page reloaded (the browser did not apply the headers it adds); reload the page to try again`,
    };
  if (!env.serviceWorker)
    return {
      isolated: false,
      reason: env.secure
        ? `${NOT_ISOLATED}, and this browser gives the page no service worker (private browsing, or service workers turned off), which would add them`
        : `${NOT_ISOLATED}, and it is not served over https (or from localhost), so the browser gives it no service worker, which would add them`,
    };
  if (!storage)
    return {
      isolated: false,
      reason: `${NOT_ISOLATED}, and the page cannot use session storage, which guards the one reload the service worker needs`,
    };
  try {
    await env.serviceWorker.register(env.workerUrl, { scope: './' });
    await withTimeout(env.ready(), env.timeoutMs);
    storage.setItem(RELOAD_MARK, String(Date.now()));
  } catch (err) {
    return {
      isolated: false,
      reason: `${NOT_ISOLATED}, and the playground's service worker, which would add them, did not start: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  env.reload();
  return 'reloading';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`it was not active after ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        ok(v);
      },
      (e) => {
        clearTimeout(timer);
        fail(e);
      },
    );
  });
}

/** The page's own env: the service worker `coi-sw.js` sits next to index.html. */
export function browserEnv(workerUrl: string): IsolationEnv {
  let storage: IsolationEnv['storage'];
  try {
    storage = globalThis.sessionStorage;
  } catch {
    storage = undefined;
  }
  const container = 'serviceWorker' in navigator ? navigator.serviceWorker : undefined;
  return {
    isolated: globalThis.crossOriginIsolated === true,
    secure: globalThis.isSecureContext === true,
    serviceWorker: container,
    ready: () => container?.ready ?? Promise.reject(new Error('no service worker container')),
    storage,
    reload: () => location.reload(),
    workerUrl,
    timeoutMs: 10_000,
  };
}

let current: Isolation | undefined;

/** The outcome of this page load's `ensureIsolation` (undefined before it ends). */
export function isolation(): Isolation | undefined {
  return current;
}

export function setIsolation(value: Isolation): void {
  current = value;
}
