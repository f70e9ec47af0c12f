/**
 * Before differentiating: the decomposed LayerNorm and GELU subgraphs that exporters write below the opsets of the
 * fused ops become one node each, so that their backward is one compact formula instead of the backward of every
 * elementwise op (a Pow, Div and Add storm), and so that the backward reads only the pattern's inputs: the forward
 * subgraph is then left intact for onnxruntime's own LayerNorm / Gelu / FastGelu fusions, which a backward reading
 * an intermediate tensor defeats.
 * - LayerNorm `ReduceMean -> Sub -> Pow 2 (or Mul) -> ReduceMean -> Add eps -> Sqrt -> Div (or Reciprocal, Mul) ->
 *   Mul scale -> Add bias`: from opset 17 the standard LayerNormalization, with its Mean and InvStdDev outputs for
 *   the backward; below, the internal LayerNormalization.
 * - GELU, erf form `x * 0.5 * (1 + erf(x / sqrt 2))` and tanh form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`
 *   (x^3 as Pow or as Muls): from opset 20 the standard Gelu, below the internal Gelu.
 * - Sibling Slices that cut one tensor into disjoint constant ranges along one axis (a fused QKV projection): one
 *   Split (with pieces for the gaps), whose backward is one Concat instead of a Pad per slice and Adds.
 * Internal nodes keep the original subgraph in their `body` attribute; `resolveInternalOps` puts it back after the
 * backward is built, so no written file holds them. LayerNormalization nodes already in the model get their Mean and
 * InvStdDev outputs, which the backward uses instead of recomputing the statistics.
 *
 * Exports: `fusePatterns`, `FusedPatterns`.
 */
import { DataType, type NodeProto } from '../onnx/proto.ts';
import { makeTensor } from '../onnx/tensor.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';
import { INTERNAL_DOMAIN } from '../autodiff/rules/internal.ts';
import { constantInts, constantValue } from './constants.ts';
import { inferShapes, sliceRange, type ShapeInfo } from '../shape/infer.ts';

export interface FusedPatterns {
  /** Decomposed LayerNorms replaced (by the standard op from opset 17, else by the internal one). */
  layerNorm: number;
  /** Decomposed GELUs replaced (by the standard op from opset 20, else by the internal one). */
  gelu: number;
  /** LayerNormalization nodes given their Mean and InvStdDev outputs. */
  statistics: number;
  /** Groups of sibling Slices replaced by one Split. */
  slices: number;
}

/** A scalar float constant's value, or undefined. */
function scalar(graph: Graph, name: string | undefined): number | undefined {
  if (!name) return undefined;
  const v = constantValue(graph, name);
  if (v?.length !== 1) return undefined;
  const x = Number(v[0]);
  return Number.isFinite(x) ? x : undefined;
}

const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) <= 1e-4 * Math.abs(want);

class Matcher {
  private readonly outputs: Set<string>;
  constructor(
    readonly graph: Graph,
    readonly shapes: ShapeInfo,
  ) {
    this.outputs = new Set(graph.proto.output.map((o) => o.name));
  }

  isOutput(t: string): boolean {
    return this.outputs.has(t);
  }

  /** The single consumer of `t` when `t` is not a graph output and has exactly one consuming node. */
  only(t: string, op?: string): NodeProto | undefined {
    if (this.outputs.has(t)) return undefined;
    const cs = this.graph.consumers(t);
    if (cs.length !== 1 || (cs[0]!.domain ?? '') !== '') return undefined;
    return op === undefined || cs[0]!.op_type === op ? cs[0] : undefined;
  }

  /** The producer of `t` when it is a standard `op` node. */
  from(t: string | undefined, op: string): NodeProto | undefined {
    if (!t) return undefined;
    const p = this.graph.producer(t);
    return p && p.op_type === op && (p.domain ?? '') === '' ? p : undefined;
  }

  /** For a binary node with input `t`, its other input. */
  other(n: NodeProto, t: string): string | undefined {
    if (n.input.length !== 2) return undefined;
    if (n.input[0] === t) return n.input[1];
    if (n.input[1] === t) return n.input[0];
    return undefined;
  }

