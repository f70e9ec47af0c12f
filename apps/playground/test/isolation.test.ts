/**
 * Cross-origin isolation of the playground: the dev server and `vite preview` send COOP/COEP, the static build
 * carries a `_headers` file with them and a service worker (coi-sw.js) that adds them where the host does not, and
 * the page registers it and reloads once, never twice (WASM threads need SharedArrayBuffer, which needs isolation).
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import config from '../../../vite.config.ts';
import { headersFile, ISOLATION_HEADERS, serviceWorkerSource } from '../build/isolation.ts';
import { ensureIsolation, RELOAD_MARK, type IsolationEnv } from '../src/isolation/isolation.ts';
import { threadsStatus } from '../src/isolation/threads-status.ts';

describe('cross-origin isolation', () => {
  test('dev server and preview send COOP same-origin and COEP require-corp', () => {
    for (const headers of [config.server?.headers, config.preview?.headers]) {
      expect(headers).toMatchObject({
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
    }
  });

  test('the static build writes both headers for every path in _headers', () => {
    expect(headersFile()).toBe(
      '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n',
    );
    expect(Object.keys(ISOLATION_HEADERS)).toHaveLength(2);
    expect(
      (config.plugins ?? []).flat().some((p) => p && 'name' in p && p.name === 'interpreto:isolation-headers'),
    ).toBe(true);
  });
});

/** Runs the built coi-sw.js in a fake service-worker scope at https://site.test/app/. */
async function loadServiceWorker(network: (req: { url: string }) => Promise<Response>) {
  const listeners = new Map<string, (event: unknown) => void>();
  const calls: string[] = [];
  const scope = {
    location: { origin: 'https://site.test' },
    skipWaiting: async () => void calls.push('skipWaiting'),
    clients: { claim: async () => void calls.push('claim') },
    addEventListener: (type: string, fn: (event: unknown) => void) => listeners.set(type, fn),
  };
  runInNewContext(await serviceWorkerSource(), { self: scope, fetch: network, Headers, Response, URL, Set, Object });
  /** The response the worker answers with, or undefined when it leaves the request to the browser. */
  const fetchEvent = (url: string, destination: string): Promise<Response> | undefined => {
    let answer: Promise<Response> | undefined;
    listeners.get('fetch')!({ request: { url, destination }, respondWith: (r: Promise<Response>) => (answer = r) });
    return answer;
  };
  return { listeners, calls, fetchEvent };
}

describe('the service worker (coi-sw.js)', () => {
  test('takes over at once: skipWaiting on install, clients.claim on activate', async () => {
    const sw = await loadServiceWorker(async () => new Response(''));
    sw.listeners.get('install')!({});
    const waited: Promise<unknown>[] = [];
    sw.listeners.get('activate')!({ waitUntil: (p: Promise<unknown>) => waited.push(p) });
    await Promise.all(waited);
    expect(sw.calls).toEqual(['skipWaiting', 'claim']);
  });

  test("adds COOP/COEP to the site's documents and workers, keeping status, body and other headers", async () => {
    const sw = await loadServiceWorker(
      async () =>
        new Response('<!doctype html>', {
          status: 200,
          statusText: 'OK',
          headers: { 'content-type': 'text/html', 'cross-origin-embedder-policy': 'unsafe-none' },
        }),
    );
    for (const destination of ['document', 'iframe', 'worker', 'sharedworker']) {
      const res = await sw.fetchEvent('https://site.test/app/index.html', destination);
      expect(res, destination).toBeDefined();
      expect(res!.status).toBe(200);
      expect(res!.headers.get('content-type')).toBe('text/html');
      expect(res!.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res!.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await res!.text()).toBe('<!doctype html>');
    }
  });

  test('leaves every other request to the browser: scripts, models, wasm, and anything cross-origin', async () => {
    const sw = await loadServiceWorker(async () => {
      throw new Error('the worker must not fetch these');
    });
    expect(sw.fetchEvent('https://site.test/app/assets/main.js', 'script')).toBeUndefined();
    expect(sw.fetchEvent('https://site.test/app/models/m/onnx/model.onnx', '')).toBeUndefined();
    expect(sw.fetchEvent('https://site.test/app/ort/ort-wasm-simd-threaded.asyncify.wasm', '')).toBeUndefined();
    expect(sw.fetchEvent('https://huggingface.co/org/repo/resolve/main/config.json', 'document')).toBeUndefined();
  });

  test('passes on what it cannot rebuild (redirects) and null-body statuses', async () => {
    const redirect = { type: 'opaqueredirect', status: 0 } as Response;
    let next: Response = redirect;
    const sw = await loadServiceWorker(async () => next);
    expect(await sw.fetchEvent('https://site.test/app/', 'document')).toBe(redirect);
    next = new Response(null, { status: 304 });
    const notModified = await sw.fetchEvent('https://site.test/app/', 'document');
    expect(notModified!.status).toBe(304);
    expect(notModified!.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });
});

/** An env whose service worker registers and starts; `overrides` changes one fact. */
function env(overrides: Partial<IsolationEnv> = {}) {
  const store = new Map<string, string>();
  const log: string[] = [];
  const base: IsolationEnv = {
    isolated: false,
    secure: true,
    serviceWorker: {
      controller: null,
      register: async (url, options) => void log.push(`register ${url} ${options.scope}`),
    },
    ready: async () => undefined,
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
      removeItem: (k) => void store.delete(k),
    },
    reload: () => void log.push('reload'),
    workerUrl: 'https://site.test/app/coi-sw.js',
    timeoutMs: 50,
  };
  return { env: { ...base, ...overrides }, store, log };
}

