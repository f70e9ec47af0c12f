/**
 * The Hugging Face Hub (and any model host) played by the test: requests are answered from local folders by a
 * Playwright route, so the Hub code path runs with no network. Shared by hub.test.ts and byom.test.ts.
 */
import type { BrowserContext } from 'playwright-core';
import { DTYPE_SUFFIXES } from '../packages/core/src/model/dtypes.ts';

/** repo id -> function(file) returning the bytes to serve, or null for a 404. */
export type FakeRepos = Record<string, (file: string) => Buffer | null>;

/** Routes https://huggingface.co/<repo>/resolve/<rev>/<file>; returns the list of files served (grows as it serves). */
export async function fakeHub(context: BrowserContext, repos: FakeRepos): Promise<string[]> {
  const served: string[] = [];
  await context.route('https://huggingface.co/**', (route) => {
    // The file listing (/api/models/<repo>/tree/<rev>/onnx): the ONNX files the repo serves, by their known names.
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/[^/]+\/onnx$/.exec(new URL(route.request().url()).pathname);
    if (tree) {
      const repo = repos[tree[1]!];
      if (!repo) return route.fulfill({ status: 404, body: 'Repository not found' });
      const files = Object.values(DTYPE_SUFFIXES)
        .map((suffix) => `onnx/model${suffix}.onnx`)
        .filter((path) => repo(path) !== null)
        .map((path) => ({ type: 'file', path }));
      return route.fulfill({
        status: 200,
        body: JSON.stringify(files),
        headers: { 'content-type': 'application/json' },
      });
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(new URL(route.request().url()).pathname);
    const repo = m && repos[m[1]!];
    const body = m && repo ? repo(decodeURIComponent(m[2]!)) : null;
    if (!m || !body) return route.fulfill({ status: 404, body: 'Entry not found' });
    served.push(m[2]!);
    return route.fulfill({
      status: 200,
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    });
  });
  return served;
}

/** Routes a plain folder host (`https://host/...` -> files), with the CORS header a real host must send. */
export async function fakeFolderHost(
  context: BrowserContext,
  origin: string,
  serve: (path: string) => Buffer | null,
): Promise<string[]> {
  const served: string[] = [];
  await context.route(`${origin}/**`, (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    const body = serve(path);
    if (!body)
      return route.fulfill({ status: 404, body: 'not found', headers: { 'access-control-allow-origin': '*' } });
    served.push(path);
    return route.fulfill({
      status: 200,
      body,
      headers: { 'content-length': String(body.length), 'access-control-allow-origin': '*' },
    });
  });
  return served;
}
