/**
 * Writes trained values into a model's initializers (by name, shapes checked), so the exported graph is the
 * builder's graph with trained weights.
 *
 * Exports: `setInitializers`.
 */
import { makeTensor, toNumber, type ModelProto } from '../../packages/onnx-grad/src/index.ts';

export function setInitializers(model: ModelProto, values: ReadonlyMap<string, Float32Array>): void {
  const seen = new Set<string>();
  model.graph.initializer = model.graph.initializer.map((t) => {
    const v = values.get(t.name!);
    if (!v) return t;
    const dims = t.dims.map((d) => toNumber(d));
    if (dims.reduce((a, d) => a * d, 1) !== v.length) {
      throw new Error(`setInitializers: "${t.name}" has shape [${dims}] but ${v.length} trained values were given.`);
    }
    seen.add(t.name!);
    return makeTensor(t.name!, dims, v);
  });
  const missing = [...values.keys()].filter((k) => !seen.has(k));
  if (missing.length)
    throw new Error(`setInitializers: no initializer named ${missing.map((m) => `"${m}"`).join(', ')} in the model.`);
}
