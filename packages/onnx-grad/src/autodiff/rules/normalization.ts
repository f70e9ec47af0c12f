/**
 * LayerNormalization (opset 17, and the internal one that stands for a decomposed LayerNorm, see
 * transforms/fused-patterns.ts), SimplifiedLayerNormalization (ORT's ai.onnx-domain RMS norm) and RMSNormalization
 * (opset 23). A LayerNormalization with its Mean and InvStdDev outputs (float32) gives μ and r; otherwise the
 * statistics are recomputed from X over the normalised axes [axis, rank):
 *   LN:  x̂ = (x − μ)·r,  g = dy·scale,  dx = r·(g − mean(g) − x̂·mean(g·x̂))
 *   RMS: x̂ = x·r,       g = dy·scale,  dx = r·(g − x̂·mean(g·x̂))
 * with r = 1/sqrt(var + ε) (LN) or 1/sqrt(mean(x²) + ε) (RMS); dscale = ↓b(dy·x̂), dbias = ↓b(dy).
 */
import { DataType } from '../../onnx/proto.ts';
import { attrInts, getAttr } from '../../ir/attributes.ts';
import type { GradContext, GradRuleDef } from '../types.ts';

/**
 * The axes the recomputed statistics reduce over, written unlike the forward's own ReduceMean (negative where it
 * has non-negative axes and vice versa): onnxruntime's common-subexpression elimination would otherwise merge the
 * two, and a forward ReduceMean with an extra consumer is no longer fused into its LayerNormalization.
 */
function recomputeAxes(c: GradContext, axes: number[]): number[] {
  const first = getAttr(c.node, 'body')?.g?.node[0];
  const fwd =
    first?.op_type === 'ReduceMean' ? (first.input[1] ? c.ints(first.input[1]) : attrInts(first, 'axes')) : [];
  const r = c.rank(c.x(0));
  return fwd?.every((a) => a >= 0) && fwd.length > 0 ? axes.map((a) => a - r) : axes;
}

function normGrads(c: GradContext, centred: boolean): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const scale = c.x(1);
  const dy = c.dy(0)!;
  const r = c.rank(x);
  let axis = c.attrInt('axis', -1);
  if (axis < 0) axis += r;
  const axes = Array.from({ length: r - axis }, (_, i) => axis + i);
  const mean = (t: string) => b.reduceMean(t, axes, true);
  const saved =
    centred && !c.node.domain && c.node.output[1] && c.node.output[2] && c.elemType === DataType.FLOAT
      ? { mean: c.y(1), inv: c.y(2) }
      : undefined;
  let inv: string;
  let xhat: string;
  if (saved) {
    inv = saved.inv;
    xhat = b.mul(b.sub(x, saved.mean), inv);
  } else {
    const eps = c.c(c.attrFloat('epsilon', 1e-5));
    const statAxes = c.node.domain ? recomputeAxes(c, axes) : axes; // the internal op (rules/internal.ts)
    const stat = (t: string) => b.reduceMean(t, statAxes, true);
    const xc = centred ? b.sub(x, stat(x)) : x;
    inv = b.reciprocal(b.sqrt(b.add(stat(b.mul(xc, xc)), eps)));
    xhat = b.mul(xc, inv);
  }
  const ys = c.shape(c.y(0));
  let dx: string | undefined;
  if (c.needs(0)) {
    const g = b.mul(dy, scale);
    const proj = b.mul(xhat, mean(b.mul(g, xhat)));
    dx = b.mul(inv, b.sub(g, centred ? b.add(proj, mean(g)) : proj));
  }
  const dScale = c.needs(1) ? c.reduceTo(b.mul(dy, xhat), ys, scale) : undefined;
  const dBias = c.needs(2) ? c.reduceTo(dy, ys, c.x(2)) : undefined;
  return [dx, dScale, dBias].slice(0, c.node.input.length); // bias is optional: one entry per input
}

/** The rule for the internal LayerNormalization (a decomposed LayerNorm kept whole): the statistics recomputed. */
export const layerNormRule = (c: GradContext) => normGrads(c, true);

export const normalizationRules: GradRuleDef[] = [
  {
    ops: ['LayerNormalization'],
    check: (c) =>
      c.usesOutput(1) || c.usesOutput(2) ? 'a gradient through its Mean/InvStdDev outputs is not supported' : undefined,
    rule: (c) => normGrads(c, true),
  },
  { ops: ['SimplifiedLayerNormalization', 'RMSNormalization'], rule: (c) => normGrads(c, false) },
];
