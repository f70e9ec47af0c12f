/**
 * The raw bytes of the very ONNX file transformers.js loaded for a model's `model` session.
 *
 * Exports: `ModelSource` (explicit override), `modelBytes(model, override?) -> { bytes, externalData }`,
 * `ModelSourceError`.
 *
 * Resolution order: an explicit `modelSource` option; else the source recorded when transformers.js created the
 * session with the shared onnxruntime (runtime/ort.ts) (Node: the file path it resolved, local folder or Hub cache; browser: the
 * bytes it fetched through env.fetch / the Cache API). Node reads the path (and a `<file>_data` sibling holding
 * external weights) through the runtime seam.
 */
import { isSharedSession, listLocalDir, readLocalFile, sessionSource } from '../runtime/index.ts';
import { ORT_NODE_VERSION, ORT_WEB_VERSION } from '../runtime/versions.ts';
import { dtypeOfFile } from './dtypes.ts';
import type { HfModel } from './types.ts';

/** An explicit model file: a path (Node) / URL (browser) to the `.onnx` file, or its bytes. */
export type ModelSource =
  | string
  | Uint8Array
  | { model: string | Uint8Array; externalData?: Record<string, Uint8Array> };

/** Why transformers.js and the core can end up on two onnxruntime copies, and what to change for each cause. */
const ANOTHER_COPY =
  'This model runs on another copy of onnxruntime than @interpreto-js/core, so the core cannot see the ONNX file ' +
  'transformers.js loaded. Two copies are loaded when: (1) @interpreto-js/core is installed as a link to a folder ' +
  '(`file:` or `link:` dependency, `npm link`): the linked folder resolves onnxruntime from its own node_modules. ' +
  'Install the packed tarball instead (`npm pack` / `pnpm pack` in the package, then `npm install ./<tarball>.tgz`), ' +
  'or `npm install --install-links <folder>`; in Vite you may instead add ' +
  "`resolve: { dedupe: ['onnxruntime-web', 'onnxruntime-node', '@huggingface/transformers'] }`. (2) The onnxruntime " +
  `versions differ: @interpreto-js/core needs those of @huggingface/transformers 4.3.2 (onnxruntime-node ` +
  `${ORT_NODE_VERSION}, onnxruntime-web ${ORT_WEB_VERSION}); \`npm ls onnxruntime-node onnxruntime-web\` must show ` +
  'one version of each. (3) A transformers.js build that bundles its own onnxruntime (a CDN script). ' +
  'Or pass the ONNX file yourself with the explainer option `modelSource`.';

export class ModelSourceError extends Error {
  override name = 'ModelSourceError';
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

async function readExternal(entries: unknown[] | undefined): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const e of entries ?? []) {
    if (e && typeof e === 'object' && 'path' in e && 'data' in e) {
      const { path, data } = e as { path: string; data: unknown };
      out[baseName(path)] = typeof data === 'string' ? await readLocalFile(data) : (data as Uint8Array);
    }
  }
  return out;
}

/** Reads a model file; a missing one is an error naming the ONNX files its folder has, with their dtypes. */
async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readLocalFile(path);
  } catch (e) {
    const dir = path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')));
    const files = (await listLocalDir(dir || '.'))?.filter((f) => f.endsWith('.onnx'));
    if (!files) throw e;
    const described = files.map((f) => `${f} (dtype '${dtypeOfFile(f)}')`);
    throw new ModelSourceError(
      `The model file "${path}" does not exist. ${files.length ? `Its folder has ${described.join(', ')}` : 'Its folder has no .onnx file'}: ` +
        'load the model with a dtype whose file is there (from_pretrained(id, { dtype })), or pass one of these files as `modelSource`.',
    );
  }
}

async function fromPath(
  path: string,
  externalData: Record<string, Uint8Array>,
): Promise<{ bytes: Uint8Array; externalData: Record<string, Uint8Array> }> {
  const bytes = await readModelFile(path);
  const sibling = `${path}_data`;
  if (!externalData[baseName(sibling)]) {
    try {
      externalData[baseName(sibling)] = await readLocalFile(sibling);
    } catch {
      // no external data next to the file: the weights are inline
    }
  }
  return { bytes, externalData };
}

export async function modelBytes(
  model: HfModel,
  override?: ModelSource,
): Promise<{ bytes: Uint8Array; externalData: Record<string, Uint8Array> }> {
  if (override !== undefined) {
    const o = typeof override === 'string' || override instanceof Uint8Array ? { model: override } : override;
    const ext = { ...(o.externalData ?? {}) };
    return typeof o.model === 'string' ? fromPath(o.model, ext) : { bytes: o.model, externalData: ext };
  }
  const session = model.sessions.model!;
  const src = sessionSource(session);
  if (!src) {
    throw new ModelSourceError(
      isSharedSession(session)
        ? 'The ONNX file behind this model is unknown: the model was loaded before @interpreto-js/core was imported. ' +
            "Import '@interpreto-js/core' before calling from_pretrained (the core then records the file transformers.js " +
            'loads), or pass the file with the explainer option `modelSource`.'
        : ANOTHER_COPY,
    );
  }
  const ext = await readExternal(src.externalData);
  return typeof src.model === 'string' ? fromPath(src.model, ext) : { bytes: src.model, externalData: ext };
}
