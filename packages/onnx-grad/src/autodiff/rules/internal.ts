/**
 * Build-time-only ops that `resolveInternalOps` removes once the backward graph is built, so that no written file
 * ever holds them. The quantization lowering inserts:
 * - `StopGradient(v)`: forward `v`; blocks gradients (its output is never active, like the ZERO_GRADIENT_OPS).
 * - `StraightThrough(x, q)`: forward `q` (the quantized-dequantized value, exactly as the model computes it);
 *   backward passes `dy` to `x` unchanged, the straight-through estimator. `q` should come through StopGradient.
 * transforms/fused-patterns.ts inserts `LayerNormalization(x, scale, bias)` and `Gelu(x)` for decomposed ones,
 * with the original nodes in their `body`, differentiated as the fused ops.
 *
 * Exports: `INTERNAL_DOMAIN`, `internalRules`, `isStopGradient`, `resolveInternalOps`.
 */
import type { NodeProto } from '../../onnx/proto.ts';
import { getAttr } from '../../ir/attributes.ts';
import type { Graph } from '../../ir/graph.ts';
import type { GradRuleDef } from '../types.ts';
import { layerNormRule } from './normalization.ts';
import { geluRule } from './unary.ts';

export const INTERNAL_DOMAIN = 'ai.interpreto.onnx_grad';

export const isStopGradient = (n: NodeProto): boolean => n.domain === INTERNAL_DOMAIN && n.op_type === 'StopGradient';

export const internalRules: GradRuleDef[] = [
  { ops: ['StraightThrough'], domain: INTERNAL_DOMAIN, rule: (c) => [c.dy(0), undefined] },
  { ops: ['StopGradient'], domain: INTERNAL_DOMAIN, rule: () => [undefined] },
  // a decomposed LayerNorm / GELU kept whole (transforms/fused-patterns.ts): the fused op's gradient
  { ops: ['LayerNormalization'], domain: INTERNAL_DOMAIN, rule: layerNormRule },
  { ops: ['Gelu'], domain: INTERNAL_DOMAIN, rule: geluRule },
];

/**
 * Replaces every internal op by its forward value: StopGradient(v) -> v, StraightThrough(x, q) -> q, and a node with a
 * `body` (LayerNormalization, Gelu) by the original nodes it stands for.
 */
export function resolveInternalOps(graph: Graph): void {
  const all = graph.nodes.filter((n) => n.domain === INTERNAL_DOMAIN);
  const bodies = all.filter((n) => getAttr(n, 'body')?.g);
  if (bodies.length > 0) {
    graph.removeNodes(new Set(bodies));
    graph.proto.node.push(...bodies.flatMap((n) => getAttr(n, 'body')!.g!.node));
    graph.invalidate();
    graph.toposort();
  }
  const internal = new Set(all.filter((n) => !getAttr(n, 'body')?.g));
  if (internal.size === 0) return;
  const outputs = new Set(graph.proto.output.map((o) => o.name));
  const forward = (n: NodeProto) => (n.op_type === 'StraightThrough' ? n.input[1]! : n.input[0]!);
  // resolve chains (StraightThrough(x, StopGradient(q))) to the final non-internal tensor
  const target = new Map<string, string>();
  for (const n of internal) target.set(n.output[0]!, forward(n));
  const resolve = (t: string): string => {
    let cur = t;
    while (target.has(cur)) cur = target.get(cur)!;
    return cur;
  };
  graph.removeNodes(internal);
  for (const [out] of target) {
    const to = resolve(out);
    graph.replaceUses(out, to);
    if (outputs.has(out)) graph.addNode('Identity', [to], { outputs: [out], name: `${out}/forward` });
  }
}
