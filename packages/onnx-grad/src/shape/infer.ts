/**
 * Static type and shape inference over a Graph, with symbolic dimensions (`Dim`) and constant propagation of the
 * small integer tensors that shape subgraphs compute (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). It covers
 * the ops of transformer exports; an op it does not know gets outputs of unknown shape (and, where the graph
 * declares a value_info, the declared type and shape).
 *
 * Exports: `TensorType`, `ShapeInfo`, `inferShapes`, `extendShapes`.
 */
import { DataType, type NodeProto, type TensorProto, type ValueInfoProto, toNumber } from '../onnx/proto.ts';
import { tensorData } from '../onnx/tensor.ts';
import { attrInt, attrInts, attrString, attrTensor, getAttr } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';
import { inferContribNode } from './contrib.ts';
import { addDim, broadcastDims, type Dim, divDim, freshDim, isUnknown, mulDim, subDim } from './dims.ts';

export interface TensorType {
  elemType: number; // DataType; 0 when unknown
  shape?: Dim[]; // undefined when even the rank is unknown
}

/** Constant values are kept for integer tensors up to this many elements (shape arithmetic). */
const MAX_VALUE_SIZE = 1024;
const INT64_MAX_ISH = 2 ** 62;
/** Slice ends at or beyond this mean "to the end" for any real tensor extent. */
const TO_THE_END = 2 ** 31;

export class ShapeInfo {
  readonly types = new Map<string, TensorType>();
  /** Flattened values of small integer tensors known at build time (symbolic entries allowed). */
  readonly values = new Map<string, Dim[]>();
  /** Values of small float constants (initializers and Constant nodes), e.g. a Pow exponent. */
  readonly floatValues = new Map<string, number[]>();

  type(name: string): TensorType | undefined {
    return this.types.get(name);
  }
  elemType(name: string): number {
    return this.types.get(name)?.elemType ?? 0;
  }
  shape(name: string): Dim[] | undefined {
    return this.types.get(name)?.shape;
  }
  rank(name: string): number | undefined {
    return this.types.get(name)?.shape?.length;
  }
  /** The tensor's integer values when known (all entries numbers), else undefined. */
  ints(name: string): number[] | undefined {
    const v = this.values.get(name);
    return v?.every((d) => typeof d === 'number') ? (v as number[]) : undefined;
  }
  /** The shape as plain integers when every dim is known. */
  staticShape(name: string): number[] | undefined {
    const s = this.shape(name);
    return s?.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
  }
}

export function isFloatType(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16 || t === DataType.BFLOAT16;
}

function fromValueInfo(v: ValueInfoProto): TensorType | undefined {
  const tt = v.type?.tensor_type;
  if (!tt) return undefined;
  const shape = tt.shape
    ? tt.shape.dim.map(
        (d): Dim =>
          d.dim_param
            ? d.dim_param
            : d.dim_value !== undefined && d.dim_value !== null
              ? toNumber(d.dim_value)
              : freshDim(),
      )
    : undefined;
  return { elemType: tt.elem_type ?? 0, shape };
}

function tensorValues(t: TensorProto): Dim[] | undefined {
  const n = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
  if (n > MAX_VALUE_SIZE) return undefined;
  if (![DataType.INT64, DataType.INT32, DataType.BOOL, DataType.UINT8, DataType.INT8].includes(t.data_type as never))
    return undefined;
  try {
    return Array.from(tensorData(t) as ArrayLike<number | bigint>, (x) => clampInt(Number(x)));
  } catch {
    return undefined;
  }
}

function floatValuesOf(t: TensorProto): number[] | undefined {
  const n = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
  if (n > 64 || (t.data_type !== DataType.FLOAT && t.data_type !== DataType.DOUBLE)) return undefined;
  try {
    return Array.from(tensorData(t) as Float32Array);
  } catch {
    return undefined;
  }
}

function clampInt(x: number): number {
  if (x >= INT64_MAX_ISH) return Number.MAX_SAFE_INTEGER;
  if (x <= -INT64_MAX_ISH) return Number.MIN_SAFE_INTEGER;
  return x;
}

