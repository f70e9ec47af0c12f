/**
 * Gradient-model benchmark: for a DistilBERT-base-sized and a GPT-2-small-width (768, 12 heads, 6 layers, vocab
 * 50257) random-weight graph built on the fly (never written to the repository) and for the test fixtures, measures
 * - run time of the gradient model / run time of the forward model, batch 8 x 64 tokens, on onnxruntime-node (CPU)
 *   and onnxruntime-web WASM in Node (target <= 3);
 * - gradient-model build time (target < 1 s for the base-size graph);
 * - peak memory of the build, measured in a fresh child process as max RSS growth (target < 2x the model file).
 * Every ratio is against the forward baseline measured in the same run. Each model's node counts by op type, forward
 * and gradient graph, show what the backward adds.
 *
 * Usage: tsx packages/onnx-grad/scripts/bench-grad.ts [--rounds N] [--quick] [--no-wasm] [--no-core] [--only base|fixtures]
 * The base-size graphs are also timed as the core builds them (target-score head, shared forward: --no-core skips it).
 * Forward and gradient run in interleaved rounds, so a load swing hits both (scripts/bench/stats.ts).
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
  buildGradientModel,
  decodeModel,
  encodeModel,
  toNumber,
  type GradientModel,
  type ModelProto,
} from '../src/index.ts';
import { embeddingConfig } from '../src/cli.ts';
import { buildEncoderClassifier, buildGpt2, ensureFixture, FIXTURES } from '../test/fixtures/index.ts';
import { rng } from '../test/transforms/helpers.ts';
import { REPO_ROOT, thirdParty } from '../../../fixtures/index.ts';
import { fmt as fmtS, interleave, ratioOf, summarize, table, type Summary } from '../../../scripts/bench/stats.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const B = 8,
  S = 64;

// ---- child mode: measure one build's time and peak memory in a fresh process -----------------------------------
if (process.argv[2] === '--measure-build') {
  // The Buffer itself (a Uint8Array): copying it would double the start-up high-water mark and hide the build's peak.
  const bytes: Uint8Array = readFileSync(process.argv[3]!);
  const config = process.argv[4] ? JSON.parse(process.argv[4]) : undefined;
  globalThis.gc?.();
  // Linux: writing 5 to clear_refs resets the high-water mark (VmHWM), so the build's own peak is measurable even
  // below the start-up peak (module loading and the file read leave a transient high-water mark above it).
  const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
  let resetOk = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    resetOk = true;
  } catch {
    // not Linux, or not allowed: fall back to the lifetime high-water mark
  }
  const rssBefore = process.memoryUsage().rss;
  const maxBefore = resetOk ? hwm() : process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const grad = buildGradientModel(bytes, { config });
  const ms = performance.now() - t0;
  const maxRss = resetOk ? hwm() : process.resourceUsage().maxRSS * 1024; // bytes
  // Without a reset, maxRSS is a lifetime high-water mark: when the build never rose above the start-up peak, its
  // own peak is unknown (and smaller than that start-up peak), reported as null
  process.stdout.write(
    JSON.stringify({ ms, peak: resetOk || maxRss > maxBefore ? maxRss - rssBefore : null, out: grad.bytes.length }),
  );
  process.exit(0);
}

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    rounds: { type: 'string' },
    'no-wasm': { type: 'boolean' },
    only: { type: 'string' },
    quick: { type: 'boolean' },
    'no-core': { type: 'boolean' },
  },
  strict: false,
});
const quick = args.quick === true;
/** Interleaved rounds (--rounds, or --runs as before). --quick: 3 rounds, the base-size graph only. */
const RUNS = Number(args.rounds ?? args.runs ?? (quick ? 3 : 7));
const ONLY = (args.only as string | undefined) ?? (quick ? 'base' : undefined);
/** WASM in node: skipped by --quick (the browser section times the same runtime where users run it). */
const NO_WASM = args['no-wasm'] === true || quick;
/** The base-size graphs also time the core's gradient model (target score, shared forward) unless --no-core. */
const CORE = args['no-core'] !== true;

