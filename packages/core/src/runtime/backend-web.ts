/**
 * Browser side of the runtime seam: onnxruntime-web (WebGPU build, which also carries WASM).
 * Selected by the `#ort-backend` import condition `default` in packages/core/package.json.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(url)`, `pickExecutionProvider()`.
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

let picked: Promise<{ executionProviders: string[]; device: string }> | undefined;

/** WebGPU when the browser gives us an adapter, else WASM. Asked once per page. */
export function pickExecutionProvider(): Promise<{ executionProviders: string[]; device: string }> {
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