  /** A binary node's (constant value, other input) when one input is a scalar constant. */
  withConst(n: NodeProto | undefined): { value: number; x: string } | undefined {
    if (n?.input.length !== 2) return undefined;
    const a = scalar(this.graph, n.input[0]);
    if (a !== undefined) return { value: a, x: n.input[1]! };
    const b = scalar(this.graph, n.input[1]);
    return b === undefined ? undefined : { value: b, x: n.input[0]! };
  }

  /** ReduceMean axes (attribute, or input from opset 18) normalised to [0, rank), with keepdims = 1. */
  meanAxes(n: NodeProto, rank: number): number[] | undefined {
    if (attrInt(n, 'keepdims', 1) !== 1) return undefined;
    const axes = n.input[1] ? constantInts(this.graph, n.input[1]) : attrInts(n, 'axes');
    if (!axes?.length) return undefined;
    return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  }

  isFloat(t: string): boolean {
    return this.shapes.elemType(t) === DataType.FLOAT || this.shapes.elemType(t) === DataType.DOUBLE;
  }
}

interface LayerNormMatch {
  nodes: NodeProto[];
  x: string;
  scale: string;
  bias: string;
  axis: number;
  epsilon: number;
  y: string;
}

/** Matches the torch decomposition from its first ReduceMean. */
function matchLayerNorm(m: Matcher, r1: NodeProto): LayerNormMatch | undefined {
  const x = r1.input[0]!;
  const rank = m.shapes.rank(x);
  if (rank === undefined || !m.isFloat(x)) return undefined;
  const axes = m.meanAxes(r1, rank);
  if (!axes || axes.some((a, i) => a !== rank - axes.length + i)) return undefined; // a suffix of the axes
  const sub = m.only(r1.output[0]!, 'Sub');
  if (!sub || sub.input[0] !== x || sub.input[1] !== r1.output[0]) return undefined;
  const d = sub.output[0]!;
  const cs = m.graph.consumers(d);
  if (cs.length !== 2 || m.isOutput(d)) return undefined;
  const sq = cs.find(
    (n) =>
      (n.op_type === 'Pow' && n.input[0] === d && near(scalar(m.graph, n.input[1]), 2)) ||
      (n.op_type === 'Mul' && n.input[0] === d && n.input[1] === d),
  );
  if (!sq) return undefined;
  const r2 = m.only(sq.output[0]!, 'ReduceMean');
  const axes2 = r2 && m.meanAxes(r2, rank);
  if (!r2 || axes2?.join() !== axes.join()) return undefined;
  const addEps = m.only(r2.output[0]!, 'Add');
  const eps = m.withConst(addEps);
  if (!addEps || !eps || eps.x !== r2.output[0] || eps.value < 0) return undefined;
  const sqrt = m.only(addEps.output[0]!, 'Sqrt');
  if (!sqrt) return undefined;
  // x̂ = d / sqrt, or d * (1 / sqrt)
  const norm = cs.find((n) => n !== sq);
  let xhat: NodeProto[];
  if (norm?.op_type === 'Div' && norm.input[0] === d && norm.input[1] === sqrt.output[0]) {
    if (m.only(sqrt.output[0]!) !== norm) return undefined;
    xhat = [norm];
  } else {
    const rec = m.only(sqrt.output[0]!, 'Reciprocal');
    if (!rec || norm?.op_type !== 'Mul' || m.only(rec.output[0]!) !== norm || m.other(norm, d) !== rec.output[0])
      return undefined;
    xhat = [rec, norm];
  }
  const mul = m.only(norm.output[0]!, 'Mul');
  const scale = mul && m.other(mul, norm.output[0]!);
  const add = mul && m.only(mul.output[0]!, 'Add');
  const bias = add && m.other(add, mul!.output[0]!);
  if (!mul || !scale || !add || !bias) return undefined;
  // scale and bias span the normalised axes (what LayerNormalization requires), constant or not
  const normalised = m.shapes.shape(x)!.slice(rank - axes.length);
  for (const t of [scale, bias]) {
    const s = m.shapes.shape(t);
    if (!s || s.length !== normalised.length || s.some((v, i) => v !== normalised[i]) || !m.isFloat(t))
      return undefined;
  }
  return {
    nodes: [r1, sub, sq, r2, addEps, sqrt, ...xhat, mul, add],
    x,
    scale,
    bias,
    axis: rank - axes.length,
    epsilon: eps.value,
    y: add.output[0]!,
  };
}