const norm = (a: number, r: number) => (a < 0 ? a + r : a);
/** Shape's start/end: negative from the end, clamped to [0, r]. */
const clampAxis = (v: number, r: number) => Math.min(Math.max(norm(v, r), 0), r);
const product = (d: Dim[]) => d.reduce<Dim>((a, b) => mulDim(a, b), 1);
/**
 * An axis in [-r, r-1] as a non-negative index; out of range it throws, so the node's outputs stay unknown (the
 * validator names the bad axis) rather than a shape of a hundred million holes that later passes walk.
 */
function axisOf(a: number, r: number): number {
  if (!Number.isInteger(a) || a < -r || a >= r) throw new RangeError(`axis ${a} outside rank ${r}`);
  return a < 0 ? a + r : a;
}

/**
 * Ranks above this are taken as unknown: a shape tensor declared [100000000] must not become an array of that
 * many symbolic dims (inference never materialises a declared dimension).
 */
export const MAX_RANK = 64;

/** A shape of `len` unknown dims, or undefined (unknown rank) when `len` is not a plausible rank. */
function freshShape(len: Dim | undefined): Dim[] | undefined {
  return typeof len === 'number' && Number.isInteger(len) && len >= 0 && len <= MAX_RANK
    ? Array.from({ length: len }, () => freshDim())
    : undefined;
}

/** Runs inference over the graph's nodes in order; returns the types, shapes and constant values found. */
export function inferShapes(graph: Graph): ShapeInfo {
  const info = new ShapeInfo();
  const declared = new Map<string, TensorType>();
  for (const v of [...graph.proto.value_info, ...graph.proto.output]) {
    const t = fromValueInfo(v);
    if (t) declared.set(v.name, t);
  }
  for (const v of graph.proto.input) {
    const t = fromValueInfo(v);
    if (t) info.types.set(v.name, t);
  }
  for (const t of graph.proto.initializer) addInitializer(info, t);
  for (const node of graph.nodes) addNode(info, node, graph.opset, declared);
  return info;
}

/**
 * Adds to `info` what inference finds for the initializers from index `fromInit` and the nodes from index `fromNode`
 * on: for nodes appended after `inferShapes` ran (the backward graph), without re-inferring the whole graph.
 */
export function extendShapes(graph: Graph, info: ShapeInfo, fromNode: number, fromInit: number): void {
  const inits = graph.proto.initializer;
  for (let i = fromInit; i < inits.length; i++) addInitializer(info, inits[i]!);
  const nodes = graph.nodes;
  for (let i = fromNode; i < nodes.length; i++) addNode(info, nodes[i]!, graph.opset, undefined);
}

function addInitializer(info: ShapeInfo, t: TensorProto): void {
  info.types.set(t.name!, { elemType: t.data_type, shape: t.dims.map(toNumber) });
  const vals = tensorValues(t);
  if (vals) info.values.set(t.name!, vals);
  const fv = floatValuesOf(t);
  if (fv) info.floatValues.set(t.name!, fv);
}

function addNode(info: ShapeInfo, node: NodeProto, opset: number, declared: Map<string, TensorType> | undefined): void {
  let outs: (TensorType | undefined)[] = [];
  try {
    outs = inferNode(node, info, opset);
  } catch {
    outs = []; // inference is best-effort: an inconsistent node leaves its outputs unknown
  }
  node.output.forEach((o, i) => {
    if (!o) return;
    info.types.set(o, merge(outs[i], declared?.get(o)));
  });
}

/** Prefers inferred facts, filling unknown element types, ranks and dims from the graph's declarations. */
function merge(inferred: TensorType | undefined, decl: TensorType | undefined): TensorType {
  if (!inferred) return decl ?? { elemType: 0 };
  if (!decl) return inferred;
  const elemType = inferred.elemType || decl.elemType;
  if (!inferred.shape) return { elemType, shape: decl.shape };
  const declShape = decl.shape;
  if (!declShape || declShape.length !== inferred.shape.length) return { elemType, shape: inferred.shape };
  return {
    elemType,
    shape: inferred.shape.map((d, i) => (isUnknown(d) && !isUnknown(declShape[i]!) ? declShape[i]! : d)),
  };
}

