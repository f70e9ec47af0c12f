/**
 * Gather and GatherElements on activations (indices themselves get no gradient).
 * - Gather, scalar index: dx = Where(Range(0, dim) == idx, Unsqueeze(dy, axis), 0)  (a mask, all GPU ops).
 * - Gather, tensor indices: ScatterND(zeros, idx[..., None], dy, reduction=add) with the axis moved to the front
 *   from opset 16; below, a one-hot MatMul: dx = dy · OneHot(idx), OneHot built as Where(Equal(idx, Range)).
 * - GatherElements: ScatterElements(zeros, idx, dy, reduction=add) from opset 16; below, a one-hot mask summed
 *   over the gathered axis.
 * Negative indices are wrapped (idx + dim) first.
 */
import { DataType } from '../../onnx/proto.ts';
import type { GradContext, GradRuleDef } from '../types.ts';

const norm = (a: number, r: number) => (a < 0 ? a + r : a);
const iota = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Indices as int64 with negative entries wrapped by `dim` (an int64 scalar). */
function wrapIndices(c: GradContext, idx: string, dim: string): string {
  const { b } = c;
  const i64 = c.shapes.elemType(idx) === DataType.INT64 ? idx : b.cast(idx, DataType.INT64);
  return b.where(b.less(i64, b.i64(0)), b.add(i64, dim), i64);
}

function gatherGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const idx = c.x(1);
  const dy = c.dy(0)!;
  const r = c.rank(x);
  const q = c.rank(idx);
  const a = norm(c.attrInt('axis', 0), r);
  const dim = b.squeeze(c.dimsOf(x, a, a + 1), [0]); // int64 scalar
  const range = b.op('Range', [b.i64(0), dim, b.i64(1)]);
  const zero = c.c(0);
  const ind = wrapIndices(c, idx, dim);
  if (q === 0) {
    const mask = b.equal(b.reshape(range, [-1, ...new Array<number>(r - a - 1).fill(1)]), ind);
    return [b.where(mask, b.unsqueeze(dy, [a]), zero)];
  }
  const p = r - a - 1; // trailing axes after the gathered one
  if (c.opset >= 16) {
    const front = [a, ...iota(a), ...iota(p, a + 1)];
    const zeros = b.expand(zero, b.gather(c.shapeOf(x), b.i64(front)));
    const updates = b.transpose(dy, [...iota(q, a), ...iota(a), ...iota(p, a + q)]);
    const scattered = b.op('ScatterND', [zeros, b.unsqueeze(ind, [q]), updates], { reduction: 'add' });
    return [b.transpose(scattered, [...iota(a, 1), 0, ...iota(p, a + 1)])];
  }
  // one-hot MatMul: [pre, post, n] · [n, dim] -> [pre, post, dim]
  const flat = b.reshape(ind, [-1]);
  const onehot = b.where(b.equal(b.unsqueeze(flat, [1]), range), c.c(1), zero);
  const dy3 = b.reshape(
    dy,
    b.concat(
      [c.dimsOf(x, 0, a), b.i64([-1]), c.dimsOf(x, a + 1, r)].filter((_, k) => k === 1 || (k === 0 ? a > 0 : p > 0)),
      0,
    ),
  );
  const moved = b.transpose(dy3, [...iota(a), ...iota(p, a + 1), a]);
  return [b.transpose(b.matmul(moved, onehot), [...iota(a), a + p, ...iota(p, a)])];
}

function gatherElementsGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const dy = c.dy(0)!;
  const r = c.rank(x);
  const a = norm(c.attrInt('axis', 0), r);
  const dim = b.squeeze(c.dimsOf(x, a, a + 1), [0]);
  const ind = wrapIndices(c, c.x(1), dim);
  const zero = c.c(0);
  if (c.opset >= 16) {
    return [b.op('ScatterElements', [c.zerosLike(x), ind, dy], { axis: a, reduction: 'add' })];
  }
  // mask[..., j, ..., d] = (idx[..., j, ...] == d); sum over j of dy where the mask holds
  const range = b.reshape(b.op('Range', [b.i64(0), dim, b.i64(1)]), [...new Array<number>(r).fill(1), -1]);
  const mask = b.equal(b.unsqueeze(ind, [r]), range);
  const summed = b.reduceSum(b.where(mask, b.unsqueeze(dy, [r]), zero), [a], true);
  const perm = iota(r + 1);
  [perm[a], perm[r]] = [perm[r]!, perm[a]!];
  return [b.squeeze(b.transpose(summed, perm), [r])];
}

export const gatherRules: GradRuleDef[] = [
  { ops: ['Gather'], rule: gatherGrads },
  { ops: ['GatherElements'], rule: gatherElementsGrads },
];
