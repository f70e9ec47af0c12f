/** Runtime seam: the only place the core touches onnxruntime. */
export * from './ort.ts';
export * from './session-options.ts';
export type * from './types.ts';
export {
  chooseOrtWasm,
  hasJspi,
  ORT_WASM_FILES,
  ortWasmBuildOf,
  type OrtWasmBuild,
  type OrtWasmFiles,
} from './wasm-build.ts';
