/**
 * Softmax and LogSoftmax. From opset 13 they normalise along `axis`; before 13 the input is coerced to 2-D at
 * `axis`, i.e. they normalise over all axes from `axis` on, so the reduction covers [axis, rank).
 */
import type { GradContext, GradRuleDef } from '../types.ts';

function softmaxAxes(c: GradContext): number[] {
  const r = c.rank(c.x(0));
  const dflt = c.opset >= 13 ? -1 : 1;
  let axis = c.attrInt('axis', dflt);
  if (axis < 0) axis += r;
  if (c.opset >= 13) return [axis];
  return Array.from({ length: r - axis }, (_, i) => axis + i);
}

export const softmaxRules: GradRuleDef[] = [
  {
    // dx = y * (dy - sum(dy * y))
    ops: ['Softmax'],
    rule: (c) => {
      const { b } = c;
      const y = c.y(0);
      const dy = c.dy(0)!;
      return [b.mul(y, b.sub(dy, b.reduceSum(b.mul(dy, y), softmaxAxes(c), true)))];
    },
  },
  {
    // dx = dy - exp(y) * sum(dy)   (Exp, not LogSoftmax, in the backward: LogSoftmax has no WebGPU kernel)
    ops: ['LogSoftmax'],
    rule: (c) => {
      const { b } = c;
      const dy = c.dy(0)!;
      return [b.sub(dy, b.mul(b.exp(c.y(0)), b.reduceSum(dy, softmaxAxes(c), true)))];
    },
  },
];