interface GeluMatch {
  nodes: NodeProto[];
  x: string;
  y: string;
  approximate: 'none' | 'tanh';
}

/**
 * The tail shared by both forms: `t -> Add 1 -> Mul`, with y = (x * s) * 0.5 or (x * 0.5) * s (either operand order).
 */
function matchGeluTail(m: Matcher, t: string, x: string): { nodes: NodeProto[]; y: string } | undefined {
  const add1 = m.only(t, 'Add');
  const one = m.withConst(add1);
  if (!add1 || !one || one.x !== t || !near(one.value, 1)) return undefined;
  const s = add1.output[0]!;
  const mul = m.only(s, 'Mul');
  if (!mul) return undefined;
  const o = m.other(mul, s)!;
  if (o === x) {
    const half = m.only(mul.output[0]!, 'Mul');
    const h = m.withConst(half);
    if (!half || !h || h.x !== mul.output[0] || !near(h.value, 0.5)) return undefined;
    return { nodes: [add1, mul, half], y: half.output[0]! };
  }
  const xHalf = m.from(o, 'Mul');
  const h = m.withConst(xHalf);
  if (!xHalf || !h || h.x !== x || !near(h.value, 0.5) || m.only(o) !== mul) return undefined;
  return { nodes: [xHalf, add1, mul], y: mul.output[0]! };
}

/** erf form, from its Erf node. */
function matchGeluErf(m: Matcher, erf: NodeProto): GeluMatch | undefined {
  const scaled = erf.input[0]!;
  const p = m.graph.producer(scaled);
  const c = m.withConst(p);
  if (!p || !c || (p.domain ?? '') !== '' || m.only(scaled) !== erf) return undefined;
  const ok =
    (p.op_type === 'Div' && p.input[1] !== p.input[0] && near(c.value, Math.SQRT2) && p.input[0] === c.x) ||
    (p.op_type === 'Mul' && near(c.value, Math.SQRT1_2));
  if (!ok || !m.isFloat(c.x)) return undefined;
  const tail = matchGeluTail(m, erf.output[0]!, c.x);
  return tail && { nodes: [p, erf, ...tail.nodes], x: c.x, y: tail.y, approximate: 'none' };
}

/** `x^3` as Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x): the nodes, when `t` is that cube of `x`. */
function cubeOf(m: Matcher, t: string, x: string): NodeProto[] | undefined {
  const pow = m.from(t, 'Pow');
  if (pow) return pow.input[0] === x && near(scalar(m.graph, pow.input[1]), 3) ? [pow] : undefined;
  const mul = m.from(t, 'Mul');
  if (!mul) return undefined;
  const sq = mul.input[0] === x ? mul.input[1]! : mul.input[1] === x ? mul.input[0]! : undefined;
  const sqn = sq ? m.from(sq, 'Mul') : undefined;
  if (!sqn || sqn.input[0] !== x || sqn.input[1] !== x || m.only(sq!) !== mul) return undefined;
  return [sqn, mul];
}

/** tanh form, from its Tanh node. */
function matchGeluTanh(m: Matcher, tanh: NodeProto): GeluMatch | undefined {
  const u = tanh.input[0]!;
  const pu = m.from(u, 'Mul');
  const k = m.withConst(pu);
  if (!pu || !k || !near(k.value, Math.sqrt(2 / Math.PI)) || m.only(u) !== tanh) return undefined;
  const sum = m.from(k.x, 'Add');
  if (!sum || m.only(k.x) !== pu) return undefined;
  const pairs: [string, string][] = [
    [sum.input[0]!, sum.input[1]!],
    [sum.input[1]!, sum.input[0]!],
  ];
  for (const [x, cubeScaled] of pairs) {
    const pc = m.from(cubeScaled, 'Mul');
    const c = m.withConst(pc);
    if (!pc || !c || !near(c.value, 0.044715) || m.only(cubeScaled) !== sum) continue;
    const cube = cubeOf(m, c.x, x);
    if (!cube || m.only(c.x) !== pc || !m.isFloat(x)) continue;
    const tail = matchGeluTail(m, tanh.output[0]!, x);
    if (!tail) continue;
    return { nodes: [...cube, pc, sum, pu, tanh, ...tail.nodes], x, y: tail.y, approximate: 'tanh' };
  }
  return undefined;
}

