/**
 * Static resolution of `If` nodes. optimum's merged decoders (`decoder_model_merged.onnx`) are one top-level `If` on
 * the bool input `use_cache_branch`: `then_branch` reads the KV cache, `else_branch` does not. A gradient model
 * covers the whole sequence with an empty cache, so the else branch is inlined into the top graph; its outer-scope
 * references already name top-level tensors (optimum deduplicates the weights to the top graph). `If` nodes whose
 * condition is a constant are inlined the same way.
 *
 * Exports: `inlineIf`, `resolveIfs`, `USE_CACHE_BRANCH`.
 */
import type { GraphProto, NodeProto, ValueInfoProto } from '../onnx/proto.ts';
import { attrGraph } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';
import { constantValue } from './constants.ts';
import { TransformError } from './errors.ts';
import { copyTensorLazily } from '../onnx/external-data.ts';

export const USE_CACHE_BRANCH = 'use_cache_branch';

/** Names a subgraph defines itself (they shadow nothing: ONNX names are unique across scopes). */
function localNames(g: GraphProto): Set<string> {
  const s = new Set<string>([...g.initializer.map((t) => t.name!), ...g.input.map((v) => v.name)]);
  for (const n of g.node) for (const o of n.output) if (o) s.add(o);
  return s;
}

/** Renames references to outer names in a nested subgraph (names it defines itself are left alone). */
function renameOuterRefs(g: GraphProto, rename: Map<string, string>): void {
  const local = localNames(g);
  const map = (x: string) => (local.has(x) ? x : (rename.get(x) ?? x));
  for (const n of g.node) {
    n.input = n.input.map((i) => (i ? map(i) : i));
    for (const a of n.attribute) for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) renameOuterRefs(sub, rename);
  }
  for (const o of g.output) o.name = map(o.name);
}

/**
 * Replaces `node` (an If of the top graph) by the nodes of one of its branches. Branch-local names that collide
 * with top-level names get fresh names; branch outputs take the If's output names.
 */
export function inlineIf(graph: Graph, node: NodeProto, branch: 'then_branch' | 'else_branch'): void {
  const sub = attrGraph(node, branch);
  if (!sub) throw new TransformError(`If node "${node.name}" has no ${branch}: the model is malformed.`);
  if (sub.input.length > 0)
    throw new TransformError(
      `The ${branch} of If node "${node.name}" declares inputs, which ONNX If branches may not have.`,
    );

  const rename = new Map<string, string>();
  const ifOut = new Set(node.output);
  // Branch outputs produced by branch nodes take the If's output names directly (first occurrence only).
  const producedBySub = new Set(sub.node.flatMap((n) => n.output));
  const identities: [string, string][] = [];
  sub.output.forEach((o, i) => {
    const target = node.output[i];
    if (!target) return; // unused trailing output
    if (producedBySub.has(o.name) && !rename.has(o.name)) rename.set(o.name, target);
    else identities.push([o.name, target]);
  });
  for (const name of localNames(sub)) {
    if (!rename.has(name))
      rename.set(name, ifOut.has(name) ? graph.uniqueName(`${name}_inlined`) : graph.uniqueName(name));
  }
  const r = (x: string) => (x ? (rename.get(x) ?? x) : x);

  const inlined: NodeProto[] = sub.node.map((n) => {
    for (const a of n.attribute) for (const g of [a.g, ...(a.graphs ?? [])]) if (g) renameOuterRefs(g, rename);
    return { ...n, name: n.name ? graph.uniqueName(n.name) : n.name, input: n.input.map(r), output: n.output.map(r) };
  });
  for (const [src, dst] of identities) {
    inlined.push({
      name: graph.uniqueName(`${node.name ?? 'If'}_${dst}_identity`),
      op_type: 'Identity',
      domain: '',
      input: [r(src)],
      output: [dst],
      attribute: [],
    });
  }
  for (const t of sub.initializer) graph.addInitializer(copyTensorLazily(t, { name: r(t.name!) }));
  const outputInfo = new Set(graph.proto.value_info.map((v) => v.name));
  for (const v of sub.value_info) {
    const name = r(v.name);
    if (!outputInfo.has(name)) graph.proto.value_info.push({ ...v, name } as ValueInfoProto);
  }

  const at = graph.nodes.indexOf(node);
  graph.proto.node.splice(at, 1, ...inlined);
  graph.invalidate();
}

/**
 * Inlines every top-level If whose branch is known statically: the no-cache (else) branch for a condition read from
 * the `use_cache_branch` input, the chosen branch for a constant condition. Drops `use_cache_branch` from the
 * inputs once nothing reads it. Returns the names of the resolved If nodes.
 */
export function resolveIfs(graph: Graph): string[] {
  const resolved: string[] = [];
  for (;;) {
    const node = graph.nodes.find(
      (n) => n.op_type === 'If' && (n.domain ?? '') === '' && branchOf(graph, n) !== undefined,
    );
    if (!node) break;
    inlineIf(graph, node, branchOf(graph, node)!);
    resolved.push(node.name ?? 'If');
  }
  if (graph.consumers(USE_CACHE_BRANCH).length === 0) {
    graph.proto.input = graph.proto.input.filter((v) => v.name !== USE_CACHE_BRANCH);
  }
  return resolved;
}

function branchOf(graph: Graph, n: NodeProto): 'then_branch' | 'else_branch' | undefined {
  const cond = n.input[0]!;
  if (cond === USE_CACHE_BRANCH && graph.isGraphInput(cond)) return 'else_branch';
  const value = constantValue(graph, cond);
  if (value && value.length === 1) return Number((value as ArrayLike<number>)[0]) ? 'then_branch' : 'else_branch';
  return undefined;
}