interface Row {
  model: string;
  fileMB: number;
  buildMs: number;
  /** null: below the child process's start-up peak (tiny models), so not measurable this way. */
  peakMB: number | null;
  node?: Timing;
  wasm?: Timing;
  /** The model the core runs: target score head (one target position per row), shared forward, distinct rows. */
  core?: { node?: Timing; wasm?: Timing };
  /** Node count of the forward and gradient graphs, by op type. */
  ops: { fwd: Map<string, number>; grad: Map<string, number> };
}

/** Run times (ms) and the gradient / forward ratio taken per round, each as median [min-max]. */
interface Timing {
  fwd: Summary;
  grad: Summary;
  ratio: Summary;
}

type Plain = Record<
  string,
  { type: 'int64' | 'float32' | 'bool'; dims: number[]; data: BigInt64Array | Float32Array | Uint8Array }
>;

/** Forward feeds: random ids, full mask, positions, empty cache; the gradient model's: looked-up embeddings and a random seed. */
function feeds(model: ModelProto, grad: GradientModel, vocab: number, batch: number): { fwd: Plain; grad: Plain } {
  const r = rng(1);
  const ids = Array.from({ length: batch * S }, () => 3 + Math.floor(r() * (vocab - 3)));
  const fwd: Plain = {};
  const i64 = (f: (k: number) => number) => ({
    type: 'int64' as const,
    dims: [batch, S],
    data: BigInt64Array.from({ length: batch * S }, (_, k) => BigInt(f(k))),
  });
  for (const v of model.graph.input) {
    const dims = v.type?.tensor_type?.shape?.dim ?? [];
    if (v.name === 'input_ids') fwd[v.name] = i64((k) => ids[k]!);
    else if (v.name === 'attention_mask') fwd[v.name] = i64(() => 1);
    else if (v.name === 'token_type_ids') fwd[v.name] = i64(() => 0);
    else if (v.name === 'position_ids') fwd[v.name] = i64((k) => k % S);
    else if (v.name === 'use_cache_branch') fwd[v.name] = { type: 'bool', dims: [1], data: Uint8Array.of(0) };
    else if (v.name.startsWith('past'))
      fwd[v.name] = {
        type: 'float32',
        dims: dims.map((d, i) => (i === 0 ? batch : d.dim_param ? 0 : toNumber(d.dim_value))),
        data: new Float32Array(0),
      };
    else throw new Error(`bench: no feed rule for input "${v.name}"`);
  }
  const H = grad.embedding!.hiddenSize;
  const emb = new Float32Array(batch * S * H);
  ids.forEach((id, k) => emb.set(grad.embedding!.weights.subarray(id * H, (id + 1) * H), k * H));
  const g: Plain = { inputs_embeds: { type: 'float32', dims: [batch, S, H], data: emb } };
  for (const name of grad.inputNames) if (fwd[name]) g[name] = fwd[name];
  for (const v of decodeModel(grad.bytes).graph.input.filter((x) => x.name.startsWith('grad_'))) {
    const dims = v.type!.tensor_type!.shape!.dim.map((d, i) =>
      i === 0 ? batch : d.dim_param ? S : toNumber(d.dim_value),
    );
    g[v.name] = {
      type: 'float32',
      dims,
      data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() - 0.5),
    };
  }
  return { fwd, grad: g };
}

/** Forward and gradient sessions on one runtime, run in interleaved rounds (fwd, grad, fwd, grad, ...). */
async function timeRuns(
  ort: typeof ortNode | typeof ortWeb,
  fwdBytes: Uint8Array,
  gradBytes: Uint8Array,
  f: { fwd: Plain; grad: Plain },
  ep: 'cpu' | 'wasm',
): Promise<Timing> {
  const tensors = (plain: Plain) =>
    Object.fromEntries(Object.entries(plain).map(([k, t]) => [k, new ort.Tensor(t.type, t.data as never, t.dims)]));
  const fwd = await ort.InferenceSession.create(fwdBytes, { executionProviders: [ep] });
  const grad = await ort.InferenceSession.create(gradBytes, { executionProviders: [ep] });
  const inputs = { fwd: tensors(f.fwd), grad: tensors(f.grad) };
  await fwd.run(inputs.fwd as never); // warm-up
  await grad.run(inputs.grad as never);
  const times = await interleave(RUNS, {
    fwd: async () => void (await fwd.run(inputs.fwd as never)),
    grad: async () => void (await grad.run(inputs.grad as never)),
  });
  await fwd.release();
  await grad.release();
  return { fwd: summarize(times.fwd!), grad: summarize(times.grad!), ratio: ratioOf(times.grad!, times.fwd!) };
}

