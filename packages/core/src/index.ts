// The shared onnxruntime is installed first, before anything can evaluate transformers.js (see runtime/ort.ts).
export { installSharedOrt } from './runtime/index.ts';
// Which onnxruntime-web WebAssembly build the browser loads (JSPI where it can), for apps that serve the files.
export {
  chooseOrtWasm,
  hasJspi,
  ORT_WASM_FILES,
  ortWasmBuild,
  ortWasmBuildOf,
  type OrtWasmBuild,
  type OrtWasmFiles,
} from './runtime/index.ts';
export * from './types.ts';
export * from './explainers/index.ts';
export { InputError } from './model/adapter.ts';
export type { ModelLike, TokenizerLike } from './model/types.ts';
export { UnsupportedModelError } from './model/task.ts';
export { QuantizedModelError, SUPPORTED_DTYPES } from './model/gradient.ts';
export { ModelSourceError, type ModelSource } from './model/source.ts';
export type { ExecutionProvider, GraphOptimizationLevel, SessionOptions } from './runtime/session-options.ts';
export { LimeDistance, QmcSampler, SobolIndicesOrder } from './math/index.ts';
export * from './metrics/index.ts';
export * from './registry/index.ts';
export * from './results/index.ts';
export * from './dataset/index.ts';
