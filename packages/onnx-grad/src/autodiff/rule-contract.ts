/**
 * The contract every gradient rule's result must keep (see `GradRule`), checked by the engine after each rule runs,
 * so that a wrong rule fails loudly at build time naming the op, the node and the input, instead of silently
 * producing a gradient of the wrong shape or dropping one:
 * - at most one entry per node input (trailing entries may be omitted: they mean "no gradient");
 * - every input that needs a gradient gets one, a tensor the graph holds;
 * - where both are known, the gradient's element type and shape equal its input's (rank, and every dim that is a
 *   number on both sides).
 *
 * Exports: `checkRuleResult`, `RuleContractError`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import type { Graph } from '../ir/graph.ts';
import type { ShapeInfo } from '../shape/infer.ts';
import { AutodiffError } from './context.ts';

export class RuleContractError extends AutodiffError {
  override name = 'RuleContractError';
}

const opName = (n: NodeProto) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.op_type}` : n.op_type);
const fmt = (s: readonly (number | string)[]) => `[${s.join(', ')}]`;

function fail(node: NodeProto, what: string): never {
  throw new RuleContractError(
    `The gradient rule for ${opName(node)} broke its contract at node "${node.name ?? ''}": ${what}. ` +
      'A rule returns one gradient per input, in input order (undefined, or omitted at the end, where an input needs none); ' +
      "each gradient has its input's shape and element type. Fix the rule (or refuse the node in its `check`).",
  );
}

const inputLabel = (node: NodeProto, k: number) => `input ${k} ("${node.input[k]}")`;

const known = (graph: Graph, t: string) =>
  graph.producer(t) !== undefined || graph.initializer(t) !== undefined || graph.proto.input.some((v) => v.name === t);

/** Throws `RuleContractError` when `dxs`, the result of `node`'s rule, breaks the contract above. */
export function checkRuleResult(
  node: NodeProto,
  dxs: unknown,
  needs: readonly boolean[],
  shapes: ShapeInfo,
  graph: Graph,
): void {
  // module-level helpers and no per-input strings: this runs once per differentiated node
  if (!Array.isArray(dxs)) fail(node, `it returned ${typeof dxs}, not an array of gradients`);
  if (dxs.length > node.input.length)
    fail(node, `it returned ${dxs.length} gradients for a node with ${node.input.length} input(s)`);
  for (let k = 0; k < node.input.length; k++) {
    const x = node.input[k]!;
    const g: unknown = dxs[k];
    if (g === undefined || g === null || g === '') {
      if (needs[k]) fail(node, `it returned no gradient for ${inputLabel(node, k)}, which needs one`);
      continue;
    }
    if (typeof g !== 'string') fail(node, `its gradient for ${inputLabel(node, k)} is ${typeof g}, not a tensor name`);
    if (!needs[k]) continue;
    if (!known(graph, g))
      fail(
        node,
        `its gradient for ${inputLabel(node, k)} is "${g}", which no node, input or initializer of the graph holds`,
      );
    const te = shapes.elemType(x);
    const ge = shapes.elemType(g);
    if (te && ge && te !== ge)
      fail(node, `its gradient for ${inputLabel(node, k)} ("${g}") has element type ${ge}, the input ${te}`);
    const xs = shapes.shape(x);
    const gs = shapes.shape(g);
    if (!xs || !gs) continue;
    let differs = gs.length !== xs.length;
    for (let i = 0; i < gs.length && !differs; i++)
      differs = typeof gs[i] === 'number' && typeof xs[i] === 'number' && gs[i] !== xs[i];
    if (differs)
      fail(node, `its gradient for ${inputLabel(node, k)} ("${g}") has shape ${fmt(gs)}, the input ${fmt(xs)}`);
  }
}