interface SliceCut {
  node: NodeProto;
  axis: number;
  start: number;
  count: number;
}

/** A Slice of one constant range with step 1 along one axis of known extent (opset >= 10). */
function sliceCut(m: Matcher, n: NodeProto): SliceCut | undefined {
  const x = n.input[0]!;
  const shape = m.shapes.shape(x);
  if (!shape || m.graph.opset < 10) return undefined;
  const ints = (k: number) => (n.input[k] ? constantInts(m.graph, n.input[k]!) : undefined);
  const starts = ints(1);
  const ends = ints(2);
  const axes = n.input[3] ? ints(3) : [0];
  const steps = n.input[4] ? ints(4) : [1];
  if (starts?.length !== 1 || ends?.length !== 1 || axes?.length !== 1 || steps?.length !== 1 || steps[0] !== 1)
    return undefined;
  const axis = axes[0]! < 0 ? axes[0]! + shape.length : axes[0]!;
  const d = shape[axis];
  if (typeof d !== 'number') return undefined;
  const { start, count } = sliceRange(d, starts[0]!, ends[0]!, 1);
  return count > 0 ? { node: n, axis, start, count } : undefined;
}

/** Sibling Slices of `x` along one axis, disjoint: one Split whose outputs are theirs (and gap pieces). */
function matchSlices(m: Matcher, x: string): { cuts: SliceCut[]; axis: number; sizes: number[] } | undefined {
  const cuts = m.graph
    .consumers(x)
    .filter((n) => n.op_type === 'Slice' && !n.domain && n.input[0] === x)
    .map((n) => sliceCut(m, n));
  if (cuts.length < 2 || cuts.some((c) => !c) || !m.isFloat(x)) return undefined;
  const sorted = (cuts as SliceCut[]).sort((a, b) => a.start - b.start);
  const axis = sorted[0]!.axis;
  if (sorted.some((c) => c.axis !== axis)) return undefined;
  const d = m.shapes.shape(x)![axis] as number;
  const sizes: number[] = [];
  let at = 0;
  for (const c of sorted) {
    if (c.start < at) return undefined; // overlapping
    if (c.start > at) sizes.push(c.start - at);
    sizes.push(c.count);
    at = c.start + c.count;
  }
  if (at < d) sizes.push(d - at);
  return { cuts: sorted, axis, sizes };
}

/** The original nodes as the body of an internal node (never run: `resolveInternalOps` splices them back). */
function body(nodes: NodeProto[], name: string) {
  return { node: nodes, name, initializer: [], input: [], output: [], value_info: [] };
}

/** The ops the loop below matches patterns from. */
const PATTERN_STARTS = new Set(['Slice', 'ReduceMean', 'Erf', 'Tanh', 'LayerNormalization']);

