/**
 * Scale benchmark (`pnpm bench:scale`): the gradient models of full-size decoders with random weights, written on
 * demand into the fixture cache with external data (test/fixtures/scale.ts; never committed):
 *   gpt2-124m-q4      GPT-2 small, 124M parameters, 4-bit MatMulNBits (model_q4.onnx + .onnx_data)
 *   qwen2-0.5b-q4f16  Qwen2.5-0.5B's shape, 494M parameters, 4-bit with float16 scales in a float16 graph
 * For each it prints
 * - gradient-model build time, as the CLI does it (decode, weights read on demand from the data file, build, write
 *   the gradient model and its data file), in a fresh child process;
 * - peak build memory: the child's max RSS growth during the build (Linux VmHWM reset before it), against the
 *   model's files (.onnx + .onnx_data);
 * - the gradient model's files against the model's;
 * - gradient-model run time / forward run time, batch 1 x 32 tokens, on onnxruntime-node (CPU) and
 *   onnxruntime-web WASM in Node (reported as failed with the reason when a runtime cannot run it).
 * Targets (issue 8) for the 124M q4 model: build < 5 s, peak < 1.5x the model file, gradient file < 1.2x.
 *   nodes-1m          a synthetic graph of 1,000,000 nodes (Gather, then a chain of Add/Mul/Identity stored in
 *                     reverse order, then ReduceSum; `--nodes N` for another size): the library build's time and peak
 *                     memory, in a fresh child process (issue 14: every pass linear; no weights, so no run times)
 *
 * Usage: tsx packages/onnx-grad/scripts/bench-scale.ts [--runs N] [--no-wasm] [--nodes N]
 *   [--only gpt2-124m-q4|qwen2-0.5b-q4f16|nodes-1m]
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { main as cli } from '../src/cli.ts';
import { buildGradientModel, decodeModel, encodeModel, toNumber, type ModelProto } from '../src/index.ts';
import { ensureScaleModel, SCALE_MODELS, type ScaleModelName } from '../test/fixtures/scale.ts';
import { fixtureCacheDir, GENERATOR_VERSION } from '../test/fixtures/index.ts';
import { rng } from '../test/transforms/helpers.ts';
import { REPO_ROOT } from '../../../fixtures/index.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const S = 32;

// ---- child mode: one CLI build in a fresh process, its time and peak memory --------------------------------------
if (process.argv[2] === '--measure-build') {
  const [model, out] = process.argv.slice(3) as [string, string];
  globalThis.gc?.();
  const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
  let resetOk = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // resets the high-water mark, so the build's own peak shows
    resetOk = true;
  } catch {
    // not Linux: fall back to the lifetime high-water mark
  }
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const code = await cli([model, '-o', out], { log: () => {}, error: (s) => process.stderr.write(`${s}\n`) });
  const ms = performance.now() - t0;
  const maxRss = resetOk ? hwm() : process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ code, ms, peak: maxRss - rssBefore, maxRss }));
  process.exit(0);
}

// ---- child mode: the synthetic n-node graph built by the library, its time and peak memory ----------------------
if (process.argv[2] === '--measure-nodes') {
  const n = Number(process.argv[3]);
  const t0 = performance.now();
  const bytes = encodeModel(chainModel(n));
  const madeMs = performance.now() - t0;
  globalThis.gc?.();
  let resetOk = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    resetOk = true;
  } catch {
    // not Linux: the lifetime high-water mark
  }
  const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
  const rssBefore = process.memoryUsage().rss;
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const grad = buildGradientModel(bytes);
  const ms = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000; // on a loaded machine the wall time is mostly waiting for a core
  const maxRss = resetOk ? hwm() : process.resourceUsage().maxRSS * 1024;
  const gradNodes = decodeModel(grad.bytes).graph.node.length;
  process.stdout.write(
    JSON.stringify({
      n,
      madeMs,
      ms,
      cpuMs,
      peak: maxRss - rssBefore,
      maxRss,
      modelBytes: bytes.length,
      gradBytes: grad.bytes.length,
      gradNodes,
    }),
  );
  process.exit(0);
}

/**
 * input_ids -> Gather(table) -> n-2 nodes cycling Add(c), Mul(c), Identity -> ReduceSum -> logits, stored in reverse
 * order (the sort must be linear too).
 */
