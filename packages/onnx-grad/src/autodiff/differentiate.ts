/**
 * Reverse-mode automatic differentiation of an ONNX graph. Only nodes on a path from a `wrt` tensor to a
 * differentiated output get backward nodes: activity flows forward from `wrt` through float tensors (integer and
 * boolean tensors, and shape subgraphs, stop gradients), usefulness flows backward from the outputs. Every node on
 * the path must have a rule; otherwise `UnsupportedOpsError` lists them all before the graph is touched. Each rule's
 * result is checked against the rule contract (rule-contract.ts) as the backward graph grows, with shapes inferred
 * for the new nodes.
 *
 * Exports: `differentiate`, `DifferentiateOptions`, `DifferentiateResult`, `UnsupportedOpsError`.
 */
import type { NodeProto, ValueInfoProto } from '../onnx/proto.ts';
import { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { extendShapes, inferShapes, isFloatType, type ShapeInfo } from '../shape/infer.ts';
import { AutodiffError, NodeGradContext } from './context.ts';
import { findRule, ZERO_GRADIENT_OPS } from './registry.ts';
import { checkRuleResult } from './rule-contract.ts';
import { isStopGradient } from './rules/internal.ts';
import { attrInt, attrInts, attrString } from '../ir/attributes.ts';

export interface DifferentiateOptions {
  outputs: string[];
  wrt: string[];
  seedName?: (output: string) => string;
}

export interface DifferentiateResult {
  seeds: Map<string, string>;
  grads: Map<string, string>;
}

export class UnsupportedOpsError extends Error {
  override name = 'UnsupportedOpsError';
  constructor(readonly ops: { opType: string; domain: string; node: string; reason?: string }[]) {
    const types = [...new Set(ops.map((o) => (o.domain ? `${o.domain}:${o.opType}` : o.opType)))];
    super(
      `No gradient rule for ${ops.length} node(s) on the differentiated path (op types: ${types.join(', ')}): ` +
        ops
          .map((o) => `"${o.node}" (${o.domain ? `${o.domain}:` : ''}${o.opType}${o.reason ? `: ${o.reason}` : ''})`)
          .join(', ') +
        '. Rewrite these ops into standard ones, or cut the graph so that they are not between the inputs and outputs you differentiate.',
    );
  }
}

export function differentiate(graph: Graph, options: DifferentiateOptions): DifferentiateResult {
  const { outputs, wrt } = options;
  const seedName = options.seedName ?? ((o: string) => `grad_${o}`);
  if (outputs.length === 0)
    throw new AutodiffError('differentiate: `outputs` is empty: name at least one tensor to differentiate.');
  const shapes = inferShapes(graph);
  const known = (n: string) =>
    graph.producer(n) !== undefined ||
    graph.initializer(n) !== undefined ||
    graph.proto.input.some((v) => v.name === n);
  for (const n of [...outputs, ...wrt]) {
    if (!known(n))
      throw new AutodiffError(
        `differentiate: no tensor named "${n}" in the graph (not a node output, input or initializer).`,
      );
  }
  for (const n of [...outputs, ...wrt]) {
    const t = shapes.elemType(n);
    if (t && !isFloatType(t))
      throw new AutodiffError(
        `differentiate: "${n}" has non-float element type ${t}; only float tensors can be differentiated.`,
      );
  }

  const nodes = graph.nodes.slice();
  // forward activity: tensors that depend on a wrt tensor through differentiable float values
  const active = new Set<string>(wrt);
  const isFloat = (n: string) => {
    const t = shapes.elemType(n);
    return t === 0 || isFloatType(t); // unknown types are assumed float so that unknown ops get reported
  };
  for (const n of nodes) {
    if ((ZERO_GRADIENT_OPS.has(n.op_type) && !n.domain) || isStopGradient(n)) continue;
    if (!readsAny(n.input, active)) continue;
    for (const o of n.output) if (o && isFloat(o)) active.add(o);
  }
  // backward usefulness: nodes with an active input and an output that reaches an output
  const useful = new Set<string>(outputs);
  const path: NodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.output.some((o) => o && useful.has(o) && active.has(o)) || !readsAny(n.input, active)) continue;
    path.push(n);
    for (const x of n.input) if (x && active.has(x)) useful.add(x);
  }
  // check every node before touching the graph
  const unsupported: UnsupportedOpsError['ops'] = [];
  const defs = path.map(findRule);
  path.forEach((n, i) => {
    const def = defs[i];
    if (!def) {
      unsupported.push({ opType: n.op_type, domain: n.domain ?? '', node: n.name ?? '' });
      return;
    }
    const reason = def.check?.({
      node: n,
      shapes,
      opset: graph.opset,
      needs: (k: number) => !!n.input[k] && active.has(n.input[k]),
      usesOutput: (k: number) => !!n.output[k] && active.has(n.output[k]) && useful.has(n.output[k]),
      ints: (name) => (name ? shapes.ints(name) : undefined),
      attrInt: (a, d) => attrInt(n, a, d),
      attrInts: (a) => attrInts(n, a),
      attrString: (a, d) => attrString(n, a, d),
    });
    if (reason) unsupported.push({ opType: n.op_type, domain: n.domain ?? '', node: n.name ?? '', reason });
  });
  if (unsupported.length) throw new UnsupportedOpsError(unsupported);

  const b = new OpBuilder(graph, 'grad/');
  const contributions = new Map<string, string[]>();
  const contribute = (name: string, g: string) => {
    const list = contributions.get(name);
    if (list) list.push(g);
    else contributions.set(name, [g]);
  };
  const total = (name: string): string | undefined => {
    const list = contributions.get(name);
    if (!list || list.length === 0) return undefined;
    // Add chains rather than Sum: Sum has no WebGPU kernel
    const sum = list.reduce((acc, g) => b.add(acc, g));
    contributions.set(name, [sum]);
    return sum;
  };

  const seeds = new Map<string, string>();
  for (const o of outputs) {
    if (seeds.has(o)) continue;
    const name = graph.uniqueName(seedName(o));
    graph.proto.input.push(valueInfo(name, shapes, o));
    const t = shapes.type(o);
    if (t) shapes.types.set(name, t);
    seeds.set(o, name);
    if (active.has(o)) contribute(o, name);
  }

  // shapes of the backward nodes are inferred as they are added, so that each rule's result can be checked
  let inferredNodes = graph.nodes.length;
  let inferredInits = graph.proto.initializer.length;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    const dys = n.output.map((o) => (o && active.has(o) ? total(o) : undefined));
    if (dys.every((d) => d === undefined)) continue;
    const needMask = n.input.map((x) => !!x && active.has(x) && useful.has(x));
    const ctx = new NodeGradContext(n, b, graph, shapes, dys, needMask);
    const dxs = defs[i]!.rule(ctx);
    extendShapes(graph, shapes, inferredNodes, inferredInits);
    inferredNodes = graph.nodes.length;
    inferredInits = graph.proto.initializer.length;
    checkRuleResult(n, dxs, needMask, shapes, graph);
    n.input.forEach((x, k) => {
      if (needMask[k] && dxs[k]) contribute(x, dxs[k]!);
    });
  }

  const grads = new Map<string, string>();
  for (const w of wrt) {
    const g = total(w);
    if (g) grads.set(w, g);
    else {
      const ctx = new NodeGradContext(
        { op_type: 'Zeros', input: [w], output: [], attribute: [], name: w },
        b,
        graph,
        shapes,
        [],
        [],
      );
      grads.set(w, ctx.zerosLike(w));
    }
  }
  return { seeds, grads };
}

function readsAny(inputs: readonly string[], active: ReadonlySet<string>): boolean {
  for (const x of inputs) if (x && active.has(x)) return true;
  return false;
}

function valueInfo(name: string, shapes: ShapeInfo, like: string): ValueInfoProto {
  const t = shapes.type(like);
  const dims = t?.shape?.map((d) =>
    typeof d === 'number' ? { dim_value: d } : d.includes('?') ? {} : { dim_param: d },
  );
  return { name, type: { tensor_type: { elem_type: t?.elemType || 1, shape: dims ? { dim: dims } : undefined } } };
}

export type { ShapeInfo };