const UNARY_SAME = new Set([
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Gelu',
  'Abs',
  'Cos',
  'Sin',
  'Identity',
  'Softmax',
  'LogSoftmax',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'CumSum',
  'Trilu',
  'LeakyRelu',
  'Elu',
  'Softplus',
  'HardSigmoid',
  'Clip',
  'Not',
  'IsNaN',
  'IsInf',
  'Celu',
  'Selu',
  'HardSwish',
  'Mish',
  'Softsign',
  'Atan',
  'Tan',
  'Asin',
  'Acos',
  'Sinh',
  'Cosh',
  'ScatterND',
  'ScatterElements',
  'SimplifiedLayerNormalization',
  'RMSNormalization',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'BitShift']);
/** Unary ops whose output holds the input's values (constant propagation). */
const VALUE_PRESERVING = new Set(['Identity', 'Neg', 'Cast', 'Abs', 'Sign']);
/** Elementwise ops whose constant values are computed (elementwiseValues). */
const VALUE_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Where', 'Equal']);
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/**
 * What inferNode reads of a node's inputs. Methods of one object per node rather than closures made on every call:
 * a graph of a million nodes would otherwise create (and, under tsx, name) several functions per node.
 */
class NodeFacts {
  readonly ins: (TensorType | undefined)[];
  constructor(
    readonly node: NodeProto,
    readonly info: ShapeInfo,
  ) {
    const inputs = node.input;
    this.ins = new Array(inputs.length);
    for (let k = 0; k < inputs.length; k++) this.ins[k] = inputs[k] ? info.type(inputs[k]!) : undefined;
  }
  s(k: number): Dim[] | undefined {
    return this.ins[k]?.shape;
  }
  et(k: number): number {
    return this.ins[k]?.elemType ?? 0;
  }
  val(k: number): Dim[] | undefined {
    const x = this.node.input[k];
    return x ? this.info.values.get(x) : undefined;
  }
  ints(k: number): number[] | undefined {
    const x = this.node.input[k];
    return x ? this.info.ints(x) : undefined;
  }
  /** Records the constant value of output `i`. */
  setVal(v: Dim[] | undefined, i = 0): void {
    if (v && v.length <= MAX_VALUE_SIZE) this.info.values.set(this.node.output[i]!, v);
  }
  /** Axes from the attribute (old opsets) or the input `inputIndex` (new opsets). */
  axesOf(inputIndex: number): number[] | undefined {
    return attrInts(this.node, 'axes') ?? (this.node.input[inputIndex] ? this.ints(inputIndex) : undefined);
  }
}

