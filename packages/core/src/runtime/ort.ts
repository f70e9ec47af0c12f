/**
 * The one onnxruntime instance of the process/page, shared with transformers.js.
 *
 * transformers.js 4.3.2 resolves onnxruntime as `require('onnxruntime-node')` in Node and
 * `import 'onnxruntime-web/webgpu'` in the browser: with the versions this package pins (the same as
 * transformers.js), these are the very modules the backends below import, so there is one instance, one
 * session registry and (on the web) one GPUDevice. We deliberately do NOT set `globalThis[Symbol.for('onnxruntime')]`:
 * transformers.js 4.3.2 then registers no supported device at all and every `from_pretrained` fails with
 * 'Unsupported device: "cpu"'.
 *
 * To get the raw bytes of the file behind a loaded model, `InferenceSession.create` of that shared class is
 * wrapped once (installSharedOrt, run when the core is imported): every session created afterwards is recorded
 * with what it was created from (a path in Node, the bytes in the browser), whatever route transformers.js took
 * (local folder, Hub download, browser Cache API). Import the core before loading models.
 *
 * Exports: `ort`, `installSharedOrt()`, `sessionSource(session)`, `isSharedSession(session)`, `readLocalFile`, `listLocalDir`,
 * `pickExecutionProvider`, `runtimeFacts`, `sessionFiles`, `ortWasmBuild`.
 */
import * as backend from '#ort-backend';
import type { OrtModule, OrtSession, OrtSessionOptions, SessionFiles, SessionSource } from './types.ts';
import type { RuntimeFacts } from './session-options.ts';
import type { OrtWasmBuild } from './wasm-build.ts';

// Typed here, so the emitted declarations never name '#ort-backend' (which resolves per environment).
const backendOrt: OrtModule = backend.ort;
/** A local model file: read from disk in Node, fetched from our own origin in the browser. */
export const readLocalFile: (pathOrUrl: string) => Promise<Uint8Array> = backend.readLocalFile;
/** The file names of a local model folder (Node), or undefined where it cannot be listed (the browser). */
export const listLocalDir: (pathOrUrl: string) => Promise<string[] | undefined> = backend.listLocalDir;
/**
 * The execution provider the core's own sessions use, following the model's device when it names one; `notice`
 * says why a half-precision model (`dtype`) runs on WASM where WebGPU lacks `shader-f16`.
 */
export const pickExecutionProvider: (
  modelDevice?: string,
  dtype?: string,
) => Promise<{ executionProviders: string[]; device: string; notice?: string }> = backend.pickExecutionProvider;
/** What the session defaults depend on: the runtime, its cores, load and WASM threads. */
export const runtimeFacts: () => RuntimeFacts = backend.runtimeFacts;
/** Node (not Windows): opens a model from files, its weights mapped from an external data file; undefined elsewhere. */
export const sessionFiles: SessionFiles | undefined = backend.sessionFiles;

/**
 * The onnxruntime-web WebAssembly build the shared instance loads in the browser ('jspi' or 'asyncify', from its
 * `wasmPaths`; 'custom' for files of the app's own naming); undefined in Node (onnxruntime-node).
 */
export const ortWasmBuild: () => OrtWasmBuild | 'custom' | undefined = backend.ortWasmBuild;

const sources = new WeakMap<object, SessionSource>();
const WRAPPED = Symbol.for('interpreto.recordingCreate');

/** Wraps the shared InferenceSession.create so sessions remember their source. Idempotent. */
export function installSharedOrt(): OrtModule {
  const cls = backendOrt.InferenceSession as OrtModule['InferenceSession'] & { [WRAPPED]?: boolean };
  if (!cls[WRAPPED]) {
    const create = cls.create.bind(cls);
    Object.defineProperty(cls, 'create', {
      configurable: true,
      writable: true,
      value: async (model: string | Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> => {
        const session = await create(model, options);
        sources.set(session, { model, externalData: options?.externalData });
        return session;
      },
    });
    Object.defineProperty(cls, WRAPPED, { value: true });
  }
  return backendOrt;
}

/** The onnxruntime every core session uses: the one transformers.js uses too. */
export const ort: OrtModule = installSharedOrt();

/** The file a session was created from, when it was created after the core was imported. */
export function sessionSource(session: object): SessionSource | undefined {
  return sources.get(session);
}

/** Whether a session belongs to the shared onnxruntime (false: transformers.js runs another copy). */
export function isSharedSession(session: object): boolean {
  return session instanceof (ort.InferenceSession as unknown as new () => object);
}
