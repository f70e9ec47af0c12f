/**
 * Node file I/O for models with external data (the CLI, benches and tests; not part of the browser surface):
 * `fileSource` reads ranges of a data file on demand, `writeExternalData` writes an `ExternalDataPlan` segment by
 * segment (bytes never read are copied from their source in bounded chunks), so neither direction holds a whole
 * data file in memory or needs it under protobuf's or Node's 2 GB limits.
 *
 * Exports: `FileSource`, `fileSource`, `writeExternalData`, `externalDataLocation`.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ExternalDataPlan, ExternalDataSource } from './external-data.ts';

export interface FileSource extends ExternalDataSource {
  readonly path: string;
  close(): void;
}

/** A reader over the file at `path` (kept open until `close()`); each `read` returns a new buffer of that range. */
export function fileSource(path: string): FileSource {
  const fd = openSync(path, 'r');
  const byteLength = fstatSync(fd).size;
  let open = true;
  return {
    path,
    byteLength,
    read(offset: number, length: number): Uint8Array {
      if (!open) throw new Error(`External data file "${path}" was closed before its tensor was read.`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, Math.min(length - done, 1 << 30), offset + done);
        if (n === 0) throw new Error(`External data file "${path}" ended at byte ${offset + done}.`);
        done += n;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** The data file name transformers.js exports use beside a model: `model.onnx` -> `model.onnx_data`. */
export function externalDataLocation(modelPath: string): string {
  return `${basename(modelPath)}_data`;
}

const CHUNK = 16 << 20;

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Whether every byte is 0 (stops at the first other byte, so weights cost one word). */
function allZero(bytes: Uint8Array): boolean {
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : [];
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  for (let i = words.length * 4; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

let tmpCounter = 0;

/**
 * Writes the data file of `plan` at `path`; returns its size. Copied chunks that are all zeros are left as holes
 * (a sparse file where the file system supports it): same contents, no disk for constant-zero weights. The file is
 * written beside `path` under a temporary name and renamed into place: on failure (disk full) the previous file is
 * kept and the temporary removed.
 */
export function writeExternalData(path: string, plan: ExternalDataPlan): number {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    try {
      for (const s of plan.segments) {
        if ('bytes' in s) {
          writeAll(fd, s.bytes, s.offset);
          continue;
        }
        const { source, offset, length } = s.pending;
        for (let at = 0; at < length; at += CHUNK) {
          const chunk = source.read(offset + at, Math.min(CHUNK, length - at));
          if (!allZero(chunk)) writeAll(fd, chunk, s.offset + at); // zeros stay holes: the file is sized below
        }
      }
      ftruncateSync(fd, plan.byteLength);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return plan.byteLength;
}
