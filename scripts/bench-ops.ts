/**
 * `pnpm tsx scripts/bench-ops.ts [--layers 1 --hidden 768 --heads 12] [--runs 3] [--bundle ort.wasm.min.mjs]`:
 * where the browser's time goes. onnxruntime's own profiler, on one thread, times every kernel of the bench's
 * forward and gradient models (scripts/bench/model.ts, batch 8 x 64) in onnxruntime-node and in headless Chromium's
 * WASM; the tables sum kernel time per op type, per run (the warm-up run left out), side by side: which ops make
 * the WASM / node gap and how the gradient's mix differs from the forward's. The profiler's own overhead is in
 * both columns, so the sums run above plain run times. Findings: docs/performance.md §1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../fixtures/chromium.ts';
import { benchFeeds, buildBenchModel, type PlainFeeds } from './bench/model.ts';
import { serveBenchSite, writeBenchSite } from './bench/site.ts';
import { numArg, strArg, table } from './bench/stats.ts';

const B = numArg('batch', 8);
const S = numArg('seq', 64);
const runs = numArg('runs', 3);
const bundle = strArg('bundle') ?? 'ort.wasm.min.mjs';
const model = buildBenchModel({
  hidden: numArg('hidden', 768),
  layers: numArg('layers', 1),
  heads: numArg('heads', 12),
});
const feeds = benchFeeds(model, B, S);
const bytes = { forward: model.forward, gradient: model.gradient.bytes };
type Kind = keyof typeof bytes;
console.log(
  `${model.describe}; batch ${B} x ${S} tokens; kernel time per run, mean of ${runs} runs; WASM: ${bundle}\n`,
);

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Kernel time (ms per run) by op type, from the events after the first `runs`-th-from-last model run. */
function byOp(events: ProfileEvent[]): Map<string, number> {
  const starts = events.flatMap((e, i) => (e.cat === 'Session' && e.name === 'model_run' ? [i] : []));
  // onnxruntime logs a model_run event when the run ends: the warm-up run's kernels are those before its event
  const after = starts.length > runs ? starts[starts.length - runs - 1]! + 1 : 0;
  const out = new Map<string, number>();
  for (const e of events.slice(after)) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    out.set(op, (out.get(op) ?? 0) + e.dur / 1000 / runs);
  }
  return out;
}

async function nodeProfile(kind: Kind): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ops-'));
  try {
    const session = await ort.InferenceSession.create(bytes[kind], {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'node'),
    });
    const f = Object.fromEntries(
      Object.entries(feeds[kind] as PlainFeeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]),
    );
    for (let i = 0; i <= runs; i++) await session.run(f);
    (session as unknown as { endProfiling(): void }).endProfiling();
    await session.release();
    const file = readdirSync(dir).find((n) => n.endsWith('.json'));
    if (!file) throw new Error('onnxruntime-node wrote no profile.');
    return byOp(JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the site for the browser side
const site = writeBenchSite('bench-ops-site-', bytes, feeds);
const server = await serveBenchSite(site, 'ops-page.js');
const origin = server.origin;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });

async function webProfile(kind: Kind): Promise<Map<string, number>> {
  const page = await browser.newPage();
  const lines: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${origin}/?bundle=${bundle}&kind=${kind}`);
    await page
      .waitForFunction(() => 'ready' in globalThis, null, { timeout: 600_000 })
      .catch((e) => {
        throw new Error(`the ${kind} profile page did not load: ${errors.join('; ') || e}`);
      });
    lines.length = 0;
    await page.evaluate((n) => (globalThis as unknown as { profile(n: number): Promise<void> }).profile(n), runs);
    // the events come as one JSON array, possibly split over several console messages
    const text = lines.join('\n');
    const start = text.indexOf('[');
    const end = text.lastIndexOf(']');
    if (start < 0 || end < start) throw new Error('onnxruntime-web printed no profile to the console.');
    return byOp(JSON.parse(text.slice(start, end + 1)) as ProfileEvent[]);
  } finally {
    await page.close();
  }
}

try {
  for (const kind of ['forward', 'gradient'] as Kind[]) {
    const node = await nodeProfile(kind);
    const web = await webProfile(kind);
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const [sn, sw] = [sum(node), sum(web)];
    const ops = [...new Set([...node.keys(), ...web.keys()])].sort((a, b) => (web.get(b) ?? 0) - (web.get(a) ?? 0));
    const rows = ops
      .filter((op) => (web.get(op) ?? 0) >= 0.005 * sw || (node.get(op) ?? 0) >= 0.005 * sn)
      .map((op) => {
        const [n, w] = [node.get(op) ?? 0, web.get(op) ?? 0];
        return [op, n.toFixed(1), w.toFixed(1), n > 0 ? (w / n).toFixed(2) : '-', `${((100 * w) / sw).toFixed(1)}%`];
      });
    rows.push(['all kernels', sn.toFixed(1), sw.toFixed(1), (sw / sn).toFixed(2), '100%']);
    table(
      `${kind} model: kernel ms per run by op type, 1 thread (ops under 0.5% of both left out)`,
      ['op', 'node ms', 'wasm ms', 'wasm / node', 'share of wasm'],
      rows,
    );
  }
} finally {
  await browser.close();
  server.close();
  rmSync(site, { recursive: true, force: true });
}
