/**
 * Builds the browser side of the agreement test into a temporary static folder:
 *   /index.html        loads /app/page.js
 *   /app/              page.ts bundled with Vite's build API (core from source + transformers.js + onnxruntime-web)
 *   /ort/              onnxruntime-web's dist folder (a link into node_modules: its wasm, never a CDN)
 *   /models/<name>/    the fixture folders (links into the fixture cache)
 * The folder is served by e2e/serve.ts, the same tiny static server the playground's e2e suite uses.
 *
 * Exports: `buildSite(fixtures)` -> `{ root, dispose() }`.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, defaultClientConditions } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const coreRoot = join(here, '..', '..');

/** dist/ of the onnxruntime-web copy the core (and so the page bundle) resolves. */
function ortDist(): string {
  // The package's "require" export is dist/ort.min.js.
  return dirname(createRequire(join(coreRoot, 'package.json')).resolve('onnxruntime-web'));
}

export async function buildSite(fixtures: Record<string, string>): Promise<{ root: string; dispose(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'interpreto-agreement-'));
  try {
    await build({
      configFile: false,
      root: here,
      base: '/app/',
      logLevel: 'warn',
      // Keep the bundle free of the vitest process's NODE_ENV quirks and of any project config.
      mode: 'production',
      resolve: {
        // As the playground: onnxruntime-web's build that loads its wasm from wasmPaths rather than inlining a copy.
        conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
      },
      build: {
        outDir: join(root, 'app'),
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        reportCompressedSize: false,
        chunkSizeWarningLimit: 100_000,
        rolldownOptions: {
          input: { page: join(here, 'page.ts') },
          output: { entryFileNames: '[name].js' },
        },
      },
    });
    symlinkSync(ortDist(), join(root, 'ort'), 'dir');
    mkdirSync(join(root, 'models'));
    for (const [name, path] of Object.entries(fixtures)) symlinkSync(path, join(root, 'models', name), 'dir');
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>core agreement</title><script type="module" src="/app/page.js"></script>\n',
    );
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
