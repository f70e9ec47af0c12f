/**
 * Under the `onnxruntime-web-use-extern-wasm` condition the app serves onnxruntime-web's files itself and sets
 * `env.wasm.wasmPaths` (onnxruntime-web's bundle then carries no wasm either): the core references none, so the
 * bundler copies none. Pick the build with `chooseOrtWasm` and `ORT_WASM_FILES` (apps/playground/src/worker.ts does).
 */
import type { OrtWasmFiles } from './wasm-build.ts';

export const JSPI_FILES: OrtWasmFiles | undefined = undefined;
