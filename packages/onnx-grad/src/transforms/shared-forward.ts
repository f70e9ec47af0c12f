/**
 * Shared forward (GradientModelOptions.shareForward): the forward pass runs once per distinct input while the part
 * of the graph that differs per row (the target score head and the whole backward) runs once per row. A new input
 * `row_sources` [rows] says which input each row reads: the batch inputs (`inputs_embeds`, `attention_mask`, ...)
 * are fed with M distinct inputs, the per-row inputs (targets, seeds) with `rows` rows, and row r reads input
 * row_sources[r]. So the K target tokens of one prompt cost one forward and K backwards instead of K of each.
 *
 * How: every forward tensor the per-row part reads is replaced by its rows gathered by `row_sources`. That is exact
 * for tensors whose rows are the batch's rows ("batch-major": the value computed for K copies of the inputs equals
 * the M-input value with its axis-0 blocks gathered), which an analysis of the forward proves op by op:
 *   - invariant: does not depend on the batch size (weights, constants, sequence-length arithmetic, causal masks);
 *   - batch-major: the batch inputs, and what row-local ops make of them (elementwise with invariant operands that
 *     broadcast over axis 0, MatMul/Gemm over rows, softmax/normalisation/reduction/slicing/gathers/concat on other
 *     axes, Transpose keeping axis 0, Reshape/Flatten/Expand whose axis 0 stays a multiple of the batch);
 *   - shape-dependent (values that depend on the batch size, e.g. Shape(x)[0]) or other (anything else).
 * The per-row part may read invariant and batch-major tensors only; `Shape` of a batch-major tensor is rescaled
 * rather than gathered. Anything else leaves the graph untouched and says why (the caller keeps one forward per
 * row).
 *
 * Exports: `ROW_SOURCES`, `shareForward(graph, options)`.
 */
import { DataType, type NodeProto, type ValueInfoProto } from '../onnx/proto.ts';
import { OpBuilder } from '../ir/builder.ts';
import { type Graph, outerScopeInputs } from '../ir/graph.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import { inferShapes, type ShapeInfo } from '../shape/infer.ts';
import type { Dim } from '../shape/dims.ts';

export const ROW_SOURCES = 'row_sources';
/** The declared first dimension of per-row inputs and outputs. */
const ROWS_DIM = 'rows';

export interface ShareForwardOptions {
  /** Nodes of the backward pass (those `differentiate` added): they run per row. */
  backward: ReadonlySet<NodeProto>;
  /** Graph inputs given per row (targets, seeds); what depends on them runs per row too. */
  rowInputs: readonly string[];
  /** Outputs given per row (e.g. the target logits); by default only those the per-row part computes are. */
  rowOutputs?: readonly string[];
  /** The input whose first dimension is the batch (e.g. `inputs_embeds`). */
  batchInput: string;
}

export type ShareForwardResult = { shared: true } | { shared: false; reason: string };

enum Kind {
  Invariant,
  Major,
  ShapeDependent,
  Other,
}

// biome-ignore format: a word list
const ELEMENTWISE = new Set([
  'Abs', 'Acos', 'Acosh', 'Add', 'And', 'Asin', 'Asinh', 'Atan', 'Atanh', 'BitShift', 'Cast', 'CastLike', 'Ceil',
  'Celu', 'Clip', 'Cos', 'Cosh', 'Div', 'Dropout', 'Elu', 'Equal', 'Erf', 'Exp', 'Floor', 'Gelu', 'Greater',
  'GreaterOrEqual', 'HardSigmoid', 'HardSwish', 'Identity', 'IsInf', 'IsNaN', 'LeakyRelu', 'Less', 'LessOrEqual', 'Log',
  'Max', 'Mean', 'Min', 'Mish', 'Mod', 'Mul', 'Neg', 'Not', 'Or', 'Pow', 'PRelu', 'Reciprocal', 'Relu', 'Round',
  'Selu', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softplus', 'Softsign', 'Sqrt', 'Sub', 'Sum', 'Tan', 'Tanh',
  'ThresholdedRelu', 'Where', 'Xor',
]);

// biome-ignore format: a word list
const REDUCE = new Set([
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd',
  'ReduceSum', 'ReduceSumSquare',
]);

/** `d` written as a product in which the batch symbol is one factor and nothing else mentions it. */
function batchFactor(d: Dim | undefined, beta: string): boolean {
  if (typeof d !== 'string' || d.includes('?') || d.includes('(')) return false;
  const f = d.split('*');
  return f.filter((x) => x === beta).length === 1;
}

