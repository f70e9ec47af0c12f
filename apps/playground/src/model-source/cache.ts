/**
 * The models kept in this browser's Cache Storage (MODEL_CACHE, written by transformers.js): grouped by model for
 * the page's list, and cleared on request. `groupCachedFiles` is pure; the rest reads the Cache API.
 */
import { dtypesOfFiles } from '@interpreto-js/core/registry';
import { MODEL_CACHE, USER_FILES_ORIGIN } from './sources.ts';

export interface CachedModel {
  source: 'hub' | 'url' | 'files';
  /** Hub repo id, folder URL, or the user files' model id. */
  id: string;
  files: string[];
  bytes: number;
  /** dtypes with a cached onnx/model<suffix>.onnx. */
  dtypes: string[];
}

const HUB = /^https:\/\/huggingface\.co\/(.+?)\/resolve\/[^/]+\/(.+)$/;

export function groupCachedFiles(entries: readonly { url: string; bytes: number }[]): CachedModel[] {
  const groups = new Map<string, CachedModel>();
  for (const { url, bytes } of entries) {
    let source: CachedModel['source'];
    let id: string;
    let file: string;
    const hub = HUB.exec(url);
    if (hub) {
      source = 'hub';
      id = hub[1]!;
      file = hub[2]!;
    } else if (url.startsWith(USER_FILES_ORIGIN)) {
      const rest = url.slice(USER_FILES_ORIGIN.length);
      source = 'files';
      id = rest.slice(0, rest.indexOf('/'));
      file = rest.slice(id.length + 1);
      if (!id) continue;
    } else if (/^https?:/.test(url)) {
      // A folder URL: the file is the last segment, or onnx/<name>.
      const m = /^(.*?\/)((?:onnx\/)?[^/]+)$/.exec(url);
      if (!m) continue;
      source = 'url';
      id = m[1]!.replace(/\/\.\/$/, '/');
      file = m[2]!;
    } else continue; // the worker's wasm and other non-model entries
    const key = `${source}:${id}`;
    const g = groups.get(key) ?? { source, id, files: [], bytes: 0, dtypes: [] };
    g.files.push(file);
    g.bytes += bytes;
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    g.files.sort();
    g.dtypes = dtypesOfFiles(g.files.filter((f) => f.startsWith('onnx/')).map((f) => f.slice(5)));
  }
  // A group with no config.json is not a loadable model (e.g. a probe that was cached alone).
  return [...groups.values()].filter((g) => g.files.includes('config.json'));
}

export async function listCachedModels(): Promise<CachedModel[]> {
  if (typeof caches === 'undefined' || !(await caches.has(MODEL_CACHE))) return [];
  const cache = await caches.open(MODEL_CACHE);
  const entries: { url: string; bytes: number }[] = [];
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    entries.push({ url: req.url, bytes: Number(res?.headers.get('content-length') ?? 0) });
  }
  return groupCachedFiles(entries);
}

export async function clearCachedModels(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(MODEL_CACHE);
}
