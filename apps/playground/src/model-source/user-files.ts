/**
 * The worker's side of "bring your own model": the user's files, kept in memory for the session, answered to
 * transformers.js as if a server under USER_FILES_ORIGIN had them (env.fetch), so from_pretrained, its cache and
 * the core's gradient path see an ordinary remote model. A file that is not there is a 404, never a network request.
 */
import { USER_FILES_ORIGIN } from './sources.ts';

export type UserFiles = Map<string, Map<string, Blob>>;

const TYPES: Record<string, string> = { json: 'application/json', txt: 'text/plain' };

/** The answer for a URL under USER_FILES_ORIGIN, or null for any other URL (then the real fetch runs). */
export function userFileResponse(files: UserFiles, url: string): Response | null {
  if (!url.startsWith(USER_FILES_ORIGIN)) return null;
  const rest = decodeURIComponent(url.slice(USER_FILES_ORIGIN.length).split(/[?#]/)[0]!);
  const slash = rest.indexOf('/');
  const blob = slash > 0 ? files.get(rest.slice(0, slash))?.get(rest.slice(slash + 1)) : undefined;
  if (!blob) return new Response('not among the files you gave', { status: 404, statusText: 'Not Found' });
  const ext = rest.split('.').pop() ?? '';
  return new Response(blob, {
    status: 200,
    headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-length': String(blob.size) },
  });
}

type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Wraps a fetch (transformers.js's env.fetch) so that user files are served from memory. */
export function withUserFiles(files: UserFiles, inner: FetchLike): FetchLike {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input.href;
    const own = userFileResponse(files, url);
    return own ? Promise.resolve(own) : inner(input, init);
  };
}
