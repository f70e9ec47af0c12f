/**
 * The playground's service worker, for hosts that send no COOP/COEP headers (GitHub Pages, a plain static server):
 * it fetches the page's documents and worker scripts itself and adds the two isolation headers to them, so the page
 * and its workers are cross-origin isolated and onnxruntime-web runs WASM on several threads. Every other request
 * (scripts, model files, the wasm, the Hub) is left to the browser: under COEP require-corp same-origin files need
 * nothing, and the Hub's fetches are CORS requests, which require-corp allows.
 *
 * A classic script (no imports): build/isolation.ts compiles it to `coi-sw.js` and puts the headers in place of
 * `__ISOLATION_HEADERS__`; src/isolation/isolation.ts registers it and reloads the page once.
 */
declare const __ISOLATION_HEADERS__: Record<string, string>;

{
  interface WorkerScope {
    location: { origin: string };
    skipWaiting(): Promise<void>;
    clients: { claim(): Promise<void> };
    addEventListener(type: 'install', listener: () => void): void;
    addEventListener(type: 'activate', listener: (event: { waitUntil(p: Promise<unknown>): void }) => void): void;
    addEventListener(
      type: 'fetch',
      listener: (event: { request: Request; respondWith(r: Promise<Response>): void }) => void,
    ): void;
  }
  const scope = self as unknown as WorkerScope;
  const headers = __ISOLATION_HEADERS__;
  // What becomes a document or a worker: their own response's headers decide whether they are isolated.
  const isolatedDestinations = new Set(['document', 'iframe', 'worker', 'sharedworker']);

  const withIsolation = (res: Response): Response => {
    // An opaque or redirect response cannot be rebuilt, and the document it leads to comes through here again.
    if (res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
    const h = new Headers(res.headers);
    for (const [name, value] of Object.entries(headers)) h.set(name, value);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
  };

  // Take over at once: the page reloads as soon as this worker is active.
  scope.addEventListener('install', () => void scope.skipWaiting());
  scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  scope.addEventListener('fetch', (event) => {
    const req = event.request;
    if (!isolatedDestinations.has(req.destination) || new URL(req.url).origin !== scope.location.origin) return;
    event.respondWith(fetch(req).then(withIsolation));
  });
}
