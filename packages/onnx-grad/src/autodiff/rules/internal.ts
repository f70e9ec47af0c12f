/**
 * Two build-time-only ops that the quantization lowering inserts and `resolveInternalOps` removes once the backward
 * graph is built, so that no written file ever holds them:
 * - `StopGradient(v)`: forward `v`; blocks gradients (its output is never active, like the ZERO_GRADIENT_OPS).
 * - `StraightThrough(x, q)`: forward `q` (the quantized-dequantized value, exactly as the model computes it);
 *   backward passes `dy` to `x` unchanged, the straight-through estimator. `q` should come through StopGradient.
 *
 * Exports: `INTERNAL_DOMAIN`, `internalRules`, `isStopGradient`, `resolveInternalOps`.
 */
import type { NodeProto } from '../../onnx/proto.ts';
import type { Graph } from '../../ir/graph.ts';
import type { GradRuleDef } from '../types.ts';

export const INTERNAL_DOMAIN = 'ai.interpreto.onnx_grad';

export const isStopGradient = (n: NodeProto): boolean => n.domain === INTERNAL_DOMAIN && n.op_type === 'StopGradient';

export const internalRules: GradRuleDef[] = [
  { ops: ['StraightThrough'], domain: INTERNAL_DOMAIN, rule: (c) => [c.dy(0), undefined] },
  { ops: ['StopGradient'], domain: INTERNAL_DOMAIN, rule: () => [undefined] },
];

/** Replaces every internal op by its forward value: StopGradient(v) -> v, StraightThrough(x, q) -> q. */
export function resolveInternalOps(graph: Graph): void {
  const internal = new Set(graph.nodes.filter((n) => n.domain === INTERNAL_DOMAIN));
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