function mentions(d: Dim | undefined, beta: string): boolean {
  return typeof d === 'string' && d.split(/[^\w.]+/).includes(beta);
}

/**
 * Analyses the forward, rewrites the per-row part to read gathered rows, adds `row_sources`. Leaves the graph as it
 * was (and says why) when a per-row node reads a forward tensor that is not proven invariant or batch-major.
 */
export function shareForward(graph: Graph, options: ShareForwardOptions): ShareForwardResult {
  graph.toposort();
  const shapes = inferShapes(graph);
  const declared = graph.proto.input.find((v) => v.name === options.batchInput);
  const beta = declared?.type?.tensor_type?.shape?.dim?.[0]?.dim_param;
  if (!beta) return { shared: false, reason: `"${options.batchInput}" has no symbolic batch dimension` };
  if (graph.isGraphInput(ROW_SOURCES) || graph.producer(ROW_SOURCES))
    return { shared: false, reason: `the graph already has a tensor named "${ROW_SOURCES}"` };

  const rowInputs = new Set(options.rowInputs);
  const analysis = new BatchAnalysis(shapes, beta);
  const { kind } = analysis;
  const kindOf = (t: string): Kind => analysis.kindOf(t);
  for (const v of graph.proto.input) {
    if (rowInputs.has(v.name) || graph.initializer(v.name)) continue;
    const dims = v.type?.tensor_type?.shape?.dim ?? [];
    const d0 = dims[0];
    if (dims.length === 0 || (d0?.dim_value !== undefined && !d0.dim_param)) continue; // fixed: invariant
    if (d0?.dim_param !== beta)
      return { shared: false, reason: `input "${v.name}" has a first dimension that is not the batch ("${beta}")` };
    kind.set(v.name, Kind.Major);
  }

  // The per-row part: the backward, and everything that reads a per-row input or tensor.
  const perRow = new Set<NodeProto>();
  const rowTensors = new Set(rowInputs);
  for (const n of graph.nodes) {
    if (options.backward.has(n) || [...n.input, ...outerScopeInputs(n)].some((x) => x && rowTensors.has(x))) {
      perRow.add(n);
      for (const o of n.output) if (o) rowTensors.add(o);
    }
  }

  for (const n of graph.nodes) {
    if (perRow.has(n)) continue;
    const k = analysis.classify(n);
    for (const o of n.output) if (o) kind.set(o, k);
  }

  // Per-row outputs the shared part computes (a classifier's logits): gathered under their name (below).
  const sharedOutputs = (options.rowOutputs ?? []).filter((o) => {
    const p = graph.producer(o);
    return p !== undefined && !perRow.has(p);
  });
  for (const o of sharedOutputs) {
    if (kindOf(o) !== Kind.Major) return { shared: false, reason: `the output "${o}" is not proven batch-major` };
  }

  // What the per-row part reads from the shared part.
  const reads: { node: NodeProto; slot: number; tensor: string }[] = [];
  for (const n of perRow) {
    for (const x of outerScopeInputs(n)) {
      if (!rowTensors.has(x) && kindOf(x) !== Kind.Invariant)
        return { shared: false, reason: `"${n.name}" (${n.op_type}) reads "${x}" from a subgraph` };
    }
    n.input.forEach((x, slot) => {
      if (x && !rowTensors.has(x)) reads.push({ node: n, slot, tensor: x });
    });
  }
  for (const r of reads) {
    const k = kindOf(r.tensor);
    if (k === Kind.ShapeDependent || k === Kind.Other) {
      const why =
        k === Kind.Other ? 'whose rows are not proven to be the batch rows' : 'whose values depend on the batch size';
      return { shared: false, reason: `"${r.node.name}" (${r.node.op_type}) reads "${r.tensor}", ${why}` };
    }
  }

  // Rewrite.
  const b = new OpBuilder(graph, 'shared_forward/');
  graph.proto.input.push(rowsInfo(ROW_SOURCES, DataType.INT64, [ROWS_DIM]));
  const m = b.shape(options.batchInput, 0, 1); // [M]
  const k = b.shape(ROW_SOURCES); // [K]
  const gathered = new Map<string, string>();
  const rowsOf = (t: string): string => {
    let g = gathered.get(t);
    if (g) return g;
    if (shapes.shape(t)?.[0] === beta) g = b.gather(t, ROW_SOURCES, 0);
    else {
      // Axis 0 is a multiple of the batch: one flat block per input, gathered, then the trailing dims again.
      const blocks = b.reshape(t, b.concat([m, b.i64([-1])], 0));
      g = b.reshape(b.gather(blocks, ROW_SOURCES, 0), b.concat([b.i64([-1]), b.shape(t, 1)], 0));
    }
    gathered.set(t, g);
    return g;
  };
  for (const r of reads) {
    if (kindOf(r.tensor) !== Kind.Major) continue;
    const n = r.node;
    if (n.op_type === 'Shape' && !n.domain) {
      const start = attrInt(n, 'start', 0);
      const end = attrInt(n, 'end');
      const rank = shapes.rank(r.tensor);
      if ((start < 0 && rank !== undefined ? start + rank : start) >= 1) continue; // trailing dims: every row's
      // Rescale axis 0 (M * c rows -> K * c) rather than gathering a tensor only to read its shape; start and end
      // then clamp as Shape's do (Slice's rules).
      const full = b.concat([b.div(b.mul(b.shape(r.tensor, 0, 1), k), m), b.shape(r.tensor, 1)], 0);
      const scaled =
        start === 0 && end === undefined ? full : b.slice(full, [start], [end ?? Number.MAX_SAFE_INTEGER], [0]);
      graph.replaceUses(n.output[0]!, scaled);
      continue;
    }
    n.input[r.slot] = rowsOf(r.tensor);
  }
  for (const name of sharedOutputs) {
    const g = rowsOf(name);
    const forward = graph.uniqueName(`${name}/forward`);
    const p = graph.producer(name)!;
    p.output = p.output.map((o) => (o === name ? forward : o));
    graph.replaceUses(name, forward);
    graph.addNode('Identity', [g], { outputs: [name], name: `shared_forward/${name}` });
  }
  graph.invalidate();

  const perRowOutputs = new Set([...perRow].flatMap((n) => n.output));
  for (const name of sharedOutputs) perRowOutputs.add(name);
  for (const v of graph.proto.input) if (rowInputs.has(v.name)) renameBatchDim(v, beta);
  for (const v of graph.proto.output) if (perRowOutputs.has(v.name)) renameBatchDim(v, beta);
  graph.toposort();
  return { shared: true };
}

