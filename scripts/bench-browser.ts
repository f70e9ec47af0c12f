/**
 * `pnpm tsx scripts/bench-browser.ts [--quick] [--rounds N] [--hidden 768 --layers 6 --heads 12] [--no-webgpu] [--rows a,b]`:
 * the same forward and gradient model at the same batch (8 x 64 tokens) on onnxruntime-node (1 and 2 threads)
 * and in headless Chromium (fixtures/chromium.ts) through onnxruntime-web: the plain WASM bundle
 * (ort.wasm.min.mjs) and the WebGPU bundle the core ships (ort.webgpu.min.mjs) on each of its binaries: asyncify
 * (its default, the core's fallback) and JSPI (what the core loads where the browser has JSPI: no asyncify
 * instrumentation), with the WASM provider at 1 and 2 threads, and WebGPU where the browser has an adapter. The
 * pages are served cross-origin isolated (COOP/COEP), as WASM threads require. Session creation is timed for the
 * gradient model, once per round after the runtime started (its start-up is not in it). Every contender runs once
 * per round, rounds interleaved; times are median [min-max] over rounds, ratios are taken per round and then
 * summarized.
 */
import { rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../fixtures/chromium.ts';
import { benchFeeds, buildBenchModel, type PlainFeeds } from './bench/model.ts';
import { serveBenchSite, writeBenchSite } from './bench/site.ts';
import { flag, fmt, interleave, numArg, ratioOf, strArg, summarize, table } from './bench/stats.ts';

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 3 : 7);
const B = numArg('batch', 8);
const S = numArg('seq', 64);
const model = buildBenchModel({
  hidden: numArg('hidden', 768),
  layers: numArg('layers', quick ? 1 : 6),
  heads: numArg('heads', 12),
});
const feeds = benchFeeds(model, B, S);
console.log(`${model.describe}; batch ${B} x ${S} tokens; ${rounds} interleaved rounds after a warm-up\n`);

// ---- the site: onnxruntime-web's dist, the page, the models and feeds
const site = writeBenchSite('bench-browser-', { forward: model.forward, gradient: model.gradient.bytes }, feeds);
const server = await serveBenchSite(site, 'browser-page.js');
const origin = server.origin;

// ---- node contenders
type Kind = 'forward' | 'gradient';
const nodeTensors = (f: PlainFeeds) =>
  Object.fromEntries(Object.entries(f).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
async function nodeContender(threads: number) {
  const opts = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 };
  const forward = await ort.InferenceSession.create(model.forward, opts);
  const t0 = performance.now();
  const gradient = await ort.InferenceSession.create(model.gradient.bytes, opts);
  const createMs = performance.now() - t0;
  const sessions = { forward, gradient };
  const inputs = { forward: nodeTensors(feeds.forward), gradient: nodeTensors(feeds.gradient) };
  const run = async (kind: Kind) => {
    const t = performance.now();
    await sessions[kind].run(inputs[kind]);
    return performance.now() - t;
  };
  await run('forward');
  await run('gradient');
  const create = async () => {
    const t = performance.now();
    const s = await ort.InferenceSession.create(model.gradient.bytes, opts);
    const ms = performance.now() - t;
    await s.release();
    return ms;
  };
  return { run, create, createMs, release: () => Promise.all([forward.release(), gradient.release()]) };
}

// ---- browser contenders
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
const probe = await browser.newPage();
await probe.goto(`${origin}/`);
const adapter: string | null = await probe.evaluate(async () => {
  const gpu = (
    navigator as unknown as {
      gpu?: {
        requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
      };
    }
  ).gpu;
  const a = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  return a ? [a.info?.vendor, a.info?.architecture, a.info?.description].filter(Boolean).join(' ') || 'unnamed' : null;
});
const cores: number = await probe.evaluate(() => navigator.hardwareConcurrency);
await probe.close();
const software = adapter !== null && /swiftshader|llvmpipe|software/i.test(adapter);
console.log(
  `Chromium: hardwareConcurrency ${cores}, WebGPU adapter: ${adapter ?? 'none'}${software ? ' (software)' : ''}`,
);

