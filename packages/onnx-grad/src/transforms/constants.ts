/**
 * Reading compile-time constant tensors (initializers and `Constant` nodes) and turning values into initializers.
 *
 * Exports: `constantValue`, `constantInts`, `addInt64Constant`.
 */
import { DataType, toNumber, type TensorProto } from '../onnx/proto.ts';
import { makeTensor, tensorData, type TypedArray } from '../onnx/tensor.ts';
import { attrTensor, getAttr } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';

/** The tensor behind `name` when it is an initializer or a `Constant` node's output; undefined otherwise. */
export function constantTensor(graph: Graph, name: string): TensorProto | undefined {
  const init = graph.initializer(name);
  if (init) return init;
  const p = graph.producer(name);
  if (p?.op_type !== 'Constant' || (p.domain ?? '') !== '') return undefined;
  const t = attrTensor(p, 'value');
  if (t) return t;
  const vi = getAttr(p, 'value_int');
  if (vi) return makeTensor(name, [], BigInt64Array.from([BigInt(toNumber(vi.i))]));
  const vis = getAttr(p, 'value_ints');
  if (vis) return makeTensor(name, [vis.ints!.length], BigInt64Array.from(vis.ints!.map((v) => BigInt(toNumber(v)))));
  const vf = getAttr(p, 'value_float');
  if (vf) return makeTensor(name, [], Float32Array.from([vf.f ?? 0]));
  return undefined;
}

export function constantValue(graph: Graph, name: string): TypedArray | undefined {
  const t = constantTensor(graph, name);
  return t ? tensorData(t) : undefined;
}

/** Integer constant as plain numbers (int32/int64 tensors only). */
export function constantInts(graph: Graph, name: string): number[] | undefined {
  const t = constantTensor(graph, name);
  if (!t || (t.data_type !== DataType.INT64 && t.data_type !== DataType.INT32)) return undefined;
  return Array.from(tensorData(t) as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Adds an int64 initializer with a fresh name derived from `base`. */
export function addInt64Constant(
  graph: Graph,
  base: string,
  values: number[],
  dims: number[] = [values.length],
): string {
  return graph.addInitializer(
    makeTensor(graph.uniqueName(base), dims, BigInt64Array.from(values.map((v) => BigInt(v)))),
  );
}
