/**
 * Gradient checking against central finite differences with onnxruntime-node.
 * A case builds a small graph with OpBuilder; we differentiate <cotangent, f(x)> with a seeded random cotangent
 * and compare every gradient entry with (L(x + h e_i) - L(x - h e_i)) / 2h computed by the forward model.
 */
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, Graph, OpBuilder, differentiate, type ModelProto } from '../../src/index.ts';
import { rng } from '../transforms/helpers.ts';
import { fusePatterns, type FusedPatterns } from '../../src/transforms/fused-patterns.ts';
import { resolveInternalOps } from '../../src/autodiff/rules/internal.ts';

export { rng };

export type Dtype = 'float64' | 'float32';

/** Tiny graphs: one thread avoids thread-pool spin-waits that dominate run time on a 2-core machine. */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

export interface InputSpec {
  name: string;
  shape: number[];
  /** Declared dims: numbers, dim_param names, or null for an unnamed unknown dim (default: `shape`). */
  declared?: (number | string | null)[] | null;
  /** int64 inputs (indices) carry fixed values and get no gradient. */
  int?: number[];
  bool?: boolean[];
  /** Fixed float values (default: seeded uniform in [lo, hi]). */
  values?: number[];
  range?: [number, number];
}

export interface GradCase {
  name?: string;
  opset: number;
  dtype?: Dtype;
  inputs: InputSpec[];
  /** Builds the forward graph; returns the output tensor names. */
  build: (b: OpBuilder, k: (v: number) => string) => string | string[];
  wrt?: string[];
  /** FD step and tolerance (abs + rel * |fd|). */
  h?: number;
  tol?: number;
  seed?: number;
  /**
   * Differentiate as `buildGradientModel` does: `fusePatterns` before (decomposed LayerNorm/GELU kept whole, sibling
   * Slices as one Split), `resolveInternalOps` after.
   */
  fuse?: boolean;
}

export function emptyModel(opset: number): ModelProto {
  return {
    ir_version: opset >= 21 ? 10 : 8,
    opset_import: [{ domain: '', version: opset }],
    graph: { node: [], initializer: [], input: [], output: [], value_info: [], name: 'case' },
  };
}

const elemOf = (d: Dtype) => (d === 'float64' ? DataType.DOUBLE : DataType.FLOAT);

export function buildCase(c: GradCase): { model: ModelProto; graph: Graph; outputs: string[] } {
  const dtype = c.dtype ?? 'float64';
  const model = emptyModel(c.opset);
  for (const inp of c.inputs) {
    const elem = inp.int ? DataType.INT64 : inp.bool ? DataType.BOOL : elemOf(dtype);
    const decl = inp.declared === undefined ? inp.shape : inp.declared;
    model.graph.input.push({
      name: inp.name,
      type: {
        tensor_type: {
          elem_type: elem,
          shape:
            decl === null
              ? undefined
              : {
                  dim: decl.map((d) => (typeof d === 'number' ? { dim_value: d } : d === null ? {} : { dim_param: d })),
                },
        },
      },
    });
  }
  const graph = new Graph(model);
  const b = new OpBuilder(graph);
  const k = (v: number) => b.scalar(v, elemOf(dtype));
  const out = c.build(b, k);
  const outputs = typeof out === 'string' ? [out] : out;
  for (const o of outputs) graph.proto.output.push({ name: o, type: { tensor_type: { elem_type: elemOf(dtype) } } });
  return { model, graph, outputs };
}

function feedsFor(c: GradCase, values: Map<string, Float64Array>): Record<string, ort.Tensor> {
  const dtype = c.dtype ?? 'float64';
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of c.inputs) {
    if (inp.int) feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(inp.int.map(BigInt)), inp.shape);
    else if (inp.bool) feeds[inp.name] = new ort.Tensor('bool', Uint8Array.from(inp.bool.map(Number)), inp.shape);
    else {
      const v = values.get(inp.name)!;
      feeds[inp.name] = new ort.Tensor(
        dtype,
        dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v),
        inp.shape,
      );
    }
  }
  return feeds;
}