function chainModel(n: number): ModelProto {
  const h = 8;
  const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
  const node: ModelProto['graph']['node'] = [
    { op_type: 'Gather', name: 'emb', input: ['table', 'input_ids'], output: ['x0'], attribute: [] },
  ];
  const ops = ['Add', 'Mul', 'Identity'] as const;
  const m = n - 2;
  for (let i = 0; i < m; i++) {
    const op = ops[i % 3]!;
    const input = op === 'Add' ? [`x${i}`, 'c_add'] : op === 'Mul' ? [`x${i}`, 'c_mul'] : [`x${i}`];
    node.push({ op_type: op, name: `n${i}`, input, output: [`x${i + 1}`], attribute: [] });
  }
  node.push({
    op_type: 'ReduceSum',
    name: 'sum',
    input: [`x${m}`, 'axes'],
    output: ['logits'],
    attribute: [{ name: 'keepdims', type: 2, i: 0 }],
  });
  node.reverse();
  const dims = (d: (number | string)[]) => d.map((x) => (typeof x === 'number' ? { dim_value: x } : { dim_param: x }));
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: `chain-${n}`,
      node,
      initializer: [
        {
          name: 'table',
          dims: [16, h],
          data_type: 1,
          raw_data: f32(Array.from({ length: 16 * h }, (_, i) => Math.sin(i))),
        },
        { name: 'c_add', dims: [h], data_type: 1, raw_data: f32(Array.from({ length: h }, () => 1e-6)) },
        { name: 'c_mul', dims: [h], data_type: 1, raw_data: f32(Array.from({ length: h }, () => 1)) },
        { name: 'axes', dims: [1], data_type: 7, raw_data: new Uint8Array(BigInt64Array.of(1n).buffer) },
      ],
      input: [
        { name: 'input_ids', type: { tensor_type: { elem_type: 7, shape: { dim: dims(['batch', 'sequence']) } } } },
      ],
      output: [{ name: 'logits', type: { tensor_type: { elem_type: 1, shape: { dim: dims(['batch', h]) } } } }],
      value_info: [],
    },
  };
}

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    'no-wasm': { type: 'boolean' },
    only: { type: 'string' },
    nodes: { type: 'string' },
  },
});
const RUNS = Number(args.runs ?? 3);
const NODES = 'nodes-1m';
const all = [NODES, ...Object.keys(SCALE_MODELS)];
const selected = args.only ? [args.only] : all;
for (const n of selected) if (!all.includes(n)) throw new Error(`--only ${n}: choose ${all}`);
const names = selected.filter((n) => n !== NODES) as ScaleModelName[];

const MB = 2 ** 20;
const filesSize = (path: string) => statSync(path).size + statSync(`${path}_data`).size;

function measureBuild(model: string, out: string): { ms: number; peak: number; maxRss: number } {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(HERE, 'bench-scale.ts'), '--measure-build', model, out],
    { encoding: 'utf8', maxBuffer: 1 << 20, cwd: REPO_ROOT },
  );
  const res = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  if (res?.code !== 0) throw new Error(`build failed for ${model}: ${r.stderr}`);
  return res;
}

type Ort = typeof ortNode | typeof ortWeb;
type Plain = Record<string, { type: 'int64' | 'float32' | 'float16'; dims: number[]; data: ArrayLike<unknown> }>;

/** Forward feeds (ids, mask, positions, empty cache) and the gradient model's (random embeddings and seed). */
function feeds(model: ModelProto, grad: ModelProto, vocab: number, hidden: number): { fwd: Plain; grad: Plain } {
  const r = rng(1);
  const i64 = (f: (k: number) => number) => ({
    type: 'int64' as const,
    dims: [1, S],
    data: BigInt64Array.from({ length: S }, (_, k) => BigInt(f(k))),
  });
  const fwd: Plain = {};
  for (const v of model.graph.input) {
    const tt = v.type!.tensor_type!;
    if (v.name === 'input_ids') fwd[v.name] = i64(() => Math.floor(r() * vocab));
    else if (v.name === 'attention_mask') fwd[v.name] = i64(() => 1);
    else if (v.name === 'position_ids') fwd[v.name] = i64((k) => k);
    else if (v.name.startsWith('past_key_values'))
      fwd[v.name] = {
        type: tt.elem_type === 10 ? 'float16' : 'float32',
        dims: tt.shape!.dim.map((d, i) => (i === 0 ? 1 : d.dim_param ? 0 : toNumber(d.dim_value))),
        data: [],
      };
    else throw new Error(`bench: no feed for "${v.name}"`);
  }
  const g: Plain = {
    inputs_embeds: {
      type: 'float32',
      dims: [1, S, hidden],
      data: Float32Array.from({ length: S * hidden }, () => 0.04 * (r() - 0.5)),
    },
  };
  for (const v of grad.graph.input) {
    if (fwd[v.name]) g[v.name] = fwd[v.name]!;
    else if (v.name.startsWith('grad_'))
      g[v.name] = {
        type: 'float32',
        dims: [1, S, vocab],
        data: Float32Array.from({ length: S * vocab }, () => r() - 0.5),
      };
  }
  return { fwd, grad: g };
}

