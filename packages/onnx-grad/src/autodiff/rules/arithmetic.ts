/**
 * Broadcasting arithmetic: Add, Sub, Mul, Div, Pow, Sum, Mean, Max, Min, Where. Each gradient is summed back to
 * its input's shape with ↓b (`ctx.reduceTo`).
 */
import type { GradRuleDef } from '../types.ts';

export const arithmeticRules: GradRuleDef[] = [
  {
    ops: ['Add'],
    rule: (c) => {
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      return [c.needs(0) ? c.reduceTo(dy, ys, c.x(0)) : undefined, c.needs(1) ? c.reduceTo(dy, ys, c.x(1)) : undefined];
    },
  },
  {
    ops: ['Sub'],
    rule: (c) => {
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      return [
        c.needs(0) ? c.reduceTo(dy, ys, c.x(0)) : undefined,
        c.needs(1) ? c.reduceTo(c.b.neg(dy), ys, c.x(1)) : undefined,
      ];
    },
  },
  {
    ops: ['Mul'],
    rule: (c) => {
      const { b } = c;
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      return [
        c.needs(0) ? c.reduceTo(b.mul(dy, c.x(1)), ys, c.x(0)) : undefined,
        c.needs(1) ? c.reduceTo(b.mul(dy, c.x(0)), ys, c.x(1)) : undefined,
      ];
    },
  },
  {
    // y = a / b:  da = dy / b,  db = -dy * y / b
    ops: ['Div'],
    rule: (c) => {
      const { b } = c;
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      const dyOverB = b.div(dy, c.x(1));
      return [
        c.needs(0) ? c.reduceTo(dyOverB, ys, c.x(0)) : undefined,
        c.needs(1) ? c.reduceTo(b.neg(b.mul(dyOverB, c.y(0))), ys, c.x(1)) : undefined,
      ];
    },
  },
  {
    // y = a^p:  da = dy * p * a^(p-1) (p = 2 and p = 0.5 without Pow),  dp = dy * y * log(a)
    ops: ['Pow'],
    rule: (c) => {
      const { b } = c;
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      let da: string | undefined;
      if (c.needs(0)) {
        const p = c.shapes.floatValues.get(c.x(1)) ?? c.ints(c.x(1));
        const scalarP = p && p.length === 1 ? p[0] : undefined;
        if (scalarP === 2) da = b.mul(b.mul(dy, c.x(0)), c.c(2));
        else if (scalarP === 1) da = dy;
        else if (scalarP === 0.5) da = b.div(b.mul(dy, c.c(0.5)), c.y(0));
        else {
          const pf = isFloatTensor(c, c.x(1)) ? c.x(1) : b.cast(c.x(1), c.elemType);
          da = b.mul(dy, b.mul(pf, b.pow(c.x(0), b.sub(pf, c.c(1)))));
        }
        da = c.reduceTo(da, ys, c.x(0));
      }
      const dp = c.needs(1) ? c.reduceTo(b.mul(b.mul(dy, c.y(0)), b.log(c.x(0))), ys, c.x(1)) : undefined;
      return [da, dp];
    },
  },
  {
    ops: ['Sum'],
    rule: (c) => c.node.input.map((x, k) => (c.needs(k) ? c.reduceTo(c.dy(0)!, c.shape(c.y(0)), x) : undefined)),
  },
  {
    ops: ['Mean'],
    rule: (c) => {
      const g = c.b.div(c.dy(0)!, c.c(c.node.input.length));
      return c.node.input.map((x, k) => (c.needs(k) ? c.reduceTo(g, c.shape(c.y(0)), x) : undefined));
    },
  },
  {
    // Max/Min: the gradient goes to the inputs equal to the result, split evenly between ties (as ORT does)
    ops: ['Max', 'Min'],
    rule: (c) => {
      const { b } = c;
      const y = c.y(0);
      const ys = c.shape(y);
      const hits = c.node.input.map((x) => b.equal(x, y));
      const zero = c.c(0);
      const count = hits.map((h) => b.where(h, c.c(1), zero)).reduce((acc, m) => b.add(acc, m));
      const share = b.div(c.dy(0)!, count);
      return c.node.input.map((x, k) => (c.needs(k) ? c.reduceTo(b.where(hits[k]!, share, zero), ys, x) : undefined));
    },
  },
  {
    // Where(cond, a, b): the gradient is routed by the condition. Never mask*(-inf): it would give NaN.
    ops: ['Where'],
    rule: (c) => {
      const { b } = c;
      const dy = c.dy(0)!;
      const ys = c.shape(c.y(0));
      const zero = c.c(0);
      return [
        undefined,
        c.needs(1) ? c.reduceTo(b.where(c.x(0), dy, zero), ys, c.x(1)) : undefined,
        c.needs(2) ? c.reduceTo(b.where(c.x(0), zero, dy), ys, c.x(2)) : undefined,
      ];
    },
  },
];

function isFloatTensor(c: { shapes: { elemType(n: string): number } }, name: string): boolean {
  const t = c.shapes.elemType(name);
  return t === 1 || t === 11 || t === 10 || t === 16;
}
