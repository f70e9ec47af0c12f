/**
 * Builds the no-server playground (apps/playground) to dist/playground: a static folder with a
 * relative base, so any static host serves it from any path. Default models come from public/models,
 * onnxruntime-web's wasm from our own /ort/ folder (never a CDN). Dev server, preview, the static build's
 * `_headers` and, on hosts that send no headers, its service worker (coi-sw.js) make the page cross-origin isolated,
 * so WASM runs multi-threaded (apps/playground/build/isolation.ts).
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defaultClientConditions, defineConfig } from 'vite';
import { ortAssets } from './apps/playground/build/ort-assets.ts';
import { modelsManifest } from './apps/playground/build/models-manifest.ts';
import { ISOLATION_HEADERS, isolationHeaders } from './apps/playground/build/isolation.ts';
import { evalSet } from './apps/playground/build/eval-set.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const app = resolve(here, 'apps/playground');

export default defineConfig({
  root: app,
  base: './',
  publicDir: resolve(here, 'public'),
  // 'mpa': a missing file is a 404, not index.html (transformers.js probes optional model files).
  appType: 'mpa',
  resolve: {
    // Use onnxruntime-web's build that loads its wasm from wasmPaths instead of bundling a copy.
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  worker: { format: 'es' },
  server: { headers: { ...ISOLATION_HEADERS } },
  preview: { headers: { ...ISOLATION_HEADERS } },
  build: {
    outDir: resolve(here, 'dist/playground'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  // Generated test fixtures ship only in the e2e's build (PLAYGROUND_TEST_FIXTURES=1, set by e2e/run.ts).
  plugins: [
    ortAssets(app),
    modelsManifest(resolve(here, 'public/models'), { fixtures: process.env.PLAYGROUND_TEST_FIXTURES === '1' }),
    isolationHeaders(),
    evalSet(resolve(here, 'fixtures/eval/sentiment-eval.jsonl')),
  ],
});
