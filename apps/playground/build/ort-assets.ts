/**
 * Serves onnxruntime-web's WebAssembly runtime from our own origin under `<base>ort/` (dev server
 * middleware, and copied into the build), so the playground never reaches a CDN. The app points
 * `env.backends.onnx.wasm.wasmPaths` (transformers.js) / `ort.env.wasm.wasmPaths` at that folder.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/**
 * The WebGPU bundle of onnxruntime-web (what transformers.js v4 imports) runs both EPs on either binary: the worker
 * loads the JSPI one where the browser has JSPI (17 MB, faster session creation) and the asyncify one elsewhere
 * (27 MB; Safari, Firefox without JSPI). Both ship: a visitor downloads one.
 */
export const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.jspi.mjs',
  'ort-wasm-simd-threaded.jspi.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
] as const;

/** dist/ folder of the onnxruntime-web copy that `fromDir` resolves (the one the app bundles). */
export function ortDistDir(fromDir: string): string {
  const require = createRequire(join(fromDir, 'package.json'));
  // The package's "require" export is dist/ort.min.js.
  return dirname(require.resolve('onnxruntime-web'));
}

export function ortAssets(fromDir: string, files: readonly string[] = ORT_RUNTIME_FILES): Plugin {
  const dist = ortDistDir(fromDir);
  for (const f of files) {
    if (!existsSync(join(dist, f)))
      throw new Error(`onnxruntime-web file ${f} not found in ${dist}; run pnpm install.`);
  }
  return {
    name: 'interpreto:ort-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]!;
        const file = /\/ort\/([^/]+)$/.exec(path)?.[1];
        if (!file || !files.includes(file)) return next();
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(join(dist, file)).pipe(res);
      });
    },
    generateBundle() {
      for (const f of files)
        this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(join(dist, f)) });
    },
  };
}
