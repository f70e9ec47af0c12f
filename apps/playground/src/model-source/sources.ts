/**
 * Where transformers.js reads a model's files from, per model source, as the `env` settings and the id to pass to
 * `from_pretrained` (pure; the worker applies them before each load, loads run one at a time):
 * - local: the embedded models, served by our origin under models/ (never cached: a rebuild must show at once);
 * - hub: the Hugging Face Hub; url: any http(s) folder (the URL is the remote host, the id a stable tag of it);
 * - files: the user's own files, served by the worker's fetch under USER_FILES_ORIGIN (never sent anywhere).
 * Hub, URL and user files land in Cache Storage (`MODEL_CACHE`) through transformers.js's own browser cache, so a
 * reload finds them there.
 */
import type { ModelRef } from '../url-state.ts';

/** A host that cannot resolve (RFC 2606 `.invalid`): requests to it are answered by the worker, or fail locally. */
export const USER_FILES_ORIGIN = 'https://user-files.interpreto.invalid/';
/** The Cache Storage name transformers.js stores downloaded and user model files under. */
export const MODEL_CACHE = 'interpreto-models';

export interface TransformersSource {
  /** What from_pretrained receives. */
  modelId: string;
  env: {
    allowLocalModels: boolean;
    allowRemoteModels: boolean;
    remoteHost: string;
    remotePathTemplate: string;
    useBrowserCache: boolean;
  };
}

const HUB_HOST = 'https://huggingface.co/';
const HUB_TEMPLATE = '{model}/resolve/{revision}/';

export function transformersSource(ref: ModelRef): TransformersSource {
  switch (ref.source) {
    case 'local':
      return {
        modelId: ref.id,
        env: {
          allowLocalModels: true,
          allowRemoteModels: false,
          remoteHost: HUB_HOST,
          remotePathTemplate: HUB_TEMPLATE,
          useBrowserCache: false,
        },
      };
    case 'hub':
      return {
        modelId: ref.id,
        env: {
          allowLocalModels: false,
          allowRemoteModels: true,
          remoteHost: HUB_HOST,
          remotePathTemplate: HUB_TEMPLATE,
          useBrowserCache: true,
        },
      };
    case 'url': {
      // transformers.js joins host, template and file with '/': the folder's path is the template.
      const u = new URL(ref.id);
      const path = u.pathname.replace(/^\/+|\/+$/g, '');
      return {
        modelId: `url/${tag(ref.id)}`,
        env: {
          allowLocalModels: false,
          allowRemoteModels: true,
          remoteHost: `${u.origin}/`,
          remotePathTemplate: path ? `${path.replaceAll('{', '%7B')}/` : '.',
          useBrowserCache: true,
        },
      };
    }
    case 'files':
      return {
        modelId: ref.id,
        env: {
          allowLocalModels: false,
          allowRemoteModels: true,
          remoteHost: USER_FILES_ORIGIN,
          remotePathTemplate: '{model}/',
          useBrowserCache: true,
        },
      };
  }
}

/** The URL transformers.js requests (and caches) for `file` of the model: what the cache lists. */
export function fileURL(ref: ModelRef, file: string): string {
  const s = transformersSource(ref);
  if (ref.source === 'local') return `models/${ref.id}/${file}`;
  const path = s.env.remotePathTemplate.replaceAll('{model}', s.modelId).replaceAll('{revision}', 'main');
  return `${s.env.remoteHost}${path}${file}`;
}

/** Checks a model folder URL; returns an error message or null. */
export function folderUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL: give the http(s) address of a folder holding config.json, tokenizer.json and onnx/model.onnx.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return `"${url}" is a ${u.protocol} URL: only http and https folders can be loaded.`;
  if (u.search || u.hash) return `"${url}" has a query or fragment: give the plain folder address.`;
  return null;
}

function tag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