function measureBuild(path: string, config: unknown): { ms: number; peak: number | null } {
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      join(HERE, 'bench-grad.ts'),
      '--measure-build',
      path,
      config ? JSON.stringify(config) : '',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20, cwd: REPO_ROOT },
  );
  if (r.status !== 0) throw new Error(`build measurement failed for ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function bench(
  name: string,
  bytes: Uint8Array,
  config: ReturnType<typeof embeddingConfig>,
  batch = B,
  core = false,
): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-grad-'));
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  const build = measureBuild(path, config);
  rmSync(dir, { recursive: true, force: true });
  const grad = buildGradientModel(bytes, { config });
  const model = decodeModel(bytes);
  const f = feeds(model, grad, grad.embedding!.vocabSize, batch);
  const row: Row = {
    model: name,
    fileMB: bytes.length / 2 ** 20,
    buildMs: build.ms,
    peakMB: build.peak === null ? null : build.peak / 2 ** 20,
    ops: { fwd: opCounts(model), grad: opCounts(decodeModel(grad.bytes)) },
  };
  row.node = await timeRuns(ortNode, bytes, grad.bytes, f, 'cpu');
  if (!NO_WASM) row.wasm = await timeRuns(ortWeb, bytes, grad.bytes, f, 'wasm');
  if (core && CORE) {
    const model = buildGradientModel(bytes, { config, targetScore: true, shareForward: true });
    const cf = { fwd: f.fwd, grad: coreFeeds(model, f.grad, batch) };
    row.core = { node: await timeRuns(ortNode, bytes, model.bytes, cf, 'cpu') };
    if (!NO_WASM) row.core.wasm = await timeRuns(ortWeb, bytes, model.bytes, cf, 'wasm');
  }
  return row;
}

/**
 * Feeds of the core's gradient model: the same embeddings, one target per row (token 100 + b at the last position
 * for sequence logits, class 1 otherwise), logits mode, every row its own input (nothing shared).
 */
function coreFeeds(core: GradientModel, plain: Plain, batch: number): Plain {
  const i64 = (dims: number[], f: (k: number) => number) => ({
    type: 'int64' as const,
    dims,
    data: BigInt64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => BigInt(f(k))),
  });
  const f32 = (dims: number[], f: (k: number) => number) => ({
    type: 'float32' as const,
    dims,
    data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => f(k)),
  });
  const sequence = core.inputNames.includes('target_positions');
  const out: Plain = {};
  for (const n of core.inputNames) {
    if (plain[n] && !n.startsWith('grad_')) out[n] = plain[n]!;
    else if (n === 'target_ids') out[n] = i64([batch, 2], (k) => (sequence ? 100 + (k >> 1) : 1));
    else if (n === 'target_weights') out[n] = f32([batch, 2], (k) => (k % 2 ? 0 : 1));
    else if (n === 'inference_mode') out[n] = f32([3], (k) => (k === 0 ? 1 : 0));
    else if (n === 'target_positions') out[n] = i64([batch, 1], () => S - 1);
    else if (n === 'row_sources') out[n] = i64([batch], (k) => k);
    else if (n.startsWith('grad_')) out[n] = f32([batch], () => 1);
    else throw new Error(`bench: no feed rule for the core model's input "${n}"`);
  }
  return out;
}

function opCounts(m: ModelProto): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of m.graph.node) out.set(n.op_type, (out.get(n.op_type) ?? 0) + 1);
  return out;
}

