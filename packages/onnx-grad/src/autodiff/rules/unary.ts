/** Elementwise math and activations: Neg, Exp, Log, Sqrt, Reciprocal, Erf, Tanh, Sigmoid, Relu, Abs, Sin, Cos, Gelu, Clip. */
import type { GradContext, GradRuleDef } from '../types.ts';

const unary = (ops: string[], f: (c: GradContext, dy: string) => string): GradRuleDef => ({
  ops,
  rule: (c) => [f(c, c.dy(0)!)],
});

/**
 * Gelu from x alone (the forward's intermediates are left to onnxruntime's Gelu/FastGelu fusion):
 * tanh form, u = k (x + 0.044715 x^3), t = tanh u, du = k (1 + 3·0.044715 x^2):
 *   dx = dy·0.5(1 + t)(1 + x(1 - t)du)   [= dy (0.5(1+t) + 0.5 x (1-t^2) du)]
 * erf form, dx = dy (Phi(x) + x phi(x)) = dy·0.5(1 + erf(x/√2) + √(2/π) x exp(-x^2/2)).
 */
export function geluRule(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const x2 = b.mul(x, x);
  const halfDy = b.mul(c.dy(0)!, c.c(0.5));
  if (c.attrString('approximate', 'none') === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const t = b.tanh(b.mul(x, b.add(b.mul(x2, c.c(k * 0.044715)), c.c(k))));
    const du = b.add(b.mul(x2, c.c(3 * k * 0.044715)), c.c(k));
    const inner = b.add(b.mul(b.mul(x, du), b.sub(c.c(1), t)), c.c(1));
    return [b.mul(halfDy, b.mul(b.add(t, c.c(1)), inner))];
  }
  const e = b.erf(b.mul(x, c.c(Math.SQRT1_2)));
  const xpdf = b.mul(b.mul(x, b.exp(b.mul(x2, c.c(-0.5)))), c.c(Math.sqrt(2 / Math.PI)));
  return [b.mul(halfDy, b.add(b.add(e, xpdf), c.c(1)))];
}

export const unaryRules: GradRuleDef[] = [
  unary(['Neg'], (c, dy) => c.b.neg(dy)),
  unary(['Exp'], (c, dy) => c.b.mul(dy, c.y(0))),
  unary(['Log'], (c, dy) => c.b.div(dy, c.x(0))),
  unary(['Sqrt'], (c, dy) => c.b.div(c.b.mul(dy, c.c(0.5)), c.y(0))),
  unary(['Reciprocal'], (c, dy) => c.b.neg(c.b.mul(dy, c.b.mul(c.y(0), c.y(0))))),
  // d erf(x) = 2/sqrt(pi) * exp(-x^2)
  unary(['Erf'], (c, dy) => {
    const { b } = c;
    const x = c.x(0);
    return b.mul(dy, b.mul(c.c(2 / Math.sqrt(Math.PI)), b.exp(b.neg(b.mul(x, x)))));
  }),
  unary(['Tanh'], (c, dy) => c.b.mul(dy, c.b.sub(c.c(1), c.b.mul(c.y(0), c.y(0))))),
  unary(['Sigmoid'], (c, dy) => c.b.mul(dy, c.b.mul(c.y(0), c.b.sub(c.c(1), c.y(0))))),
  unary(['Relu'], (c, dy) => c.b.where(c.b.greater(c.x(0), c.c(0)), dy, c.c(0))),
  // Sign has no WebGPU kernel: route by Where instead
  unary(['Abs'], (c, dy) => c.b.where(c.b.less(c.x(0), c.c(0)), c.b.neg(dy), dy)),
  unary(['Sin'], (c, dy) => c.b.mul(dy, c.b.op('Cos', [c.x(0)]))),
  unary(['Cos'], (c, dy) => c.b.neg(c.b.mul(dy, c.b.op('Sin', [c.x(0)])))),
  {
    ops: ['Gelu'],
    check: (c) => {
      const a = c.attrString('approximate', 'none');
      return a === 'none' || a === 'tanh' ? undefined : `unknown approximate="${a}"`;
    },
    rule: geluRule,
  },
  {
    // Clip passes the gradient where min <= x <= max; min/max (inputs from opset 11) get it where they bind
    ops: ['Clip'],
    rule: (c) => {
      const { b } = c;
      const x = c.x(0);
      const dy = c.dy(0)!;
      const zero = c.c(0);
      const lo =
        c.opset >= 11 ? c.x(1) : c.node.attribute.some((a) => a.name === 'min') ? c.c(c.attrFloat('min', 0)) : '';
      const hi =
        c.opset >= 11 ? c.x(2) : c.node.attribute.some((a) => a.name === 'max') ? c.c(c.attrFloat('max', 0)) : '';
      const below = lo ? b.less(x, lo) : undefined;
      const above = hi ? b.greater(x, hi) : undefined;
      let dx = dy;
      if (below) dx = b.where(below, zero, dx);
      if (above) dx = b.where(above, zero, dx);
      const ys = c.shape(c.y(0));
      const dlo = c.needs(1) && below ? c.reduceTo(b.where(below, dy, zero), ys, lo) : undefined;
      const dhi = c.needs(2) && above ? c.reduceTo(b.where(above, dy, zero), ys, hi) : undefined;
      // one entry per input: the attribute form (opset < 11) has only x
      return [c.needs(0) ? dx : undefined, dlo, dhi].slice(0, c.node.input.length);
    },
  },
];
