/**
 * The standalone ESM bundle: src/index.ts with Lit inside, one minified file that a plain HTML page
 * loads with <script type="module" src=".../interpreto-elements.js"> (no bundler, no import map).
 * Core is imported for types only, so none of its runtime (nor transformers.js / onnxruntime) is in it.
 * Build: pnpm --filter @interpreto-js/elements build:standalone
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  // Lit's production build whatever NODE_ENV says (vitest sets 'test', which would pick Lit's
  // 'development' export: dev-mode warnings and ~13 KB more).
  resolve: { conditions: ['module', 'browser', 'production'] },
  build: {
    outDir: 'dist/standalone',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: () => 'interpreto-elements.js',
    },
    rolldownOptions: {
      // Everything is bundled: a bare import left in the file would fail in a page without an import map.
      external: [],
      // Library mode keeps whitespace in ES output (for the consumer's tree-shaking); this file is
      // loaded as is, so minify it fully.
      output: { minify: true, comments: false },
    },
  },
});
