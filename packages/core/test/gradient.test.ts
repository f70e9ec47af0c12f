/**
 * Gradient explainers: the VJP seeds, complete IG on the additive classifier, Saliency = Gradient x Input,
 * SmoothGrad family determinism, inference modes against finite differences, batching invariance.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose, fixtureWeights } from './known-answers.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  InferenceModes,
  IntegratedGradients,
  Saliency,
  SmoothGrad,
  SquareGrad,
  VarGrad,
  type ModelLike,
  type TokenizerLike,
} from '../src/index.ts';
import { additiveLogits } from '../../onnx-grad/test/fixtures/index.ts';

const TEXTS = ['the movie was good and the actors were great', 'a bad film'];

describe('IntegratedGradients', () => {
  test("tokenReduction 'sum' with a zero baseline is complete and equals the contributions on the additive model", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const out = await new IntegratedGradients(model, tokenizer, {
      tokenReduction: 'sum',
      baseline: 0,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
    }).explain(TEXTS, [[0, 1], [1]]);
    const w = fixtureWeights('additive-classifier');
    for (const o of out) {
      o.targets.forEach((c, r) => {
        expectClose(o.attributions[r]!, additiveUnitContributions(o, c), 1e-4);
        const baselineIds = o.inputs.inputIds.map(() => 0); // [PAD] has a zero embedding: f(baseline) = bias
        const fx = additiveLogits(w, o.inputs.inputIds)[c]!;
        const fb = additiveLogits(w, baselineIds)[c]!;
        expect(o.attributions[r]!.reduce((s, v) => s + v, 0)).toBeCloseTo(fx - fb, 4);
      });
    }
  });

  test('completeness on a transformer, up to the quadrature error, at ALL_TOKENS', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const base = {
      tokenReduction: 'sum' as const,
      granularity: Granularity.ALL_TOKENS,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
      baseline: 0,
    };
    const [coarse] = await new IntegratedGradients(model, tokenizer, { ...base, nInterpolations: 4 }).explain(
      TEXTS[1]!,
      1,
    );
    const [fine] = await new IntegratedGradients(model, tokenizer, {
      ...base,
      nInterpolations: 64,
      batchSize: 16,
    }).explain(TEXTS[1]!, 1);
    // f(x) - f(0 embeddings): read from the gradient runner's forward.
    const { ModelAdapter } = await import('../src/model/adapter.ts');
    const runner = await ModelAdapter.for(model, tokenizer).gradients();
    const ids = fine!.inputs.inputIds;
    const H = runner.hiddenSize;
    const [fx, f0] = await runner.run(
      [
        { ids, embeds: runner.embed(ids) },
        { ids, embeds: new Float32Array(ids.length * H) },
      ],
      InferenceModes.LOGITS,
    );
    const delta = fx!.logits[1]! - f0!.logits[1]!;
    const sum = (o: typeof fine) => o!.attributions[0]!.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum(fine) - delta)).toBeLessThan(0.02 * Math.max(1, Math.abs(delta)));
    expect(Math.abs(sum(fine) - delta)).toBeLessThan(Math.abs(sum(coarse) - delta) + 1e-6);
  });
});

describe('Saliency', () => {
  test("'sum' = gradient x input = the contributions on the additive model; default scores are >= 0", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [signed] = await new Saliency(model, tokenizer, {
      tokenReduction: 'sum',
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
    }).explain(TEXTS[0]!, 1);
    expectClose(signed!.attributions[0]!, additiveUnitContributions(signed!, 1), 1e-4);
    const [abs] = await new Saliency(model, tokenizer).explain(TEXTS[0]!, 1);
    expect(abs!.attributions[0]!.every((v) => v >= 0)).toBe(true);
    expect(abs!.device).toBe('cpu');
  });

  test('SOFTMAX and LOG_SOFTMAX seeds match finite differences of the additive model', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const w = fixtureWeights('additive-classifier');
    const text = 'a bad film';
    for (const inferenceMode of [InferenceModes.SOFTMAX, InferenceModes.LOG_SOFTMAX]) {
      const [o] = await new Saliency(model, tokenizer, {
        inferenceMode,
        tokenReduction: 'sum',
        granularity: Granularity.TOKEN,
        granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
      }).explain(text, 0);
      // d f/d t along x (gradient x input) for token t = derivative of f(scale_t * x_t) at scale 1: finite difference
      // on the additive logits with token t's contribution scaled.
      const ids = o!.inputs.inputIds;
      const contrib = (await import('../../onnx-grad/test/fixtures/index.ts')).additiveContributions(w, ids);
      const bias = w['classifier.bias']!;
      const f = (scaleT: number, t: number) => {
        const z = [0, 1].map((c) => bias[c]! + contrib.reduce((s, row, u) => s + row[c]! * (u === t ? scaleT : 1), 0));
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
        return inferenceMode === InferenceModes.SOFTMAX ? Math.exp(z[0]! - lse) : z[0]! - lse;
      };
      const expected = o!.inputs.units.unitOfToken.flatMap((u, t) =>
        u < 0 ? [] : [(f(1 + 1e-5, t) - f(1 - 1e-5, t)) / 2e-5],
      );
      expectClose(o!.attributions[0]!, expected, 1e-3);
    }
  });
});

describe('noise-based methods', () => {
  test('SmoothGrad, SquareGrad, VarGrad, GradientShap: seeded, batch-invariant, consistent with each other', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const opts = { nPerturbations: 6, noiseStd: 0.1, seed: 9 };
    const run = async (
      Cls: new (m: ModelLike, t: TokenizerLike, o: object) => Pick<SmoothGrad, 'explain'>,
      batchSize: number,
      seed = 9,
    ) => (await new Cls(model, tokenizer, { ...opts, seed, batchSize }).explain(TEXTS[1]!, 1))[0]!.attributions[0]!;
    const mean = await run(SmoothGrad, 4);
    expectClose(mean, await run(SmoothGrad, 5), 1e-5);
    expect(mean).toEqual(await run(SmoothGrad, 4));
    expect(mean).not.toEqual(await run(SmoothGrad, 4, 10));
    const square = await run(SquareGrad, 3);
    const variance = await run(VarGrad, 2);
    // unbiased variance = n/(n-1) (E[s^2] - E[s]^2), per unit (WORD units of one token each here)
    const n = opts.nPerturbations;
    mean.forEach((m, u) => expect(variance[u]!).toBeCloseTo((n / (n - 1)) * (square[u]! - m * m), 5));
    const shap = await run(GradientShap as never, 4);
    expect(shap.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
  });
});
