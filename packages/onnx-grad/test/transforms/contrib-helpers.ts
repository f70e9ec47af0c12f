/**
 * One-node com.microsoft models for the contrib-op tests: build the node, run it on onnxruntime-node's own kernel,
 * decompose a copy into standard ops and run that.
 */
import * as ort from 'onnxruntime-node';
import {
  cloneModel,
  DataType,
  encodeModel,
  Graph,
  inferShapes,
  makeAttribute,
  type AttrValue,
  type ModelProto,
} from '../../src/index.ts';
import { decomposeContribOps } from '../../src/transforms/contrib/index.ts';

export interface IoSpec {
  name: string;
  /** Element type (default FLOAT). */
  elem?: number;
  /** Declared dims (number or dim_param); omitted: rank-unknown. */
  dims?: (number | string)[];
}

export interface ContribNodeSpec {
  op: string;
  /** Inputs in position; '' for an omitted optional input. */
  inputs: (IoSpec | '')[];
  /** Outputs in position; '' for an omitted optional output. */
  outputs: (IoSpec | '')[];
  attrs?: Record<string, AttrValue>;
  opset?: number;
}

const valueInfo = (s: IoSpec) => ({
  name: s.name,
  type: {
    tensor_type: {
      elem_type: s.elem ?? DataType.FLOAT,
      shape: s.dims
        ? { dim: s.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) }
        : undefined,
    },
  },
});

export function contribModel(spec: ContribNodeSpec): ModelProto {
  const opset = spec.opset ?? 17;
  const inputs = spec.inputs.filter((i): i is IoSpec => i !== '');
  const outputs = spec.outputs.filter((o): o is IoSpec => o !== '');
  return {
    ir_version: 8,
    opset_import: [
      { domain: '', version: opset },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: spec.op,
      node: [
        {
          name: `${spec.op}_node`,
          op_type: spec.op,
          domain: 'com.microsoft',
          input: spec.inputs.map((i) => (i === '' ? '' : i.name)),
          output: spec.outputs.map((o) => (o === '' ? '' : o.name)),
          attribute: Object.entries(spec.attrs ?? {}).map(([k, v]) => makeAttribute(k, v)),
        },
      ],
      initializer: [],
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
      value_info: [],
    },
  };
}

/** The model with its contrib node decomposed; throws unless exactly that node was rewritten. */
export function decomposed(model: ModelProto): ModelProto {
  const m = cloneModel(model);
  const g = new Graph(m);
  const r = decomposeContribOps(g);
  if (r.decomposed !== 1) throw new Error(`not decomposed: ${[...r.refused.values()].join('; ')}`);
  if (g.nodes.some((n) => n.domain)) throw new Error('a non-standard node is left');
  m.opset_import = m.opset_import.filter((o) => !o.domain);
  return m;
}

const OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'disabled',
};

export async function run(model: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(encodeModel(model), OPTIONS);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Runs the kernel and the decomposition on the same feeds; returns both outputs by name. */
export async function both(
  spec: ContribNodeSpec,
  feeds: Record<string, ort.Tensor>,
): Promise<{ kernel: Record<string, ort.Tensor>; decomposition: Record<string, ort.Tensor> }> {
  const model = contribModel(spec);
  const kernel = await run(model, feeds);
  checkInferredShapes(model, feeds, kernel);
  return { kernel, decomposition: await run(decomposed(model), feeds) };
}

/**
 * Shape inference on the model with the feeds' dims declared and the outputs' undeclared: the first output's shape
 * must be inferred, and every inferred dim that is a number must be the kernel's.
 */
export function checkInferredShapes(
  model: ModelProto,
  feeds: Record<string, ort.Tensor>,
  kernel: Record<string, ort.Tensor>,
) {
  const m = cloneModel(model);
  for (const v of m.graph.input) {
    const t = feeds[v.name];
    if (t && v.type?.tensor_type) v.type.tensor_type.shape = { dim: t.dims.map((d) => ({ dim_value: d })) };
  }
  for (const v of m.graph.output) if (v.type?.tensor_type) v.type.tensor_type.shape = undefined;
  const info = inferShapes(new Graph(m));
  const first = m.graph.node[0]!.output[0]!;
  if (!info.shape(first)) throw new Error(`${model.graph.name}: the shape of "${first}" was not inferred`);
  for (const [name, t] of Object.entries(kernel)) {
    const s = info.shape(name);
    if (s && (s.length !== t.dims.length || s.some((d, i) => typeof d === 'number' && d !== t.dims[i])))
      throw new Error(`${model.graph.name}: "${name}" inferred [${s}], the kernel gives [${t.dims}]`);
  }
}

export function maxAbs(a: ort.Tensor, b: ort.Tensor): number {
  if (a.dims.join() !== b.dims.join()) throw new Error(`shapes differ: [${a.dims}] vs [${b.dims}]`);
  const x = a.data as ArrayLike<number>;
  const y = b.data as ArrayLike<number>;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(Number(x[i]) - Number(y[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

export const f32 = (values: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('float32', Float32Array.from(values), dims);
export const i32 = (values: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('int32', Int32Array.from(values), dims);
