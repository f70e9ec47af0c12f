/**
 * Node side of the runtime seam: onnxruntime-node (CPU) and local file reads.
 * Selected by the `#ort-backend` import condition `node` in packages/core/package.json; the browser gets
 * backend-web.ts instead, so no Node-only module reaches a browser bundle.
 *
 * onnxruntime-node is an optional peer dependency (a browser app never installs its ~300 MB of native binaries),
 * so a Node user without it gets an error that says what to install instead of a bare module-not-found.
 *
 * The core's own sessions (the gradient model's) are opened from files: the model and its weights as external data
 * are written to a fresh temporary folder, onnxruntime maps the weights from there instead of copying them out of
 * a buffer (docs/performance.md §2), and the folder is removed once the session holds the mapping.
 *
 * Exports: `ort` (the onnxruntime module), `readLocalFile(path)`, `listLocalDir(path)`, `pickExecutionProvider(modelDevice?)`,
 * `runtimeFacts()`, `sessionFiles`.
 */
import type { ExternalDataPlan } from '@interpreto-js/onnx-grad';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeFacts } from './session-options.ts';
import type { OrtModule, OrtSession, OrtSessionOptions, SessionFiles } from './types.ts';
import { ORT_NODE_VERSION } from './versions.ts';

export class MissingRuntimeError extends Error {
  override name = 'MissingRuntimeError';
}

/** Whether `err` says that `specifier` itself (not one of its own imports) could not be found. */
export function isMissingModule(err: unknown, specifier: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return false;
  return new RegExp(`['"]${specifier.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}['"]`).test(e.message ?? '');
}

async function loadOnnxruntimeNode(): Promise<OrtModule> {
  try {
    return (await import('onnxruntime-node')) as unknown as OrtModule;
  } catch (err) {
    if (!isMissingModule(err, 'onnxruntime-node')) throw err;
    throw new MissingRuntimeError(
      `@interpreto-js/core runs models in Node through onnxruntime-node, which is not installed (it is an optional peer ` +
        `dependency, so that browser apps do not download it). Install the version @huggingface/transformers uses: ` +
        `\`npm install onnxruntime-node@${ORT_NODE_VERSION}\` (or \`pnpm add onnxruntime-node@${ORT_NODE_VERSION}\`). ` +
        `In a browser bundle, the core's "browser" build is used instead: check that your bundler does not resolve ` +
        `the "node" export condition.`,
      { cause: err },
    );
  }
}

export const ort: OrtModule = await loadOnnxruntimeNode();

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
export async function pickExecutionProvider(
  _modelDevice?: string,
  _dtype?: string,
): Promise<{ executionProviders: string[]; device: string; notice?: string }> {
  return { executionProviders: ['cpu'], device: 'cpu' };
}

/** What the session defaults depend on, read at each session creation (the load changes). */
export function runtimeFacts(): RuntimeFacts {
  return { runtime: 'node', cores: availableParallelism(), load: loadavg()[0] ?? 0 };
}

const COPY_CHUNK = 16 << 20;

/** Writes the data file of `plan` (bytes never read are copied from their source in bounded chunks). */
async function writeExternalData(path: string, plan: ExternalDataPlan): Promise<void> {
  const file = await open(path, 'wx');
  try {
    const put = async (bytes: Uint8Array, position: number) => {
      for (let done = 0; done < bytes.length; )
        done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
    };
    for (const s of plan.segments) {
      if ('bytes' in s) await put(s.bytes, s.offset);
      else
        for (let at = 0; at < s.pending.length; at += COPY_CHUNK)
          await put(
            s.pending.source.read(s.pending.offset + at, Math.min(COPY_CHUNK, s.pending.length - at)),
            s.offset + at,
          );
    }
    await file.truncate(plan.byteLength);
  } finally {
    await file.close();
  }
}

/**
 * Opens a model whose weights are in `plan` from a temporary folder. The folder goes once the session is created:
 * onnxruntime keeps the weights mapped (an unlinked file lives on while mapped, on Linux and macOS; Windows cannot
 * remove a mapped file, so there the core keeps the weights in the model's bytes instead: `sessionFiles` undefined).
 */
async function createFromFiles(
  bytes: Uint8Array,
  plan: ExternalDataPlan,
  options: OrtSessionOptions,
): Promise<OrtSession> {
  const dir = await mkdtemp(join(tmpdir(), 'interpreto-session-'));
  try {
    const model = join(dir, 'model.onnx');
    await writeFile(model, bytes);
    await writeExternalData(join(dir, plan.location), plan);
    return await ort.InferenceSession.create(model, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const sessionFiles: SessionFiles | undefined =
  process.platform === 'win32' ? undefined : { create: createFromFiles };

/** onnxruntime-node loads no WebAssembly build. */
export function ortWasmBuild(): undefined {
  return undefined;
}