function rowsInfo(name: string, elemType: number, dims: string[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => ({ dim_param: d })) } } },
  } as ValueInfoProto;
}

function renameBatchDim(v: ValueInfoProto, beta: string): void {
  if (v.type?.tensor_type?.shape?.dim?.[0]?.dim_param !== beta) return;
  v.type = structuredClone(v.type); // the type object may be shared with an input's (a gradient's is its tensor's)
  v.type.tensor_type!.shape!.dim![0]!.dim_param = ROWS_DIM;
}

/** Normalises an axis of a rank-`rank` tensor; undefined when it cannot be. */
function axis(a: number | undefined, rank: number | undefined): number | undefined {
  if (a === undefined || rank === undefined) return undefined;
  return a < 0 ? a + rank : a;
}

/** Axes from an attribute (older opsets) or a constant input. */
function axesOf(n: NodeProto, slot: number, shapes: ShapeInfo): number[] | undefined {
  const attr = attrInts(n, 'axes');
  if (attr) return attr;
  const x = n.input[slot];
  return x ? shapes.ints(x) : undefined;
}

/**
 * Kinds of the forward's tensors, node by node in topological order. Small integer vectors derived from shapes also
 * carry, element by element, whether each depends on the batch size (`elems`: Shape(x)[0] does, Shape(x)[1:] of a
 * batch-major x does not), so that shape arithmetic mixing the two is not lost.
 */
class BatchAnalysis {
  readonly kind = new Map<string, Kind>();
  readonly elems = new Map<string, boolean[]>();

  constructor(
    private readonly shapes: ShapeInfo,
    private readonly beta: string,
  ) {}

  kindOf(t: string): Kind {
    return this.kind.get(t) ?? Kind.Invariant; // initializers and inputs of fixed size
  }

  /** Per-element batch dependence of a 1-D (or scalar) integer tensor, when known. */
  private elementsOf(t: string): boolean[] | undefined {
    const e = this.elems.get(t);
    if (e) return e;
    if (this.kindOf(t) !== Kind.Invariant) return undefined;
    const s = this.shapes.shape(t);
    if (s?.length === 0) return [false];
    return s?.length === 1 && typeof s[0] === 'number' ? new Array<boolean>(s[0]).fill(false) : undefined;
  }

