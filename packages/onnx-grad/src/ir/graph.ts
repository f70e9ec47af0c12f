/**
 * A mutable view over an ONNX graph: name lookups (producer, consumers, initializers, value infos), unique names,
 * node insertion and removal, topological order and dead-code elimination. Nodes stay `NodeProto` objects, so an
 * untouched node re-encodes byte-for-byte.
 *
 * Exports: `Graph`, `GraphError`.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.ts';
import { onnxOpset } from '../onnx/proto.ts';
import { makeAttribute, type AttrValue } from './attributes.ts';
import { hasSubgraphs, topologicalOrder } from '../validate/graph.ts';

export class GraphError extends Error {
  override name = 'GraphError';
}

export class Graph {
  readonly model: ModelProto;
  readonly opset: number;
  private producers?: Map<string, NodeProto>;
  private consumerMap?: Map<string, NodeProto[]>;
  private readonly inits = new Map<string, TensorProto>();
  private usedNames?: Set<string>;
  private counter = 0;

  constructor(model: ModelProto) {
    this.model = model;
    this.opset = onnxOpset(model);
    for (const t of this.proto.initializer) this.inits.set(t.name!, t);
  }

  /** Every tensor and node name in the graph, collected on the first `uniqueName` (a read-only Graph never needs it). */
  private get used(): Set<string> {
    if (this.usedNames) return this.usedNames;
    const used = new Set<string>();
    for (const n of this.proto.node) {
      for (const s of n.input) used.add(s);
      for (const s of n.output) used.add(s);
      if (n.name) used.add(n.name);
    }
    for (const v of this.proto.input) used.add(v.name);
    for (const v of this.proto.output) used.add(v.name);
    for (const v of this.proto.value_info) used.add(v.name);
    for (const t of this.proto.initializer) used.add(t.name!);
    this.usedNames = used;
    return used;
  }

  get proto(): GraphProto {
    return this.model.graph;
  }

  get nodes(): NodeProto[] {
    return this.proto.node;
  }

  /** Call after editing `nodes` directly. */
  invalidate(): void {
    this.producers = undefined;
    this.consumerMap = undefined;
  }

  producer(name: string): NodeProto | undefined {
    if (!this.producers) {
      this.producers = new Map();
      for (const n of this.nodes) for (const o of n.output) if (o) this.producers.set(o, n);
    }
    return this.producers.get(name);
  }

  consumers(name: string): NodeProto[] {
    if (!this.consumerMap) {
      this.consumerMap = new Map();
      for (const n of this.nodes) this.addConsumer(n, n.input);
    }
    return this.consumerMap.get(name) ?? [];
  }

  /** Lists `n` once under each distinct name of `inputs` (an input read twice is one use). */
  private addConsumer(n: NodeProto, inputs: readonly string[]): void {
    const map = this.consumerMap!;
    const seen = inputs.length > 8 ? new Set<string>() : undefined; // indexOf is quadratic in a node's inputs
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      if (!i || (seen ? seen.has(i) : inputs.indexOf(i) < k)) continue;
      seen?.add(i);
      const list = map.get(i);
      if (list) list.push(n);
      else map.set(i, [n]);
    }
  }

  initializer(name: string): TensorProto | undefined {
    return this.inits.get(name);
  }

  get initializerNames(): IterableIterator<string> {
    return this.inits.keys();
  }

  isGraphInput(name: string): boolean {
    return this.proto.input.some((v) => v.name === name) && !this.inits.has(name);
  }

  valueInfo(name: string): ValueInfoProto | undefined {
    return (
      this.proto.input.find((v) => v.name === name) ??
      this.proto.output.find((v) => v.name === name) ??
      this.proto.value_info.find((v) => v.name === name)
    );
  }

  /** A tensor or node name not yet used anywhere in the graph. */
  uniqueName(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}__${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Appends a node; returns its output names (fresh names derived from `name` unless given). */
  addNode(
    opType: string,
    inputs: string[],
    options: {
      outputs?: string[] | number;
      attrs?: Record<string, AttrValue | undefined>;
      domain?: string;
      name?: string;
    } = {},
  ): string[] {
    const nodeName = this.uniqueName(options.name ?? opType);
    const outputs =
      typeof options.outputs === 'number' || options.outputs === undefined
        ? Array.from({ length: (options.outputs as number | undefined) ?? 1 }, (_, i) =>
            this.uniqueName(`${nodeName}_out${i}`),
          )
        : options.outputs;
    for (const o of outputs) this.used.add(o);
    const attribute: AttributeProto[] = [];
    const attrs = options.attrs;
    if (attrs)
      for (const k of Object.keys(attrs)) if (attrs[k] !== undefined) attribute.push(makeAttribute(k, attrs[k]));
    const node: NodeProto = {
      name: nodeName,
      op_type: opType,
      domain: options.domain ?? '',
      input: inputs,
      output: outputs,
      attribute,
    };
    this.nodes.push(node);
    if (this.producers) for (const o of outputs) this.producers.set(o, node);
    if (this.consumerMap) this.addConsumer(node, inputs);
    return outputs;
  }

  addInitializer(t: TensorProto): string {
    if (!t.name) throw new GraphError('addInitializer: the tensor needs a name.');
    this.used.add(t.name);
    this.inits.set(t.name, t);
    this.proto.initializer.push(t);
    return t.name;
  }

  removeInitializer(name: string): void {
    if (!this.inits.delete(name)) return;
    this.proto.initializer = this.proto.initializer.filter((t) => t.name !== name);
    this.proto.input = this.proto.input.filter((v) => v.name !== name);
  }

  removeNodes(toRemove: Set<NodeProto>): void {
    if (toRemove.size === 0) return;
    this.proto.node = this.nodes.filter((n) => !toRemove.has(n));
    this.invalidate();
  }

  /** Replaces every use of tensor `from` as a node input by `to` (graph outputs keep their names). */
  replaceUses(from: string, to: string): void {
    for (const n of this.nodes) n.input = n.input.map((i) => (i === from ? to : i));
    this.invalidate();
  }

  /**
   * Sorts nodes topologically (stable: a sorted graph keeps its order) in O(nodes + edges); throws on a cycle.
   * Subgraph outer-scope references count as inputs.
   */
  toposort(): void {
    const nodes = this.nodes;
    const order = topologicalOrder(nodes, readsOf);
    if (!order) {
      const sorted = new Set(topologicalPrefix(nodes));
      const stuck = nodes.find((_, i) => !sorted.has(i)) ?? nodes[0]!;
      throw new GraphError(`The graph has a cycle through node "${stuck.name}" (${stuck.op_type}).`);
    }
    if (order.some((v, i) => v !== i)) this.proto.node = order.map((i) => nodes[i]!);
    this.invalidate();
  }

  /**
   * Removes nodes, initializers and value infos that no graph output depends on. Graph inputs that nothing reads
   * are removed too, except the names in `keepInputs`.
   */
  eliminateDeadCode(keepInputs: Iterable<string> = []): void {
    const live = new Set<string>(this.proto.output.map((v) => v.name));
    const nodes = this.nodes;
    const keep = new Uint8Array(nodes.length); // by index: a Set of a million node objects is slow to fill
    for (let i = nodes.length - 1; i >= 0; i--) {
      // walk backwards: valid because nodes are in topological order
      const n = nodes[i]!;
      for (const o of n.output) {
        if (!live.has(o)) continue;
        keep[i] = 1;
        for (const x of readsOf(n)) live.add(x);
        break;
      }
    }
    this.proto.node = nodes.filter((_, i) => keep[i] === 1);
    this.invalidate();
    const kept = new Set(keepInputs);
    this.proto.initializer = this.proto.initializer.filter((t) => live.has(t.name!));
    for (const name of [...this.inits.keys()]) if (!live.has(name)) this.inits.delete(name);
    this.proto.input = this.proto.input.filter((v) => live.has(v.name) || kept.has(v.name));
    const produced = new Set<string>();
    for (const n of this.nodes) for (const o of n.output) produced.add(o);
    this.proto.value_info = this.proto.value_info.filter((v) => produced.has(v.name));
  }
}

/** A node's inputs and its subgraphs' outer-scope reads (the inputs array itself for a node without subgraphs). */
function readsOf(n: NodeProto): readonly string[] {
  return hasSubgraphs(n) ? [...n.input, ...outerScopeInputs(n)] : n.input;
}

/** Names a node's subgraphs (If/Loop/Scan bodies) read from the enclosing scope. */
export function outerScopeInputs(n: NodeProto): string[] {
  const out: string[] = [];
  for (const a of n.attribute) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue;
      const local = new Set<string>([...g.initializer.map((t) => t.name!), ...g.input.map((v) => v.name)]);
      for (const sn of g.node) for (const o of sn.output) local.add(o);
      for (const sn of g.node) {
        for (const i of [...sn.input, ...outerScopeInputs(sn)]) if (i && !local.has(i)) out.push(i);
      }
      for (const o of g.output) if (!local.has(o.name)) out.push(o.name);
    }
  }
  return out;
}

/** The nodes (indices) a topological sort reaches before it stops at a cycle. */
function topologicalPrefix(nodes: readonly NodeProto[]): number[] {
  const done: number[] = [];
  topologicalOrder(nodes, readsOf, done);
  return done;
}
