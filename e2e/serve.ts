/**
 * Tiny static file server (node:http) for the built playground: what any static host does, and
 * no more. Missing files are 404 (transformers.js probes optional model files). By default it sends no COOP/COEP,
 * like GitHub Pages (the playground's service worker then isolates the page); `isolationHeaders` sends them, like a
 * host configured for it (Netlify, Cloudflare Pages with `_headers`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { ISOLATION_HEADERS } from '../apps/playground/build/isolation.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Send COOP same-origin and COEP require-corp on every response. */
  isolationHeaders?: boolean;
  /** Files served in place of the folder's, by URL path (a test's stand-in, e.g. '/coi-sw.js'). */
  replace?: Record<string, { type: string; body: string }>;
}

/** Serves `root` on 127.0.0.1 (port 0 = any free port); resolves to { url, close }. */
export function serveStatic(root: string, port = 0, options: ServeOptions = {}): Promise<StaticServer> {
  const extra = options.isolationHeaders ? ISOLATION_HEADERS : {};
  const base = resolve(root);
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad url');
      return;
    }
    const stand = options.replace?.[path];
    if (stand) {
      res.writeHead(200, { 'Content-Type': stand.type, 'Cache-Control': 'no-cache', ...extra });
      res.end(req.method === 'HEAD' ? undefined : stand.body);
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': 'no-cache',
      ...extra,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address() as AddressInfo;
      ok({ url: `http://127.0.0.1:${p}/`, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

// `node --import tsx e2e/serve.ts [dir] [port] [--isolation-headers]` serves a folder by hand (default: the built
// playground, no COOP/COEP).
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const isolationHeaders = args.includes('--isolation-headers');
  const [dir = 'dist/playground', port = '4173'] = args.filter((a) => !a.startsWith('--'));
  const { url } = await serveStatic(dir, Number(port), { isolationHeaders });
  console.log(`serving ${dir} at ${url}${isolationHeaders ? ' with COOP/COEP' : ''}`);
}