async function browserContender(bundle: string, ep: 'wasm' | 'webgpu', threads: number, wasm = '') {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin}/?bundle=${bundle}&ep=${ep}&threads=${threads}&wasm=${wasm}`);
  await page
    .waitForFunction(() => 'bench' in globalThis || false, null, { timeout: 600_000 })
    .catch((e) => {
      throw new Error(`${bundle} ${ep} ${threads}t did not load: ${errors.join('; ') || e}`);
    });
  const info = await page.evaluate(() => {
    const b = (globalThis as unknown as { bench: { createMs: Record<string, number>; isolated: boolean } }).bench;
    return { createMs: b.createMs.gradient!, isolated: b.isolated };
  });
  if (!info.isolated) throw new Error('the bench page is not cross-origin isolated: WASM threads would be off');
  const run = (kind: Kind) =>
    page.evaluate((k) => (globalThis as unknown as { bench: { run(k: string): Promise<number> } }).bench.run(k), kind);
  const create = () =>
    page.evaluate(() =>
      (globalThis as unknown as { bench: { create(k: string): Promise<number> } }).bench.create('gradient'),
    );
  return { run, create, createMs: info.createMs, release: () => page.close() };
}

interface Contender {
  run(k: Kind): Promise<number>;
  create(): Promise<number>;
  createMs: number;
  release(): Promise<unknown>;
}
const contenders: [string, () => Promise<Contender>][] = [
  ['node 1 thread', () => nodeContender(1)],
  ['node 2 threads', () => nodeContender(2)],
  ['wasm bundle, 1 thread', () => browserContender('ort.wasm.min.mjs', 'wasm', 1)],
  ['wasm bundle, 2 threads', () => browserContender('ort.wasm.min.mjs', 'wasm', 2)],
  ['webgpu bundle, asyncify, wasm 1 thread', () => browserContender('ort.webgpu.min.mjs', 'wasm', 1)],
  ['webgpu bundle, asyncify, wasm 2 threads', () => browserContender('ort.webgpu.min.mjs', 'wasm', 2)],
  ['webgpu bundle, jspi, wasm 1 thread', () => browserContender('ort.webgpu.min.mjs', 'wasm', 1, 'jspi')],
  ['webgpu bundle, jspi, wasm 2 threads', () => browserContender('ort.webgpu.min.mjs', 'wasm', 2, 'jspi')],
];
if (adapter && !flag('no-webgpu') && !(quick && software))
  contenders.push(
    ['webgpu bundle, asyncify, webgpu', () => browserContender('ort.webgpu.min.mjs', 'webgpu', 1)],
    ['webgpu bundle, jspi, webgpu', () => browserContender('ort.webgpu.min.mjs', 'webgpu', 1, 'jspi')],
  );

// --rows webgpu: only the browser rows whose name has one of these words (node's rows stay: the ratios need them).
const only = strArg('rows')?.split(',');
try {
  const ready: (Contender & { name: string })[] = [];
  for (const [name, make] of contenders)
    if (!only || name.startsWith('node') || only.some((w) => name.includes(w))) ready.push({ name, ...(await make()) });
  const fns: Record<string, () => Promise<number>> = {};
  for (const c of ready) {
    fns[`${c.name}|forward`] = () => c.run('forward');
    fns[`${c.name}|gradient`] = () => c.run('gradient');
    fns[`${c.name}|create`] = () => c.create();
  }
  const times = await interleave(rounds, fns);
  const nodeGrad = (threads: number) => times[`node ${threads === 1 ? '1 thread' : '2 threads'}|gradient`]!;
  const nodeCreate = (threads: number) => times[`node ${threads === 1 ? '1 thread' : '2 threads'}|create`]!;
  const rows = ready.map((c) => {
    const fwd = times[`${c.name}|forward`]!;
    const grad = times[`${c.name}|gradient`]!;
    const threads = /2 threads/.test(c.name) ? 2 : 1;
    const vsNode = c.name.startsWith('node') || /webgpu$/.test(c.name) ? '-' : fmt(ratioOf(grad, nodeGrad(threads)), 2);
    const create = times[`${c.name}|create`]!;
    const createVs =
      c.name.startsWith('node') || /webgpu$/.test(c.name) ? '-' : fmt(ratioOf(create, nodeCreate(threads)), 2);
    return [
      c.name,
      fmt(summarize(fwd), 0),
      fmt(summarize(grad), 0),
      fmt(ratioOf(grad, fwd), 2),
      vsNode,
      fmt(summarize(create), 0),
      createVs,
    ];
  });
  table(
    `Browser vs node, same model and feeds, batch ${B} x ${S} (ms, median [min-max] over ${rounds} rounds)`,
    [
      'runtime',
      'forward ms',
      'gradient ms',
      'grad / fwd',
      'grad / node same threads',
      'grad session create ms',
      'create / node',
    ],
    rows,
  );
  for (const c of ready) await c.release();
} finally {
  await browser.close();
  server.close();
  rmSync(site, { recursive: true, force: true });
}
