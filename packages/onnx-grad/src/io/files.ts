/**
 * Node file I/O for the CLI and the build scripts: bounded reads of regular files only (a FIFO or device named as
 * external data would block or never end), external data confined to the model's folder (after resolving links),
 * writes through a temporary file renamed into place (a failed write never leaves a truncated file nor loses the
 * previous one), and the check that an output does not resolve to an input (symlinks, hard links).
 *
 * Exports: `FileAccessError`, `readRegularFile`, `openExternalDataFiles`, `writeFileAtomic`, `sameFile`.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative, isAbsolute, resolve } from 'node:path';
import type { ModelProto } from '../onnx/proto.ts';
import { allTensors } from '../onnx/external-data.ts';
import { externalDataInfo } from '../validate/tensors.ts';

/** A file that cannot be read or written as asked: the CLI exits 2 with this message. */
export class FileAccessError extends Error {
  override name = 'FileAccessError';
}

/** Reads larger than this are refused (a typed array cannot hold more; streaming is for the codec). */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/** Reads a regular file (following links) of at most `maxBytes`, checking the size it had when opened. */
export function readRegularFile(path: string, what: string, maxBytes = MAX_READ_BYTES): Uint8Array {
  let fd: number;
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new FileAccessError(
        `${what} "${path}" is not a regular file (a folder, FIFO or device); refusing to read it.`,
      );
    // O_NONBLOCK: a file swapped for a FIFO between stat and open does not block the open
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (e instanceof FileAccessError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileAccessError(
      code === 'ENOENT'
        ? `${what} "${path}" does not exist.`
        : `Cannot read ${what} "${path}": ${(e as Error).message}`,
    );
  }
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FileAccessError(`${what} "${path}" is not a regular file; refusing to read it.`);
    if (st.size > maxBytes)
      throw new FileAccessError(
        `${what} "${path}" has ${st.size} bytes, more than the ${maxBytes} this reader accepts.`,
      );
    const out = new Uint8Array(st.size);
    let done = 0;
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, done);
      if (n === 0)
        throw new FileAccessError(`${what} "${path}" shrank while being read (${done} of ${st.size} bytes).`);
      done += n;
    }
    return out;
  } catch (e) {
    if (e instanceof FileAccessError) throw e;
    throw new FileAccessError(`Cannot read ${what} "${path}": ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The external data files a model names, opened from its folder with `open` (their bytes, or a reader of ranges):
 * each location must be relative, resolve (links included) inside the model's folder, and be a regular file.
 * Offsets and lengths are checked by `validateModel`.
 */
export function openExternalDataFiles<T>(
  modelPath: string,
  model: ModelProto,
  open: (realPath: string, what: string) => T,
): Record<string, T> {
  const files: Record<string, T> = {};
  const folder = realpathSync(dirname(resolve(modelPath)));
  for (const t of allTensors(model.graph)) {
    if (t.data_location !== 1) continue;
    const info = externalDataInfo(t);
    if (typeof info === 'string') throw new FileAccessError(`Tensor "${t.name}" ${info}; refusing to read it.`);
    if (files[info.location]) continue;
    const path = join(folder, info.location);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new FileAccessError(
        `External data file "${info.location}" (named by ${basename(modelPath)} for "${t.name}") does not exist beside the model.`,
      );
    }
    const rel = relative(folder, real);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new FileAccessError(
        `External data "${info.location}" resolves to ${real}, outside the model's folder; refusing to read it.`,
      );
    const what = `External data file (named by ${basename(modelPath)})`;
    if (!statSync(real).isFile())
      throw new FileAccessError(
        `${what} "${real}" is not a regular file (a folder, FIFO or device); refusing to read it.`,
      );
    files[info.location] = open(real, what);
  }
  return files;
}

/** Whether two paths name the same file (through symlinks or hard links); false when either does not exist. */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

let counter = 0;

/**
 * Writes `bytes` to a temporary file beside `path`, flushes it, and renames it into place: readers see the old file
 * or the new one, never a partial one, and on failure (disk full) the old file is kept and the temporary removed.
 * A symlink at `path` is replaced by the file, its target left untouched.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, Math.min(data.length - done, 1 << 26));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or already renamed
    }
    throw new FileAccessError(`Cannot write "${path}": ${(e as Error).message}`);
  }
}
