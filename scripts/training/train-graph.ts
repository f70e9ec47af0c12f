/**
 * Turns a forward model into one training graph that a single onnxruntime session runs at every step:
 *  - the weights become graph inputs, so the session is created once and fed the updated weights each step
 *    (initializers would be baked into the session);
 *  - a cross-entropy loss is appended in the graph, `loss = -sum(target_weights * LogSoftmax(logits))`, where the
 *    caller folds one-hot targets, padding masks and the 1/N mean into `target_weights`: one run gives the loss,
 *    the logits and every gradient, and the engine derives the loss gradient itself;
 *  - `differentiate` (onnx-grad) adds the backward pass for the loss with respect to every weight.
 * Embedding lookups (`Gather(weight, ids)`) are differentiated at their output instead of their weight: the graph
 * returns d loss / d rows and the ids it looked up, and the caller scatter-adds them into the table
 * (`scatterAddRows`). That keeps the graph at the model's own opset (a Gather weight gradient needs ScatterND with
 * reduction, opset 16) and costs a few thousand additions per step. A table also read elsewhere (GPT-2's tied
 * lm_head) gets both parts: the lookup reads a copy input fed the same values, the other uses stay differentiable.
 *
 * Exports: `TrainingGraph`, `TrainableWeight`, `buildTrainingGraph`, `scatterAddRows`.
 */
import {
  cloneModel,
  DataType,
  differentiate,
  encodeModel,
  Graph,
  OpBuilder,
  tensorData,
  toNumber,
  type ModelProto,
} from '../../packages/onnx-grad/src/index.ts';

export interface TrainableWeight {
  name: string;
  dims: number[];
  /** Initial values (a copy of the initializer). */
  init: Float32Array;
  /** Output holding d loss / d weight from the non-lookup uses; undefined when the weight is only looked up. */
  gradOutput?: string;
  /** Lookups of this weight: output with d loss / d rows, and output with the ids looked up. */
  lookups: { gradOutput: string; idsOutput: string }[];
  /** Graph inputs fed this weight's values (the weight itself and/or its lookup copy). */
  feeds: string[];
}

export interface TrainingGraph {
  bytes: Uint8Array;
  weights: TrainableWeight[];
  /** Data inputs the caller feeds besides the weights (model inputs, `target_weights`, the loss seed). */
  dataInputs: string[];
  lossOutput: string;
  logitsOutput: string;
  seedInput: string;
  targetInput: string;
}

/**
 * `isWeight(name)` selects the trainable float initializers (the model's parameters, not its constants).
 * `prepare` may transform the cloned graph first (e.g. remove a KV cache).
 */
export function buildTrainingGraph(
  model: ModelProto,
  options: { isWeight: (name: string) => boolean; logits?: string; prepare?: (g: Graph) => void },
): TrainingGraph {
  const g = new Graph(cloneModel(model));
  options.prepare?.(g);
  const logits = options.logits ?? 'logits';
  const weightNames = [...g.initializerNames].filter(
    (n) => g.initializer(n)!.data_type === DataType.FLOAT && options.isWeight(n),
  );
  if (weightNames.length === 0)
    throw new Error('buildTrainingGraph: no initializer was selected as a weight: check isWeight.');

  const b = new OpBuilder(g, 'train/');
  const weights: TrainableWeight[] = [];
  const wrt: string[] = [];
  const lookupWrt: { weight: TrainableWeight; rows: string; ids: string }[] = [];
  for (const name of weightNames) {
    const t = g.initializer(name)!;
    const dims = t.dims.map((d) => toNumber(d));
    const init = Float32Array.from(tensorData(t) as Float32Array);
    g.removeInitializer(name);
    const type = { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } };
    const w: TrainableWeight = { name, dims, init, lookups: [], feeds: [] };
    const uses = g.consumers(name);
    const lookups = uses.filter((n) => n.op_type === 'Gather' && n.input[0] === name && !g.initializer(n.input[1]!));
    const others = uses.filter((n) => !lookups.includes(n));
    if (others.length > 0) {
      g.proto.input.push({ name, type });
      w.feeds.push(name);
      wrt.push(name);
    }
    if (lookups.length > 0) {
      const copy = g.uniqueName(`${name}::lookup`);
      g.proto.input.push({ name: copy, type });
      w.feeds.push(copy);
      for (const n of lookups) {
        n.input[0] = copy;
        const ids = g.addNode('Identity', [n.input[1]!], { name: 'train/lookup_ids' })[0]!;
        lookupWrt.push({ weight: w, rows: n.output[0]!, ids });
      }
    }
    g.invalidate();
    weights.push(w);
  }

  // cross-entropy with caller-made target weights (one-hot x mask / count)
  const shapeOf = g.valueInfo(logits)?.type;
  if (!g.proto.output.some((o) => o.name === logits))
    throw new Error(`buildTrainingGraph: the model has no output "${logits}".`);
  const targetInput = 'target_weights';
  g.proto.input.push({ name: targetInput, type: shapeOf });
  const logp = b.op('LogSoftmax', [logits], { axis: -1 });
  const lossName = 'loss';
  const sum = b.reduceSum(b.mul(logp, targetInput), [], false);
  g.addNode('Neg', [sum], { outputs: [lossName], name: 'train/loss' });
  g.proto.output.push({ name: lossName, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [] } } } });

  const { seeds, grads } = differentiate(g, { outputs: [lossName], wrt: [...wrt, ...lookupWrt.map((l) => l.rows)] });
  const seedInput = seeds.get(lossName)!;
  const addOutput = (name: string, elemType: number = DataType.FLOAT) =>
    g.proto.output.push({ name, type: { tensor_type: { elem_type: elemType } } });
  for (const w of weights) {
    if (wrt.includes(w.name)) {
      w.gradOutput = grads.get(w.name)!;
      addOutput(w.gradOutput);
    }
  }
  for (const l of lookupWrt) {
    const gradOutput = grads.get(l.rows)!;
    addOutput(gradOutput);
    addOutput(l.ids, DataType.INT64);
    l.weight.lookups.push({ gradOutput, idsOutput: l.ids });
  }
  const dataInputs = g.proto.input.map((v) => v.name).filter((n) => !weights.some((w) => w.feeds.includes(n)));
  return {
    bytes: encodeModel(g.model),
    weights,
    dataInputs,
    lossOutput: lossName,
    logitsOutput: logits,
    seedInput,
    targetInput,
  };
}

/** table[ids[p], :] += rows[p, :] for every position p (the gradient of an embedding lookup). */
export function scatterAddRows(
  table: Float32Array,
  hidden: number,
  ids: ArrayLike<bigint | number>,
  rows: Float32Array,
): void {
  if (rows.length !== ids.length * hidden) {
    throw new Error(`scatterAddRows: ${ids.length} ids need ${ids.length * hidden} row values, got ${rows.length}.`);
  }
  const vocab = table.length / hidden;
  for (let p = 0; p < ids.length; p++) {
    const id = Number(ids[p]);
    if (id < 0 || id >= vocab) throw new Error(`scatterAddRows: id ${id} is outside the table's ${vocab} rows.`);
    const src = p * hidden,
      dst = id * hidden;
    for (let h = 0; h < hidden; h++) table[dst + h]! += rows[src + h]!;
  }
}
