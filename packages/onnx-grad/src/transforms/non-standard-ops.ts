/**
 * Detection of ops outside the standard `ai.onnx` domain (com.microsoft fusions that `contrib/` does not decompose,
 * such as DecoderMaskedMultiHeadAttention or PagedAttention). A gradient model may hold standard ops only, so such
 * ops are reported by name before any transform that would trip over them.
 *
 * Exports: `NonStandardOp`, `findNonStandardOps`.
 */
import type { GraphProto, NodeProto } from '../onnx/proto.ts';
import { outerScopeInputs, type Graph } from '../ir/graph.ts';

export interface NonStandardOp {
  opType: string;
  domain: string;
  node: string;
}

const isStandard = (n: NodeProto) => !n.domain || n.domain === 'ai.onnx';

function collect(nodes: NodeProto[], out: NonStandardOp[]): void {
  for (const n of nodes) {
    if (!isStandard(n)) out.push({ opType: n.op_type, domain: n.domain!, node: n.name ?? '' });
    for (const a of n.attribute)
      for (const g of [a.g, ...(a.graphs ?? [])] as (GraphProto | undefined)[]) if (g) collect(g.node, out);
  }
}

/** Whether any node, in subgraphs too, is outside ai.onnx (most graphs: none, and no walk is needed). */
function anyNonStandard(nodes: NodeProto[]): boolean {
  for (const n of nodes) {
    if (!isStandard(n)) return true;
    for (const a of n.attribute)
      for (const g of [a.g, ...(a.graphs ?? [])] as (GraphProto | undefined)[])
        if (g && anyNonStandard(g.node)) return true;
  }
  return false;
}

/** Non-standard ops that the given outputs (default: all graph outputs) depend on, in graph order. */
export function findNonStandardOps(
  graph: Graph,
  outputs: string[] = graph.proto.output.map((o) => o.name),
): NonStandardOp[] {
  if (!anyNonStandard(graph.nodes)) return [];
  const live = new Set(outputs);
  const liveNodes = new Set<NodeProto>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const p = graph.producer(stack.pop()!);
    if (!p || liveNodes.has(p)) continue;
    liveNodes.add(p);
    for (const i of [...p.input, ...outerScopeInputs(p)]) {
      if (i && !live.has(i)) {
        live.add(i);
        stack.push(i);
      }
    }
  }
  const out: NonStandardOp[] = [];
  collect(
    graph.nodes.filter((n) => liveNodes.has(n)),
    out,
  );
  return out;
}
