/**
 * The training loop (I/O side): one onnxruntime-node session over the training graph, fed the current weights and
 * a batch per step; gradients (lookup rows scatter-added into their tables) go through AdamW.
 *
 * Exports: `TrainOptions`, `trainWeights`, `stepFeeds`, `trainingOutputs`, `collectGradients`.
 */
import * as ort from 'onnxruntime-node';
import { adamStep, initAdam, learningRate } from './adam.ts';
import type { Batch } from './batches.ts';
import { scatterAddRows, type TrainingGraph } from './train-graph.ts';

export interface TrainOptions {
  steps: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  clipNorm: number;
  batch: (step: number) => Batch;
  log?: (step: number, loss: number) => void;
  logEvery?: number;
}

/** The session feeds for one step: the batch tensors the graph takes, the loss seed, and every weight. */
export function stepFeeds(
  tg: TrainingGraph,
  b: Batch,
  weights: readonly Float32Array[],
  seed: ort.Tensor,
): Record<string, ort.Tensor> {
  const dims = [b.batch, b.seqLen];
  const all: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', b.inputIds, dims),
    attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
    token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims),
    position_ids: new ort.Tensor('int64', b.positionIds, dims),
    [tg.targetInput]: new ort.Tensor('float32', b.targetWeights, b.targetDims),
    [tg.seedInput]: seed,
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of tg.dataInputs) {
    if (!all[name])
      throw new Error(`The training graph takes an input "${name}" that the trainer does not know how to feed.`);
    feeds[name] = all[name];
  }
  tg.weights.forEach((w, i) => {
    for (const f of w.feeds) feeds[f] = new ort.Tensor('float32', weights[i] as Float32Array, w.dims);
  });
  return feeds;
}

export function trainingOutputs(tg: TrainingGraph): string[] {
  return [
    tg.lossOutput,
    ...tg.weights.flatMap((w) => [
      ...(w.gradOutput ? [w.gradOutput] : []),
      ...w.lookups.flatMap((l) => [l.gradOutput, l.idsOutput]),
    ]),
  ];
}

/** d loss / d weight for every weight: the graph's part plus the lookup rows scatter-added into their tables. */
export function collectGradients(tg: TrainingGraph, out: Record<string, ort.Tensor>): Float32Array[] {
  return tg.weights.map((w) => {
    const g = w.gradOutput
      ? Float32Array.from(out[w.gradOutput]!.data as Float32Array)
      : new Float32Array(w.init.length);
    const hidden = w.dims[w.dims.length - 1]!; // looked-up tables are 2-D [rows, hidden]
    for (const l of w.lookups)
      scatterAddRows(g, hidden, out[l.idsOutput]!.data as BigInt64Array, out[l.gradOutput]!.data as Float32Array);
    return g;
  });
}

/** Trains the graph's weights; returns them by initializer name. */
export async function trainWeights(tg: TrainingGraph, opts: TrainOptions): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(tg.bytes, {
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    let weights: Float32Array[] = tg.weights.map((w) => Float32Array.from(w.init));
    // embeddings, biases and LayerNorm gains are not decayed
    const decay = tg.weights.map((w) => w.dims.length === 2 && w.lookups.length === 0);
    let state = initAdam(weights);
    const seed = new ort.Tensor('float32', Float32Array.from([1]), []);
    const outputs = trainingOutputs(tg);
    let running = 0;
    for (let step = 0; step < opts.steps; step++) {
      const out = await session.run(stepFeeds(tg, opts.batch(step), weights, seed), outputs);
      const loss = (out[tg.lossOutput]!.data as Float32Array)[0]!;
      if (!Number.isFinite(loss))
        throw new Error(`Training diverged at step ${step}: the loss is ${loss}. Lower the learning rate.`);
      const grads = collectGradients(tg, out);
      const lr = learningRate(step, opts.steps, opts.lr, opts.warmup);
      ({ weights, state } = adamStep(
        weights,
        grads,
        state,
        { lr, weightDecay: opts.weightDecay, clipNorm: opts.clipNorm },
        decay,
      ));
      running = step === 0 ? loss : 0.98 * running + 0.02 * loss;
      if (opts.log && (step % (opts.logEvery ?? 100) === 0 || step === opts.steps - 1)) opts.log(step, running);
    }
    return new Map(tg.weights.map((w, i) => [w.name, weights[i]!]));
  } finally {
    await session.release();
  }
}
