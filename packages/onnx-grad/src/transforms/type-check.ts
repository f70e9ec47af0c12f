/**
 * Element-type consistency of a graph before it is written: inputs bound to one type parameter (`T` of Add, MatMul,
 * Concat, Where's branches, ...) must have one element type, else onnxruntime refuses the file at load
 * ("Type parameter (T) ... bound to different types"). Found mismatches are a `TypeMismatchError` naming the nodes.
 * Element types come from a single forward pass over the nodes (no shapes: a fraction of `inferShapes`' cost on
 * the whole gradient graph); ops it has no rule for give unknown types, which are never reported.
 *
 * Exports: `TypeMismatchError`, `TypeMismatch`, `checkElementTypes`, `typeMismatches`, `elementTypes`.
 */
import { DataType, toNumber, type GraphProto, type NodeProto } from '../onnx/proto.ts';
import { attrInt, attrTensor, getAttr } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';
import { hasSubgraphs } from '../validate/graph.ts';
import { TransformError } from './errors.ts';

/** Input positions that share one type parameter, per op (all inputs when `'all'`). */
const SAME_TYPE: Record<string, number[] | 'all'> = {
  Add: 'all',
  Sub: 'all',
  Mul: 'all',
  Div: 'all',
  Mod: 'all',
  Max: 'all',
  Min: 'all',
  Sum: 'all',
  Mean: 'all',
  MatMul: 'all',
  Gemm: 'all',
  Concat: 'all',
  Einsum: 'all',
  PRelu: 'all',
  Range: 'all',
  Equal: 'all',
  Less: 'all',
  Greater: 'all',
  LessOrEqual: 'all',
  GreaterOrEqual: 'all',
  Where: [1, 2],
  LayerNormalization: [0, 1, 2],
  Clip: 'all',
  Pad: [0, 2],
  ScatterND: [0, 2],
  ScatterElements: [0, 2],
  DequantizeLinear: [0, 2],
};

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]),
);
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

export interface TypeMismatch {
  node: string;
  opType: string;
  inputs: { name: string; type: string }[];
}

export class TypeMismatchError extends TransformError {
  override name = 'TypeMismatchError';
  constructor(readonly mismatches: TypeMismatch[]) {
    const shown = mismatches
      .slice(0, 8)
      .map((m) => `"${m.node}" (${m.opType}: ${m.inputs.map((i) => `"${i.name}" ${i.type}`).join(', ')})`);
    super(
      `The graph mixes element types in ${mismatches.length} node(s) whose inputs must share one type: ${shown.join('; ')}` +
        `${mismatches.length > 8 ? `; and ${mismatches.length - 8} more` : ''}. onnxruntime would refuse to load it: this is a bug in onnx-grad ` +
        "(a transform or gradient rule that does not follow the model's dtype); please report it with the model.",
    );
  }
}

/** Ops whose outputs all have the element type of their first input. */
const SAME_AS_FIRST = new Set([
  'Identity',
  'Neg',
  'Abs',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Gelu',
  'LeakyRelu',
  'Elu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'HardSwish',
  'Mish',
  'Selu',
  'Celu',
  'Sin',
  'Cos',
  'Tan',
  'Atan',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Clip',
  'Softmax',
  'LogSoftmax',
  'CumSum',
  'Trilu',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'Sum',
  'Mean',
  'Mod',
  'PRelu',
  'MatMul',
  'Gemm',
  'Einsum',
  'Transpose',
  'Reshape',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'GatherElements',
  'GatherND',
  'Expand',
  'Tile',
  'Pad',
  'ScatterND',
  'ScatterElements',
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL2',
  'ReduceL1',
  'ReduceLogSumExp',
  'ReduceSumSquare',
  'ReduceLogSum',
  'Range',
  'DepthToSpace',
  'SpaceToDepth',
]);
const BOOLEAN = new Set([
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
]);
const INT64 = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

type OutputTypes = (n: NodeProto, of: (name: string | undefined) => number | undefined) => (number | undefined)[];
const asFirst: OutputTypes = (n, of) => n.output.map(() => of(n.input[0]));
/** Output element types of the com.microsoft ops the decompositions handle (onnxruntime's contrib schemas). */
const CONTRIB_OUTPUTS: Record<string, OutputTypes> = {
  Attention: asFirst,
  MultiHeadAttention: asFirst,
  GroupQueryAttention: asFirst,
  FastGelu: asFirst,
  BiasGelu: asFirst,
  Gelu: asFirst,
  QuickGelu: asFirst,
  BiasAdd: asFirst,
  BiasSplitGelu: asFirst,
  RotaryEmbedding: asFirst,
  MatMulNBits: asFirst,
  SkipLayerNormalization: (n, of) => [of(n.input[0]), DataType.FLOAT, DataType.FLOAT, of(n.input[0])],
  SkipSimplifiedLayerNormalization: (n, of) => [of(n.input[0]), DataType.FLOAT, DataType.FLOAT, of(n.input[0])],
  EmbedLayerNormalization: (n, of) => [of(n.input[2]), DataType.INT32, of(n.input[2])],
};

/** Element type of every tensor the pass can tell (inputs, initializers, node outputs); absent = unknown. */
export function elementTypes(graph: Graph): Map<string, number> {
  const types = new Map<string, number>();
  declareTypes(graph.proto.input, graph.proto.initializer, types);
  walk(graph.nodes, types, graph.opset);
  return types;
}

