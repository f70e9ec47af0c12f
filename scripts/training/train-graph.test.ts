import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildEncoderClassifier } from '../../packages/onnx-grad/test/fixtures/encoder.ts';
import { buildGpt2 } from '../../packages/onnx-grad/test/fixtures/gpt2.ts';
import { causalLmBatch, classifierBatch, type Batch } from './batches.ts';
import { buildTrainingGraph, scatterAddRows, type TrainingGraph } from './train-graph.ts';
import { collectGradients, stepFeeds, trainingOutputs } from './trainer.ts';
import { tieLmHead } from './lm-model.ts';
import { Rng } from './rng.ts';

/**
 * The training graph's gradients (graph part + scatter-added lookup rows, tied lm_head) against central finite
 * differences of its own loss output, on tiny models with large random weights so that every gradient is sizeable.
 */
async function checkGradients(tg: TrainingGraph, batch: Batch, picks = 3): Promise<void> {
  const session = await ort.InferenceSession.create(tg.bytes);
  const seed = new ort.Tensor('float32', Float32Array.from([1]), []);
  const weights = tg.weights.map((w) => Float32Array.from(w.init));
  const out = await session.run(stepFeeds(tg, batch, weights, seed), trainingOutputs(tg));
  const grads = collectGradients(tg, out);
  const lossAt = async (ws: Float32Array[]) =>
    (await session.run(stepFeeds(tg, batch, ws, seed), [tg.lossOutput]))[tg.lossOutput]!.data[0] as number;
  const rng = new Rng(5);
  let checked = 0;
  for (let t = 0; t < tg.weights.length; t++) {
    // the largest entries of each tensor, plus a random one: sizeable gradients compare well in float32
    const g = grads[t];
    const order = Array.from(g!.keys()).sort((a, b) => Math.abs(g![b]!) - Math.abs(g![a]!));
    for (const i of [...order.slice(0, picks - 1), rng.int(0, g!.length - 1)]) {
      const eps = 1e-2;
      const plus = weights.map((w) => w),
        minus = weights.map((w) => w);
      plus[t] = Float32Array.from(weights[t]!);
      plus[t]![i]! += eps;
      minus[t] = Float32Array.from(weights[t]!);
      minus[t]![i]! -= eps;
      const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
      expect(g![i], `${tg.weights[t]!.name}[${i}]`).toBeCloseTo(fd, 2);
      checked++;
    }
  }
  expect(checked).toBe(picks * tg.weights.length);
  await session.release();
}

describe('buildTrainingGraph', () => {
  it('BERT: every weight (embedding tables through their lookups) gets the finite-difference gradient', async () => {
    const built = buildEncoderClassifier({
      family: 'bert',
      opset: 14,
      vocabSize: 12,
      hidden: 8,
      layers: 1,
      heads: 2,
      intermediate: 16,
      maxPositions: 8,
      labels: ['a', 'b', 'c'],
      padTokenId: 0,
      seed: 3,
      initStd: 0.4,
    });
    const names = new Set(Object.keys(built.weights));
    const tg = buildTrainingGraph(built.model, { isWeight: (n) => names.has(n) || n.startsWith('onnx::MatMul') });
    const word = tg.weights.find((w) => w.name === 'bert.embeddings.word_embeddings.weight')!;
    expect(word.lookups).toHaveLength(1);
    expect(word.gradOutput).toBeUndefined();
    expect(tg.dataInputs.sort()).toEqual([
      'attention_mask',
      'grad_loss',
      'input_ids',
      'target_weights',
      'token_type_ids',
    ]);
    // repeated ids in one batch: their rows must add up
    await checkGradients(
      tg,
      classifierBatch(
        [
          [2, 5, 6, 5, 3],
          [2, 7, 3],
        ],
        [0, 2],
        3,
        0,
      ),
    );
  });

  it('GPT-2: the tied lm_head stays one tensor, and its gradient sums the lookup and the output projection', async () => {
    const spec = {
      opset: 14,
      vocabSize: 10,
      nEmbd: 8,
      nLayer: 1,
      nHead: 2,
      nPositions: 8,
      bosTokenId: 9,
      eosTokenId: 9,
      seed: 4,
      initStd: 0.4,
    };
    const built = buildGpt2(spec, false);
    const names = new Set(Object.keys(built.weights));
    const tg = buildTrainingGraph(built.model, { isWeight: (n) => names.has(n), prepare: tieLmHead });
    const wte = tg.weights.find((w) => w.name === 'transformer.wte.weight')!;
    expect(wte.gradOutput).toBeDefined();
    expect(wte.lookups).toHaveLength(1);
    expect(tg.weights.some((w) => w.name.startsWith('onnx::'))).toBe(false);
    await checkGradients(
      tg,
      causalLmBatch(
        [
          [1, 2, 3, 2, 9],
          [4, 5, 9],
        ],
        10,
        9,
      ),
    );
  });

  it('rejects a selection with no weight', () => {
    const built = buildEncoderClassifier({
      family: 'bert',
      opset: 14,
      vocabSize: 12,
      hidden: 8,
      layers: 1,
      heads: 2,
      intermediate: 16,
      maxPositions: 8,
      labels: ['a', 'b'],
      padTokenId: 0,
    });
    expect(() => buildTrainingGraph(built.model, { isWeight: () => false })).toThrow(/no initializer was selected/);
  });
});

describe('scatterAddRows', () => {
  it('adds each row to the table row of its id', () => {
    const table = new Float32Array(6);
    scatterAddRows(table, 2, [2n, 0n, 2n], Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect([...table]).toEqual([3, 4, 0, 0, 6, 8]);
    expect(() => scatterAddRows(table, 2, [3n], Float32Array.from([1, 2]))).toThrow(/outside/);
  });
});

describe('batches', () => {
  it('pads right, masks padding, and makes mean cross-entropy weights', () => {
    const b = classifierBatch(
      [
        [2, 5, 3],
        [2, 3],
      ],
      [1, 0],
      2,
      0,
    );
    expect([...b.inputIds]).toEqual([2n, 5n, 3n, 2n, 3n, 0n]);
    expect([...b.attentionMask]).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
    expect([...b.targetWeights]).toEqual([0, 0.5, 0.5, 0]);
    const lm = causalLmBatch(
      [
        [1, 2, 3],
        [4, 5],
      ],
      6,
      0,
    );
    // 3 predictions: 1->2, 2->3, 4->5; padding predicts nothing
    expect(lm.targetDims).toEqual([2, 3, 6]);
    const nonZero = [...lm.targetWeights.entries()].filter(([, v]) => v > 0).map(([i]) => i);
    expect(nonZero).toEqual([0 * 6 + 2, 1 * 6 + 3, 3 * 6 + 5]);
    expect(lm.targetWeights.reduce((a, v) => a + v, 0)).toBeCloseTo(1);
    expect([...lm.positionIds]).toEqual([0n, 1n, 2n, 0n, 1n, 1n]);
    expect(() => classifierBatch([[1]], [5], 2, 0)).toThrow(/outside/);
  });
});
