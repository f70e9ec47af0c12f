/**
 * Which onnxruntime-web WebAssembly build the browser loads. Pure: the browser's features come in as flags.
 *
 * onnxruntime-web 1.31's WebGPU bundle (`onnxruntime-web/webgpu`, the one transformers.js and the core share) and its
 * JSPI bundle (`onnxruntime-web/jspi`) are the same JavaScript, built with different defaults: each loads its own
 * WebAssembly runtime, which runs both the WebGPU and the WASM providers. They differ in how the wasm waits on
 * JavaScript promises (WebGPU buffer reads): the asyncify build instruments the binary to unwind and rewind its own
 * stack (27 MB), the JSPI build lets the browser suspend it (`WebAssembly.Suspending`, 17 MB), which compiles and
 * creates sessions faster (docs/performance.md). So the shared WebGPU bundle is pointed at the JSPI files
 * (`env.wasm.wasmPaths`) where the browser has JSPI, and keeps its asyncify default elsewhere.
 */

export type OrtWasmBuild = 'jspi' | 'asyncify';

/** The two files of a build, as `env.wasm.wasmPaths` takes them (URLs or paths). */
export interface OrtWasmFiles {
  mjs: string;
  wasm: string;
}

/** The file names of each build in onnxruntime-web's dist/ (and in an app's copy of them). */
export const ORT_WASM_FILES: Readonly<Record<OrtWasmBuild, Readonly<OrtWasmFiles>>> = {
  jspi: { mjs: 'ort-wasm-simd-threaded.jspi.mjs', wasm: 'ort-wasm-simd-threaded.jspi.wasm' },
  asyncify: { mjs: 'ort-wasm-simd-threaded.asyncify.mjs', wasm: 'ort-wasm-simd-threaded.asyncify.wasm' },
};

/**
 * Whether this WebAssembly has JSPI (what onnxruntime-web's JSPI build checks, plus `promising`, which its
 * generated code calls too). Pass the global `WebAssembly`.
 */
export function hasJspi(wasm: unknown): boolean {
  const w = wasm as { Suspending?: unknown; promising?: unknown } | undefined;
  return typeof w?.Suspending === 'function' && typeof w?.promising === 'function';
}

/**
 * The build to load and the `wasmPaths` that loads it: JSPI where the browser has it and its files are known (the
 * core's bundler-resolved URLs, or an app's own copy); otherwise asyncify, named by no path (`{}`), so the WebGPU
 * bundle keeps its own bundler-resolved default.
 */
export function chooseOrtWasm(
  flags: { jspi: boolean },
  jspiFiles: OrtWasmFiles | undefined,
): { build: OrtWasmBuild; wasmPaths: Partial<OrtWasmFiles> } {
  if (flags.jspi && jspiFiles) return { build: 'jspi', wasmPaths: { mjs: jspiFiles.mjs, wasm: jspiFiles.wasm } };
  return { build: 'asyncify', wasmPaths: {} };
}

/**
 * The build a `wasmPaths` value makes the WebGPU bundle load: a folder prefix, an empty object or no value load its
 * asyncify default; named files are recognised by onnxruntime-web's file names ('custom' for others). The wasm
 * file decides: transformers.js may swap the mjs for a blob: URL (its wasm cache).
 */
export function ortWasmBuildOf(wasmPaths: unknown): OrtWasmBuild | 'custom' {
  if (wasmPaths === undefined || typeof wasmPaths === 'string') return 'asyncify';
  const { mjs, wasm } = (wasmPaths ?? {}) as { mjs?: unknown; wasm?: unknown };
  const name = [wasm, mjs]
    .map((p) => (p instanceof URL ? p.href : p))
    .find((p): p is string => typeof p === 'string' && !p.startsWith('blob:'));
  if (name === undefined) return mjs === undefined && wasm === undefined ? 'asyncify' : 'custom';
  const file = name.split(/[?#]/)[0]!.split('/').pop()!;
  for (const build of ['jspi', 'asyncify'] as const) {
    if (file === ORT_WASM_FILES[build].wasm || file === ORT_WASM_FILES[build].mjs) return build;
  }
  // A bundler's hashed copy: ort-wasm-simd-threaded.jspi-3f2a1b.wasm
  const hashed = /^ort-wasm-simd-threaded\.(jspi|asyncify)[-.][\w-]+\.(wasm|mjs)$/.exec(file);
  return hashed ? (hashed[1] as OrtWasmBuild) : 'custom';
}
