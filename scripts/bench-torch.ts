/**
 * `pnpm tsx scripts/bench-torch.ts [--quick] [--rounds N] [--threads T] [--hidden 768 --layers 6 --heads 12]`: the
 * PyTorch side of the bench, run only where Debian's python3-torch is installed (the bench never installs it; where
 * it is absent this section says so and exits 0). The bench's BERT-style classifier (scripts/bench/model.ts) is
 * written plainly in torch (scripts/bench/torch_bert.py) on the very same weights and feeds; its logits and input
 * gradients are checked against onnxruntime's first, then forward, forward+backward w.r.t. the input embeddings,
 * Saliency, IntegratedGradients (10 steps) and Occlusion (one token per pass) run in interleaved rounds against
 * the same calls on our onnxruntime-node sessions (forward model, gradient model), at the same thread count. Last,
 * peak resident memory of gradient runs (after one and after three) against torch's forward+backward, each in a
 * fresh process (`--memory-only` prints just that table, `--no-memory` leaves it out; `--ops` prints per-op profiles
 * and a GEMM micro-bench instead of all the rest: scripts/bench/torch-ops.ts): with onnxruntime's defaults, then step
 * by step up to the session the core opens (its config entries and options, NODE_MEMORY_CONFIG and
 * NODE_MEMORY_OPTIONS, and the weights as external data that onnxruntime maps).
 *
 * How torch gets its best CPU speed (what these rows are measured with):
 *   apt-get install python3-torch libopenblas0-pthread   # the pthread OpenBLAS, not the serial or OpenMP one
 *   env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE pnpm bench -- --only torch
 * OPENBLAS_CORETYPE unset lets OpenBLAS pick the kernels of the CPU it runs on; OMP_WAIT_POLICY=PASSIVE keeps idle
 * OpenMP threads from spinning (on a shared machine spinning threads slow everyone down, as onnxruntime's do).
 * torch_bert.py sets OpenBLAS's own thread count to --threads (torch.set_num_threads leaves the pthread OpenBLAS at
 * one thread per core, so "1 thread" rows ran torch's GEMMs on every core: docs/performance.md §3.1). The
 * section runs Debian's interpreter (/usr/bin/python3, where python3-torch lives; PYTHON overrides it), with
 * OMP_WAIT_POLICY=PASSIVE and without OPENBLAS_CORETYPE unless the caller set them otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, splitExternalData } from '../packages/onnx-grad/src/index.ts';
import { writeExternalData } from '../packages/onnx-grad/src/onnx/files.ts';
import { NODE_MEMORY_CONFIG, NODE_MEMORY_OPTIONS } from '../packages/core/src/runtime/session-options.ts';
import { benchFeeds, buildBenchModel, type PlainFeeds } from './bench/model.ts';
import { flag, fmt, interleave, numArg, ratioOf, summarize, table } from './bench/stats.ts';
import { opsReport } from './bench/torch-ops.ts';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const torchEnv: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'PASSIVE', ...process.env };
if (process.env.OPENBLAS_CORETYPE === undefined) delete torchEnv.OPENBLAS_CORETYPE;

const probe = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], {
  encoding: 'utf8',
  env: torchEnv,
});
if (probe.status !== 0) {
  console.log(
    `python3-torch is not installed for ${python}: the PyTorch rows are skipped (the bench never installs it).\n` +
      'To run them: apt-get install python3-torch libopenblas0-pthread, then\n' +
      '  env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE pnpm bench -- --only torch',
  );
  process.exit(0);
}

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 3 : 7);
const threads = numArg('threads', 1);
const igSteps = numArg('ig-steps', 10);
const B = numArg('batch', 8);
const S = numArg('seq', 64);
const model = buildBenchModel({
  hidden: numArg('hidden', 768),
  layers: numArg('layers', quick ? 1 : 6),
  heads: numArg('heads', 12),
});
const H = model.spec.hidden;
const feeds = benchFeeds(model, B, S);
console.log(
  `torch ${probe.stdout.trim()} (${python}; OMP_WAIT_POLICY=${torchEnv.OMP_WAIT_POLICY}, OPENBLAS_CORETYPE ` +
    `${torchEnv.OPENBLAS_CORETYPE ?? 'unset'}) against onnxruntime-node ${ort.env.versions?.common ?? ''}, ` +
    `${threads} thread(s) each\n${model.describe}; batch ${B} x ${S} tokens; ${rounds} interleaved rounds\n`,
);

// ---- the weights and feeds, as raw float32/int64 files
const dir = mkdtempSync(join(tmpdir(), 'bench-torch-'));
mkdirSync(join(dir, 'w'));
const weightDims: Record<string, number[]> = {};
for (const [name, w] of Object.entries(model.weights)) {
  // Linear weights are [out, in]; `in` is the intermediate width only for the FFN's second Linear
  const inDim = /layer\.\d+\.output\.dense\.weight$/.test(name) ? 4 * H : H;
  weightDims[name] =
    w.length === H || w.length < H || !name.endsWith('weight') ? [w.length] : [w.length / inDim, inDim];
  if (/LayerNorm/.test(name)) weightDims[name] = [w.length];
  writeFileSync(join(dir, 'w', `${name}.bin`), new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
}
const manifest: Record<string, Record<string, { type: string; dims: number[] }>> = {};
for (const [kind, f] of Object.entries(feeds) as [string, PlainFeeds][]) {
  manifest[kind] = {};
  mkdirSync(join(dir, 'f', kind), { recursive: true });
  for (const [name, t] of Object.entries(f)) {
    manifest[kind][name] = { type: t.type, dims: t.dims };
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    writeFileSync(join(dir, 'f', kind, `${name}.bin`), bytes);
  }
}
writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
writeFileSync(join(dir, 'forward.onnx'), model.forward);
writeFileSync(join(dir, 'gradient.onnx'), model.gradient.bytes);
{
  // The gradient model as the core writes it before opening it (runtime/backend-node.ts): weights in a data file
  const proto = decodeModel(model.gradient.bytes);
  const plan = splitExternalData(proto, 'gradient-external.onnx_data');
  writeFileSync(join(dir, 'gradient-external.onnx'), encodeModel(proto));
  writeExternalData(join(dir, plan.location), plan);
}
writeFileSync(join(dir, 'spec.json'), JSON.stringify({ ...model.spec, weights: weightDims, feeds: manifest }));

// ---- torch, driven line by line
function startTorch(args: string[]) {
  const proc = spawn(python, [join(here, 'bench', 'torch_bert.py'), dir, String(threads), ...args], {
    env: torchEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const ask = async (cmd: string): Promise<number> => {
    proc.stdin!.write(`${cmd}\n`);
    const { value, done } = await answers.next();
    if (done) throw new Error(`the torch process ended before answering "${cmd}".`);
    return Number(value);
  };
  return { proc, ask };
}
const py = startTorch([]);
const torch = py.ask;
// --blas-as-is: a second torch process that leaves OpenBLAS's thread count alone (how these rows ran before)
const asIs = flag('blas-as-is') ? startTorch(['blas-as-is']) : undefined;

// ---- ours: the same calls on onnxruntime-node sessions
const opts = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 };
const forward = await ort.InferenceSession.create(model.forward, opts);
// the gradient session with the core's config entries and options (no constant-folded weight copies, no memory
// pattern; run time unchanged)
const gradient = await ort.InferenceSession.create(model.gradient.bytes, {
  ...opts,
  ...NODE_MEMORY_OPTIONS,
  extra: NODE_MEMORY_CONFIG,
});
const tensors = (f: PlainFeeds) =>
  Object.fromEntries(Object.entries(f).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
const fwdFeeds = tensors(feeds.forward);
const gradFeeds = tensors(feeds.gradient);
const embeds = feeds.gradient.inputs_embeds!.data as Float32Array;
const gradName = model.gradient.outputNames.find((n) => n.startsWith('grad_'))!;

async function runGradient(scale = 1): Promise<Float32Array> {
  const f =
    scale === 1
      ? gradFeeds
      : {
          ...gradFeeds,
          inputs_embeds: new ort.Tensor(
            'float32',
            embeds.map((v) => v * scale),
            [B, S, H],
          ),
        };
  const out = await gradient.run(f);
  return out[gradName]!.data as Float32Array;
}
const ours = {
  fwd: () => forward.run(fwdFeeds),
  bwd: () => gradient.run(gradFeeds),
  saliency: async () => runGradient(),
  ig: async () => {
    for (let a = 1; a <= igSteps; a++) await runGradient(a / igSteps);
  },
  occlusion: async () => {
    const ids = feeds.forward.input_ids!.data as BigInt64Array;
    for (let t = 0; t < S; t++) {
      const masked = ids.slice();
      for (let b = 0; b < B; b++) masked[b * S + t] = 0n;
      await forward.run({ ...fwdFeeds, input_ids: new ort.Tensor('int64', masked, [B, S]) });
    }
  },
};

async function cleanup() {
  py.proc.stdin!.end('quit\n');
  asIs?.proc.stdin?.end('quit\n');
  await Promise.all([forward.release(), gradient.release()]);
  rmSync(dir, { recursive: true, force: true });
}

try {
  // agreement: the two implementations compute the same function
  await torch(`dump ${dir}`);
  const floats = (file: string) => {
    const b = readFileSync(join(dir, file));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const tLogits = floats('logits.bin');
  const tGrad = floats('grad.bin');
  const oLogits = (await forward.run(fwdFeeds)).logits!.data as Float32Array;
  const oGrad = await runGradient();
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  console.log(
    `agreement: logits max |torch - ours| ${maxDiff(tLogits, oLogits).toExponential(1)} (max |logit| ` +
      `${maxAbs(oLogits).toFixed(3)}), input gradient ${maxDiff(tGrad, oGrad).toExponential(1)} (max |grad| ` +
      `${maxAbs(oGrad).toExponential(1)})\n`,
  );
  // float32 sums in another order: differences near 1e-6 of the largest value; a different model shows up far above
  if (maxDiff(tGrad, oGrad) > 1e-4 * maxAbs(oGrad) || maxDiff(tLogits, oLogits) > 1e-4 * Math.max(1, maxAbs(oLogits)))
    throw new Error('torch and onnxruntime disagree on the logits or the input gradient: the two models differ.');

  if (flag('ops')) {
    // per-op profiles and the GEMM kernel alone (scripts/bench/torch-ops.ts), instead of the timing rows
    await opsReport({
      torch,
      sessions: [
        { kind: 'forward', bytes: model.forward, options: opts },
        { kind: 'gradient', bytes: model.gradient.bytes, options: { ...opts, extra: NODE_MEMORY_CONFIG } },
      ],
      feeds: { forward: fwdFeeds, gradient: gradFeeds },
      hidden: H,
      tokens: B * S,
      runs: numArg('runs', 3),
      rounds,
    });
    await cleanup();
    process.exit(0);
  }
  const rows: [string, string, () => Promise<unknown>][] = [
    ['forward', 'fwd', ours.fwd],
    ['forward + backward (w.r.t. input embeddings)', 'bwd', ours.bwd],
    ['Saliency (1 forward+backward)', 'saliency', ours.saliency],
    [`IntegratedGradients (${igSteps} steps)`, `ig ${igSteps}`, ours.ig],
    [`Occlusion (${S} passes of one masked token)`, 'occlusion', ours.occlusion],
  ];
  if (quick || flag('no-methods')) rows.splice(2, 3);
  // warm-up
  for (const [, cmd, fn] of flag('memory-only') ? [] : rows) {
    await torch(cmd);
    await asIs?.ask(cmd);
    await fn();
  }
  const fns: Record<string, () => Promise<unknown>> = {};
  for (const [name, cmd, fn] of rows) {
    fns[`${name}|ours`] = fn;
    fns[`${name}|torch`] = () => torch(cmd);
    if (asIs) fns[`${name}|torch as is`] = () => asIs.ask(cmd);
  }
  const times = await interleave(flag('memory-only') ? 0 : rounds, fns);
  if (!flag('memory-only'))
    table(
      `Ours (onnxruntime-node sessions) vs PyTorch, same model, weights and batch ${B} x ${S}, ${threads} thread(s) ` +
        `(ms, median [min-max] over ${rounds} rounds)`,
      ['work', 'ours ms', 'torch ms', 'ours / torch', ...(asIs ? ['torch, OpenBLAS as is ms', 'ours / that'] : [])],
      rows.map(([name]) => {
        const o = times[`${name}|ours`]!;
        const t = times[`${name}|torch`]!;
        const a = times[`${name}|torch as is`];
        const more = a ? [fmt(summarize(a), 0), fmt(ratioOf(o, a), 2)] : [];
        return [name, fmt(summarize(o), 0), fmt(summarize(t), 0), fmt(ratioOf(o, t), 2), ...more];
      }),
    );

  if (flag('no-memory')) {
    await cleanup();
    process.exit(0);
  }

  // ---- peak memory, each in a fresh process: after one run, and after RUNS (the core runs its session many times)
  const RUNS = 3;
  type Rss = { baseKiB: number; createdKiB: number; peakKiB: number; lastKiB: number };
  const nodeRss = (model: string, options: object, from: 'path' | 'bytes' = 'path'): Rss => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(here, 'bench', 'rss-child.ts'), dir, model, JSON.stringify(options), from, `${RUNS}`],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`rss child failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Rss;
  };
  const torchRss = (): Rss => {
    const r = spawnSync(python, [join(here, 'bench', 'torch_bert.py'), dir, String(threads)], {
      env: torchEnv,
      input: `rss base\nrss\nbwd\nrss\n${'bwd\n'.repeat(RUNS - 1)}rss\nquit\n`,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`torch rss child failed: ${r.stderr}`);
    const v = r.stdout.trim().split('\n').map(Number);
    return { baseKiB: v[0]!, createdKiB: v[1]!, peakKiB: v[3]!, lastKiB: v[v.length - 1]! };
  };
  const noPrepacking = { session: { disable_prepacking: '1' } };
  const variants: [string, () => Rss][] = [
    ['torch forward+backward', torchRss],
    // what the core did before: the model's bytes from JS (onnxruntime copies them twice on the way to its tensors)
    ['ours: defaults, model bytes from JS', () => nodeRss('gradient', opts, 'bytes')],
    ['ours: defaults, model file', () => nodeRss('gradient', opts)],
    // onnxruntime packs MatMul weights at session creation, a second copy of every weight it packs
    ['ours: + no prepacking', () => nodeRss('gradient', { ...opts, extra: noPrepacking })],
    // constant folding turns every Transpose(W) of the backward pass into a transposed copy of W
    [
      'ours: + no constant folding',
      () => nodeRss('gradient', { ...opts, extra: { ...NODE_MEMORY_CONFIG, ...noPrepacking } }),
    ],
    // constant folding off, prepacking kept (MatMul ~10% faster with packed weights), weights as external data,
    // mapped by onnxruntime rather than read and copied; onnxruntime's memory pattern on (its default)
    [
      'ours: no constant folding, prepacked, external data',
      () => nodeRss('gradient-external', { ...opts, extra: NODE_MEMORY_CONFIG }),
    ],
    // the session the core opens: the same without the memory pattern, which from the second run on takes a
    // second block the size of all activations
    [
      'ours: + memory pattern off (the core)',
      () => nodeRss('gradient-external', { ...opts, ...NODE_MEMORY_OPTIONS, extra: NODE_MEMORY_CONFIG }),
    ],
    // the least memory: no prepacking either (each gradient run ~1.10x slower, so not the core's default)
    [
      'ours: the core, no prepacking',
      () =>
        nodeRss('gradient-external', {
          ...opts,
          ...NODE_MEMORY_OPTIONS,
          extra: { ...NODE_MEMORY_CONFIG, ...noPrepacking },
        }),
    ],
  ];
  const mem: Record<string, { base: number[]; created: number[]; peak: number[]; last: number[] }> = {};
  for (let r = 0; r < (quick ? 1 : 3); r++)
    for (const [name, fn] of variants) {
      const m = fn();
      mem[name] ??= { base: [], created: [], peak: [], last: [] };
      mem[name].base.push(m.baseKiB / 1024);
      mem[name].created.push(m.createdKiB / 1024);
      mem[name].peak.push(m.peakKiB / 1024);
      mem[name].last.push(m.lastKiB / 1024);
    }
  const minus = (a: number[], b: number[]) => a.map((v, i) => v - b[i]!);
  const torchMem = mem['torch forward+backward']!;
  const torchAdded = minus(torchMem.peak, torchMem.base);
  const torchAddedLast = minus(torchMem.last, torchMem.base);
  table(
    'Peak resident memory of forward+backward in a fresh process (MiB, median [min-max]; "loaded" = peak once ' +
      `the model is loaded (session created), "added" = peak after the first run, "added, ${RUNS} runs" = after ` +
      `${RUNS} runs; all above the resident set before the model was loaded; "peak" = the whole process's, ` +
      `${RUNS} runs)`,
    [
      'process',
      'before model',
      'loaded',
      'added',
      `added, ${RUNS} runs`,
      'peak',
      'added / torch',
      `${RUNS} runs / torch`,
      'peak / torch',
    ],
    variants.map(([name]) => {
      const { base, created, peak, last } = mem[name]!;
      const added = minus(peak, base);
      const addedLast = minus(last, base);
      return [
        name,
        fmt(summarize(base), 0),
        fmt(summarize(minus(created, base)), 0),
        fmt(summarize(added), 0),
        fmt(summarize(addedLast), 0),
        fmt(summarize(last), 0),
        fmt(ratioOf(added, torchAdded), 2),
        fmt(ratioOf(addedLast, torchAddedLast), 2),
        fmt(ratioOf(last, torchMem.last), 2),
      ];
    }),
  );
} finally {
  await cleanup();
}
