/**
 * Graph structure checks, in one linear pass over nodes and edges: names present and unique (single assignment, no
 * node output shadowing an initializer or input), every node input defined, the graph acyclic (Kahn's sort, so
 * nodes stored in any order are accepted as onnxruntime accepts them), declared dims non-negative, outputs defined.
 * Subgraphs (If/Loop/Scan bodies) are checked with the names of their enclosing scopes visible.
 *
 * Exports: `checkGraph`, `topologicalOrder`, `hasSubgraphs`, `nodeReads`, `subgraphOuterNames`.
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
 * graph has a cycle (then `reached` holds the nodes sorted before it). `producer` (tensor -> index of the node
 * writing it) is built here unless the caller has it.
 */
export function topologicalOrder(
  nodes: readonly NodeProto[],
  needs: (n: NodeProto) => readonly string[],
  reached: number[] = [],
  producer: ReadonlyMap<string, number> = producerIndex(nodes),
): number[] | undefined {
  const count = nodes.length;
  // edges j -> i (node i reads an output of node j), each pair once, as flat arrays: a graph of a million nodes
  // must not allocate a list and a set per node
  const readStart = new Int32Array(count + 1);
  const reads: number[] = [];
  const lastReader = new Int32Array(count).fill(-1); // dedupes the producers of one node's inputs
  for (let i = 0; i < count; i++) {
    readStart[i] = reads.length;
    for (const x of needs(nodes[i]!)) {
      const j = x ? producer.get(x) : undefined;
      if (j === undefined || lastReader[j] === i) continue;
      lastReader[j] = i;
      reads.push(j);
    }
  }
  readStart[count] = reads.length;
  const userStart = new Int32Array(count + 1);
  for (const j of reads) userStart[j + 1]!++;
  for (let j = 0; j < count; j++) userStart[j + 1]! += userStart[j]!;
  const users = new Int32Array(reads.length);
  const fill = userStart.slice(0, count);
  const indegree = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    indegree[i] = readStart[i + 1]! - readStart[i]!;
    for (let e = readStart[i]!; e < readStart[i + 1]!; e++) users[fill[reads[e]!]!++] = i;
  }
  // a min-heap on the original index keeps already-sorted graphs in their order
  const heap: number[] = [];
  for (let i = 0; i < count; i++) if (indegree[i] === 0) heapPush(heap, i);
  const order = reached;
  while (heap.length > 0) {
    const i = heapPop(heap);
    order.push(i);
    for (let e = userStart[i]!; e < userStart[i + 1]!; e++) if (--indegree[users[e]!]! === 0) heapPush(heap, users[e]!);
  }
  return order.length === count ? order : undefined;
}

/** Tensor name -> index of the node writing it (the last one, when a name is written twice). */
function producerIndex(nodes: readonly NodeProto[]): Map<string, number> {
  const producer = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) for (const o of nodes[i]!.output) if (o) producer.set(o, i);
  return producer;
}

function heapPush(heap: number[], x: number): void {
  let k = heap.length;
  heap.push(x);
  while (k > 0) {
    const up = (k - 1) >> 1;
    if (heap[up]! <= x) break;
    heap[k] = heap[up]!;
    k = up;
  }
  heap[k] = x;
}

function heapPop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const size = heap.length;
  if (size === 0) return top;
  let k = 0;
  for (;;) {
    const l = 2 * k + 1;
    if (l >= size) break;
    const m = l + 1 < size && heap[l + 1]! < heap[l]! ? l + 1 : l;
    if (heap[m]! >= last) break;
    heap[k] = heap[m]!;
    k = m;
  }
  heap[k] = last;
  return top;
}

/** Whether the node has If/Loop/Scan bodies (whose outer-scope reads are edges too). */
export function hasSubgraphs(n: NodeProto): boolean {
  for (const a of n.attribute) if (a.g || (a.graphs && a.graphs.length > 0)) return true;
  return false;
}

/** The names a node reads: its inputs, and what its subgraphs read from enclosing scopes. */
export function nodeReads(n: NodeProto): readonly string[] {
  return hasSubgraphs(n) ? [...n.input, ...subgraphOuterNames(n)] : n.input;
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
  const nodes = g.node;
  for (let i = 0; i < nodes.length && !p.full; i++) {
    const n = nodes[i]!;
    if (typeof n.op_type !== 'string' || !n.op_type) p.add(nodeLabel(n, i), 'has no op_type');
    if (opset !== undefined) checkOpForOpset(n, i, opset, p);
    for (const o of n.output) {
      if (!o) continue; // an omitted optional output
      const before = producedBy.get(o);
      if (before !== undefined)
        p.add(nodeLabel(n, i), `writes "${o}", which node #${before} already writes (a name is assigned once)`);
      else if (defined.has(o))
        p.add(nodeLabel(n, i), `writes "${o}", which is an initializer or graph input of the same name`);
      producedBy.set(o, i);
    }
    for (const a of n.attribute) {
      if (a.t) checkTensor(a.t, `${nodeLabel(n, i)} attribute "${a.name}"`, p, fileSizes);
    }
  }
  if (p.full) return undefined;
  const visible = (x: string) => !x || defined.has(x) || producedBy.has(x) || outer.has(x);
  for (let i = 0; i < nodes.length; i++) {
    for (const x of nodes[i]!.input)
      if (!visible(x))
        p.add(nodeLabel(nodes[i]!, i), `reads "${x}", which no node, initializer or graph input defines`);
  }
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
  const order = topologicalOrder(nodes, nodeReads, [], producedBy);
  if (!order) {
    p.add(scope, 'has a cycle: no order runs every node after the nodes it reads from');
    return undefined;
  }
  // subgraphs see everything of this scope
  let inner: Set<string> | undefined;
  nodes.forEach((n, i) => {
    if (!hasSubgraphs(n)) return;
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
