/**
 * The browser benches' site (bench-browser.ts, bench-ops.ts): a temporary folder with the forward and gradient
 * models and their feeds (one binary file per input, shapes in manifest.json), served cross-origin isolated
 * (COOP/COEP, as WASM threads require) next to onnxruntime-web's dist and the bench's page script.
 *
 * URLs: `/` a page that loads `/page.js`; `/page.js` the page script; `/ort/*` onnxruntime-web's dist; `/m/*` the
 * site folder (`/m/manifest.json`, `/m/<kind>.onnx`, `/m/feeds/<kind>/<input>.bin`).
 *
 * Exports: `writeBenchSite(prefix, models, feeds)`, `serveBenchSite(site, pageScript)`.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISOLATION_HEADERS } from '../../apps/playground/build/isolation.ts';
import type { PlainFeeds } from './model.ts';

const here = dirname(fileURLToPath(import.meta.url));

const TYPES: Record<string, string> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Writes `<kind>.onnx`, `feeds/<kind>/<input>.bin` and manifest.json into a new temporary folder; returns it. */
export function writeBenchSite(
  prefix: string,
  models: Record<string, Uint8Array>,
  feeds: Record<string, PlainFeeds>,
): string {
  const site = mkdtempSync(join(tmpdir(), prefix));
  const manifest: Record<string, Record<string, { type: string; dims: number[] }>> = {};
  for (const [kind, bytes] of Object.entries(models)) {
    writeFileSync(join(site, `${kind}.onnx`), bytes);
    mkdirSync(join(site, 'feeds', kind), { recursive: true });
    manifest[kind] = {};
    for (const [name, t] of Object.entries(feeds[kind] ?? {})) {
      manifest[kind][name] = { type: t.type, dims: t.dims };
      writeFileSync(
        join(site, 'feeds', kind, `${name}.bin`),
        new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      );
    }
  }
  writeFileSync(join(site, 'manifest.json'), JSON.stringify(manifest));
  return site;
}

/** Serves the site with `pageScript` (a path under scripts/bench/) as /page.js; resolves once listening. */
export async function serveBenchSite(site: string, pageScript: string): Promise<{ origin: string; close(): void }> {
  const ortDist = dirname(
    createRequire(join(here, '..', '..', 'packages', 'core', 'package.json')).resolve('onnxruntime-web'),
  );
  const headers = { ...ISOLATION_HEADERS };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
      return;
    }
    const [base, rel] = path.startsWith('/ort/')
      ? [ortDist, path.slice(5)]
      : path.startsWith('/m/')
        ? [site, path.slice(3)]
        : path === '/page.js'
          ? [here, pageScript]
          : [site, ''];
    const file = normalize(join(base, rel));
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
