/**
 * transformers.js's dtypes and the file each loads (`from_pretrained(id, { dtype })` reads `onnx/model<suffix>.onnx`),
 * as plain data with no runtime: the core's model errors and the playground's dtype menu read the same table.
 *
 * Exports: `DTYPE_SUFFIXES`, `DTYPE_NOTES`, `dtypeOfFile`, `dtypesOfFiles`.
 */

/** transformers.js's file suffix per dtype (`onnx/model<suffix>.onnx`), in the order a menu lists them. */
export const DTYPE_SUFFIXES: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** What each dtype's file holds and how the explainers treat it, in a sentence (the playground shows it). */
export const DTYPE_NOTES: Record<string, string> = {
  fp32: 'float32 weights and activations: gradients of the model as trained.',
  fp16: 'float16 weights and activations; gradient methods compute in float32 (on WebGPU only with shader-f16, else on WASM).',
  q8: '8-bit weights and dynamically quantized activations (quantize_dynamic); gradients are exact for the dequantized weights, straight-through for the quantized activations.',
  int8: '8-bit signed weights and dynamically quantized activations; gradients are exact for the dequantized weights, straight-through for the quantized activations.',
  uint8:
    '8-bit unsigned weights and dynamically quantized activations; gradients are exact for the dequantized weights, straight-through for the quantized activations.',
  q4: '4-bit MatMul weights (MatMulNBits), float32 activations; gradients are exact for the dequantized weights, which stay packed in the gradient model.',
  q4f16:
    '4-bit MatMul weights (MatMulNBits) and float16 activations; gradients are exact for the dequantized weights, computed in float32 (on WebGPU only with shader-f16, else on WASM).',
  bnb4: '4-bit NF4/FP4 weights (MatMulBnb4), float32 activations; gradients are exact for the dequantized weights.',
};

/** The dtype transformers.js loads this `.onnx` file for (`model_quantized.onnx` -> 'q8', no suffix -> 'fp32'). */
export function dtypeOfFile(fileName: string): string {
  const stem = baseName(fileName).replace(/\.onnx$/, '');
  const hit = Object.entries(DTYPE_SUFFIXES).find(([, suffix]) => suffix !== '' && stem.endsWith(suffix));
  return hit ? hit[0] : 'fp32';
}

/** The dtypes whose `model<suffix>.onnx` is among `files` (names in an onnx/ folder), in DTYPE_SUFFIXES order. */
export function dtypesOfFiles(files: readonly string[]): string[] {
  const names = new Set(files);
  return Object.entries(DTYPE_SUFFIXES)
    .filter(([, suffix]) => names.has(`model${suffix}.onnx`))
    .map(([dtype]) => dtype);
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
