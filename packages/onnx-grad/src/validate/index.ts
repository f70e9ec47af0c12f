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
  options.checkpoint?.('validate: graph');
  if (p.list.length === 0 && order && opset !== undefined) {
    const nodes = model.graph.node;
    const sorted = order.every((v, i) => v === i) ? nodes : order.map((i) => nodes[i]!);
    const graph = new Graph({ ...model, graph: { ...model.graph, node: sorted } });
    const info = inferShapes(graph);
    options.checkpoint?.('validate: shapes');
    sorted.forEach((n, i) => checkNodeShapes(n, order[i]!, info, p));
  }
  if (p.list.length > 0) throw new ModelValidationError(p.list, options.what);
}
