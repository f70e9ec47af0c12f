/**
 * Outputs without the model: `reaggregate`, `diff`, `mean`.
 *
 * - Gradient methods pool token scores after the fact, so re-pooling a saved output at any granularity and
 *   aggregation strategy must give exactly (toEqual, every field) what re-running the explainer there gives:
 *   checked for the six gradient methods, five granularities and seven strategies, on a classifier (two
 *   sentences, special tokens) and on a GPT-2 (generation: target-token rows pooled into target units, NaN cells).
 * - Perturbation methods are refused with a pointer to re-running.
 * - diff / mean: exact cell arithmetic, and a known answer on the additive classifier (Occlusion and KernelShap
 *   both equal the per-unit contributions there, so their difference is zero and their mean the contributions).
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose } from './known-answers.ts';
import {
  diff,
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  InferenceModes,
  InputError,
  IntegratedGradients,
  KernelShap,
  mean,
  Occlusion,
  reaggregate,
  Saliency,
  SmoothGrad,
  SquareGrad,
  VarGrad,
  type AttributionExplainer,
  type AttributionOutput,
  type ModelLike,
  type TokenizerLike,
} from '../src/index.ts';

type Ctor = new (m: ModelLike, t: TokenizerLike, o?: Record<string, unknown>) => AttributionExplainer;

const GRADIENT: [Ctor, Record<string, unknown>][] = [
  [Saliency, {}],
  [IntegratedGradients, { nInterpolations: 3 }],
  [SmoothGrad, { nPerturbations: 2, seed: 3 }],
  [SquareGrad, { nPerturbations: 2, seed: 3 }],
  [VarGrad, { nPerturbations: 2, seed: 3 }],
  [GradientShap, { nPerturbations: 2, seed: 3, tokenReduction: 'sum' }],
];
const GRANULARITIES = Object.values(Granularity);
const STRATEGIES = Object.values(GranularityAggregationStrategy);

/** Re-pools `base` everywhere and compares with a re-run there. */
async function expectReaggregationEqualsRerun(
  Method: Ctor,
  options: Record<string, unknown>,
  model: ModelLike,
  tokenizer: TokenizerLike,
  run: (ex: AttributionExplainer) => Promise<AttributionOutput[]>,
) {
  const [base] = await run(new Method(model, tokenizer, options));
  expect(base!.tokenLevel).toBeDefined();
  let differsSomewhere = false;
  for (const granularity of GRANULARITIES) {
    for (const granularityAggregationStrategy of STRATEGIES) {
      const [rerun] = await run(
        new Method(model, tokenizer, { ...options, granularity, granularityAggregationStrategy }),
      );
      const again = reaggregate(base!, { granularity, granularityAggregationStrategy });
      expect(again).toEqual(rerun);
      differsSomewhere ||= JSON.stringify(again.attributions) !== JSON.stringify(base!.attributions);
    }
  }
  expect(differsSomewhere).toBe(true); // the grid really re-pools
}

describe('reaggregate equals a re-run for gradient methods, at every granularity and strategy', () => {
  for (const [Method, options] of GRADIENT) {
    test(`${Method.name}: classification (two sentences)`, async () => {
      const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
      await expectReaggregationEqualsRerun(Method, options, model, tokenizer, (ex) =>
        ex.explain('the movie was good, and the actors were great. a bad film!', [[0, 1]]),
      );
    });

    test(`${Method.name}: generation`, async () => {
      const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
      await expectReaggregationEqualsRerun(Method, options, model, tokenizer, (ex) =>
        ex.explain('the sky is blue, the grass', ' is green. roses are red'),
      );
    });
  }

  test('the token-level scores are the per-token scores that pool into the attributions (SUM at ALL_TOKENS)', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Saliency(model, tokenizer, {
      granularity: Granularity.ALL_TOKENS,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
    }).explain('the movie was good', 1);
    expect(o!.tokenLevel!.scores[0]).toEqual(o!.attributions[0]);
    const word = reaggregate(o!, { granularity: Granularity.WORD });
    const tokens = o!.tokenLevel!.scores[0]!;
    const expected = Array.from({ length: word.inputs.units.nUnits }, (_, u) =>
      tokens.reduce((s, v, t) => (word.inputs.units.unitOfToken[t] === u ? s + v : s), 0),
    );
    expectClose(word.attributions[0]!, expected, 1e-12);
    expect(word.elements).toEqual(['the', 'movie', 'was', 'good']);
  });
});