function inferNode(node: NodeProto, info: ShapeInfo, opset: number): (TensorType | undefined)[] {
  const c = new NodeFacts(node, info);
  const ins = c.ins;
  const op = node.op_type;
  if (node.domain === 'ai.interpreto.onnx_grad') return [ins[op === 'StraightThrough' ? 1 : 0]];
  if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return [];
  if (node.domain === 'com.microsoft') {
    const contrib = inferContribNode(node, info);
    if (contrib) return contrib;
  }
  if (UNARY_SAME.has(op)) {
    if (VALUE_PRESERVING.has(op)) c.setVal(c.val(0));
    const elem = op === 'Not' || op === 'IsNaN' || op === 'IsInf' ? DataType.BOOL : c.et(0);
    return [{ elemType: elem, shape: c.s(0) }];
  }
  if (BROADCAST.has(op) || COMPARE.has(op) || op === 'Where') {
    let shape = ins[0]?.shape;
    for (let k = 1; k < ins.length && shape; k++) {
      const next = ins[k]?.shape;
      shape = next ? broadcastDims(shape, next) : undefined;
    }
    const elemType = COMPARE.has(op) ? DataType.BOOL : op === 'Where' ? c.et(1) : c.et(0);
    if (VALUE_OPS.has(op) && ins.length > 0 && ins.every((_, k) => c.val(k)))
      c.setVal(
        elementwiseValues(
          op,
          node.input.map((_, k) => c.val(k)!),
        ),
      );
    return [{ elemType, shape }];
  }
  switch (op) {
    case 'Constant': {
      const t = attrTensor(node, 'value');
      if (t) {
        c.setVal(tensorValues(t));
        const fv = floatValuesOf(t);
        if (fv) info.floatValues.set(node.output[0]!, fv);
        return [{ elemType: t.data_type, shape: t.dims.map(toNumber) }];
      }
      const ints1 = attrInts(node, 'value_ints');
      if (ints1) {
        c.setVal(ints1);
        return [{ elemType: DataType.INT64, shape: [ints1.length] }];
      }
      const a = getAttr(node, 'value_int');
      if (a) {
        c.setVal([toNumber(a.i)]);
        return [{ elemType: DataType.INT64, shape: [] }];
      }
      const f = getAttr(node, 'value_float');
      if (f) {
        info.floatValues.set(node.output[0]!, [f.f ?? 0]);
        return [{ elemType: DataType.FLOAT, shape: [] }];
      }
      const fs = getAttr(node, 'value_floats');
      if (fs) return [{ elemType: DataType.FLOAT, shape: [fs.floats?.length ?? 0] }];
      return [];
    }
    case 'Cast': {
      c.setVal(c.val(0));
      return [{ elemType: attrInt(node, 'to', 0), shape: c.s(0) }];
    }
    case 'CastLike':
      return [{ elemType: c.et(1), shape: c.s(0) }];
    case 'Dropout':
      return [
        { elemType: c.et(0), shape: c.s(0) },
        { elemType: DataType.BOOL, shape: c.s(0) },
      ];
    case 'Shape': {
      const x = c.s(0);
      if (!x) return [{ elemType: DataType.INT64, shape: [freshDim()] }];
      const r = x.length;
      const start = clampAxis(attrInt(node, 'start', 0), r);
      const end = clampAxis(attrInt(node, 'end', r), r);
      const v = x.slice(start, Math.max(start, end));
      c.setVal(v);
      return [{ elemType: DataType.INT64, shape: [v.length] }];
    }
    case 'Size': {
      const x = c.s(0);
      if (x) c.setVal([x.reduce<Dim>((a, b) => mulDim(a, b), 1)]);
      return [{ elemType: DataType.INT64, shape: [] }];
    }
    case 'ConstantOfShape': {
      const t = attrTensor(node, 'value');
      const shape = c.val(0) ?? freshShape(c.s(0)?.[0]);
      const elemType = t?.data_type ?? DataType.FLOAT;
      if (shape?.every((d) => typeof d === 'number') && (elemType === DataType.INT64 || elemType === DataType.INT32)) {
        const n = (shape as number[]).reduce((a, b) => a * b, 1);
        const fill = t ? (tensorValues(t)?.[0] ?? 0) : 0;
        if (n <= MAX_VALUE_SIZE) c.setVal(Array.from({ length: n }, () => fill));
      }
      return [{ elemType, shape }];
    }
    case 'Range': {
      const [a, b, d] = [c.ints(0), c.ints(1), c.ints(2)];
      if (a && b && d && d[0] !== 0) {
        const n = Math.max(Math.ceil((b[0]! - a[0]!) / d[0]!), 0);
        if (n <= MAX_VALUE_SIZE) c.setVal(Array.from({ length: n }, (_, i) => a[0]! + i * d[0]!));
        return [{ elemType: c.et(0), shape: [n] }];
      }
      const va = c.val(0)?.[0];
      const vb = c.val(1)?.[0];
      const len = va === 0 && vb !== undefined && c.ints(2)?.[0] === 1 ? vb : freshDim();
      return [{ elemType: c.et(0), shape: [len] }];
    }
    case 'MatMul':
    case 'MatMulInteger': {
      const [a, b] = [c.s(0), c.s(1)];
      const elemType = op === 'MatMul' ? c.et(0) : DataType.INT32;
      if (!a || !b) return [{ elemType }];
      const a2 = a.length === 1 ? [1, a[0]!] : a;
      const b2 = b.length === 1 ? [b[0]!, 1] : b;
      const batch = broadcastDims(a2.slice(0, -2), b2.slice(0, -2));
      const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
      if (a.length === 1) out.splice(out.length - 2, 1);
      if (b.length === 1) out.splice(out.length - 1, 1);
      return [{ elemType, shape: out }];
    }
    case 'Gemm': {
      const [a, b] = [c.s(0), c.s(1)];
      if (!a || !b) return [{ elemType: c.et(0) }];
      const m = (attrInt(node, 'transA', 0) ? a[1] : a[0])!;
      const n = (attrInt(node, 'transB', 0) ? b[0] : b[1])!;
      return [{ elemType: c.et(0), shape: [m, n] }];
    }
    case 'Einsum':
      return [
        {
          elemType: c.et(0),
          shape: einsumShape(
            attrString(node, 'equation'),
            ins.map((t) => t?.shape),
          ),
        },
      ];
    case 'Transpose': {
      const x = c.s(0);
      if (!x) return [{ elemType: c.et(0) }];
      const perm = attrInts(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      if (perm.length !== x.length || new Set(perm.map((p) => axisOf(p, x.length))).size !== x.length)
        throw new RangeError(`perm [${perm}] is not a permutation of ${x.length} axes`);
      const out = perm.map((p) => x[p]!);
      const v = c.val(0);
      if (v && x.length <= 1) c.setVal(v);
      return [{ elemType: c.et(0), shape: out }];
    }
    case 'Reshape': {
      const x = c.s(0);
      const target = c.val(1);
      c.setVal(c.val(0));
      if (!target) {
        const len = c.s(1)?.[0];
        return [
          {
            elemType: c.et(0),
            shape: freshShape(len),
          },
        ];
      }
      return [{ elemType: c.et(0), shape: reshapeShape(x, target, attrInt(node, 'allowzero', 0) === 1) }];
    }
    case 'Flatten': {
      const x = c.s(0);
      if (!x) return [{ elemType: c.et(0), shape: [freshDim(), freshDim()] }];
      const axis = axisOf(attrInt(node, 'axis', 1), x.length + 1); // Flatten's axis may be r
      return [{ elemType: c.et(0), shape: [product(x.slice(0, axis)), product(x.slice(axis))] }];
    }
    case 'Squeeze': {
      const x = c.s(0);
      const axes = c.axesOf(1);
      c.setVal(c.val(0));
      if (!x) return [{ elemType: c.et(0) }];
      if (!axes) {
        if (node.input[1]) return [{ elemType: c.et(0) }];
        if (x.some((d) => typeof d !== 'number')) return [{ elemType: c.et(0) }];
        return [{ elemType: c.et(0), shape: x.filter((d) => d !== 1) }];
      }
      const drop = new Set(axes.map((a) => axisOf(a, x.length)));
      return [{ elemType: c.et(0), shape: x.filter((_, i) => !drop.has(i)) }];
    }
    case 'Unsqueeze': {
      const x = c.s(0);
      const axes = c.axesOf(1);
      c.setVal(c.val(0));
      if (!x || !axes) return [{ elemType: c.et(0) }];
      const r = x.length + axes.length;
      const at = new Set(axes.map((a) => axisOf(a, r)));
      const out: Dim[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) out.push(at.has(i) ? 1 : x[k++]!);
      return [{ elemType: c.et(0), shape: out }];
    }
    case 'Concat': {
      const shapes = ins.map((t) => t?.shape);
      const vs = node.input.map((_, k) => c.val(k));
      if (vs.every(Boolean)) c.setVal((vs as Dim[][]).flat());
      if (!shapes.every(Boolean)) {
        const r = shapes.find(Boolean)?.length;
        return [
          { elemType: c.et(0), shape: r === undefined ? undefined : Array.from({ length: r }, () => freshDim()) },
        ];
      }
      const r = shapes[0]!.length;
      const axis = axisOf(attrInt(node, 'axis', 0), r);
      const out = [...shapes[0]!];
      out[axis] = shapes.map((x) => x![axis]!).reduce((a, b) => addDim(a, b));
      for (let i = 0; i < r; i++)
        if (i !== axis && isUnknown(out[i]!)) out[i] = shapes.map((x) => x![i]!).find((d) => !isUnknown(d)) ?? out[i]!;
      return [{ elemType: c.et(0), shape: out }];
    }
    case 'Split': {
      const x = c.s(0);
      const n = node.output.length;
      if (!x) return node.output.map(() => ({ elemType: c.et(0) }));
      const axis = axisOf(attrInt(node, 'axis', 0), x.length);
      const sizes = attrInts(node, 'split') ?? (node.input[1] ? c.ints(1) : undefined);
      const d = x[axis]!;
      return node.output.map((_, i) => {
        const shape = [...x];
        if (sizes) shape[axis] = sizes[i]!;
        else if (typeof d === 'number') {
          const chunk = Math.ceil(d / n);
          shape[axis] = i < n - 1 ? chunk : d - chunk * (n - 1);
        } else shape[axis] = divDim(d, n);
        return { elemType: c.et(0), shape };
      });
    }
    case 'Slice':
      return [{ elemType: c.et(0), shape: sliceShape(c, c.s(0), opset) }];
    case 'Gather': {
      const [x, idx] = [c.s(0), c.s(1)];
      const v = c.val(0);
      const iv = c.ints(1);
      if (v && iv && (x?.length ?? 0) <= 1 && iv.every((i) => i >= -v.length && i < v.length))
        c.setVal(iv.map((i) => v[norm(i, v.length)]!));
      if (!x || !idx) return [{ elemType: c.et(0) }];
      const axis = axisOf(attrInt(node, 'axis', 0), x.length);
      return [{ elemType: c.et(0), shape: [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)] }];
    }
    case 'GatherElements':
      return [{ elemType: c.et(0), shape: c.s(1) }];
    case 'Expand': {
      const x = c.s(0);
      const target = c.val(1);
      const len = c.s(1)?.[0];
      if (!x) return [{ elemType: c.et(0) }];
      if (!target)
        return [
          {
            elemType: c.et(0),
            shape: ((t) => (t ? broadcastDims(x, t) : undefined))(freshShape(len)),
          },
        ];
      return [{ elemType: c.et(0), shape: broadcastDims(x, target) }];
    }
    case 'Tile': {
      const x = c.s(0);
      const reps = c.val(1);
      if (!x) return [{ elemType: c.et(0) }];
      return [{ elemType: c.et(0), shape: x.map((d, i) => (reps ? mulDim(d, reps[i]!) : freshDim())) }];
    }
    case 'Pad': {
      const x = c.s(0);
      if (!x) return [{ elemType: c.et(0) }];
      const pads = attrInts(node, 'pads') ?? c.ints(1);
      const axes = node.input[3] ? c.ints(3)?.map((a) => axisOf(a, x.length)) : x.map((_, i) => i);
      if (!pads || !axes) return [{ elemType: c.et(0), shape: x.map(() => freshDim()) }];
      const out = [...x];
      axes.forEach((a, k) => {
        out[a] = addDim(addDim(x[a]!, pads[k]!), pads[k + axes.length]!);
      });
      return [{ elemType: c.et(0), shape: out }];
    }
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL2':
    case 'ReduceL1':
    case 'ReduceLogSumExp':
    case 'ReduceSumSquare':
    case 'ReduceLogSum': {
      const x = c.s(0);
      const axesInput = (op === 'ReduceSum' && opset >= 13) || opset >= 18;
      const axes = axesInput ? (node.input[1] ? c.ints(1) : []) : (attrInts(node, 'axes') ?? []);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
      if (!x || !axes) return [{ elemType: c.et(0), shape: x && keep ? x.map(() => freshDim()) : undefined }];
      if (axes.length === 0 && noop) return [{ elemType: c.et(0), shape: x }];
      const red = new Set(axes.length ? axes.map((a) => axisOf(a, x.length)) : x.map((_, i) => i));
      if (op === 'ReduceProd' && c.val(0) && red.size === x.length && x.length <= 1)
        c.setVal([c.val(0)!.reduce<Dim>((a, b) => mulDim(a, b), 1)]);
      const out = keep ? x.map((d, i) => (red.has(i) ? 1 : d)) : x.filter((_, i) => !red.has(i));
      return [{ elemType: c.et(0), shape: out }];
    }
    case 'ArgMax':
    case 'ArgMin': {
      const x = c.s(0);
      if (!x) return [{ elemType: DataType.INT64 }];
      const axis = axisOf(attrInt(node, 'axis', 0), x.length);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      return [
        {
          elemType: DataType.INT64,
          shape: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis),
        },
      ];
    }
    case 'NonZero':
      return [{ elemType: DataType.INT64, shape: c.s(0) ? [c.s(0)!.length, freshDim()] : undefined }];
    case 'LayerNormalization': {
      const x = c.s(0);
      const axis = x ? axisOf(attrInt(node, 'axis', -1), x.length) : 0;
      const stat = x?.map((d, i) => (i < axis ? d : 1));
      const st = attrInt(node, 'stash_type', 1);
      return [
        { elemType: c.et(0), shape: x },
        { elemType: st, shape: stat },
        { elemType: st, shape: stat },
      ];
    }
    case 'OneHot':
      return [{ elemType: c.et(2) }];
    case 'DequantizeLinear':
      return [{ elemType: c.et(1) || DataType.FLOAT, shape: c.s(0) }];
    case 'QuantizeLinear':
      return [{ elemType: c.et(2) || DataType.UINT8, shape: c.s(0) }];
    case 'DynamicQuantizeLinear':
      return [
        { elemType: DataType.UINT8, shape: c.s(0) },
        { elemType: DataType.FLOAT, shape: [] },
        { elemType: DataType.UINT8, shape: [] },
      ];

    default:
      return [];
  }
}

