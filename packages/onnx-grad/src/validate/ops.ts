/**
 * Per-op checks of attributes and static shapes, where onnxruntime's shape inference refuses the model at load:
 * axes outside [-r, r-1], a `perm` that is not a permutation of the input's axes, MatMul/Gemm inner dims that
 * differ, operands that do not broadcast, Concat inputs of different rank or dims, Reshape targets with two -1s or
 * another element count. Dims are compared only where both are known numbers.
 *
 * Exports: `checkNodeShapes`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import { MAX_RANK, type ShapeInfo } from '../shape/infer.ts';
import type { Dim } from '../shape/dims.ts';
import { nodeLabel, type Problems } from './errors.ts';

const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'Where']);
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);
/** Ops whose `axis` attribute indexes the first input's axes ([-r, r-1]). */
const AXIS_OPS = new Set([
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'Concat',
  'Gather',
  'GatherElements',
  'Split',
  'LayerNormalization',
  'ArgMax',
  'ArgMin',
  'ScatterElements',
]);

const num = (d: Dim | undefined): d is number => typeof d === 'number' && d >= 0;

function broadcastOk(shapes: Dim[][]): { axis: number; a: number; b: number } | undefined {
  const r = Math.max(...shapes.map((s) => s.length));
  for (let k = 1; k <= r; k++) {
    let seen: number | undefined;
    for (const s of shapes) {
      const d = s[s.length - k];
      if (!num(d) || d === 1) continue;
      if (seen === undefined) seen = d;
      else if (seen !== d) return { axis: r - k, a: seen, b: d };
    }
  }
  return undefined;
}

function axisProblem(axis: number, rank: number, lo = -rank, hi = rank - 1): string | undefined {
  return axis < lo || axis > hi ? `axis ${axis} is outside [${lo}, ${hi}] for an input of rank ${rank}` : undefined;
}

/** Inputs that hold a shape (one entry per output axis): their declared length is the output's rank. */
const SHAPE_INPUTS: Record<string, number> = { ConstantOfShape: 0, Reshape: 1, Expand: 1 };

function inputShape(n: NodeProto, info: ShapeInfo, k: number): Dim[] | undefined {
  const x = n.input[k];
  return x ? info.shape(x) : undefined;
}

