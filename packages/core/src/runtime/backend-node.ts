/**
 * Node side of the runtime seam: onnxruntime-node (CPU) and local file reads.
 * Selected by the `#ort-backend` import condition `node` in packages/core/package.json; the browser gets
 * backend-web.ts instead, so no Node-only module reaches a browser bundle.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(path)`, `listLocalDir(path)`, `pickExecutionProvider(modelDevice?)`.
 */
import * as ortNode from 'onnxruntime-node';
import { readdir, readFile } from 'node:fs/promises';
import type { OrtModule } from './types.ts';

export const ort = ortNode as unknown as OrtModule;

export async function readLocalFile(path: string): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** File names in a local folder, or undefined when it cannot be read (for error messages). */
export async function listLocalDir(path: string): Promise<string[] | undefined> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return undefined;
  }
}

/** onnxruntime-node runs our sessions on the CPU provider (whatever the model's own device). */
export async function pickExecutionProvider(_modelDevice?: string): Promise<{ executionProviders: string[]; device: string }> {
  return { executionProviders: ['cpu'], device: 'cpu' };
}
