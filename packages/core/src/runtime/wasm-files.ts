/**
 * Where the JSPI build's files are, for bundlers: `new URL(<package subpath>, import.meta.url)` is an asset
 * reference that Vite resolves through onnxruntime-web's exports and copies into the app's build (e2e/packaging
 * builds the README's example with Vite), the way onnxruntime-web's own bundle references its asyncify wasm.
 * Selected by the `#ort-wasm-files` import condition `default` in packages/core/package.json; wasm-files-extern.ts
 * under `onnxruntime-web-use-extern-wasm`.
 */
import type { OrtWasmFiles } from './wasm-build.ts';

export const JSPI_FILES: OrtWasmFiles | undefined = {
  mjs: new URL('onnxruntime-web/ort-wasm-simd-threaded.jspi.mjs', import.meta.url).href,
  wasm: new URL('onnxruntime-web/ort-wasm-simd-threaded.jspi.wasm', import.meta.url).href,
};
