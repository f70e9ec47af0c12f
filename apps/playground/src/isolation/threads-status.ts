/** The status line on onnxruntime-web's WASM threads: how many, and what isolation (or its absence) made it so. */
import type { Isolation } from './isolation.ts';

export interface WasmThreads {
  threads: number;
  /** The worker's own `crossOriginIsolated`. */
  isolated: boolean;
}

export function threadsStatus(wasm: WasmThreads, page: Isolation | undefined): string {
  const count = `WASM: ${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}`;
  if (wasm.isolated) {
    const by =
      page?.isolated && page.by === 'service worker'
        ? "cross-origin isolated by the playground's service worker, as the host sends no COOP/COEP headers"
        : "cross-origin isolated by the host's COOP/COEP headers";
    return wasm.threads > 1 ? `${count} (${by})` : `${count} (${by}, but the browser reports a single core)`;
  }
  if (page && !page.isolated) return `${count}: ${page.reason}`;
  return `${count}: the page is cross-origin isolated but its worker is not (the worker's script came without the COEP header)`;
}
