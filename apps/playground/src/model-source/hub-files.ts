/**
 * The dtypes a Hub repo offers, from the Hub's file listing (`/api/models/<id>/tree/<rev>/onnx`): what the dtype
 * menu lists for a Hub model. A listing that fails (offline, an older mirror) gives no list, never an error.
 */
import { dtypesOfFiles } from '@interpreto-js/core/registry';

/** The dtypes whose onnx/model<suffix>.onnx is in a tree listing (the API's JSON: [{ type, path }, ...]). */
export function dtypesOfTree(listing: unknown): string[] {
  if (!Array.isArray(listing)) return [];
  const names = listing
    .filter((e): e is { type: string; path: string } => typeof e?.path === 'string' && e.type === 'file')
    .map((e) => e.path.replace(/^onnx\//, ''));
  return dtypesOfFiles(names);
}

export async function hubDtypes(
  fetcher: (url: string) => Promise<Response>,
  host: string,
  id: string,
  revision = 'main',
): Promise<string[]> {
  try {
    const res = await fetcher(`${host}api/models/${id}/tree/${encodeURIComponent(revision)}/onnx`);
    return res.ok ? dtypesOfTree(await res.json()) : [];
  } catch {
    return [];
  }
}