function elementwiseValues(op: string, vs: Dim[][]): Dim[] | undefined {
  const n = Math.max(...vs.map((v) => v.length));
  if (vs.some((v) => v.length !== n && v.length !== 1)) return undefined;
  const at = (v: Dim[], i: number): Dim => (v.length === 1 ? v[0]! : v[i]!); // lengths are n or 1: checked above
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const a = at(vs[0]!, i);
    const b = at(vs[1]!, i);
    switch (op) {
      case 'Add':
        out.push(addDim(a, b));
        break;
      case 'Sub':
        out.push(subDim(a, b));
        break;
      case 'Mul':
        out.push(mulDim(a, b));
        break;
      case 'Div':
        out.push(divDim(a, b));
        break;
      case 'Max':
        out.push(typeof a === 'number' && typeof b === 'number' ? Math.max(a, b) : freshDim());
        break;
      case 'Min':
        out.push(typeof a === 'number' && typeof b === 'number' ? Math.min(a, b) : freshDim());
        break;
      case 'Equal':
        out.push(typeof a === 'number' && typeof b === 'number' ? Number(a === b) : a === b ? 1 : freshDim());
        break;
      case 'Where': {
        const c = at(vs[0]!, i);
        if (typeof c !== 'number') return undefined;
        out.push(c ? at(vs[1]!, i) : at(vs[2]!, i));
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}

/** Reshape's output: 0 copies the input dim (unless allowzero), -1 is solved symbolically where possible. */
function reshapeShape(x: Dim[] | undefined, target: Dim[], allowzero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowzero ? (x?.[i] ?? freshDim()) : d));
  const k = out.indexOf(-1);
  if (k >= 0) {
    if (!x) out[k] = freshDim();
    else {
      const total = x.reduce<Dim>((a, b) => mulDim(a, b), 1);
      const known = out.filter((_, i) => i !== k).reduce<Dim>((a, b) => mulDim(a, b), 1);
      out[k] = divDim(total, known);
    }
  }
  return out;
}

