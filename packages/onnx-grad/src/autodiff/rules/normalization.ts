/**
 * LayerNormalization (opset 17), SimplifiedLayerNormalization (ORT's ai.onnx-domain RMS norm) and
 * RMSNormalization (opset 23). Statistics are recomputed from X over the normalised axes [axis, rank):
 *   LN:  x̂ = (x − μ)·r,  g = dy·scale,  dx = r·(g − mean(g) − x̂·mean(g·x̂))
 *   RMS: x̂ = x·r,       g = dy·scale,  dx = r·(g − x̂·mean(g·x̂))
 * with r = 1/sqrt(var + ε) (LN) or 1/sqrt(mean(x²) + ε) (RMS); dscale = ↓b(dy·x̂), dbias = ↓b(dy).
 */
import type { GradContext, GradRuleDef } from '../types.ts';

function normGrads(c: GradContext, centred: boolean): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const scale = c.x(1);
  const dy = c.dy(0)!;
  const r = c.rank(x);
  let axis = c.attrInt('axis', -1);
  if (axis < 0) axis += r;
  const axes = Array.from({ length: r - axis }, (_, i) => axis + i);
  const eps = c.c(c.attrFloat('epsilon', 1e-5));
  const mean = (t: string) => b.reduceMean(t, axes, true);
  const xc = centred ? b.sub(x, mean(x)) : x;
  const inv = b.reciprocal(b.sqrt(b.add(mean(b.mul(xc, xc)), eps)));
  const xhat = b.mul(xc, inv);
  const ys = c.shape(c.y(0));
  let dx: string | undefined;
  if (c.needs(0)) {
    const g = b.mul(dy, scale);
    let inner = b.sub(g, b.mul(xhat, mean(b.mul(g, xhat))));
    if (centred) inner = b.sub(inner, mean(g));
    dx = b.mul(inv, inner);
  }
  const dScale = c.needs(1) ? c.reduceTo(b.mul(dy, xhat), ys, scale) : undefined;
  const dBias = c.needs(2) ? c.reduceTo(dy, ys, c.x(2)) : undefined;
  return [dx, dScale, dBias].slice(0, c.node.input.length); // bias is optional: one entry per input
}

export const normalizationRules: GradRuleDef[] = [
  {
    ops: ['LayerNormalization'],
    check: (c) =>
      c.usesOutput(1) || c.usesOutput(2) ? 'a gradient through its Mean/InvStdDev outputs is not supported' : undefined,
    rule: (c) => normGrads(c, true),
  },
  { ops: ['SimplifiedLayerNormalization', 'RMSNormalization'], rule: (c) => normGrads(c, false) },
];
