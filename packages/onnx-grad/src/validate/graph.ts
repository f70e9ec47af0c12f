/**
 * Graph structure checks, in one linear pass over nodes and edges: names present and unique (single assignment, no
 * node output shadowing an initializer or input), every node input defined, the graph acyclic (Kahn's sort, so
 * nodes stored in any order are accepted as onnxruntime accepts them), declared dims non-negative, outputs defined.
 * Subgraphs (If/Loop/Scan bodies) are checked with the names of their enclosing scopes visible.
 *
 * Exports: `checkGraph`, `topologicalOrder`.
 */
import { type GraphProto, type NodeProto, type ValueInfoProto, toNumber } from '../onnx/proto.ts';
import { nodeLabel, type Problems } from './errors.ts';
import { checkTensor } from './tensors.ts';
import { checkOpForOpset } from './opsets.ts';

/** Callback for each node once the structure is known, with its index in topological order. */
export type NodeVisitor = (n: NodeProto, index: number) => void;

function checkValueInfo(v: ValueInfoProto, where: string, p: Problems): void {
  for (const d of v.type?.tensor_type?.shape?.dim ?? []) {
    if (d.dim_value === undefined || d.dim_value === null) continue;
    const x = toNumber(d.dim_value);
    if (x < 0) p.add(where, `declares the dim ${x}; dims are non-negative (use a dim_param name for a free dim)`);
  }
}

/**
 * Nodes in a topological order (stable: a sorted graph keeps its order), in O(nodes + edges); undefined when the
 * graph has a cycle (then `reached` holds the nodes sorted before it).
 */
export function topologicalOrder(
  nodes: readonly NodeProto[],
  needs: (n: NodeProto) => readonly string[],
  reached: number[] = [],
): number[] | undefined {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output) if (o) producer.set(o, i);
  });
  const indegree = new Int32Array(nodes.length);
  const users: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const seen = new Set<number>();
    for (const x of needs(n)) {
      const j = x ? producer.get(x) : undefined;
      if (j === undefined || seen.has(j)) continue;
      seen.add(j);
      indegree[i]!++;
      users[j]!.push(i);
    }
  });
  // a min-heap on the original index keeps already-sorted graphs in their order
  const heap: number[] = [];
  const push = (x: number) => {
    heap.push(x);
    for (let k = heap.length - 1; k > 0; ) {
      const up = (k - 1) >> 1;
      if (heap[up]! <= heap[k]!) break;
      [heap[up], heap[k]] = [heap[k]!, heap[up]!];
      k = up;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === k) break;
        [heap[m], heap[k]] = [heap[k]!, heap[m]!];
        k = m;
      }
    }
    return top;
  };
  indegree.forEach((d, i) => {
    if (d === 0) push(i);
  });
  const order = reached;
  while (heap.length > 0) {
    const i = pop();
    order.push(i);
    for (const u of users[i]!) if (--indegree[u]! === 0) push(u);
  }
  return order.length === nodes.length ? order : undefined;
}

/** Names a node's subgraphs read from enclosing scopes (one pass per subgraph). */
export function subgraphOuterNames(n: NodeProto): string[] {
  const out: string[] = [];
  for (const a of n.attribute) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue;
      const local = new Set<string>([...g.initializer.map((t) => t.name ?? ''), ...g.input.map((v) => v.name)]);
      for (const sn of g.node) for (const o of sn.output) local.add(o);
      for (const sn of g.node)
        for (const i of [...sn.input, ...subgraphOuterNames(sn)]) if (i && !local.has(i)) out.push(i);
      for (const o of g.output) if (!local.has(o.name)) out.push(o.name);
    }
  }
  return out;
}

/**
 * Checks a graph; `outer` holds the names of enclosing scopes (for subgraphs). Returns the topological order of
 * its nodes (indices), or undefined when it has none (a cycle, reported).
 */
export function checkGraph(
  g: GraphProto,
  opset: number | undefined,
  p: Problems,
  fileSizes?: ReadonlyMap<string, number>,
  outer: ReadonlySet<string> = new Set(),
  scope = 'graph',
): number[] | undefined {
  const defined = new Set<string>();
  const inits = new Set<string>();
  for (const t of g.initializer) {
    const where = `initializer "${t.name ?? ''}"`;
    if (!t.name) p.add(where, 'has an empty name; every initializer needs one');
    else if (inits.has(t.name))
      p.add(where, 'is defined twice; onnxruntime keeps the last copy, so the two files would disagree');
    inits.add(t.name ?? '');
    checkTensor(t, where, p, fileSizes);
    if (p.full) return undefined;
  }
  const inputs = new Set<string>();
  for (const v of g.input) {
    const where = `${scope} input "${v.name}"`;
    if (!v.name) p.add(where, 'has an empty name');
    else if (inputs.has(v.name)) p.add(where, 'is declared twice');
    inputs.add(v.name);
    checkValueInfo(v, where, p);
  }
  for (const name of [...inits, ...inputs]) defined.add(name);
  const producedBy = new Map<string, number>();
  g.node.forEach((n, i) => {
    if (p.full) return;
    if (typeof n.op_type !== 'string' || !n.op_type) p.add(nodeLabel(n, i), 'has no op_type');
    if (opset !== undefined) checkOpForOpset(n, i, opset, p);
    n.output.forEach((o) => {
      if (!o) return; // an omitted optional output
      if (producedBy.has(o))
        p.add(
          nodeLabel(n, i),
          `writes "${o}", which node #${producedBy.get(o)} already writes (a name is assigned once)`,
        );
      else if (defined.has(o))
        p.add(nodeLabel(n, i), `writes "${o}", which is an initializer or graph input of the same name`);
      producedBy.set(o, i);
    });
    for (const a of n.attribute) {
      if (a.t) checkTensor(a.t, `${nodeLabel(n, i)} attribute "${a.name}"`, p, fileSizes);
    }
  });
  if (p.full) return undefined;
  const visible = (x: string) => !x || defined.has(x) || producedBy.has(x) || outer.has(x);
  g.node.forEach((n, i) => {
    for (const x of n.input)
      if (!visible(x)) p.add(nodeLabel(n, i), `reads "${x}", which no node, initializer or graph input defines`);
  });
  const outNames = new Set<string>();
  for (const v of g.output) {
    const where = `${scope} output "${v.name}"`;
    if (!v.name) p.add(where, 'has an empty name');
    else if (outNames.has(v.name)) p.add(where, 'is declared twice');
    else if (!visible(v.name)) p.add(where, 'is not computed by any node (nor an input or initializer)');
    outNames.add(v.name);
    checkValueInfo(v, where, p);
  }
  for (const v of g.value_info) checkValueInfo(v, `value_info "${v.name}"`, p);
  if (p.full) return undefined;
  const order = topologicalOrder(g.node, (n) => [...n.input, ...subgraphOuterNames(n)]);
  if (!order) {
    p.add(scope, 'has a cycle: no order runs every node after the nodes it reads from');
    return undefined;
  }
  // subgraphs see everything of this scope
  let inner: Set<string> | undefined;
  g.node.forEach((n, i) => {
    for (const a of n.attribute) {
      for (const sub of [a.g, ...(a.graphs ?? [])]) {
        if (!sub || p.full) continue;
        inner ??= new Set([...outer, ...defined, ...producedBy.keys()]);
        checkGraph(sub, opset, p, fileSizes, inner, `${nodeLabel(n, i)} attribute "${a.name}" subgraph`);
      }
    }
  });
  return order;
}
