/**
 * Makes a float16 (or bfloat16) model compute in float32, so that the gradient model runs the same on CPU, WASM
 * and WebGPU and its backward needs no half-precision kernels: half initializers stay half in the file (compact)
 * and are Cast to float32 at run time (small ones are widened in place); half Constant/ConstantOfShape values are
 * widened; `Cast(to=float16)` and `dtype` attributes become float32; half graph inputs, outputs and value infos
 * become float32. Subgraphs (If/Loop bodies) are converted the same way.
 *
 * Exports: `computeInFloat32`, `isHalf`.
 */
import {
  DataType,
  toNumber,
  type AttributeProto,
  type GraphProto,
  type TensorProto,
  type ValueInfoProto,
} from '../onnx/proto.ts';
import { makeTensor, tensorData, tensorSize } from '../onnx/tensor.ts';
import type { Graph } from '../ir/graph.ts';
import { halfToFloat } from './quantization.ts';
import { copyTensorLazily } from '../onnx/external-data.ts';

/** Initializers up to this many elements are widened in place rather than cast at run time. */
const WIDEN_IN_PLACE = 1024;

export const isHalf = (t: number | undefined): boolean => t === DataType.FLOAT16 || t === DataType.BFLOAT16;

const bf16ToFloat = (h: number): number => new Float32Array(new Uint32Array([h << 16]).buffer)[0]!;

/** A float32 copy of a half tensor, same name and shape. */
function widen(t: TensorProto): TensorProto {
  const bits = tensorData(t) as Uint16Array;
  const values = Float32Array.from(bits, t.data_type === DataType.BFLOAT16 ? bf16ToFloat : halfToFloat);
  return makeTensor(t.name ?? '', t.dims.map(toNumber), values);
}

/** Converts the main graph in place; returns the number of changes (0 when the model had no half tensors). */
export function computeInFloat32(graph: Graph): number {
  let changes = 0;
  for (const t of [...graph.proto.initializer]) {
    if (!isHalf(t.data_type)) continue;
    const name = t.name!;
    graph.removeInitializer(name);
    if (tensorSize(t) <= WIDEN_IN_PLACE) {
      graph.addInitializer(widen(t));
    } else {
      const stored = graph.uniqueName(`${name}/half`);
      graph.addInitializer(copyTensorLazily(t, { name: stored }));
      graph.addNode('Cast', [stored], { outputs: [name], attrs: { to: DataType.FLOAT }, name: `float32/${name}` });
    }
    changes++;
  }
  changes += convertGraph(graph.proto, false);
  if (changes > 0) {
    graph.invalidate();
    graph.toposort();
  }
  return changes;
}

/** Node attributes, value infos and (for subgraphs) initializers of one graph level, recursively. */
function convertGraph(g: GraphProto, withInitializers: boolean): number {
  let changes = 0;
  if (withInitializers) {
    g.initializer = g.initializer.map((t) => {
      if (!isHalf(t.data_type)) return t;
      changes++;
      return widen(t);
    });
  }
  for (const v of [...g.input, ...g.output, ...g.value_info]) changes += convertValueInfo(v);
  for (const n of g.node) {
    for (const a of n.attribute) {
      changes += convertAttribute(n.op_type, a);
      if (a.g) changes += convertGraph(a.g, true);
      for (const sub of a.graphs ?? []) changes += convertGraph(sub, true);
    }
  }
  return changes;
}

function convertValueInfo(v: ValueInfoProto): number {
  const tt = v.type?.tensor_type;
  if (!tt || !isHalf(tt.elem_type)) return 0;
  tt.elem_type = DataType.FLOAT;
  return 1;
}

function convertAttribute(opType: string, a: AttributeProto): number {
  if (a.t && isHalf(a.t.data_type)) {
    a.t = widen(a.t);
    return 1;
  }
  const typeAttr = (opType === 'Cast' && a.name === 'to') || a.name === 'dtype';
  if (typeAttr && isHalf(toNumber(a.i))) {
    a.i = DataType.FLOAT;
    return 1;
  }
  return 0;
}