function declareTypes(inputs: GraphProto['input'], inits: GraphProto['initializer'], types: Map<string, number>): void {
  for (const v of inputs) if (v.type?.tensor_type?.elem_type) types.set(v.name, v.type.tensor_type.elem_type);
  for (const t of inits) types.set(t.name!, t.data_type);
}

/**
 * One pass over `nodes` in order, setting the element type of each output it can tell; with `found`, also collects
 * the mismatches. If/Loop/Scan bodies are walked with the outer types in scope (onnxruntime checks them at load
 * too), and an If's outputs take the then-branch's types.
 */
function walk(nodes: readonly NodeProto[], types: Map<string, number>, opset: number, found?: TypeMismatch[]): void {
  const of = (name: string | undefined) => (name ? types.get(name) : undefined);
  for (const n of nodes) {
    if (n.domain === 'com.microsoft') {
      // the contrib ops' own input types are the validator's (schema.ts); their outputs type what follows them
      (CONTRIB_OUTPUTS[n.op_type]?.(n, of) ?? []).forEach((t, k) => {
        if (n.output[k] && t) types.set(n.output[k]!, t);
      });
      continue;
    }
    if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') continue;
    if (found) {
      const m = mismatchOf(n, types, opset);
      if (m) found.push(m);
    }
    const op = n.op_type;
    if (SAME_AS_FIRST.has(op) && !hasSubgraphs(n)) {
      // the common case, without the arrays below (a graph may have a million of these)
      const t = of(n.input[0]);
      if (t) for (const o of n.output) if (o) types.set(o, toNumber(t));
      continue;
    }
    let outs: (number | undefined)[];
    const bodies = n.attribute.flatMap((a) => (a.g ? [a.g] : (a.graphs ?? [])));
    const bodyOutputs = bodies.map((g) => {
      const inner = new Map(types);
      declareTypes(g.input, g.initializer, inner);
      walk(g.node, inner, opset, found);
      return g.output.map((o) => inner.get(o.name) ?? (o.type?.tensor_type?.elem_type || undefined));
    });
    if (op === 'If') outs = bodyOutputs[0] ?? [];
    else if (SAME_AS_FIRST.has(op)) outs = n.output.map(() => of(n.input[0]));
    else if (BOOLEAN.has(op)) outs = [DataType.BOOL];
    else if (INT64.has(op)) outs = [DataType.INT64];
    else if (op === 'Cast') outs = [attrInt(n, 'to', 0) || undefined];
    else if (op === 'CastLike') outs = [of(n.input[1])];
    else if (op === 'Where') outs = [of(n.input[1]) ?? of(n.input[2])];
    else if (op === 'ConstantOfShape') outs = [attrTensor(n, 'value')?.data_type ?? DataType.FLOAT];
    else if (op === 'Constant') {
      const t = attrTensor(n, 'value');
      outs = [
        t
          ? t.data_type
          : getAttr(n, 'value_int') || getAttr(n, 'value_ints')
            ? DataType.INT64
            : getAttr(n, 'value_float') || getAttr(n, 'value_floats')
              ? DataType.FLOAT
              : undefined,
      ];
    } else if (op === 'LayerNormalization')
      outs = [of(n.input[0]), attrInt(n, 'stash_type', 1), attrInt(n, 'stash_type', 1)];
    else if (op === 'Dropout') outs = [of(n.input[0]), DataType.BOOL];
    else if (op === 'DequantizeLinear') outs = [of(n.input[1])];
    else if (op === 'DynamicQuantizeLinear') outs = [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
    else if (op === 'MatMulInteger') outs = [DataType.INT32];
    else continue;
    n.output.forEach((o, k) => {
      const t = outs[k];
      if (o && t) types.set(o, toNumber(t));
    });
  }
}

function mismatchOf(n: NodeProto, types: Map<string, number>, opset: number): TypeMismatch | undefined {
  if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') return undefined;
  // Pow's base and exponent share one type parameter before opset 12
  const spec = n.op_type === 'Pow' && opset < 12 ? 'all' : SAME_TYPE[n.op_type];
  if (!spec) return undefined;
  // no arrays unless the types differ: this runs on every node of the graph
  let first = 0;
  let mixed = false;
  const count = spec === 'all' ? n.input.length : spec.length;
  for (let j = 0; j < count && !mixed; j++) {
    const name = n.input[spec === 'all' ? j : spec[j]!];
    const t = name ? (types.get(name) ?? 0) : 0;
    if (t === 0) continue;
    if (first === 0) first = t;
    else mixed = t !== first;
  }
  if (!mixed) return undefined;
  const positions = spec === 'all' ? n.input.map((_, k) => k) : spec;
  const typed = positions
    .map((k) => n.input[k])
    .filter((name): name is string => !!name)
    .map((name) => ({ name, t: types.get(name) ?? 0 }))
    .filter((x) => x.t !== 0);
  if (new Set(typed.map((x) => x.t)).size <= 1) return undefined;
  return { node: n.name ?? '', opType: n.op_type, inputs: typed.map((x) => ({ name: x.name, type: typeName(x.t) })) };
}

/** Every node (subgraph nodes included) whose same-type inputs have different element types. */
export function typeMismatches(graph: Graph): TypeMismatch[] {
  const types = new Map<string, number>();
  declareTypes(graph.proto.input, graph.proto.initializer, types);
  const found: TypeMismatch[] = [];
  walk(graph.nodes, types, graph.opset, found);
  return found;
}

/** Throws a `TypeMismatchError` listing every node whose same-type inputs have different element types. */
export function checkElementTypes(graph: Graph): void {
  const found = typeMismatches(graph);
  if (found.length > 0) throw new TypeMismatchError(found);
}
