/**
 * Runs an ONNX model in headless Chromium with onnxruntime-web (WebGPU or WASM), served from localhost: a tiny
 * node:http server maps `/ort/*` to onnxruntime-web's dist folder (never a CDN) and `/models/<i>` to model bytes
 * held in memory. Feeds and outputs cross the page boundary as plain arrays.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../../fixtures/chromium.ts';

export { CHROMIUM };
export const hasChromium = () => existsSync(CHROMIUM);

// the package exports no ./package.json; its wasm file export resolves into dist/
const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const TYPES: Record<string, string> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

export interface PlainTensor {
  type: 'float32' | 'int64' | 'bool';
  dims: number[];
  data: number[];
}
export type PlainFeeds = Record<string, PlainTensor>;
export type PlainOutputs = Record<string, { dims: number[]; data: number[] }>;

/** Page-side runner (plain JS): loads onnxruntime-web from /ort/, runs the model, returns plain arrays. */
const PAGE_RUN = `async ({ bundle, ep, index, feeds }) => {
  const ort = await import('/ort/' + bundle);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = 1;
  const bytes = new Uint8Array(await (await fetch('/models/' + index)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
  const inputs = {};
  for (const [name, t] of Object.entries(feeds)) {
    const data = t.type === 'int64' ? BigInt64Array.from(t.data.map((v) => BigInt(v))) : t.type === 'bool' ? Uint8Array.from(t.data) : Float32Array.from(t.data);
    inputs[name] = new ort.Tensor(t.type, data, t.dims);
  }
  const out = await session.run(inputs);
  const result = {};
  for (const [name, t] of Object.entries(out)) result[name] = { dims: [...t.dims], data: Array.from(t.data) };
  await session.release();
  return result;
}`;

export class BrowserRunner {
  /** Requests the page made to anything but the local server (must stay empty: no CDN). */
  readonly offsite: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly models: Uint8Array[],
    readonly url: string,
  ) {
    page.on('request', (r) => {
      if (!r.url().startsWith(url)) this.offsite.push(r.url());
    });
  }

  static async start(): Promise<BrowserRunner> {
    const models: Uint8Array[] = [];
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path === '/') {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>onnx-grad runtime check</title>');
        return;
      }
      const model = /^\/models\/(\d+)$/.exec(path);
      if (model && models[Number(model[1])]) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(models[Number(model[1])]);
        return;
      }
      if (path.startsWith('/ort/')) {
        const file = normalize(join(ORT_DIST, path.slice(5)));
        if (file.startsWith(ORT_DIST + sep) && existsSync(file) && statSync(file).isFile()) {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
          createReadStream(file).pipe(res);
          return;
        }
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    const page = await browser.newPage();
    const runner = new BrowserRunner(server, browser, page, models, url);
    await page.goto(url);
    return runner;
  }

  /** The WebGPU adapter's description, or null when the browser exposes none. */
  async adapterInfo(): Promise<string | null> {
    return this.page.evaluate(async () => {
      const gpu = (
        navigator as unknown as {
          gpu?: {
            requestAdapter(): Promise<{ info?: { vendor: string; architecture: string; description: string } } | null>;
          };
        }
      ).gpu;
      const a = gpu ? await gpu.requestAdapter() : null;
      return a ? `${a.info?.vendor ?? '?'} ${a.info?.architecture ?? ''} ${a.info?.description ?? ''}`.trim() : null;
    });
  }

  /** Runs `model` with onnxruntime-web's `bundle` (e.g. ort.webgpu.min.mjs) on execution provider `ep`. */
  async run(bundle: string, ep: 'webgpu' | 'wasm', model: Uint8Array, feeds: PlainFeeds): Promise<PlainOutputs> {
    const index = this.models.push(model) - 1;
    // Passed as source text: the test runner would rewrite a dynamic import() inside a function literal.
    return this.page.evaluate(
      `(${PAGE_RUN})(${JSON.stringify({ bundle, ep, index, feeds })})`,
    ) as Promise<PlainOutputs>;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise((ok) => this.server.close(ok));
  }
}