  /** The kind of a forward node's outputs (all of them: multi-output ops are classified alike). */
  classify(n: NodeProto): Kind {
    const inputs = [...n.input.filter(Boolean), ...outerScopeInputs(n)].map((x) => this.kindOf(x));
    if (inputs.every((k) => k === Kind.Invariant)) return Kind.Invariant;
    if (!n.domain && (n.op_type === 'Shape' || n.op_type === 'Size')) return this.shapeOf(n);
    if (inputs.includes(Kind.Other)) return Kind.Other;
    if (!n.domain && this.rowLocal(n, inputs)) return Kind.Major;
    if (inputs.includes(Kind.Major)) return Kind.Other;
    const e = n.domain || n.output.length !== 1 ? undefined : this.vectorElements(n);
    if (e) {
      this.elems.set(n.output[0]!, e);
      return e.includes(true) ? Kind.ShapeDependent : Kind.Invariant;
    }
    // Shape arithmetic: invariant where its value is known and free of the batch.
    const v = this.shapes.values.get(n.output[0]!);
    if (n.output.length === 1 && v?.every((d) => typeof d === 'number' || !this.unsure(d))) return Kind.Invariant;
    return Kind.ShapeDependent;
  }

  /** A symbolic value that may depend on the batch size. */
  private unsure(d: Dim): boolean {
    return typeof d === 'string' && (d.includes('?') || mentions(d, this.beta));
  }

  private shapeOf(n: NodeProto): Kind {
    const x = n.input[0]!;
    const out = n.output[0]!;
    const r = this.shapes.rank(x);
    if (n.op_type === 'Shape' && this.kindOf(x) === Kind.Major && r !== undefined) {
      // Only axis 0 of a batch-major tensor depends on the batch.
      const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
      const start = clamp(attrInt(n, 'start', 0));
      const end = clamp(attrInt(n, 'end', r));
      const e = Array.from({ length: Math.max(end - start, 0) }, (_, i) => start + i === 0);
      this.elems.set(out, e);
      return e.includes(true) ? Kind.ShapeDependent : Kind.Invariant;
    }
    const v = this.shapes.values.get(out);
    return v?.every((d) => !this.unsure(d)) ? Kind.Invariant : Kind.ShapeDependent;
  }

