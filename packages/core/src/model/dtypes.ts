/**
 * transformers.js's dtypes and the file each loads (`from_pretrained(id, { dtype })` reads `onnx/model<suffix>.onnx`),
 * as plain data with no runtime: the core's model errors and the playground's dtype menu read the same table.
 *
 * Exports: `DTYPE_SUFFIXES`, `dtypeOfFile`, `dtypesOfFiles`.
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
