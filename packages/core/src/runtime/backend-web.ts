/**
 * Browser side of the runtime seam: onnxruntime-web (WebGPU build, which also carries WASM).
 * Selected by the `#ort-backend` import condition `default` in packages/core/package.json.
 *
 * Where the WebAssembly runtime comes from: transformers.js points onnxruntime-web at a CDN (jsdelivr) whenever
 * `wasmPaths` is unset when it loads, so an app that bundles everything still fetches ~25 MB from the network
 * (and fails offline). The core instead keeps onnxruntime-web's own default: its bundler build locates the wasm
 * with `new URL('ort-wasm-simd-threaded.asyncify.wasm', import.meta.url)`, which bundlers (Vite, webpack, Rollup)
 * copy next to the app. A `wasmPaths` the app sets itself (`env.backends.onnx.wasm.wasmPaths` of transformers.js,
 * the same object as `ort.env.wasm`) is always kept.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(url)`, `listLocalDir(url)`, `pickExecutionProvider(modelDevice?)`,
 * `keepLocalWasm(wasmEnv)`, `defaultWasmThreads(wasmEnv, isolated, cores)`, `runtimeFacts()`.
 */
import * as ortWeb from 'onnxruntime-web/webgpu';
import type { OrtModule } from './types.ts';
import type { RuntimeFacts } from './session-options.ts';

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
 * Makes onnxruntime-web load its wasm from the app's own bundle unless the app chose `wasmPaths`: an empty object
 * is truthy (so transformers.js, loaded after the core, sets no CDN) and names no file (so onnxruntime-web keeps its
 * bundler-resolved default); transformers.js's CDN default, when it loaded first, is replaced the same way.
 * Returns whether it changed anything.
 */
export function keepLocalWasm(wasmEnv: { wasmPaths?: unknown } | undefined): boolean {
  if (!wasmEnv || (wasmEnv.wasmPaths !== undefined && !isCdnDefault(wasmEnv.wasmPaths))) return false;
  wasmEnv.wasmPaths = {};
  return true;
}

keepLocalWasm(ort.env.wasm as { wasmPaths?: unknown } | undefined);

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

let picked: Promise<{ executionProviders: string[]; device: string }> | undefined;

/**
 * The device the model's own session runs on (transformers.js `device`) when it is 'webgpu' or 'wasm', so the
 * gradient session runs where the user put the model; otherwise WebGPU when the browser gives us an adapter,
 * else WASM (asked once per page).
 */
export function pickExecutionProvider(modelDevice?: string): Promise<{ executionProviders: string[]; device: string }> {
  if (modelDevice === 'webgpu' || modelDevice === 'wasm')
    return Promise.resolve({ executionProviders: [modelDevice], device: modelDevice });
  picked ??= (async () => {
    const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
    if (gpu) {
      try {
        if (await gpu.requestAdapter()) return { executionProviders: ['webgpu'], device: 'webgpu' };
      } catch {
        // no usable adapter: fall through to WASM
      }
    }
    return { executionProviders: ['wasm'], device: 'wasm' };
  })();
  return picked;
}