/** Median run time of `path` on `ort`, or the reason it failed. */
async function timeRuns(ort: Ort, path: string, plain: Plain, ep: 'cpu' | 'wasm'): Promise<number | string> {
  try {
    // logSeverityLevel 3: onnxruntime warns once per overridable initializer (the packed weights, on purpose)
    const opts =
      ep === 'wasm'
        ? {
            executionProviders: [ep],
            logSeverityLevel: 3,
            externalData: [
              { path: `${path.split('/').pop()}_data`, data: new Uint8Array(readFileSync(`${path}_data`)) },
            ],
          }
        : { executionProviders: [ep], logSeverityLevel: 3 };
    const session =
      ep === 'wasm'
        ? await ort.InferenceSession.create(new Uint8Array(readFileSync(path)), opts as never)
        : await ort.InferenceSession.create(path, opts as never);
    const inputs = Object.fromEntries(
      Object.entries(plain).map(([k, t]) => [
        k,
        new ort.Tensor(t.type, (t.type === 'float16' ? new Uint16Array(0) : t.data) as never, t.dims),
      ]),
    );
    await session.run(inputs as never); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await session.run(inputs as never);
      times.push(performance.now() - t0);
    }
    await session.release();
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } catch (e) {
    return `failed: ${((e as Error).message ?? String(e)).split('\n')[0]!.slice(0, 160)}`;
  }
}

const fmt = (v: number | string | undefined, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : (v ?? '-'));
const ratio = (g: number | string, f: number | string) =>
  typeof g === 'number' && typeof f === 'number' ? (g / f).toFixed(2) : '-';

if (selected.includes(NODES)) {
  const n = Number(args.nodes ?? 1_000_000);
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=16384',
      '--import',
      'tsx',
      join(HERE, 'bench-scale.ts'),
      '--measure-nodes',
      String(n),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20, cwd: REPO_ROOT },
  );
  if (r.status !== 0) throw new Error(`the ${n}-node build failed: ${r.stderr}`);
  const b = JSON.parse(r.stdout) as Record<string, number>;
  console.log(
    `\n${NODES}: a ${n.toLocaleString('en')}-node chain (Gather, Add/Mul/Identity stored in reverse, ReduceSum; ` +
      `${fmt(b.modelBytes! / MB, 1)} MB, made in ${fmt(b.madeMs! / 1000, 1)} s)\n` +
      `  build (decode, validate, differentiate, encode, validate the result): ${fmt(b.ms! / 1000, 2)} s ` +
      `(${fmt(b.cpuMs! / 1000, 2)} s of CPU), ` +
      `peak memory ${fmt(b.peak! / MB)} MB above the ${fmt((b.maxRss! - b.peak!) / MB)} MB before it ` +
      `(max RSS ${fmt(b.maxRss! / MB)} MB); gradient model ${b.gradNodes!.toLocaleString('en')} nodes, ${fmt(b.gradBytes! / MB, 1)} MB`,
  );
}

const rows: Record<string, string>[] = [];
for (const name of names) {
  const t0 = performance.now();
  const files = ensureScaleModel(name, fixtureCacheDir(), GENERATOR_VERSION);
  console.log(`${name}: model ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${files.modelPath})`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    const gradPath = join(dir, 'grad.onnx');
    const build = measureBuild(files.modelPath, gradPath);
    const modelBytes = filesSize(files.modelPath);
    const gradBytes = filesSize(gradPath);
    const model = decodeModel(new Uint8Array(readFileSync(files.modelPath)));
    const grad = decodeModel(new Uint8Array(readFileSync(gradPath)));
    const cfg = files.config as { vocab_size: number; hidden_size?: number; n_embd?: number };
    const f = feeds(model, grad, cfg.vocab_size, cfg.hidden_size ?? cfg.n_embd!);
    const node = {
      fwd: await timeRuns(ortNode, files.modelPath, f.fwd, 'cpu'),
      grad: await timeRuns(ortNode, gradPath, f.grad, 'cpu'),
    };
    const wasm = args['no-wasm']
      ? undefined
      : {
          fwd: await timeRuns(ortWeb, files.modelPath, f.fwd, 'wasm'),
          grad: await timeRuns(ortWeb, gradPath, f.grad, 'wasm'),
        };
    rows.push({
      model: `${name} (${SCALE_MODELS[name].params})`,
      'model MB': fmt(modelBytes / MB),
      'build s': fmt(build.ms / 1000, 2),
      'peak MB': fmt(build.peak / MB),
      'peak/model': (build.peak / modelBytes).toFixed(2),
      'grad MB': fmt(gradBytes / MB),
      'grad/model': (gradBytes / modelBytes).toFixed(2),
      'node fwd ms': fmt(node.fwd),
      'node grad ms': fmt(node.grad),
      'node grad/fwd': ratio(node.grad, node.fwd),
      'wasm fwd ms': fmt(wasm?.fwd),
      'wasm grad ms': fmt(wasm?.grad),
      'wasm grad/fwd': wasm ? ratio(wasm.grad, wasm.fwd) : '-',
    });
    for (const [k, v] of Object.entries({ ...node, ...(wasm ? { wasmFwd: wasm.fwd, wasmGrad: wasm.grad } : {}) }))
      if (typeof v === 'string') console.log(`  ${k}: ${v}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (names.length > 0) {
  console.log(
    `\nScale (batch 1 x ${S} tokens, median of ${RUNS} runs; peak = max RSS growth of a fresh process during the CLI ` +
      'build; model/grad MB = .onnx + .onnx_data; targets for 124M q4: build < 5 s, peak < 1.5x, grad < 1.2x)',
  );
  console.table(rows);
}