/** Replaces the patterns in place; returns how many of each it replaced. */
export function fusePatterns(graph: Graph): FusedPatterns {
  const counts: FusedPatterns = { layerNorm: 0, gelu: 0, statistics: 0, slices: 0 };
  // no op a pattern starts from: skip the shape inference over the whole graph
  if (!graph.nodes.some((n) => (n.domain ?? '') === '' && PATTERN_STARTS.has(n.op_type))) return counts;
  const shapes = inferShapes(graph);
  const m = new Matcher(graph, shapes);
  const sliced = new Set<string>();
  const taken = new Set<NodeProto>();
  const replace = (nodes: NodeProto[], add: () => void) => {
    if (nodes.some((n) => taken.has(n)) || new Set(nodes).size !== nodes.length) return false;
    for (const n of nodes) taken.add(n);
    add();
    return true;
  };
  const added: (() => void)[] = [];
  for (const n of graph.nodes) {
    if ((n.domain ?? '') !== '') continue;
    if (n.op_type === 'Slice' && !sliced.has(n.input[0]!)) {
      const x = n.input[0]!;
      sliced.add(x);
      const group = matchSlices(m, x);
      if (!group) continue;
      const ok = replace(
        group.cuts.map((c) => c.node),
        () =>
          added.push(() => {
            // each Slice's output becomes a Split output; gaps get fresh names nothing reads
            const byStart = new Map(group.cuts.map((c) => [c.start, c.node.output[0]!]));
            let at = 0;
            const outputs = group.sizes.map((size) => {
              const name = byStart.get(at) ?? graph.uniqueName(`${x}/gap`);
              at += size;
              return name;
            });
            const name = graph.uniqueName(`${x}/Split`);
            if (graph.opset >= 13) {
              const sizes = graph.addInitializer(
                makeTensor(
                  graph.uniqueName(`${x}/split_sizes`),
                  [group.sizes.length],
                  BigInt64Array.from(group.sizes, BigInt),
                ),
              );
              graph.addNode('Split', [x, sizes], { outputs, attrs: { axis: group.axis }, name });
            } else graph.addNode('Split', [x], { outputs, attrs: { axis: group.axis, split: group.sizes }, name });
          }),
      );
      if (ok) counts.slices++;
    } else if (n.op_type === 'ReduceMean') {
      const ln = matchLayerNorm(m, n);
      if (!ln) continue;
      const ok = replace(ln.nodes, () =>
        added.push(() => {
          const name = graph.uniqueName(`${n.name || ln.y}/LayerNormalization`);
          if (graph.opset >= 17) {
            // float32 statistics (stash_type 1) for the backward, where x is float32 too
            const stats =
              shapes.elemType(ln.x) === DataType.FLOAT
                ? [graph.uniqueName(`${ln.y}/mean`), graph.uniqueName(`${ln.y}/inv_std_dev`)]
                : [];
            graph.addNode('LayerNormalization', [ln.x, ln.scale, ln.bias], {
              outputs: [ln.y, ...stats],
              attrs: { axis: ln.axis, epsilon: { float: ln.epsilon } },
              name,
            });
          } else {
            graph.addNode('LayerNormalization', [ln.x, ln.scale, ln.bias], {
              outputs: [ln.y],
              attrs: { axis: ln.axis, epsilon: { float: ln.epsilon }, body: body(ln.nodes, name) },
              domain: INTERNAL_DOMAIN,
              name,
            });
          }
        }),
      );
      if (ok) counts.layerNorm++;
    } else if (n.op_type === 'Erf' || n.op_type === 'Tanh') {
      const g = n.op_type === 'Erf' ? matchGeluErf(m, n) : matchGeluTanh(m, n);
      if (!g) continue;
      const ok = replace(g.nodes, () =>
        added.push(() => {
          const name = graph.uniqueName(`${g.y}/Gelu`);
          if (graph.opset >= 20) {
            graph.addNode('Gelu', [g.x], { outputs: [g.y], attrs: { approximate: g.approximate }, name });
          } else {
            graph.addNode('Gelu', [g.x], {
              outputs: [g.y],
              attrs: { approximate: g.approximate, body: body(g.nodes, name) },
              domain: INTERNAL_DOMAIN,
              name,
            });
          }
        }),
      );
      if (ok) counts.gelu++;
    } else if (n.op_type === 'LayerNormalization' && graph.opset >= 17 && n.output.length < 3) {
      // stash_type 1 (float): the statistics match a float32 x; other types recompute them in the backward
      if (shapes.elemType(n.input[0]!) !== DataType.FLOAT || attrInt(n, 'stash_type', 1) !== 1) continue;
      const y = n.output[0]!;
      n.output = [y, n.output[1] || graph.uniqueName(`${y}/mean`), n.output[2] || graph.uniqueName(`${y}/inv_std_dev`)];
      counts.statistics++;
    }
  }
  if (taken.size > 0) {
    graph.removeNodes(taken);
    for (const a of added) a();
    graph.toposort();
  } else graph.invalidate();
  return counts;
}
