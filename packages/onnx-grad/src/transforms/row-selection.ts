/**
 * Row selection pushed upward (GradientModelOptions.pruneRows): a BERT-style classifier reads one position of the
 * last hidden state (the pooler's `Gather(hidden, 0, axis 1)` or `Slice(hidden, 0:1, axis 1)`), yet the last layer
 * computes, and its backward differentiates, every position. Row r of a position-wise op's output depends on row r
 * of its inputs only, so the selection moves above it, `select(f(x)) = f(select(x))`:
 *
 *   - elementwise ops (Add, Mul, Where, Erf, Tanh, Relu, Cast, ...): an operand that has the selected axis at full
 *     extent is selected too (both sides of a residual Add), one with extent 1 or without the axis (a bias, the
 *     attention mask [B, 1, 1, S]) is read as it is;
 *   - MatMul whose left operand carries the selected axis as its row axis: the Q projection `x W`, the attention
 *     scores `q k^T` and context `p v`; the right operand (the weight, K^T, V) stays whole;
 *   - reductions, Softmax and LayerNormalization over other axes (the decomposed LayerNorm's ReduceMeans over the
 *     last axis, the attention softmax over the keys);
 *   - Transpose (the selected axis moves), Reshape that keeps the leading axes up to the selected one (head
 *     split/merge; its shape becomes a constant `[0, .., 0, trailing dims]`), Expand (the shape gets extent 1 there).
 *
 * A tensor is replaced by its selected rows only when nothing else reads it (no other consumer, not a graph output,
 * not kept), so the graph's function is unchanged; anything else stops the push. On an encoder classifier the last
 * layer's FFN, output projection, LayerNorms and Q projection then run on [B, 1, H] and the attention softmax on
 * [B, heads, 1, S], while K and V stay over all positions; the earlier layers are untouched (every position feeds
 * the last layer's K and V). Run before differentiation, so that the backward is pruned as well, and before
 * `fusePatterns`, which then fuses the selected LayerNorm/GELU subgraphs as it does the whole ones.
 *
 * Exports: `RowSelection`, `selectRows`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import { OpBuilder } from '../ir/builder.ts';
import { outerScopeInputs, type Graph } from '../ir/graph.ts';
import { inferShapes, type ShapeInfo } from '../shape/infer.ts';
import type { Dim } from '../shape/dims.ts';
import { constantInts } from './constants.ts';

export interface RowSelection {
  /** Selections (Gather / Slice of one position) whose rows were pushed above at least one op. */
  roots: number;
  /** Ops now computed on the selected rows only. */
  pushed: number;
}

/** How a rewritten node gets one input: as it was, its rows along `axis`, or a new tensor. */
type InputPlan =
  | { kind: 'keep' }
  | { kind: 'select'; axis: number }
  | { kind: 'shape-of-selected'; tensor: string; axis: number }
  | { kind: 'new'; make: (b: OpBuilder) => string };

const KEEP: InputPlan = { kind: 'keep' };

