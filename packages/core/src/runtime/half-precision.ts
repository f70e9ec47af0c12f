/**
 * Whether the core's gradient session may run on WebGPU for a model of a given dtype. Half-precision files (fp16,
 * q4f16) keep float16 weights in their gradient models (cast to float32 at run time); onnxruntime-web reads float16
 * on WebGPU only where the adapter has the `shader-f16` feature. Without it the session would fail or fall back
 * node by node in ways that say nothing about the cause, so the decision is made up front: WASM, with a notice
 * saying why. Pure (the adapter's features are passed in), so it is unit-tested without a GPU.
 *
 * Exports: `HALF_PRECISION_DTYPES`, `GpuDecision`, `decideWebGpu`, `halfPrecisionNotice`, `deviceNotice`.
 */

/** transformers.js dtypes whose files hold float16 tensors. */
export const HALF_PRECISION_DTYPES: ReadonlySet<string> = new Set(['fp16', 'q4f16']);

/** Why a half-precision model's gradients run on WASM rather than on a WebGPU adapter without shader-f16. */
export function halfPrecisionNotice(dtype: string): string {
  return (
    `interpreto: the model's dtype '${dtype}' stores float16 weights, which onnxruntime-web reads on WebGPU only ` +
    "with the adapter feature 'shader-f16', and this browser's WebGPU adapter lacks it: gradients run on WASM " +
    "(slower). To use WebGPU here, load a float32 or 8-bit file (dtype 'fp32', 'q8' or 'q4')."
  );
}

/**
 * What an output says about where it ran (`AttributionOutput.deviceNotice`): the half-precision notice when a model
 * put on WebGPU (`modelDevice`) had its run on WASM (`runDevice`) for its float16 `dtype`; nothing otherwise.
 */
export function deviceNotice(modelDevice: string, runDevice: string, dtype?: string): string | undefined {
  if (modelDevice !== 'webgpu' || runDevice !== 'wasm' || !dtype || !HALF_PRECISION_DTYPES.has(dtype)) return undefined;
  return halfPrecisionNotice(dtype);
}

export type GpuDecision = { device: 'webgpu' } | { device: 'wasm'; notice?: string };

/**
 * `adapterFeatures`: the WebGPU adapter's features, or undefined when the browser gave no adapter. `dtype`: the
 * model's transformers.js dtype when known.
 */
export function decideWebGpu(adapterFeatures: ReadonlySet<string> | undefined, dtype?: string): GpuDecision {
  if (!adapterFeatures) return { device: 'wasm' };
  if (!dtype || !HALF_PRECISION_DTYPES.has(dtype) || adapterFeatures.has('shader-f16')) return { device: 'webgpu' };
  return { device: 'wasm', notice: halfPrecisionNotice(dtype) };
}
