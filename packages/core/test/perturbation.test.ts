/**
 * Perturbation explainers on models whose right answer is known (docs/spec.md §7): the additive classifier
 * (Occlusion = each unit's contribution, Kernel SHAP = exact Shapley = the contributions, Lime exact on an
 * additive function), the non-additive classifier (enumerated Kernel SHAP = brute-force Shapley), the mask
 * counts seen through the explainer, batching invariance and seeding.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, bruteForceShapleyOf, expectClose } from './known-answers.ts';
import { Granularity, KernelShap, Lime, Occlusion, Sobol, InferenceModes } from '../src/index.ts';

const TEXTS = ['the movie was good and the actors were great', 'a bad film', 'i loved every minute of it'];

describe('Occlusion', () => {
  test('equals each unit contribution on the additive classifier, every class, words and tokens', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const granularity of [Granularity.WORD, Granularity.TOKEN]) {
      const out = await new Occlusion(model, tokenizer, { granularity }).explain(TEXTS, [
        [0, 1],
        [0, 1],
        [1, 0],
      ]);
      for (const o of out) {
        o.targets.forEach((c, r) => expectClose(o.attributions[r]!, additiveUnitContributions(o, c), 1e-5));
        expect(o.spaceBefore).toHaveLength(o.elements.length);
        // Plain words separated by single spaces: every word but the first has a space before it.
        if (granularity === Granularity.WORD) expect(o.spaceBefore).toEqual(o.elements.map((_, i) => i > 0));
      }
    }
  });

  test('makes G + 1 model calls per input (mask [0; I])', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    let total = 0;
    const out = await new Occlusion(model, tokenizer).explain(TEXTS, undefined, { onProgress: (_, t) => (total = t) });
    expect(total).toBe(out.reduce((s, o) => s + o.inputs.units.nUnits + 1, 0));
  });

  test('batching and packing never change results', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const a = await new Occlusion(model, tokenizer, { batchSize: 1 }).explain(TEXTS);
    const b = await new Occlusion(model, tokenizer, { batchSize: 7 }).explain(TEXTS);
    a.forEach((o, i) => expectClose(o.attributions[0]!, b[i]!.attributions[0]!, 1e-4));
  });
});

describe('KernelShap', () => {
  test('enumerated coalitions give the exact Shapley values of the non-additive classifier', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const out = await new KernelShap(model, tokenizer, { nPerturbations: 256 }).explain(
      ['the movie was good and great', 'a bad film'],
      [[0, 1], [1]],
    );
    for (const o of out) {
      expect(o.inputs.units.nUnits).toBeLessThanOrEqual(8);
      o.targets.forEach((c, r) => expectClose(o.attributions[r]!, bruteForceShapleyOf(o, c), 1e-4));
    }
  });

  test('sampled Kernel SHAP on the additive classifier equals the contributions (Shapley of an additive game)', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new KernelShap(model, tokenizer, { nPerturbations: 40, seed: 3 }).explain(TEXTS[0]!, 1);
    expect(o!.inputs.units.nUnits).toBeGreaterThan(6); // 2^G > 40: sampled, not enumerated
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), 1e-4);
  });

  test('efficiency: the attributions sum to f(x) - f(all replaced) on a transformer', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const text = 'the movie was good and the actors were great';
    const [o] = await new KernelShap(model, tokenizer, { nPerturbations: 30 }).explain(text, 1);
    const ids = o!.inputs.inputIds;
    const replaced = ids.map((id, t) => (o!.inputs.units.unitOfToken[t]! >= 0 ? o!.inputs.replaceTokenId : id));
    const { Tensor } = await import('@huggingface/transformers');
    const run = async (x: number[]) =>
      (
        await model({
          input_ids: new Tensor('int64', BigInt64Array.from(x, BigInt), [1, x.length]),
          attention_mask: new Tensor('int64', new BigInt64Array(x.length).fill(1n), [1, x.length]),
          token_type_ids: new Tensor('int64', new BigInt64Array(x.length), [1, x.length]),
        })
      ).logits.data[1];
    const delta = (await run(ids)) - (await run(replaced));
    expect(o!.attributions[0]!.reduce((s, v) => s + v, 0)).toBeCloseTo(delta, 4);
  });
});

describe('Lime', () => {
  test('recovers the contributions of an additive model (weighted least squares is exact on it)', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const distanceFunction of Object.values(Lime.distanceFunctions)) {
      const [o] = await new Lime(model, tokenizer, { nPerturbations: 60, distanceFunction, seed: 1 }).explain(
        TEXTS[0]!,
        0,
      );
      expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 0), 1e-3);
    }
  });

  test('a fixed seed gives identical results; another seed other masks', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const run = (seed: number, batchSize = 4) =>
      new Lime(model, tokenizer, { nPerturbations: 20, seed, batchSize }).explain(TEXTS[0]!, 1);
    const [a, b, c, d] = await Promise.all([run(5), run(5), run(6), run(5, 3)]);
    expect(a![0]!.attributions).toEqual(b![0]!.attributions);
    expect(a![0]!.attributions).not.toEqual(c![0]!.attributions);
    expectClose(a![0]!.attributions[0]!, d![0]!.attributions[0]!, 1e-4);
  });
});

describe('Sobol', () => {
  test('makes (G + 2) k model calls and is deterministic for a seed, for every sampler and order', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const sampler of Object.values(Sobol.samplers)) {
      for (const sobolIndicesOrder of Object.values(Sobol.sobolIndicesOrders)) {
        let total = 0;
        const opts = {
          nTokenPerturbations: 8,
          sampler,
          sobolIndicesOrder,
          seed: 2,
          inferenceMode: InferenceModes.SOFTMAX,
        };
        const [a] = await new Sobol(model, tokenizer, opts).explain(TEXTS[1]!, 1, {
          onProgress: (_, t) => (total = t),
        });
        const [b] = await new Sobol(model, tokenizer, { ...opts, batchSize: 5 }).explain(TEXTS[1]!, 1);
        expect(total).toBe((a!.inputs.units.nUnits + 2) * 8);
        expectClose(a!.attributions[0]!, b!.attributions[0]!, 1e-6);
        expect(a!.attributions[0]!.every(Number.isFinite)).toBe(true);
      }
    }
  });

  test('total-order indices rank the unit with the largest contribution first on the additive model', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Sobol(model, tokenizer, {
      nTokenPerturbations: 64,
      sobolIndicesOrder: Sobol.sobolIndicesOrders.TOTAL_ORDER,
    }).explain(TEXTS[2]!, 1);
    const contrib = additiveUnitContributions(o!, 1).map(Math.abs);
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    expect(argmax(o!.attributions[0]!)).toBe(argmax(contrib));
  });
});
