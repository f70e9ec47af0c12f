/**
 * Browser side of the runtime seam: onnxruntime-web (WebGPU build, which also carries WASM).
 * Selected by the `#ort-backend` import condition `default` in packages/core/package.json.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(url)`, `listLocalDir(url)`, `pickExecutionProvider(modelDevice?)`.
 */
import * as ortWeb from 'onnxruntime-web/webgpu';
import type { OrtModule } from './types.ts';

export const ort = ortWeb as unknown as OrtModule;

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
  if (modelDevice === 'webgpu' || modelDevice === 'wasm') return Promise.resolve({ executionProviders: [modelDevice], device: modelDevice });
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
