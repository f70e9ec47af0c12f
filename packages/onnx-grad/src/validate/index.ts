/**
 * `validateModel`: what onnxruntime and the ONNX checker check before a model is loaded, so that `onnx-grad` refuses
 * a file onnxruntime refuses (or would read differently) with a message naming the node or tensor, instead of
 * converting it. Run on the input before the build and on the gradient graph before it is written. Every pass is
 * linear in nodes and edges (plus shape inference, itself one pass).
 *
 * Exports: `validateModel`, `ValidateOptions`, `ModelValidationError`, `ValidationProblem`, `externalDataInfo`.
 */
import type { ModelProto } from '../onnx/proto.ts';
import { Graph } from '../ir/graph.ts';
import { inferShapes } from '../shape/infer.ts';
import { ModelValidationError, Problems } from './errors.ts';
import { checkModelHeader } from './opsets.ts';
import { checkGraph } from './graph.ts';
import { checkNodeShapes } from './ops.ts';
import { checkContribShapes } from './contrib.ts';
import { typeMismatches } from '../transforms/type-check.ts';
import { checkContribTypes, checkFlags, checkNodeSchema } from './schema.ts';
import { toNumber } from '../onnx/proto.ts';

export { ModelValidationError, type ValidationProblem } from './errors.ts';
export { externalDataInfo, type ExternalDataInfo } from './tensors.ts';

export interface ValidateOptions {
  /** Byte sizes of the external data files, by the `location` the model names: offsets/lengths are checked. */
  fileSizes?: ReadonlyMap<string, number>;
  /** How the error names the model ("The model", "The gradient model onnx-grad built"). */
  what?: string;
  /** Called between the passes; throws to abort (the time budget). */
  checkpoint?: (stage: string) => void;
}

/** Throws `ModelValidationError` listing what is wrong; returns nothing for a valid model. */
export function validateModel(model: ModelProto, options: ValidateOptions = {}): void {
  const p = new Problems();
  const opset = checkModelHeader(model, p);
  options.checkpoint?.('validate: opsets');
  const order = checkGraph(model.graph, opset, p, options.fileSizes);
  if (toNumber(model.ir_version) < 4) {
    // before IR 4 an initializer is the default value of a graph input, which must exist
    const inputs = new Set(model.graph.input.map((v) => v.name));
    const orphan = model.graph.initializer.find((t) => !inputs.has(t.name ?? ''));
    if (orphan)
      p.add(
        `initializer "${orphan.name}"`,
        `is not a graph input, which IR version ${toNumber(model.ir_version)} requires`,
      );
  }
  options.checkpoint?.('validate: graph');
  if (p.list.length === 0 && order && opset !== undefined) {
    const nodes = model.graph.node;
    const sorted = order.every((v, i) => v === i) ? nodes : order.map((i) => nodes[i]!);
    const graph = new Graph({ ...model, graph: { ...model.graph, node: sorted } });
    const info = inferShapes(graph);
    options.checkpoint?.('validate: shapes');
    const types = (x: string) => info.elemType(x);
    sorted.forEach((n, i) => {
      checkFlags(n, order[i]!, p);
      checkContribTypes(n, order[i]!, types, p);
      checkNodeSchema(n, order[i]!, opset, types, p);
      checkNodeShapes(n, order[i]!, info, p);
      checkContribShapes(n, order[i]!, info, p);
    });
    // inputs bound to one type parameter share one element type, in subgraphs too ("Type parameter (T) of Optype
    // (Sub) bound to different types"); checked on the file as written, before any float32 conversion hides it
    for (const m of typeMismatches(graph))
      p.add(
        `node "${m.node}" (${m.opType})`,
        `inputs bound to one type parameter have different element types: ${m.inputs.map((i) => `"${i.name}" ${i.type}`).join(', ')}`,
      );
  }
  if (p.list.length > 0) throw new ModelValidationError(p.list, options.what);
}
