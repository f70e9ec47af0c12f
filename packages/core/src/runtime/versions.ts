/**
 * The onnxruntime versions @huggingface/transformers 4.3.2 pins, which the core must share with it (one instance:
 * see ort.ts). packages/core/test/runtime.test.ts checks these against the core's package.json.
 */
export const ORT_NODE_VERSION = '1.30.0';
export const ORT_WEB_VERSION = '1.31.0-dev.20260914-8d85527a0';
