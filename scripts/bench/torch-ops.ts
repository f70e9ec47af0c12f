/**
 * `pnpm tsx scripts/bench-torch.ts --ops`: where our single-thread time goes against torch's, per op. onnxruntime's
 * profiler (kernel time per op type) on the forward and gradient sessions against torch.profiler (self CPU time per
 * aten op) on the same batch, grouped into GEMM / elementwise / LayerNorm / GELU / softmax / copies; then one GEMM
 * of each of the model's shapes alone, an onnxruntime-node MatMul (weight as an initializer, prepacked as in the
 * model) against torch.matmul, interleaved, in GFLOP/s: whether the GEMM kernel itself carries the gap.
 * Findings: docs/performance.md §3.
 *
 * Exports: `opsReport(ctx)`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, Graph, makeTensor } from '../../packages/onnx-grad/src/index.ts';
import { addInput, addOutput, emptyModel } from '../../packages/onnx-grad/test/fixtures/onnx-model.ts';
import { fmt, interleave, summarize, table } from './stats.ts';

export interface OpsContext {
  /** Sends one command to the torch process and returns its answer (a number). */
  torch(cmd: string): Promise<number>;
  sessions: { kind: 'forward' | 'gradient'; bytes: Uint8Array; options: ort.InferenceSession.SessionOptions }[];
  feeds: { forward: Record<string, ort.Tensor>; gradient: Record<string, ort.Tensor> };
  hidden: number;
  tokens: number;
  runs: number;
  rounds: number;
}