function printTables(rows: Row[]): void {
  const fmt = (v: number | undefined, d = 1) => (v === undefined ? '-' : v.toFixed(d));
  table(
    `Run time at batch ${B} x ${S} tokens, ms, median [min-max] of ${RUNS} interleaved rounds (forward, gradient) ` +
      'after a warm-up; gradient / forward taken per round',
    ['model', 'node fwd', 'node grad', 'node grad/fwd', 'wasm fwd', 'wasm grad', 'wasm grad/fwd'],
    rows.map((r) => [
      r.model,
      fmtS(r.node?.fwd),
      fmtS(r.node?.grad),
      fmtS(r.node?.ratio, 2),
      fmtS(r.wasm?.fwd),
      fmtS(r.wasm?.grad),
      fmtS(r.wasm?.ratio, 2),
    ]),
  );
  if (rows.some((r) => r.core))
    table(
      `The core's gradient model (target-score head, one target per row, shared forward with ${B} distinct rows) ` +
        `against the same forward, batch ${B} x ${S}, ms, median [min-max] of ${RUNS} interleaved rounds`,
      ['model', 'node fwd', 'node grad', 'node grad/fwd', 'wasm fwd', 'wasm grad', 'wasm grad/fwd'],
      rows
        .filter((r) => r.core)
        .map((r) => [
          r.model,
          fmtS(r.core!.node?.fwd),
          fmtS(r.core!.node?.grad),
          fmtS(r.core!.node?.ratio, 2),
          fmtS(r.core!.wasm?.fwd),
          fmtS(r.core!.wasm?.grad),
          fmtS(r.core!.wasm?.ratio, 2),
        ]),
    );
  for (const r of rows) {
    const types = [...new Set([...r.ops.grad.keys(), ...r.ops.fwd.keys()])].sort(
      (a, b) => (r.ops.grad.get(b) ?? 0) - (r.ops.grad.get(a) ?? 0) || a.localeCompare(b),
    );
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.log(
      `Nodes by op type, ${r.model}: forward ${total(r.ops.fwd)}, gradient model ${total(r.ops.grad)} (forward + backward)\n` +
        types.map((t) => `${t} ${r.ops.fwd.get(t) ?? 0}/${r.ops.grad.get(t) ?? 0}`).join(', '),
    );
  }
  console.log(
    'Gradient-model build (fresh process; peak = max RSS growth during the build; targets: base < 1 s, peak < 2x file)',
  );
  console.table(
    rows.map((r) => ({
      model: r.model,
      'file MB': fmt(r.fileMB, 2),
      'build ms': fmt(r.buildMs, 0),
      'peak MB': r.peakMB === null ? '< start-up' : fmt(r.peakMB, 1),
      'peak / file': r.peakMB === null ? '-' : fmt(r.peakMB / r.fileMB, 2),
    })),
  );
}

const rows: Row[] = [];
ortWeb.env.wasm.numThreads = 1;
if (ONLY !== 'fixtures') {
  const t0 = performance.now();
  const base = buildEncoderClassifier({
    family: 'distilbert',
    opset: 14,
    vocabSize: 30522,
    hidden: 768,
    layers: 6,
    heads: 12,
    intermediate: 3072,
    maxPositions: 512,
    labels: ['NEGATIVE', 'POSITIVE'],
    padTokenId: 0,
    seed: 1,
    initStd: 0.02,
  });
  const bytes = encodeModel(base.model);
  console.log(
    `built the DistilBERT-base-sized graph in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(bytes.length / 2 ** 20).toFixed(0)} MB)`,
  );
  rows.push(
    await bench('distilbert-base-size (random, opset 14)', bytes, { vocab_size: 30522, hidden_size: 768 }, B, true),
  );
  printTables(rows);
  // GPT-2 small's width (768, 12 heads, vocab 50257, gelu_new, decomposed LayerNorm), 6 of its 12 layers
  const gpt2 = encodeModel(
    buildGpt2(
      {
        opset: 14,
        vocabSize: 50257,
        nEmbd: 768,
        nLayer: 6,
        nHead: 12,
        nPositions: 1024,
        bosTokenId: 50256,
        eosTokenId: 50256,
        seed: 1,
      },
      false,
    ).model,
  );
  rows.push(
    await bench(
      'gpt2-small-width, 6 layers (random, opset 14)',
      gpt2,
      { vocab_size: 50257, hidden_size: 768 },
      B,
      true,
    ),
  );
  printTables(rows);
}
if (ONLY !== 'base') {
  for (const name of FIXTURES) {
    const dir = await ensureFixture(name);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    rows.push(
      await bench(name, new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx'))), embeddingConfig(config)),
    );
  }
  rows.push(
    await bench(
      'third-party optimum tiny DistilBERT',
      new Uint8Array(readFileSync(thirdParty('optimum-tiny-distilbert-sst2/model.onnx'))),
      { vocab_size: 30522, hidden_size: 2 },
    ),
  );
  printTables(rows);
}