  /** Per-element batch dependence through the shape-arithmetic ops, when it can be followed. */
  private vectorElements(n: NodeProto): boolean[] | undefined {
    const ins = n.input;
    const ints = (i: number) => (ins[i] ? this.shapes.ints(ins[i]!) : undefined);
    switch (n.op_type) {
      case 'Cast':
      case 'Identity':
      case 'Squeeze':
      case 'Unsqueeze':
        return this.shapes.rank(ins[0]!) !== undefined && (this.shapes.rank(n.output[0]!) ?? 2) <= 1
          ? this.elementsOf(ins[0]!)
          : undefined;
      case 'Gather': {
        const e = this.elementsOf(ins[0]!);
        const idx = ints(1);
        if (!e || !idx || attrInt(n, 'axis', 0) !== 0 || this.kindOf(ins[1]!) !== Kind.Invariant) return undefined;
        const picked = idx.map((i) => e[i < 0 ? i + e.length : i]);
        return picked.every((p) => p !== undefined) ? (picked as boolean[]) : undefined;
      }
      case 'Slice': {
        const e = this.elementsOf(ins[0]!);
        const [starts, ends, axes, steps] = [ints(1), ints(2), ins[3] ? ints(3) : [0], ins[4] ? ints(4) : [1]];
        if (!e || !starts || !ends || axes?.[0] !== 0 || steps?.[0] !== 1) return undefined;
        const at = (i: number) => Math.min(Math.max(i < 0 ? i + e.length : i, 0), e.length);
        return e.slice(at(starts[0]!), at(ends[0]!));
      }
      case 'Concat': {
        if (attrInt(n, 'axis', 0) !== 0) return undefined;
        const parts = ins.map((x) => this.elementsOf(x));
        return parts.every((p) => p !== undefined) ? parts.flat() : undefined;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const [a, b] = [this.elementsOf(ins[0]!), this.elementsOf(ins[1]!)];
        if (!a || !b) return undefined;
        if (a.length === b.length) return a.map((x, i) => x || b[i]!);
        if (a.length === 1) return b.map((x) => x || a[0]!);
        if (b.length === 1) return a.map((x) => x || b[0]!);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * A shape operand that keeps axis 0 a multiple of the batch and the other axes free of it: element 0 is 0 (copy),
   * -1 (inferred: absorbs the batch) or the batch times a constant, the others do not depend on the batch.
   */
  private batchShape(shape: string, copyZero: boolean): boolean {
    const e = this.elementsOf(shape);
    const v = this.shapes.values.get(shape);
    if (!v || v.length === 0) return false;
    const lead = v[0]!;
    // The lead's value must be known: batch / 2 (one row per two inputs) is not batch-major.
    const leadOk = (copyZero && lead === 0) || lead === -1 || batchFactor(lead, this.beta);
    const restOk = e ? !e.slice(1).includes(true) : v.slice(1).every((d) => !this.unsure(d));
    return leadOk && restOk;
  }

  /** Whether the node's outputs are batch-major given its inputs' kinds (at least one not invariant). */
  private rowLocal(n: NodeProto, inputs: Kind[]): boolean {
    const { shapes } = this;
    const ins = n.input;
    const kindAt = (i: number) => (ins[i] ? inputs[ins.slice(0, i).filter(Boolean).length]! : Kind.Invariant);
    const rank = (t: string | undefined) => (t ? shapes.rank(t) : undefined);
    const dim0 = (t: string) => shapes.shape(t)?.[0];
    const ro = rank(n.output[0]);
    const major = (i: number) => kindAt(i) === Kind.Major;
    const invariant = (i: number) => kindAt(i) === Kind.Invariant;
    // An invariant operand broadcasting over axis 0 of a rank-`r` result.
    const broadcasts = (i: number, r: number | undefined) => {
      const ri = rank(ins[i]);
      return r !== undefined && ri !== undefined && (ri < r || dim0(ins[i]!) === 1);
    };
    const onlyMajorAt = (...slots: number[]) =>
      ins.every((x, i) => !x || (slots.includes(i) ? major(i) : invariant(i)));
    const after0 = (a: number | undefined, r: number | undefined) => (axis(a, r) ?? 0) >= 1;
    const op = n.op_type;
    if (ELEMENTWISE.has(op)) {
      if (ro === undefined) return false;
      return ins.every((x, i) => !x || (major(i) ? rank(x) === ro : invariant(i) && broadcasts(i, ro)));
    }
    switch (op) {
      case 'MatMul': {
        const [a, bb] = [rank(ins[0]), rank(ins[1])];
        if (a === undefined || bb === undefined || a < 2 || bb < 2 || ro === undefined) return false;
        // A rank-2 right operand is one matrix for every row; a batched one must broadcast over axis 0.
        if (major(0) && invariant(1)) return a === ro && (bb === 2 || broadcasts(1, ro));
        if (major(0) && major(1)) return a === ro && bb === ro && ro >= 3;
        if (invariant(0) && major(1)) return bb === ro && ro >= 3 && broadcasts(0, ro);
        return false;
      }
      case 'Gemm':
        return (
          onlyMajorAt(0) &&
          attrInt(n, 'transA', 0) === 0 &&
          (!ins[2] || (rank(ins[2]) ?? 9) <= 1 || dim0(ins[2]!) === 1)
        );
      case 'Softmax':
      case 'LogSoftmax':
      case 'Hardmax': {
        // The default axis (1 before opset 13, where the input is coerced to 2-D there; -1 from 13) is after axis 0.
        const given = attrInt(n, 'axis');
        return onlyMajorAt(0) && (ro ?? 0) >= 2 && (given === undefined || after0(given, ro));
      }
      case 'LayerNormalization':
        return onlyMajorAt(0) && after0(attrInt(n, 'axis', -1), rank(ins[0]));
      case 'Transpose': {
        const perm = attrInts(n, 'perm');
        return onlyMajorAt(0) && (perm ? perm[0] === 0 : ro === 1);
      }
      case 'Reshape':
        return major(0) && !major(1) && this.batchShape(ins[1]!, attrInt(n, 'allowzero', 0) === 0);
      case 'Flatten':
        return onlyMajorAt(0) && after0(attrInt(n, 'axis', 1), rank(ins[0]));
      case 'Squeeze':
      case 'Unsqueeze': {
        const axes = axesOf(n, 1, shapes);
        const r = op === 'Squeeze' ? rank(ins[0]) : ro;
        return onlyMajorAt(0) && !!axes && axes.every((a) => after0(a, r));
      }
      case 'Slice': {
        if (!major(0) || ins.slice(1).some((x, i) => x && major(i + 1))) return false;
        const r = rank(ins[0]);
        const nAxes = (attrInts(n, 'starts') ?? (ins[1] ? shapes.values.get(ins[1]) : undefined))?.length;
        const all = nAxes === undefined ? undefined : Array.from({ length: nAxes }, (_, i) => i);
        const axes = attrInts(n, 'axes') ?? (ins[3] ? shapes.ints(ins[3]) : all);
        if (!axes) return false;
        const at0 = axes.findIndex((a) => axis(a, r) === 0);
        if (at0 < 0) return [1, 2, 4].every((i) => !ins[i] || invariant(i));
        // Axis 0 whole (start 0, end its length or beyond, step 1): e.g. x[:batch] in attention decompositions.
        const starts = attrInts(n, 'starts') ?? (ins[1] ? shapes.values.get(ins[1]) : undefined);
        const ends = attrInts(n, 'ends') ?? (ins[2] ? shapes.values.get(ins[2]) : undefined);
        const steps = ins[4] ? shapes.ints(ins[4]) : undefined;
        const end = ends?.[at0];
        return (
          starts?.[at0] === 0 &&
          (steps?.[at0] ?? 1) === 1 &&
          (end === dim0(ins[0]!) || (typeof end === 'number' && end >= 2 ** 31)) &&
          [1, 2, 4].every((i) => !ins[i] || invariant(i) || (i === 2 && kindAt(i) === Kind.ShapeDependent))
        );
      }
      case 'Split':
        return onlyMajorAt(0) && after0(attrInt(n, 'axis', 0), rank(ins[0]));
      case 'Concat':
        return ins.every((x, i) => !x || (major(i) && rank(x) === ro)) && after0(attrInt(n, 'axis'), ro);
      case 'Gather': {
        const a = axis(attrInt(n, 'axis', 0), rank(ins[0]));
        if (major(0) && invariant(1)) return (a ?? 0) >= 1;
        return invariant(0) && major(1) && a === 0 && (rank(ins[1]) ?? 0) >= 1;
      }
      case 'GatherElements':
        return major(0) && major(1) && rank(ins[0]) === rank(ins[1]) && after0(attrInt(n, 'axis', 0), rank(ins[0]));
      case 'Expand': {
        if (major(1)) return false;
        const len = shapes.shape(ins[1]!)?.[0];
        if (major(0)) {
          // The result keeps the data's rank (so its axis 0) and gains no batch-sized axis elsewhere.
          const e = this.elementsOf(ins[1]!);
          return rank(ins[0]) === ro && (invariant(1) || (!!e && !e.slice(1).includes(true)));
        }
        return broadcasts(0, ro) && typeof len === 'number' && len === ro && this.batchShape(ins[1]!, false);
      }
      case 'ConstantOfShape':
        return this.batchShape(ins[0]!, false) && !(this.shapes.values.get(ins[0]!)?.[0] === -1);
      case 'Tile': {
        const reps = ins[1] ? shapes.ints(ins[1]) : undefined;
        return onlyMajorAt(0) && reps?.[0] === 1;
      }
      case 'Pad': {
        if (!onlyMajorAt(0)) return false;
        const pads = attrInts(n, 'pads') ?? (ins[1] ? shapes.ints(ins[1]) : undefined);
        const r = rank(ins[0]);
        if (!pads || r === undefined) return false;
        const axes = ins[3] ? shapes.ints(ins[3]) : undefined;
        if (ins[3] && !axes) return false;
        const list = axes ?? Array.from({ length: r }, (_, i) => i);
        return list.every((a, i) => after0(a, r) || (pads[i] === 0 && pads[i + list.length] === 0));
      }
      case 'CumSum':
        return onlyMajorAt(0) && after0(ins[1] ? shapes.ints(ins[1])?.[0] : undefined, rank(ins[0]));
      case 'ArgMax':
      case 'ArgMin':
        return onlyMajorAt(0) && after0(attrInt(n, 'axis', 0), rank(ins[0]));
      case 'Trilu':
        return onlyMajorAt(0) && (rank(ins[0]) ?? 0) >= 3;
      default:
        if (REDUCE.has(op)) {
          if (!onlyMajorAt(0)) return false;
          const axes = axesOf(n, 1, shapes);
          return !!axes && axes.length > 0 && axes.every((a) => after0(a, rank(ins[0])));
        }
        return false;
    }
  }
}