describe('ensureIsolation (the page side)', () => {
  test('does nothing when the host sent the headers', async () => {
    const { env: e, log } = env({ isolated: true });
    expect(await ensureIsolation(e)).toEqual({ isolated: true, by: 'headers' });
    expect(log).toEqual([]);
  });

  test('isolated while the service worker controls the page: says so, registers nothing', async () => {
    const { env: e, log } = env({ isolated: true, serviceWorker: { controller: {}, register: async () => {} } });
    expect(await ensureIsolation(e)).toEqual({ isolated: true, by: 'service worker' });
    expect(log).toEqual([]);
  });

  test('not isolated: registers the worker with the site folder as scope, marks the reload, reloads once', async () => {
    const { env: e, log, store } = env();
    expect(await ensureIsolation(e)).toBe('reloading');
    expect(log).toEqual(['register https://site.test/app/coi-sw.js ./', 'reload']);
    expect(store.has(RELOAD_MARK)).toBe(true);
  });

  test('never reloads twice in a row: still not isolated after its reload, it says why and clears the mark', async () => {
    const { env: e, log, store } = env();
    store.set(RELOAD_MARK, '1');
    const out = await ensureIsolation(e);
    expect(out).toMatchObject({ isolated: false });
    expect(out !== 'reloading' && !out.isolated && out.reason).toMatch(/still not after .* service worker .* reloaded/);
    expect(log).toEqual([]);
    expect(store.has(RELOAD_MARK)).toBe(false); // a later reload by the user tries again
    expect(await ensureIsolation(e)).toBe('reloading');
  });

  test('isolated after its reload: clears the mark', async () => {
    const { env: e, store } = env({ isolated: true });
    store.set(RELOAD_MARK, '1');
    expect(await ensureIsolation(e)).toEqual({ isolated: true, by: 'headers' });
    expect(store.has(RELOAD_MARK)).toBe(false);
  });

  test('no service worker: http page vs a browser that gives none', async () => {
    const insecure = await ensureIsolation(env({ serviceWorker: undefined, secure: false }).env);
    expect(insecure).toMatchObject({ isolated: false, reason: expect.stringMatching(/not served over https/) });
    const none = await ensureIsolation(env({ serviceWorker: undefined }).env);
    expect(none).toMatchObject({ isolated: false, reason: expect.stringMatching(/gives the page no service worker/) });
  });

  test('no usable session storage (no loop guard): no reload', async () => {
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {},
      removeItem: () => {},
    };
    for (const storage of [undefined, throwing]) {
      const { env: e, log } = env({ storage });
      expect(await ensureIsolation(e)).toMatchObject({
        isolated: false,
        reason: expect.stringMatching(/session storage/),
      });
      expect(log).toEqual([]);
    }
  });

  test('a worker that fails to register or never activates: no reload, the error is named', async () => {
    const failing = env({
      serviceWorker: {
        controller: null,
        register: async () => {
          throw new Error('Failed to register a ServiceWorker: 404');
        },
      },
    });
    expect(await ensureIsolation(failing.env)).toMatchObject({
      isolated: false,
      reason: expect.stringMatching(/did not start: Failed to register a ServiceWorker: 404/),
    });
    const stuck = env({ ready: () => new Promise(() => {}) });
    expect(await ensureIsolation(stuck.env)).toMatchObject({
      isolated: false,
      reason: expect.stringMatching(/not active after 0.05 s/),
    });
    expect([...failing.log, ...stuck.log].filter((l) => l === 'reload')).toEqual([]);
  });
});

describe('threadsStatus', () => {
  test('names the thread count and what isolated the page, or why it is not', () => {
    expect(threadsStatus({ threads: 4, isolated: true }, { isolated: true, by: 'headers' })).toBe(
      "WASM: 4 threads (cross-origin isolated by the host's COOP/COEP headers)",
    );
    expect(threadsStatus({ threads: 2, isolated: true }, { isolated: true, by: 'service worker' })).toMatch(
      /^WASM: 2 threads \(cross-origin isolated by the playground's service worker/,
    );
    expect(threadsStatus({ threads: 1, isolated: true }, { isolated: true, by: 'headers' })).toMatch(/single core/);
    expect(threadsStatus({ threads: 1, isolated: false }, { isolated: false, reason: 'no https' })).toBe(
      'WASM: 1 thread: no https',
    );
    expect(threadsStatus({ threads: 1, isolated: false }, { isolated: true, by: 'headers' })).toMatch(
      /its worker is not/,
    );
  });
});