/** Checks one node (in topological order, `info` from shape inference over the graph). */
export function checkNodeShapes(n: NodeProto, index: number, info: ShapeInfo, p: Problems): void {
  if (n.domain && n.domain !== 'ai.onnx') return;
  const shapeInput = SHAPE_INPUTS[n.op_type];
  if (shapeInput !== undefined && n.input[shapeInput]) {
    const s = info.shape(n.input[shapeInput]!);
    if (s && s.length !== 1)
      p.add(nodeLabel(n, index), `its shape input "${n.input[shapeInput]}" has rank ${s.length}; a shape is 1-D`);
    else if (s && typeof s[0] === 'number' && s[0] > MAX_RANK)
      p.add(
        nodeLabel(n, index),
        `its shape input "${n.input[shapeInput]}" is declared with ${s[0]} entries, an output of rank ${s[0]}; ranks above ${MAX_RANK} are refused`,
      );
  }
  const x = inputShape(n, info, 0);
  const r = x?.length;
  const op = n.op_type;
  if (op === 'Transpose') {
    const perm = attrInts(n, 'perm');
    if (perm) {
      const len = r ?? perm.length;
      const sorted = [...perm].sort((a, b) => a - b);
      if (perm.length !== len || sorted.some((v, i) => v !== i))
        p.add(
          nodeLabel(n, index),
          `perm [${perm.join(', ')}] is not a permutation of the ${len} axes of its input "${n.input[0]}" (${r === undefined ? 'rank unknown' : `rank ${r}`})`,
        );
    }
    return;
  }
  if (AXIS_OPS.has(op) && r !== undefined) {
    const axis = attrInt(n, 'axis');
    const dflt = op === 'Softmax' || op === 'LogSoftmax' || op === 'Hardmax' ? -1 : 0;
    // only the softmax family takes a scalar; Gather, Concat, Split... need rank >= 1 (no axis exists in a scalar)
    const scalarOk = dflt === -1;
    const bad = scalarOk
      ? axisProblem(axis ?? dflt, r, -Math.max(r, 1), Math.max(r, 1) - 1)
      : axisProblem(axis ?? dflt, r);
    if (r === 0 && !scalarOk)
      p.add(nodeLabel(n, index), `its input "${n.input[0]}" is a scalar; ${op} takes a tensor of rank >= 1`);
    else if (bad && !(op === 'Softmax' && r === 0)) p.add(nodeLabel(n, index), bad);
  }
  if (op === 'Flatten' && r !== undefined) {
    const bad = axisProblem(attrInt(n, 'axis', 1), r, -r, r);
    if (bad) p.add(nodeLabel(n, index), bad);
  }
  if ((op === 'Squeeze' || op === 'Unsqueeze' || op.startsWith('Reduce')) && r !== undefined) {
    const axes = attrInts(n, 'axes') ?? (n.input[1] ? info.ints(n.input[1]) : undefined);
    const outRank = op === 'Unsqueeze' ? r + (axes?.length ?? 0) : r;
    for (const a of axes ?? []) {
      const bad = axisProblem(a, outRank);
      if (bad) {
        p.add(nodeLabel(n, index), `axes [${axes}]: ${bad}`);
        break;
      }
    }
    if (axes && new Set(axes.map((a) => (a < 0 ? a + outRank : a))).size !== axes.length)
      p.add(nodeLabel(n, index), `axes [${axes}] name an axis twice`);
  }
  if ((BROADCAST.has(op) || COMPARE.has(op)) && n.input.length > 1) {
    const shapes = n.input.map((_, k) => inputShape(n, info, k));
    if (shapes.every(Boolean)) {
      const bad = broadcastOk(shapes as Dim[][]);
      if (bad)
        p.add(
          nodeLabel(n, index),
          `inputs ${n.input.map((i) => `"${i}"`).join(', ')} do not broadcast: dims ${bad.a} and ${bad.b} meet`,
        );
    }
  }
  if (op === 'MatMul' || op === 'MatMulInteger') {
    const b = inputShape(n, info, 1);
    if (x && b && x.length > 0 && b.length > 0) {
      const k1 = x[x.length - 1];
      const k2 = b.length === 1 ? b[0] : b[b.length - 2];
      if (num(k1) && num(k2) && k1 !== k2)
        p.add(nodeLabel(n, index), `inner dims differ: "${n.input[0]}" [${x}] times "${n.input[1]}" [${b}]`);
      else if (x.length > 2 && b.length > 2) {
        const bad = broadcastOk([x.slice(0, -2), b.slice(0, -2)]);
        if (bad) p.add(nodeLabel(n, index), `batch dims of [${x}] and [${b}] do not broadcast`);
      }
    }
    if ((x && x.length === 0) || (b && b.length === 0)) p.add(nodeLabel(n, index), 'MatMul of a scalar (rank 0)');
  }
  if (op === 'Gemm') {
    const b = inputShape(n, info, 1);
    if (x?.length !== undefined && x.length !== 2)
      p.add(nodeLabel(n, index), `A has rank ${x.length}; Gemm takes rank 2`);
    if (b?.length !== undefined && b.length !== 2)
      p.add(nodeLabel(n, index), `B has rank ${b.length}; Gemm takes rank 2`);
    if (x?.length === 2 && b?.length === 2) {
      const k1 = attrInt(n, 'transA', 0) ? x[0] : x[1];
      const k2 = attrInt(n, 'transB', 0) ? b[1] : b[0];
      if (num(k1) && num(k2) && k1 !== k2) p.add(nodeLabel(n, index), `inner dims differ: [${x}] times [${b}]`);
    }
  }
  if (op === 'Concat') {
    const shapes = n.input.map((_, k) => inputShape(n, info, k));
    const axis = attrInt(n, 'axis', 0);
    const known = shapes.filter((s): s is Dim[] => !!s);
    const r0 = known[0]?.length;
    if (known.some((s) => s.length !== r0)) p.add(nodeLabel(n, index), `inputs of ranks ${known.map((s) => s.length)}`);
    else if (r0 !== undefined && r0 > 0) {
      const a = axis < 0 ? axis + r0 : axis;
      for (let d = 0; d < r0; d++) {
        if (d === a) continue;
        const vals = known.map((s) => s[d]).filter(num);
        if (new Set(vals).size > 1) {
          p.add(
            nodeLabel(n, index),
            `inputs differ on axis ${d} (${vals.join(' vs ')}), which is not the concatenation axis`,
          );
          break;
        }
      }
    }
  }
  if (op === 'Reshape' && n.input[1]) {
    const target = info.ints(n.input[1]);
    if (target) {
      if (target.filter((v) => v === -1).length > 1)
        p.add(nodeLabel(n, index), `target shape [${target}] has more than one -1`);
      if (target.some((v) => v < -1)) p.add(nodeLabel(n, index), `target shape [${target}] holds a value below -1`);
      const allowzero = attrInt(n, 'allowzero', 0) === 1;
      const s = x;
      if (s?.every(num) && !target.includes(-1) && (allowzero || !target.includes(0))) {
        const a = s.reduce((u, v) => u * v, 1);
        const b = target.reduce((u, v) => u * v, 1);
        if (a !== b) p.add(nodeLabel(n, index), `reshapes [${s}] (${a} elements) to [${target}] (${b} elements)`);
      }
    }
  }
}