function sliceShape(c: NodeFacts, x: Dim[] | undefined, opset: number): Dim[] | undefined {
  if (!x) return undefined;
  const { node, info } = c;
  const xv = c.val(0);
  const r = x.length;
  const starts = opset >= 10 ? c.ints(1) : attrInts(node, 'starts');
  const ends = opset >= 10 ? c.ints(2) : attrInts(node, 'ends');
  const axes =
    (opset >= 10 ? (node.input[3] ? c.ints(3) : undefined) : attrInts(node, 'axes')) ?? starts?.map((_, i) => i);
  const steps = (opset >= 10 && node.input[4] ? c.ints(4) : undefined) ?? starts?.map(() => 1);
  const hasAxes = opset >= 10 ? !node.input[3] || c.ints(3) : true;
  // Slice(x, 0, n) with a symbolic n from shape arithmetic (position ids sliced to the sequence length)
  const symEnds = opset >= 10 && node.input[2] ? info.values.get(node.input[2]) : undefined;
  const symStarts = opset >= 10 ? info.ints(node.input[1]!) : undefined;
  if (!ends && symEnds && symStarts && axes && steps && hasAxes) {
    const out = [...x];
    axes.forEach((a0, k) => {
      const a = axisOf(a0, r);
      const e = symEnds[k]!;
      out[a] =
        typeof e === 'number'
          ? sliceDim(x[a]!, symStarts[k]!, e, steps[k]!)
          : symStarts[k] === 0 && steps[k] === 1 && !isUnknown(e)
            ? e
            : freshDim();
    });
    return out;
  }
  if (!starts || !ends || !axes || !steps || !hasAxes) {
    // we know which axes may change only when axes are known
    const ax = opset >= 10 && node.input[3] ? c.ints(3) : undefined;
    if (ax) {
      const set = new Set(ax.map((a) => axisOf(a, r)));
      return x.map((d, i) => (set.has(i) ? freshDim() : d));
    }
    return x.map(() => freshDim());
  }
  const out = [...x];
  axes.forEach((a0, k) => {
    const a = axisOf(a0, r);
    out[a] = sliceDim(x[a]!, starts[k]!, ends[k]!, steps[k]!);
  });
  if (xv && r === 1 && typeof out[0] === 'number') {
    const d = xv.length;
    const { start, step, count } = sliceRange(d, starts[0]!, ends[0]!, steps[0]!);
    c.setVal(Array.from({ length: count }, (_, i) => xv[start + i * step]!));
  }
  return out;
}

