/**
 * Cross-origin isolation for the playground, so onnxruntime-web gets SharedArrayBuffer and runs WASM on several
 * threads (the core then sets numThreads from navigator.hardwareConcurrency), on every kind of host:
 * - the dev server and `vite preview` send the two headers on every response;
 * - the static build carries a `_headers` file, which hosts that read it (Netlify, Cloudflare Pages) apply;
 * - everywhere else (GitHub Pages, a plain static server) the build's service worker `coi-sw.js`
 *   (src/isolation/service-worker.ts, registered by src/isolation/isolation.ts) adds them, after one reload.
 * COEP is require-corp, not credentialless: everything the playground loads itself is same-origin (the ort wasm
 * from ./ort/, the embedded models), and Hub or folder-URL models are CORS fetches, which require-corp allows
 * (CORP is asked only of no-cors loads); require-corp also works in Safari, which has no credentialless.
 *
 * Exports: `ISOLATION_HEADERS`, `headersFile()`, `serviceWorkerSource()`, `isolationHeaders()` (the Vite plugin).
 */
import { readFile } from 'node:fs/promises';
import { transformWithOxc, type Plugin } from 'vite';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The service worker's file name in the build, next to index.html (src/main.ts registers it by this name). */
export const SERVICE_WORKER_FILE = 'coi-sw.js';

/** The `_headers` file: every path gets the isolation headers. */
export function headersFile(): string {
  return `/*\n${Object.entries(ISOLATION_HEADERS)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}`;
}

const SERVICE_WORKER_SOURCE = new URL('../src/isolation/service-worker.ts', import.meta.url);

/** `coi-sw.js`: the service worker compiled to a classic script, with the headers written in. */
export async function serviceWorkerSource(): Promise<string> {
  const ts = await readFile(SERVICE_WORKER_SOURCE, 'utf8');
  const { code } = await transformWithOxc(ts, SERVICE_WORKER_SOURCE.pathname, { lang: 'ts' });
  if (!code.includes('__ISOLATION_HEADERS__'))
    throw new Error(
      `${SERVICE_WORKER_SOURCE.pathname} no longer reads __ISOLATION_HEADERS__: update build/isolation.ts.`,
    );
  const banner =
    '// interpreto.js playground: adds COOP/COEP to documents and workers where the host does not (source: apps/playground/src/isolation/service-worker.ts).\n';
  return banner + code.replaceAll('__ISOLATION_HEADERS__', JSON.stringify(ISOLATION_HEADERS));
}

export function isolationHeaders(): Plugin {
  return {
    name: 'interpreto:isolation-headers',
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
      this.emitFile({ type: 'asset', fileName: SERVICE_WORKER_FILE, source: await serviceWorkerSource() });
    },
  };
}
