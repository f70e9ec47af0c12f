/**
 * Ops that only move or relabel elements: Reshape, Flatten, Squeeze, Unsqueeze (dx = Reshape(dy, Shape(x))),
 * Transpose (inverse perm), Expand (↓b), Identity, Dropout (inference), Cast between float types.
 */
import type { GradContext, GradRuleDef } from '../types.ts';

const reshapeBack = (c: GradContext) => [c.b.reshape(c.dy(0)!, c.shapeOf(c.x(0)))];

export const layoutRules: GradRuleDef[] = [
  { ops: ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'], rule: reshapeBack },
  {
    ops: ['Transpose'],
    rule: (c) => {
      const r = c.rank(c.x(0));
      const perm = c.attrInts('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
      const inv = new Array<number>(r);
      perm.forEach((p, i) => {
        inv[p] = i;
      });
      return [c.b.transpose(c.dy(0)!, inv)];
    },
  },
  { ops: ['Expand'], rule: (c) => [c.reduceTo(c.dy(0)!, c.shape(c.y(0)), c.x(0))] },
  { ops: ['Identity'], rule: (c) => [c.dy(0)!] },
  {
    // inference-mode Dropout is the identity; training mode would need the mask and scale
    ops: ['Dropout'],
    check: (c) => {
      const t = c.node.input[2];
      if (!t) return undefined;
      const v = c.ints(t);
      return v && v[0] === 0 ? undefined : 'training_mode is not a constant false';
    },
    rule: (c) => [c.dy(0)!],
  },
  { ops: ['Cast'], rule: (c) => [c.b.cast(c.dy(0)!, c.shapes.elemType(c.x(0)) || c.elemType)] },
];