/** Clamped start, step and element count of a Slice along one axis of length `d` (numpy semantics). */
export function sliceRange(
  d: number,
  start: number,
  end: number,
  step: number,
): { start: number; step: number; count: number } {
  if (step > 0) {
    const s = Math.min(Math.max(start < 0 ? start + d : start, 0), d);
    const e = Math.min(Math.max(end < 0 ? end + d : end, 0), d);
    return { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
  }
  const s = Math.min(Math.max(start < 0 ? start + d : start, -1), d - 1);
  const e = Math.min(Math.max(end < 0 ? end + d : end, -1), d - 1);
  return { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
}

function sliceDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d === 'number') return sliceRange(d, start, end, step).count;
  // symbolic length: known only for [0 : to-the-end : 1] and [s : to-the-end] with fixed offset patterns
  if (step === 1 && start === 0 && end >= TO_THE_END) return d;
  if (step === 1 && start >= 0 && end >= TO_THE_END) return subDim(d, start);
  if (step === 1 && start === -1 && end >= TO_THE_END) return 1; // the last element: named dims are >= 1
  return freshDim();
}

function einsumShape(eq: string, shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  const [lhs = '', rhs0] = eq.replace(/\s/g, '').split('->');
  const terms = lhs.split(',');
  if (shapes.some((s) => !s)) return undefined;
  const dims = new Map<string, Dim>();
  let ell: Dim[] = [];
  terms.forEach((t, k) => {
    const s = shapes[k]!;
    const letters = t.replace('...', '');
    const nEll = s.length - letters.length;
    let j = 0;
    for (let i = 0; i < t.length; i++) {
      if (t.startsWith('...', i)) {
        const e = s.slice(j, j + nEll);
        ell = broadcastDims(ell, e);
        j += nEll;
        i += 2;
      } else {
        const prev = dims.get(t[i]!);
        const cur = s[j++]!;
        dims.set(t[i]!, prev === undefined || prev === 1 ? cur : prev);
      }
    }
  });
  const rhs =
    rhs0 ??
    [...new Set(terms.join('').replace(/\./g, ''))]
      .filter((c) => terms.join('').split(c).length === 2)
      .sort()
      .join('');
  const out: Dim[] = [];
  for (let i = 0; i < rhs.length; i++) {
    if (rhs.startsWith('...', i)) {
      out.push(...ell);
      i += 2;
    } else out.push(dims.get(rhs[i]!) ?? freshDim());
  }
  if (rhs0 === undefined && terms.some((t) => t.includes('...'))) out.unshift(...ell);
  return out;
}