const BROADCASTING = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Where',
  'Max',
  'Min',
  'Sum',
  'Mean',
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'And',
  'Or',
  'Xor',
  'PRelu',
  'Clip',
]);
const UNARY = new Set([
  'Identity',
  'Cast',
  'Neg',
  'Abs',
  'Sqrt',
  'Reciprocal',
  'Exp',
  'Log',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'LeakyRelu',
  'Elu',
  'Selu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'HardSwish',
  'Gelu',
  'Not',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'Sin',
  'Cos',
]);
const REDUCE = new Set([
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSumExp',
]);
/** Slice end meaning "to the end" (position -1). */
const TO_END = 2 ** 31;

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The plan for computing `node`'s selected rows (`axis` of output 0) from its inputs' rows, or undefined. */
function planNode(graph: Graph, shapes: ShapeInfo, node: NodeProto, axis: number): InputPlan[] | undefined {
  if ((node.domain ?? '') !== '') return undefined;
  const op = node.op_type;
  const y = node.output[0]!;
  const ys = shapes.shape(y);
  if (!ys || axis >= ys.length) return undefined;
  // only output 0 may be read: a second output (LayerNormalization's Mean, ...) would keep the full rows
  for (const o of node.output.slice(1)) if (o && graph.consumers(o).length > 0) return undefined;
  if (node.output.slice(1).some((o) => o && graph.proto.output.some((v) => v.name === o))) return undefined;
  const r = ys.length;
  const rankOf = (t: string) => shapes.rank(t);

  if (BROADCASTING.has(op) || UNARY.has(op)) return broadcastPlan(shapes, node.input, ys, axis);
  if (op === 'Softmax' || op === 'LogSoftmax' || op === 'Hardmax') {
    // from opset 13 one axis; before, the trailing axes from `axis` (default 1) flattened together
    const ax = norm(attrInt(node, 'axis', graph.opset >= 13 ? -1 : 1), r);
    if (graph.opset >= 13 ? ax === axis : axis >= ax) return undefined;
    return [{ kind: 'select', axis }];
  }
  if (REDUCE.has(op)) {
    if (attrInt(node, 'keepdims', 1) !== 1 || rankOf(node.input[0]!) !== r) return undefined;
    const axes = node.input[1] ? constantInts(graph, node.input[1]) : attrInts(node, 'axes');
    if (!axes?.length || axes.some((a) => norm(a, r) === axis)) return undefined; // none: every axis
    return node.input.map((_, i) => (i === 0 ? { kind: 'select', axis } : KEEP));
  }
  if (op === 'LayerNormalization') {
    const ax = norm(attrInt(node, 'axis', -1), r);
    if (axis >= ax || rankOf(node.input[0]!) !== r) return undefined;
    // scale and bias broadcast over the normalised axes only
    if (node.input.slice(1).some((t) => t && (rankOf(t) === undefined || rankOf(t)! > r - ax))) return undefined;
    return node.input.map((_, i) => (i === 0 ? { kind: 'select', axis } : KEEP));
  }
  if (op === 'MatMul') {
    // the selected axis is the left operand's row axis; the right operand has no row axis
    const ra = rankOf(node.input[0]!);
    if (ra === undefined || ra < 2 || ra !== r || axis !== r - 2) return undefined;
    return [{ kind: 'select', axis }, KEEP];
  }
  if (op === 'Transpose') {
    const perm = attrInts(node, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    if (perm.length !== r) return undefined;
    return [{ kind: 'select', axis: perm[axis]! }];
  }
  if (op === 'Reshape') return reshapePlan(shapes, node, ys, axis);
  if (op === 'Expand') return expandPlan(graph, shapes, node, ys, axis);
  return undefined;
}

/** Elementwise with numpy broadcasting: full-extent operands are selected, extent-1 or missing axes read whole. */
function broadcastPlan(shapes: ShapeInfo, inputs: string[], ys: Dim[], axis: number): InputPlan[] | undefined {
  const plans: InputPlan[] = [];
  for (const t of inputs) {
    if (!t) {
      plans.push(KEEP);
      continue;
    }
    const s = shapes.shape(t);
    if (!s) return undefined;
    const at = axis - (ys.length - s.length);
    if (at < 0 || s[at] === 1) plans.push(KEEP);
    else if (s[at] === ys[axis]) plans.push({ kind: 'select', axis: at });
    else return undefined;
  }
  return plans;
}

/**
 * Reshape that keeps the axes up to and including the selected one (B, S in [B, S, H] <-> [B, S, heads, d]): row
 * for row the same reshape, with the new shape `[0 (copied) x (axis + 1), trailing dims]`.
 */
function reshapePlan(shapes: ShapeInfo, node: NodeProto, ys: Dim[], axis: number) {
  if (attrInt(node, 'allowzero', 0) !== 0 || node.input.length !== 2) return undefined;
  const xs = shapes.shape(node.input[0]!);
  if (!xs || xs.length <= axis) return undefined;
  for (let i = 0; i <= axis; i++) if (xs[i] !== ys[i] || xs[i] === undefined) return undefined;
  const trailing = ys.slice(axis + 1);
  const unknown = trailing.filter((d) => typeof d !== 'number').length;
  if (unknown > 1 || trailing.some((d) => typeof d === 'number' && d <= 0)) return undefined;
  const shape = [...Array<number>(axis + 1).fill(0), ...trailing.map((d) => (typeof d === 'number' ? d : -1))];
  return [
    { kind: 'select', axis },
    { kind: 'new', make: (b: OpBuilder) => b.i64(shape) },
  ] as InputPlan[];
}

/**
 * Expand(x, shape) with the output's selected axis: x selected where it has that axis at full extent, the shape with
 * extent 1 there: `Shape(selected rows of U)` when the shape is `Shape(U)` of a tensor with the same axis (so that
 * U's full rows are no longer read), else the shape tensor with that entry set to 1.
 */
function expandPlan(graph: Graph, shapes: ShapeInfo, node: NodeProto, ys: Dim[], axis: number) {
  const [x, shape] = node.input as [string, string];
  const length = shapes.shape(shape);
  if (length?.length !== 1 || length[0] !== ys.length) return undefined;
  const data = broadcastPlan(shapes, [x], ys, axis);
  if (!data) return undefined;
  const p = graph.producer(shape);
  const us = p?.op_type === 'Shape' && !p.domain ? shapes.shape(p.input[0]!) : undefined;
  const whole = p && attrInt(p, 'start', 0) === 0 && attrInt(p, 'end', TO_END) >= TO_END;
  if (us && whole && us.length === ys.length && us[axis] === ys[axis])
    return [data[0]!, { kind: 'shape-of-selected', tensor: p!.input[0]!, axis }] as InputPlan[];
  const r = ys.length;
  const make = (b: OpBuilder) => {
    const parts = [b.i64([1])];
    if (axis > 0) parts.unshift(b.slice(shape, [0], [axis], [0]));
    if (axis < r - 1) parts.push(b.slice(shape, [axis + 1], [r], [0]));
    return b.concat(parts, 0);
  };
  return [data[0]!, { kind: 'new', make }] as InputPlan[];
}

interface Selector {
  /** The node producing the selected rows: a Slice of one position (ours or the model's). */
  node: NodeProto;
  tensor: string;
  axis: number;
  index: number;
}

/** A root: `Gather(t, k, axis)` with a constant k, or `Slice(t, k, k + 1, axis)` with step 1. */
function rootOf(
  graph: Graph,
  shapes: ShapeInfo,
  n: NodeProto,
): { axis: number; index: number; squeeze: boolean } | undefined {
  if ((n.domain ?? '') !== '') return undefined;
  const r = shapes.rank(n.input[0] ?? '');
  if (r === undefined) return undefined;
  if (n.op_type === 'Gather') {
    const k = n.input[1] ? constantInts(graph, n.input[1]) : undefined;
    const kr = shapes.rank(n.input[1]!);
    if (k?.length !== 1 || (kr !== 0 && kr !== 1)) return undefined;
    return { axis: norm(attrInt(n, 'axis', 0), r), index: k[0]!, squeeze: kr === 0 };
  }
  if (n.op_type === 'Slice' && graph.opset >= 10) {
    const ints = (i: number) => (n.input[i] ? constantInts(graph, n.input[i]!) : undefined);
    const [starts, ends] = [ints(1), ints(2)];
    const axes = n.input[3] ? ints(3) : [0];
    const steps = n.input[4] ? ints(4) : [1];
    if (starts?.length !== 1 || ends?.length !== 1 || axes?.length !== 1 || steps?.length !== 1) return undefined;
    const k = starts[0]!;
    if (steps[0] !== 1 || !(k >= 0 ? ends[0] === k + 1 : k === -1 ? ends[0]! >= TO_END : ends[0] === k + 1))
      return undefined;
    return { axis: norm(axes[0]!, r), index: k, squeeze: false };
  }
  return undefined;
}

/**
 * Pushes every one-position selection as far up as the ops allow (see the module comment). `keep`: tensors that
 * must stay whole (wrt tensors whose gradient is an output). Returns what it did; an unchanged graph when nothing
 * could be pushed.
 */
export function selectRows(graph: Graph, options: { keep?: Iterable<string> } = {}): RowSelection {
  const result: RowSelection = { roots: 0, pushed: 0 };
  if (graph.opset < 10) return result; // Slice with inputs
  const shapes = inferShapes(graph);
  // tensors a subgraph (If/Loop/Scan body) reads are not among `consumers`: never replaced, never taken as dead
  const keep = new Set([...(options.keep ?? []), ...graph.nodes.flatMap(outerScopeInputs)]);
  const outputs = new Set(graph.proto.output.map((o) => o.name));
  const b = new OpBuilder(graph, 'row_selection/');
  const selectors = new Map<string, Selector>();
  const key = (t: string, axis: number, index: number) => `${t}\u0000${axis}\u0000${index}`;
  const queue: string[] = [];
  const byTensor = new Map<string, Set<string>>(); // tensor -> its selector keys, to recheck when a reader goes

  const register = (s: Selector) => {
    const k = key(s.tensor, s.axis, s.index);
    selectors.set(k, s);
    if (!byTensor.has(s.tensor)) byTensor.set(s.tensor, new Set());
    byTensor.get(s.tensor)!.add(k);
    queue.push(k);
  };
  /** The selected rows of `t` (one Slice per tensor, axis and position). */
  const select = (t: string, axis: number, index: number): string => {
    const k = key(t, axis, index);
    const s = selectors.get(k);
    if (s) {
      queue.push(k);
      return s.node.output[0]!;
    }
    const out = b.slice(t, [index], [index === -1 ? TO_END : index + 1], [axis]);
    register({ node: graph.producer(out)!, tensor: t, axis, index });
    return out;
  };
  /** Whether `t`'s producer can be computed on the rows: t read by the selector alone, and a plan for its op. */
  const pushable = (t: string, reader: NodeProto, axis: number) => {
    if (outputs.has(t) || keep.has(t)) return undefined;
    const cs = graph.consumers(t);
    if (cs.length !== 1 || cs[0] !== reader) return undefined;
    const p = graph.producer(t);
    return p && planNode(graph, shapes, p, axis);
  };
  /** Removes nodes and, transitively, the producers nothing reads any more; rechecks the selections of their inputs. */
  const remove = (nodes: NodeProto[]) => {
    const dead = new Set(nodes);
    const inputs = nodes.flatMap((n) => n.input);
    graph.removeNodes(dead);
    while (inputs.length > 0) {
      const t = inputs.pop()!;
      for (const k of byTensor.get(t) ?? []) queue.push(k);
      const p = graph.producer(t);
      if (!p || outputs.has(t) || keep.has(t)) continue;
      if (p.output.some((o) => o && (graph.consumers(o).length > 0 || outputs.has(o) || keep.has(o)))) continue;
      graph.removeNodes(new Set([p]));
      inputs.push(...p.input);
    }
  };

  // roots: canonicalised to a Slice (plus Squeeze for a scalar Gather index) when their producer can be pushed
  for (const n of [...graph.nodes]) {
    const root = rootOf(graph, shapes, n);
    if (!root || !pushable(n.input[0]!, n, root.axis)) continue;
    const t = n.input[0]!;
    if (n.op_type === 'Slice') {
      register({ node: n, tensor: t, axis: root.axis, index: root.index });
    } else {
      const rows = select(t, root.axis, root.index);
      const y = n.output[0]!;
      graph.removeNodes(new Set([n]));
      if (root.squeeze) {
        const sq = b.squeeze(rows, [root.axis]);
        graph.producer(sq)!.output = [y];
        graph.invalidate();
      } else {
        const sel = graph.producer(rows)!;
        sel.output = [y];
        graph.invalidate();
        selectors.get(key(t, root.axis, root.index))!.node = sel;
      }
    }
    result.roots++;
  }

  while (queue.length > 0) {
    const k = queue.pop()!;
    const s = selectors.get(k);
    if (!s) continue;
    const plans = pushable(s.tensor, s.node, s.axis);
    const p = plans && graph.producer(s.tensor)!;
    if (!plans || !p) continue;
    const inputs = p.input.map((t, i) => {
      const plan = plans[i] ?? KEEP;
      if (plan.kind === 'select') return select(t, plan.axis, s.index);
      if (plan.kind === 'shape-of-selected') return b.shape(select(plan.tensor, plan.axis, s.index));
      if (plan.kind === 'new') return plan.make(b);
      return t;
    });
    const rows = s.node.output[0]!;
    graph.nodes.push({
      ...p,
      name: graph.uniqueName(`${p.name || p.op_type}/rows`),
      input: inputs,
      output: [rows],
    });
    graph.invalidate();
    selectors.delete(k);
    byTensor.get(s.tensor)!.delete(k);
    remove([s.node, p]);
    result.pushed++;
  }
  if (result.roots > 0) graph.toposort();
  return result;
}
