/**
 * Element-type consistency of a graph before it is written: inputs bound to one type parameter (`T` of Add, MatMul,
 * Concat, Where's branches, ...) must have one element type, else onnxruntime refuses the file at load
 * ("Type parameter (T) ... bound to different types"). Found mismatches are a `TypeMismatchError` naming the nodes.
 *
 * Exports: `TypeMismatchError`, `checkElementTypes`.
 */
import { DataType, type NodeProto } from '../onnx/proto.ts';
import type { Graph } from '../ir/graph.ts';
import { inferShapes, type ShapeInfo } from '../shape/infer.ts';
import { TransformError } from './errors.ts';

/** Input positions that share one type parameter, per op (all inputs when `'all'`). */
const SAME_TYPE: Record<string, number[] | 'all'> = {
  Add: 'all', Sub: 'all', Mul: 'all', Div: 'all', Mod: 'all', Max: 'all', Min: 'all', Sum: 'all', Mean: 'all',
  MatMul: 'all', Gemm: 'all', Concat: 'all', Einsum: 'all', PRelu: 'all', Range: 'all',
  Equal: 'all', Less: 'all', Greater: 'all', LessOrEqual: 'all', GreaterOrEqual: 'all',
  Where: [1, 2], LayerNormalization: [0, 1, 2], Clip: 'all', Pad: [0, 2], ScatterND: [0, 2], ScatterElements: [0, 2],
  DequantizeLinear: [0, 2],
};

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

export interface TypeMismatch {
  node: string;
  opType: string;
  inputs: { name: string; type: string }[];
}

export class TypeMismatchError extends TransformError {
  override name = 'TypeMismatchError';
  constructor(readonly mismatches: TypeMismatch[]) {
    const shown = mismatches.slice(0, 8).map((m) => `"${m.node}" (${m.opType}: ${m.inputs.map((i) => `"${i.name}" ${i.type}`).join(', ')})`);
    super(
      `The graph mixes element types in ${mismatches.length} node(s) whose inputs must share one type: ${shown.join('; ')}` +
        `${mismatches.length > 8 ? `; and ${mismatches.length - 8} more` : ''}. onnxruntime would refuse to load it: this is a bug in onnx-grad ` +
        '(a transform or gradient rule that does not follow the model\'s dtype); please report it with the model.',
    );
  }
}

function mismatchOf(n: NodeProto, shapes: ShapeInfo): TypeMismatch | undefined {
  if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') return undefined;
  const spec = SAME_TYPE[n.op_type];
  if (!spec) return undefined;
  const positions = spec === 'all' ? n.input.map((_, k) => k) : spec;
  const typed = positions
    .map((k) => n.input[k])
    .filter((name): name is string => !!name)
    .map((name) => ({ name, t: shapes.elemType(name) }))
    .filter((x) => x.t !== 0);
  if (new Set(typed.map((x) => x.t)).size <= 1) return undefined;
  return { node: n.name ?? '', opType: n.op_type, inputs: typed.map((x) => ({ name: x.name, type: typeName(x.t) })) };
}

/** Throws a `TypeMismatchError` listing every node whose same-type inputs have different element types. */
export function checkElementTypes(graph: Graph, shapes: ShapeInfo = inferShapes(graph)): void {
  const found = graph.nodes.map((n) => mismatchOf(n, shapes)).filter((m): m is TypeMismatch => !!m);
  if (found.length > 0) throw new TypeMismatchError(found);
}