export interface GradCheckResult {
  analytic: Map<string, number[]>;
  numeric: Map<string, number[]>;
  maxErr: number;
  worst: string;
  /** With `fuse`: what `fusePatterns` replaced. */
  fused?: FusedPatterns;
  /** Op types of the gradient graph as run (internal ops resolved). */
  ops: string[];
}

/** Differentiates the case, runs it, and compares with central differences; returns both gradients. */
export async function gradCheck(c: GradCase): Promise<GradCheckResult> {
  const dtype = c.dtype ?? 'float64';
  const rand = rng(c.seed ?? 1234);
  const values = new Map<string, Float64Array>();
  for (const inp of c.inputs) {
    if (inp.int || inp.bool) continue;
    const n = inp.shape.reduce((a, d) => a * d, 1);
    const [lo, hi] = inp.range ?? [-1.5, 1.5];
    values.set(
      inp.name,
      inp.values ? Float64Array.from(inp.values) : Float64Array.from({ length: n }, () => lo + (hi - lo) * rand()),
    );
  }
  const wrt = c.wrt ?? c.inputs.filter((i) => !i.int && !i.bool).map((i) => i.name);

  const fwd = buildCase(c);
  const fwdSession = await ort.InferenceSession.create(encodeModel(fwd.model), SESSION_OPTIONS);
  const base = await fwdSession.run(feedsFor(c, values));
  const cot = new Map<string, { data: Float64Array; dims: readonly number[] }>();
  for (const o of fwd.outputs) {
    const t = base[o]!;
    cot.set(o, { data: Float64Array.from({ length: t.size }, () => rand() * 2 - 1), dims: t.dims });
  }

  const bwd = buildCase(c);
  const fused = c.fuse ? fusePatterns(bwd.graph) : undefined;
  const { seeds, grads } = differentiate(bwd.graph, { outputs: bwd.outputs, wrt });
  if (c.fuse) resolveInternalOps(bwd.graph);
  const gradOutputs = wrt.map((w) => {
    const name = `check_grad_${w}`;
    bwd.graph.addNode('Identity', [grads.get(w)!], { outputs: [name] });
    bwd.graph.proto.output.push({ name, type: { tensor_type: { elem_type: elemOf(dtype) } } });
    return name;
  });
  const bwdSession = await ort.InferenceSession.create(encodeModel(bwd.model), SESSION_OPTIONS);
  const feeds = feedsFor(c, values);
  for (const [o, s] of seeds) {
    const { data, dims } = cot.get(o)!;
    feeds[s] = new ort.Tensor(dtype, dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data), dims);
  }
  const res = await bwdSession.run(feeds, gradOutputs);

  const objective = async (vals: Map<string, Float64Array>) => {
    const r = await fwdSession.run(feedsFor(c, vals));
    let s = 0;
    for (const o of fwd.outputs) {
      const y = r[o]!.data as Float64Array | Float32Array;
      const w = cot.get(o)!.data;
      for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
    }
    return s;
  };
  const h = c.h ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const tol = c.tol ?? (dtype === 'float64' ? 1e-6 : 1e-3);
  const analytic = new Map<string, number[]>();
  const numeric = new Map<string, number[]>();
  let maxErr = 0;
  let worst = '';
  for (const [k, w] of wrt.entries()) {
    const got = Array.from(res[gradOutputs[k]!]!.data as Float64Array);
    const v = values.get(w)!;
    const fd: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const orig = v[i]!;
      v[i] = orig + h;
      const up = await objective(values);
      v[i] = orig - h;
      const down = await objective(values);
      v[i] = orig;
      fd.push((up - down) / (2 * h));
    }
    if (got.length !== fd.length) throw new Error(`gradient of ${w} has ${got.length} entries, expected ${fd.length}`);
    fd.forEach((f, i) => {
      const err = Math.abs(got[i]! - f) / (tol * (1 + Math.abs(f)));
      if (err > maxErr) {
        maxErr = err;
        worst = `${w}[${i}]: analytic ${got[i]} vs FD ${f}`;
      }
    });
    analytic.set(w, got);
    numeric.set(w, fd);
  }
  return { analytic, numeric, maxErr, worst, fused, ops: bwd.graph.nodes.map((n) => n.op_type) };
}
