/**
 * The dtypes transformers.js loads by file name (`from_pretrained(id, { dtype })` reads `onnx/model<suffix>.onnx`).
 * A static site cannot list a folder, so the build lists each embedded model's onnx/ files (models-manifest.ts)
 * and the page offers the dtypes found there.
 */
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

/** The dtypes whose `model<suffix>.onnx` is among `files`, fp32 first, then in the order above. */
export function dtypesOfFiles(files: readonly string[]): string[] {
  const names = new Set(files);
  return Object.entries(DTYPE_SUFFIXES)
    .filter(([, suffix]) => names.has(`model${suffix}.onnx`))
    .map(([dtype]) => dtype);
}