/** Op groups, onnxruntime op types and aten ops alike. */
const GROUPS: [string, RegExp][] = [
  ['GEMM', /^(MatMul|FusedMatMul|Gemm|FusedGemm|aten::(addmm|mm|bmm|baddbmm))$/],
  ['LayerNorm', /^(LayerNormalization|ReduceMean|Sqrt|Reciprocal|aten::native_layer_norm(_backward)?)$/],
  ['GELU', /^(BiasGelu|Gelu|Erf|aten::gelu(_backward)?)$/],
  ['softmax, tanh', /^(Softmax|Exp|Tanh|aten::_softmax(_backward_data)?|aten::tanh(_backward)?)$/],
  ['elementwise (Add, Mul, Sub, Div, sums)', /^(Add|Mul|Sub|Div|ReduceSum|aten::(add|add_|mul|div|sub|rsub|sum))$/],
  [
    'copies, layout, gathers',
    /^(Transpose|Reshape|Expand|Slice|Gather|ScatterElements|Concat|Squeeze|Unsqueeze|aten::(copy_|clone|index|contiguous|_unsafe_view|reshape|cat|index_select|embedding))$/,
  ],
];
const groupOf = (op: string) => GROUPS.find(([, re]) => re.test(op))?.[0] ?? 'other';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Kernel ms per op type per run, the first (warm-up) run left out. */
async function ortProfile(s: OpsContext['sessions'][number], feeds: Record<string, ort.Tensor>, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-torch-ops-'));
  try {
    const session = await ort.InferenceSession.create(s.bytes, {
      ...s.options,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'p'),
    });
    for (let r = 0; r <= runs; r++) await session.run(feeds);
    (session as unknown as { endProfiling(): void }).endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime-node wrote no profile.');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const starts = events.filter((e) => e.name === 'model_run').map((e) => (e as unknown as { ts: number }).ts);
    const from = starts.sort((a, b) => a - b)[1] ?? 0;
    const ms = new Map<string, number>();
    for (const e of events)
      if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && (e as unknown as { ts: number }).ts >= from)
        ms.set(e.args!.op_name!, (ms.get(e.args!.op_name!) ?? 0) + e.dur / 1000 / runs);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function torchProfile(ctx: OpsContext, kind: 'fwd' | 'bwd') {
  const dir = mkdtempSync(join(tmpdir(), 'bench-torch-ops-'));
  try {
    await ctx.torch(`prof ${kind} ${ctx.runs} ${join(dir, 'p.json')}`);
    const raw = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as Record<string, { self_us: number }>;
    const ms = new Map<string, number>();
    for (const [key, v] of Object.entries(raw)) {
      const op = key.split(' ')[0]!;
      ms.set(op, (ms.get(op) ?? 0) + v.self_us / 1000);
    }
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(1)}%`;

function byGroup(m: Map<string, number>): Map<string, number> {
  const g = new Map<string, number>();
  for (const [op, v] of m) g.set(groupOf(op), (g.get(groupOf(op)) ?? 0) + v);
  return g;
}

function top(m: Map<string, number>, n: number): string {
  const t = total(m);
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([op, v]) => `${op} ${v.toFixed(1)} (${pct(v, t)})`)
    .join(', ');
}

/** One MatMul [M,K] x [K,N], the weight an initializer as in the model (onnxruntime prepacks it). */
function matMulModel(M: number, K: number, N: number): Uint8Array {
  const model = emptyModel(14, 'gemm');
  const g = new Graph(model);
  addInput(g, 'A', DataType.FLOAT, [M, K]);
  let state = 7;
  const w = Float32Array.from({ length: K * N }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  });
  g.addInitializer(makeTensor('W', [K, N], w));
  g.addNode('MatMul', ['A', 'W'], { outputs: ['Y'] });
  addOutput(g, 'Y', DataType.FLOAT, [M, N]);
  return encodeModel(model);
}

export async function opsReport(ctx: OpsContext): Promise<void> {
  // per-op profiles, ours and torch's alternating
  for (const s of ctx.sessions) {
    const torchKind = s.kind === 'forward' ? 'fwd' : 'bwd';
    const ours = await ortProfile(s, ctx.feeds[s.kind], ctx.runs);
    const theirs = await torchProfile(ctx, torchKind);
    const [go, gt] = [byGroup(ours), byGroup(theirs)];
    const [to, tt] = [total(ours), total(theirs)];
    table(
      `${s.kind === 'forward' ? 'Forward' : 'Forward + backward'}: kernel time per run by op group, 1 thread ` +
        `(ms; onnxruntime's profiler, ${s.kind} session / torch.profiler self CPU time, mean of ${ctx.runs} runs)`,
      ['op group', 'ours ms', 'share', 'torch ms', 'share', 'ours / torch'],
      [...GROUPS.map(([name]) => name), 'other', 'total'].map((name) => {
        const o = name === 'total' ? to : (go.get(name) ?? 0);
        const t = name === 'total' ? tt : (gt.get(name) ?? 0);
        return [name, o.toFixed(1), pct(o, to), t.toFixed(1), pct(t, tt), t > 0 ? (o / t).toFixed(2) : '-'];
      }),
    );
    console.log(`ours, top ops (ms): ${top(ours, 10)}\ntorch, top ops (ms): ${top(theirs, 10)}\n`);
  }

  // the GEMM kernel alone, at the model's shapes
  const H = ctx.hidden;
  const T = ctx.tokens;
  const shapes: [number, number, number][] = [
    [T, H, 4 * H],
    [T, 4 * H, H],
    [T, H, H],
  ];
  const sessions = await Promise.all(
    shapes.map(([M, K, N]) =>
      ort.InferenceSession.create(matMulModel(M, K, N), ctx.sessions[0]!.options).then((session) => ({
        session,
        A: new ort.Tensor('float32', new Float32Array(M * K).fill(0.5), [M, K]),
      })),
    ),
  );
  const fns: Record<string, () => Promise<unknown>> = {};
  shapes.forEach(([M, K, N], i) => {
    fns[`${i}|ours`] = () => sessions[i]!.session.run({ A: sessions[i]!.A });
    fns[`${i}|torch`] = () => ctx.torch(`gemm ${M} ${K} ${N}`);
  });
  await interleave(1, fns); // warm-up
  const times = await interleave(ctx.rounds, fns);
  const gflops = (ms: number[], flop: number) => summarize(ms.map((t) => flop / t / 1e6));
  table(
    `One MatMul alone, 1 thread: onnxruntime-node (weight an initializer, prepacked) vs torch.matmul, ` +
      `${ctx.rounds} interleaved rounds (GFLOP/s, median [min-max]; best = at the fastest round)`,
    ['[M,K] x [K,N]', 'ours GFLOP/s', 'torch GFLOP/s', 'ours / torch time', 'best ours / best torch'],
    shapes.map(([M, K, N], i) => {
      const o = times[`${i}|ours`]!;
      const t = times[`${i}|torch`]!;
      const flop = 2 * M * K * N;
      return [
        `[${M},${K}] x [${K},${N}]`,
        fmt(gflops(o, flop), 0),
        fmt(gflops(t, flop), 0),
        fmt(summarize(o.map((v, r) => v / t[r]!)), 2),
        (Math.min(...o) / Math.min(...t)).toFixed(2),
      ];
    }),
  );
  await Promise.all(sessions.map((s) => s.session.release()));
}
