/**
 * ReduceSum and ReduceMean, in both axes forms (attribute before opset 13/18, input after), keepdims 0/1 and
 * noop_with_empty_axes: dx = Expand(keepdims ? dy : Unsqueeze(dy, axes), Shape(x)) (/ N for the mean).
 */
import type { GradContext, GradRuleDef } from '../types.ts';

function reducedAxes(
  c: Pick<GradContext, 'node' | 'opset' | 'ints' | 'attrInts' | 'attrInt'>,
  rank: number | undefined,
): number[] | 'noop' | undefined {
  const op = c.node.op_type;
  const axesInput = (op === 'ReduceSum' && c.opset >= 13) || c.opset >= 18;
  let axes: number[] | undefined;
  if (axesInput) axes = c.node.input[1] ? c.ints(c.node.input[1]) : [];
  else axes = c.attrInts('axes') ?? [];
  if (!axes) return undefined;
  if (axes.length === 0) {
    if (c.attrInt('noop_with_empty_axes', 0) === 1) return 'noop';
    if (rank === undefined) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return rank === undefined ? axes : axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

function reduceGrad(c: GradContext, mean: boolean): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const r = c.rank(x);
  const axes = reducedAxes(c, r)!;
  const dy = c.dy(0)!;
  if (axes === 'noop') return [dy];
  const keep = c.attrInt('keepdims', 1) === 1;
  let g = keep ? dy : b.unsqueeze(dy, axes);
  if (mean) {
    const xs = c.shape(x);
    const dims = axes.map((a) => xs?.[a]);
    if (dims.every((d) => typeof d === 'number')) g = b.div(g, c.c((dims as number[]).reduce((p, d) => p * d, 1)));
    else {
      const n = b.op('ReduceProd', [b.gather(b.shape(x), b.i64(axes))], { keepdims: 0 });
      g = b.div(g, b.cast(n, c.elemType));
    }
  }
  return [b.expand(g, c.shapeOf(x))];
}

export const reduceRules: GradRuleDef[] = [
  {
    ops: ['ReduceSum', 'ReduceMean'],
    check: (c) =>
      reducedAxes(c, c.shapes.rank(c.node.input[0]!)) === undefined
        ? 'its axes are not constant (or the input rank is unknown)'
        : undefined,
    rule: (c) => reduceGrad(c, c.node.op_type === 'ReduceMean'),
  },
];
