/**
 * What a contrib-op decomposition works with: the graph, an opset-aware builder, the node's element type, typed
 * scalar constants and a way to bind results to the node's own output names.
 *
 * Exports: `DecomposeContext`, `ContribOp`, `ContribRefusal`, `makeContext`, `TypeLookup`, `intScalar`.
 */
import { DataType, type NodeProto } from '../../onnx/proto.ts';
import { OpBuilder } from '../../ir/builder.ts';
import type { Graph } from '../../ir/graph.ts';

/** Thrown by a decomposition for a form of the op it does not rewrite (the node then stays and is reported). */
export class ContribRefusal extends Error {
  override name = 'ContribRefusal';
}

/** Element type and rank of a tensor where known. */
export interface TypeLookup {
  elemType(name: string): number | undefined;
  rank(name: string): number | undefined;
  staticShape(name: string): number[] | undefined;
  /** One dimension when it is static (others may be symbolic). */
  dim(name: string, axis: number): number | undefined;
  /** Whether two dimensions are known to be equal (the same number or the same symbol). */
  sameDim(a: string, axisA: number, b: string, axisB: number): boolean;
}

export interface DecomposeContext {
  graph: Graph;
  b: OpBuilder;
  node: NodeProto;
  types: TypeLookup;
  /** Float element type of the node's computation (that of its `floatInput`; float32 when unknown). */
  elem: number;
  /** A scalar of the node's float type. */
  k(value: number): string;
  /** Input `i` when present (non-empty name), else undefined. */
  input(i: number): string | undefined;
  /** Makes `value` available as the node's output `i` (if the node has one there). */
  bind(i: number, value: string): void;
}

/** A decomposition: the op's required inputs (by name, in order) and the rewrite. */
export interface ContribOp {
  required: string[];
  /** The input whose element type is the op's float type (default 0). */
  floatInput?: number;
  run: (c: DecomposeContext) => void;
}

export function makeContext(graph: Graph, node: NodeProto, types: TypeLookup, floatInput = 0): DecomposeContext {
  const b = new OpBuilder(graph, `${node.name || node.op_type}/`);
  const elem = types.elemType(node.input[floatInput] ?? '') ?? DataType.FLOAT;
  if (elem !== DataType.FLOAT && elem !== DataType.DOUBLE && elem !== DataType.FLOAT16) {
    throw new ContribRefusal(`its input has element type ${elem}, not a float type`);
  }
  // A float16 node gets float32 constants cast to float16: buildGradientModel's float32 pass turns that Cast into a
  // float32 one, so the constants keep full precision there.
  const constant = (value: number) =>
    elem === DataType.FLOAT16
      ? b.op('Cast', [b.f32(value)], { to: DataType.FLOAT16 })
      : elem === DataType.DOUBLE
        ? b.tensor(Float64Array.from([value]), [])
        : b.f32(value);
  return {
    graph,
    b,
    node,
    types,
    elem,
    k: constant,
    input: (i) => (node.input[i] ? node.input[i] : undefined),
    bind: (i, value) => {
      const out = node.output[i];
      if (out) graph.addNode('Identity', [value], { outputs: [out], name: `${node.name || node.op_type}/${i}` });
    },
  };
}

/** An integer scalar constant of the given type (INT32 by default; INT64 for int64 masks and ids). */
export const intScalar = (b: OpBuilder, v: number, type: number = DataType.INT32): string =>
  type === DataType.INT64 ? b.i64(v) : b.tensor(Int32Array.from([v]), [], DataType.INT32);