describe('reaggregate refuses what it cannot do exactly', () => {
  test('perturbation methods perturb whole units: refused, pointing to a re-run', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Occlusion(model, tokenizer).explain('the movie was good', 1);
    expect(o!.tokenLevel).toBeUndefined();
    expect(() => reaggregate(o!, { granularity: Granularity.TOKEN })).toThrow(InputError);
    expect(() => reaggregate(o!, { granularity: Granularity.TOKEN })).toThrow(
      /Occlusion perturbs whole units \(here WORD units\).*re-run the explainer with \{ granularity: Granularity\.TOKEN/,
    );
    expect(reaggregate(o!, { granularity: Granularity.WORD })).toEqual(o);
    // Classification, strategy alone: a perturbation method's cells do not depend on it (a re-run agrees).
    const MAX = GranularityAggregationStrategy.MAX;
    const [rerun] = await new Occlusion(model, tokenizer, { granularityAggregationStrategy: MAX }).explain(
      'the movie was good',
      1,
    );
    expect(reaggregate(o!, { granularityAggregationStrategy: MAX })).toEqual(rerun);
    // Generation pools target tokens with the strategy: refused without the token rows.
    const lm = await loadFixture('gpt2-tiny-opset13');
    const [gen] = await new Occlusion(lm.model, lm.tokenizer).explain('the sky is', ' blue and green');
    expect(() => reaggregate(gen!, { granularityAggregationStrategy: MAX })).toThrow(/Occlusion perturbs whole units/);
  });

  test('diff / mean results carry no token scores: refused, saying to re-aggregate first', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [a] = await new Saliency(model, tokenizer).explain('the movie was good', 1);
    const d = diff(a!, a!);
    expect(d.tokenLevel).toBeUndefined();
    expect(() => reaggregate(d, { granularity: Granularity.TOKEN })).toThrow(/re-aggregate the outputs first/);
  });

  test('bad options are an InputError', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [a] = await new Saliency(model, tokenizer).explain('the movie was good', 1);
    expect(() => reaggregate(a!, { granularity: 'WORDS' as Granularity })).toThrow(/granularity WORDS is not one of/);
    expect(() => reaggregate(a!, { strategy: 'MAX' } as never)).toThrow(/unknown option strategy/);
  });
});

describe('diff and mean', () => {
  const TEXT = 'the movie was good and the actors were great';

  test('known answer: Occlusion and KernelShap both equal the contributions of the additive model', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [occ] = await new Occlusion(model, tokenizer).explain(TEXT, [[0, 1]]);
    const [shap] = await new KernelShap(model, tokenizer, { nPerturbations: 600 }).explain(TEXT, [[0, 1]]);
    const d = diff(occ!, shap!);
    const m = mean([occ!, shap!]);
    expect(d.method).toBe('diff(Occlusion, KernelShap)');
    expect(m.method).toBe('mean(Occlusion, KernelShap)');
    [0, 1].forEach((c) => {
      expectClose(d.attributions[c]!, new Array(d.elements.length).fill(0), 1e-5);
      expectClose(m.attributions[c]!, additiveUnitContributions(occ!, c), 1e-5);
      // exact cell arithmetic
      expect(d.attributions[c]).toEqual(occ!.attributions[c]!.map((v, i) => v - shap!.attributions[c]![i]!));
      expect(m.attributions[c]).toEqual(occ!.attributions[c]!.map((v, i) => (v + shap!.attributions[c]![i]!) / 2));
    });
    expect(m.classProbabilities).toEqual(occ!.classProbabilities); // same model and input: kept
    expect(mean([occ!]).attributions).toEqual(occ!.attributions);
  });

  test('generation: NaN cells stay NaN; step scores kept where the outputs agree', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const [a] = await new Saliency(model, tokenizer).explain('the sky is', ' blue and green');
    const [b] = await new IntegratedGradients(model, tokenizer, { nInterpolations: 3 }).explain(
      'the sky is',
      ' blue and green',
    );
    const d = diff(a!, b!);
    d.attributions.forEach((row, r) =>
      row.forEach((v, c) => {
        expect(Number.isNaN(v)).toBe(Number.isNaN(a!.attributions[r]![c]!));
        if (!Number.isNaN(v)) expect(v).toBe(a!.attributions[r]![c]! - b!.attributions[r]![c]!);
      }),
    );
    expect(d.stepScores).toEqual(a!.stepScores);
  });

  test('outputs that do not describe the same cells are refused, saying which field differs', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [word] = await new Saliency(model, tokenizer).explain(TEXT, 1);
    const [token] = await new Saliency(model, tokenizer, { granularity: Granularity.TOKEN }).explain(TEXT, 1);
    const [class0] = await new Saliency(model, tokenizer).explain(TEXT, 0);
    const [soft] = await new Saliency(model, tokenizer, { inferenceMode: InferenceModes.SOFTMAX }).explain(TEXT, 1);
    const [other] = await new Saliency(model, tokenizer).explain('a bad film', 1);
    expect(() => diff(word!, token!)).toThrow(/granularity WORD vs TOKEN \(bring them to one with reaggregate/);
    expect(diff(word!, reaggregate(token!, { granularity: Granularity.WORD })).attributions[0]).toEqual(
      word!.attributions[0]!.map(() => 0),
    );
    expect(() => diff(word!, class0!)).toThrow(
      /targets differ \(for target against target, explain with \{ contrast \}/,
    );
    expect(() => mean([word!, soft!])).toThrow(/outputs 0 and 1 .*inferenceMode LOGITS vs SOFTMAX/);
    expect(() => mean([word!, word!, other!])).toThrow(/outputs 0 and 2 .*different token sequences/);
    expect(() => mean([])).toThrow(InputError);
  });
});
