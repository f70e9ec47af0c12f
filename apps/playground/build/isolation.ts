/**
 * Cross-origin isolation for the playground, so onnxruntime-web gets SharedArrayBuffer and runs WASM on several
 * threads (the core then sets numThreads from navigator.hardwareConcurrency): the two headers on every response of
 * the dev server and `vite preview`, and a `_headers` file in the static build, which hosts that read it
 * (Netlify, Cloudflare Pages) apply; elsewhere configure the host to send them. Without them the playground still
 * runs, on one WASM thread. Everything the playground loads is same-origin, so require-corp blocks nothing.
 *
 * Exports: `ISOLATION_HEADERS`, `headersFile()`, `isolationHeaders()` (the Vite plugin that writes `_headers`).
 */
import type { Plugin } from 'vite';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The `_headers` file: every path gets the isolation headers. */
export function headersFile(): string {
  return `/*\n${Object.entries(ISOLATION_HEADERS)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}`;
}

export function isolationHeaders(): Plugin {
  return {
    name: 'interpreto:isolation-headers',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },
  };
}
