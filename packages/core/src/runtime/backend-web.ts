/**
 * Browser side of the runtime seam: onnxruntime-web (WebGPU build, which also carries WASM).
 * Selected by the `#ort-backend` import condition `default` in packages/core/package.json.
 *
 * Where the WebAssembly runtime comes from: transformers.js points onnxruntime-web at a CDN (jsdelivr) whenever
 * `wasmPaths` is unset when it loads, so an app that bundles everything still fetches ~25 MB from the network
 * (and fails offline). The core instead serves it from the app's own bundle: where the browser has JSPI, the JSPI
 * build's files (wasm-build.ts says why; wasm-files.ts references them with `new URL(..., import.meta.url)`, which
 * bundlers copy next to the app); elsewhere onnxruntime-web's own default, the asyncify build, which its bundler build
 * locates with `new URL('ort-wasm-simd-threaded.asyncify.wasm', import.meta.url)`. A `wasmPaths` the app sets itself
 * (`env.backends.onnx.wasm.wasmPaths` of transformers.js, the same object as `ort.env.wasm`) is always kept.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(url)`, `listLocalDir(url)`, `pickExecutionProvider(modelDevice?, dtype?)`,
 * `keepLocalWasm(wasmEnv, local?)`, `defaultWasmThreads(wasmEnv, isolated, cores)`, `runtimeFacts()`, `sessionFiles`,
 * `ortWasmBuild()`.
 */
import * as ortWeb from 'onnxruntime-web/webgpu';
import { JSPI_FILES } from '#ort-wasm-files';
import type { OrtModule, SessionFiles } from './types.ts';
import type { RuntimeFacts } from './session-options.ts';
import { decideWebGpu } from './half-precision.ts';
import { chooseOrtWasm, hasJspi, type OrtWasmBuild, ortWasmBuildOf } from './wasm-build.ts';

export const ort = ortWeb as unknown as OrtModule;

/** transformers.js 4.3.2's CDN default, set when it loads and finds no wasmPaths: exactly `{ mjs, wasm }` on jsdelivr. */
const CDN_DEFAULT =
  /^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/ort-wasm-simd-threaded(\.asyncify)?\.(mjs|wasm)$/;

function isCdnDefault(paths: unknown): boolean {
  if (!paths || typeof paths !== 'object') return false;
  const { mjs, wasm, ...rest } = paths as { mjs?: unknown; wasm?: unknown };
  return Object.keys(rest).length === 0 && [mjs, wasm].every((p) => typeof p === 'string' && CDN_DEFAULT.test(p));
}

/**
 * Makes onnxruntime-web load its wasm from the app's own bundle unless the app chose `wasmPaths`: `local` is either
 * the JSPI build's bundled files or an empty object, which is truthy (so transformers.js, loaded after the core, sets
 * no CDN) and names no file (so onnxruntime-web keeps its bundler-resolved asyncify default); transformers.js's CDN
 * default, when it loaded first, is replaced the same way. Returns whether it changed anything.
 */
export function keepLocalWasm(
  wasmEnv: { wasmPaths?: unknown } | undefined,
  local: { mjs?: string; wasm?: string } = {},
): boolean {
  if (!wasmEnv || (wasmEnv.wasmPaths !== undefined && !isCdnDefault(wasmEnv.wasmPaths))) return false;
  wasmEnv.wasmPaths = { ...local };
  return true;
}

keepLocalWasm(
  ort.env.wasm as { wasmPaths?: unknown } | undefined,
  chooseOrtWasm({ jspi: hasJspi(globalThis.WebAssembly) }, JSPI_FILES).wasmPaths,
);

/** The onnxruntime-web build the shared instance loads (or loaded), read from its `wasmPaths`. */
export function ortWasmBuild(): OrtWasmBuild | 'custom' | undefined {
  return ortWasmBuildOf((ort.env.wasm as { wasmPaths?: unknown } | undefined)?.wasmPaths);
}

/**
 * WASM threads from the hardware when the app set none: every logical core up to 4 (onnxruntime-web's own default
 * is half of them, so one thread on a 2-core machine, where the bench measured 2 threads 1.9x faster). Threads need
 * cross-origin isolation (SharedArrayBuffer): without it onnxruntime-web runs one thread whatever is set, so
 * nothing is set. Must run before onnxruntime-web starts (it reads numThreads once): the core is imported first.
 * Returns the thread count set, or undefined when it left the setting alone.
 */
export function defaultWasmThreads(
  wasmEnv: { numThreads?: number } | undefined,
  isolated: boolean,
  cores: number | undefined,
): number | undefined {
  if (!wasmEnv || wasmEnv.numThreads !== undefined || !isolated || !cores || cores < 1) return undefined;
  wasmEnv.numThreads = Math.min(4, Math.floor(cores));
  return wasmEnv.numThreads;
}

defaultWasmThreads(
  ort.env.wasm as { numThreads?: number } | undefined,
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  globalThis.navigator?.hardwareConcurrency,
);

/** What the session defaults depend on. */
export function runtimeFacts(): RuntimeFacts {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const set = (ort.env.wasm as { numThreads?: number } | undefined)?.numThreads;
  return {
    runtime: 'web',
    cores: globalThis.navigator?.hardwareConcurrency ?? 1,
    load: 0,
    // Without isolation onnxruntime-web runs one thread whatever numThreads says.
    wasmThreads: isolated ? (set ?? 1) : 1,
  };
}

/** No file system here: the core's sessions are created from the model's bytes (backend-node.ts maps files). */
export const sessionFiles: SessionFiles | undefined = undefined;

/** In the browser a "local" model file is a URL on our own origin. */
export async function readLocalFile(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not fetch the model file ${url} (HTTP ${res.status}).`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A web server does not list folders: nothing to name. */
export async function listLocalDir(_url: string): Promise<string[] | undefined> {
  return undefined;
}

/** The WebGPU adapter's features, or undefined without an adapter (asked once per page). */
let adapterFeatures: Promise<ReadonlySet<string> | undefined> | undefined;

async function webGpuFeatures(): Promise<ReadonlySet<string> | undefined> {
  const gpu = (
    globalThis.navigator as unknown as
      | { gpu?: { requestAdapter(): Promise<{ features?: Iterable<string> } | null> } }
      | undefined
  )?.gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? new Set(adapter.features ?? []) : undefined;
  } catch {
    return undefined; // no usable adapter: WASM
  }
}

/**
 * The device the model's own session runs on (transformers.js `device`) when it is 'webgpu' or 'wasm', so the
 * gradient session runs where the user put the model; otherwise WebGPU when the browser gives us an adapter,
 * else WASM. A half-precision model (`dtype` fp16, q4f16) goes to WASM, with a `notice` saying why, when the
 * adapter lacks `shader-f16` (half-precision.ts).
 */
export async function pickExecutionProvider(
  modelDevice?: string,
  dtype?: string,
): Promise<{ executionProviders: string[]; device: string; notice?: string }> {
  if (modelDevice === 'wasm') return { executionProviders: ['wasm'], device: 'wasm' };
  adapterFeatures ??= webGpuFeatures();
  const features = await adapterFeatures;
  // a model the user put on WebGPU keeps its gradients there unless the adapter cannot read its float16 weights
  const decision = decideWebGpu(modelDevice === 'webgpu' ? (features ?? new Set()) : features, dtype);
  if (modelDevice === 'webgpu' && decision.device === 'webgpu')
    return { executionProviders: ['webgpu'], device: 'webgpu' };
  return {
    executionProviders: [decision.device],
    device: decision.device,
    notice: 'notice' in decision ? decision.notice : undefined,
  };
}
