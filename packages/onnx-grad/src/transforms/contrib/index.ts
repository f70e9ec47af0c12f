/**
 * Decomposition of onnxruntime contrib ops (domain com.microsoft) into standard ai.onnx ops, run before
 * differentiation so that the existing rules differentiate them. Each rewrite reproduces the op's onnxruntime CPU
 * kernel (see the modules' comments); the node's outputs keep their names. A node whose op has no decomposition, or
 * whose form a decomposition refuses, is left in place and reported with the reason.
 *
 * Exports: `decomposeContribOps`, `DECOMPOSED_CONTRIB_OPS`, `ContribDecomposition`.
 */
import type { NodeProto } from '../../onnx/proto.ts';
import type { Graph } from '../../ir/graph.ts';
import { inferShapes, type ShapeInfo } from '../../shape/infer.ts';
import { ContribRefusal, makeContext, type ContribOp, type TypeLookup } from './context.ts';
import { ACTIVATIONS } from './activations.ts';
import { NORMALIZATIONS } from './normalization.ts';
import { ATTENTION } from './attention.ts';
import { ROTARY } from './rotary.ts';

const MS_DOMAIN = 'com.microsoft';

const DECOMPOSERS = new Map<string, ContribOp>(
  Object.entries({ ...ACTIVATIONS, ...NORMALIZATIONS, ...ATTENTION, ...ROTARY }),
);

/** The com.microsoft ops that have a decomposition. */
export const DECOMPOSED_CONTRIB_OPS: readonly string[] = [...DECOMPOSERS.keys()];

export interface ContribDecomposition {
  /** Nodes rewritten into standard ops. */
  decomposed: number;
  /** Nodes of a decomposable op left in place, by node name: why. */
  refused: Map<string, string>;
}

/** Types from shape inference, recomputed after the graph changed (a decomposition makes later tensors typed). */
function typeLookup(graph: Graph): TypeLookup & { invalidate(): void } {
  let info: ShapeInfo | undefined;
  const get = () => (info ??= inferShapes(graph));
  return {
    invalidate: () => {
      info = undefined;
    },
    elemType: (name) => {
      const init = graph.initializer(name);
      if (init) return init.data_type;
      return get().elemType(name) || graph.valueInfo(name)?.type?.tensor_type?.elem_type || undefined;
    },
    rank: (name) => {
      const declared = graph.valueInfo(name)?.type?.tensor_type?.shape?.dim.length;
      return get().rank(name) ?? declared;
    },
    staticShape: (name) => {
      const init = graph.initializer(name);
      if (init) return init.dims.map(Number);
      return get().staticShape(name);
    },
    dim: (name, axis) => {
      const init = graph.initializer(name);
      const d = init ? Number(init.dims.at(axis)) : get().shape(name)?.at(axis);
      return typeof d === 'number' && Number.isFinite(d) ? d : undefined;
    },
    sameDim: (a, axisA, b, axisB) => {
      const [x, y] = [get().shape(a)?.at(axisA), get().shape(b)?.at(axisB)];
      return x !== undefined && x === y && !String(x).includes('?');
    },
  };
}

/** Rewrites every decomposable com.microsoft node of the main graph, in graph order. */
export function decomposeContribOps(graph: Graph): ContribDecomposition {
  const types = typeLookup(graph);
  const refused = new Map<string, string>();
  const removed = new Set<NodeProto>();
  for (const node of [...graph.nodes]) {
    if (node.domain !== MS_DOMAIN) continue;
    const d = DECOMPOSERS.get(node.op_type);
    if (!d) continue;
    const before = graph.nodes.length;
    const initsBefore = graph.proto.initializer.length;
    try {
      d.required.forEach((name, i) => {
        if (name && !node.input[i]) throw new ContribRefusal(`its required input ${i} (${name}) is missing`);
      });
      d.run(makeContext(graph, node, types, d.floatInput ?? 0));
    } catch (e) {
      if (!(e instanceof ContribRefusal)) throw e;
      // undo what the refused rewrite appended
      graph.proto.node.length = before;
      for (const t of graph.proto.initializer.splice(initsBefore)) graph.removeInitializer(t.name!);
      graph.invalidate();
      refused.set(node.name ?? '', e.message);
      continue;
    }
    removed.add(node);
    // the original node no longer produces its outputs: drop it before the next lookups
    graph.removeNodes(new Set([node]));
    types.invalidate();
  }
  if (removed.size > 0) graph.toposort();
  return { decomposed: removed.size, refused };
}
