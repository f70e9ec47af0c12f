/**
 * Custom units (`explain(..., { units })`, granularity/custom-units.ts) on models whose right answer is known: on the
 * additive classifier a custom unit's Occlusion score and its exact Shapley value are the sum of its tokens'
 * contributions; on the non-additive classifier enumerated Kernel SHAP over the custom units is the brute-force
 * Shapley value; gradient methods pool their token scores over the custom units with the aggregation strategy; on
 * the copy LM, prompt spans are occluded exactly. Every refusal names the span and the fix.
 */
import { describe, expect, test } from 'vitest';
import { copyLmLogits } from '../../onnx-grad/test/fixtures/index.ts';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, bruteForceShapleyOf, expectClose } from './known-answers.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  IntegratedGradients,
  InputError,
  KernelShap,
  Lime,
  Occlusion,
  reaggregate,
  Saliency,
  SmoothGrad,
  Sobol,
  SquareGrad,
  VarGrad,
  type AttributionOutput,
} from '../src/index.ts';
import { poolTokensToUnits } from '../src/math/index.ts';

const TEXT = 'the movie was good and the actors were great';
const span = (text: string, part: string, from = 0) => {
  const start = TEXT.indexOf(part, from);
  if (start < 0) throw new Error(`${part} not in ${text}`);
  return { start, end: start + part.length };
};

/** The token positions of unit u. */
const tokensOf = (o: AttributionOutput, u: number) =>
  o.inputs.units.unitOfToken.flatMap((v, t) => (v === u ? [t] : []));

describe('custom units: known answers', () => {
  test('Occlusion: a custom unit scores the sum of its tokens, the rest stay words; elements are the spans', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const units = [span(TEXT, 'was good'), span(TEXT, 'the actors')];
    const [o] = await new Occlusion(model, tokenizer).explain(TEXT, [[0, 1]], { units });
    expect(o!.customUnits).toBe(true);
    expect(o!.elements).toEqual(['the', 'movie', 'was good', 'and', 'the actors', 'were', 'great']);
    expect(o!.spaceBefore).toEqual([false, true, true, true, true, true, true]);
    o!.targets.forEach((c, r) => expectClose(o!.attributions[r]!, additiveUnitContributions(o!, c), 1e-5));
    // The custom unit really is its tokens together: the sum of the two words' scores at WORD granularity.
    const [w] = await new Occlusion(model, tokenizer).explain(TEXT, [[0, 1]]);
    expect(w!.customUnits).toBeUndefined();
    expect(o!.attributions[0]![2]).toBeCloseTo(w!.attributions[0]![2]! + w!.attributions[0]![3]!, 5);
  });

  test('KernelShap enumerated: exact Shapley values over the custom units (additive and non-additive)', async () => {
    const units = [span(TEXT, 'the movie'), { tokens: [4, 9] }];
    for (const name of ['additive-classifier', 'nonadditive-classifier'] as const) {
      const { model, tokenizer } = await loadFixture(name);
      const [o] = await new KernelShap(model, tokenizer, { nPerturbations: 256 }).explain(TEXT, [[0, 1]], { units });
      // 'the movie' is one unit, tokens 4 and 9 ("good", "were") another, the other five words their own.
      expect(o!.inputs.units.nUnits).toBe(7);
      expect(tokensOf(o!, 2)).toEqual([4, 9]);
      expect(o!.elements).toEqual(['the movie', 'was', 'good were', 'and', 'the', 'actors', 'great']);
      o!.targets.forEach((c, r) =>
        expectClose(
          o!.attributions[r]!,
          name === 'additive-classifier' ? additiveUnitContributions(o!, c) : bruteForceShapleyOf(o!, c),
          1e-4,
        ),
      );
    }
  });

  test('gradient methods pool their token scores over the custom units with the strategy', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const units = [span(TEXT, 'movie was good')];
    for (const strategy of [GranularityAggregationStrategy.SUM, GranularityAggregationStrategy.MAX]) {
      const [o] = await new Saliency(model, tokenizer, { granularityAggregationStrategy: strategy }).explain(TEXT, 1, {
        units,
      });
      expect(o!.elements[1]).toBe('movie was good');
      const tokenScores = Float64Array.from(o!.tokenLevel!.scores[0]!);
      const pooled = poolTokensToUnits(tokenScores, o!.inputs.units, strategy);
      expectClose(o!.attributions[0]!, Array.from(pooled), 1e-12);
      const own = tokensOf(o!, 1).map((t) => tokenScores[t]!);
      const expected = strategy === GranularityAggregationStrategy.SUM ? own.reduce((a, b) => a + b) : Math.max(...own);
      expect(o!.attributions[0]![1]).toBeCloseTo(expected, 10);
      // Re-pooling keeps the custom units; naming a granularity switches to its own units.
      const mean = reaggregate(o!, { granularityAggregationStrategy: GranularityAggregationStrategy.MEAN });
      expect(mean.elements).toEqual(o!.elements);
      expect(mean.customUnits).toBe(true);
      expect(mean.attributions[0]![1]).toBeCloseTo(own.reduce((a, b) => a + b) / own.length, 10);
      const words = reaggregate(o!, { granularity: Granularity.WORD });
      expect(words.customUnits).toBeUndefined();
      expect(words.elements).toEqual(TEXT.split(' '));
    }
  });

  test('copy LM: a prompt span is occluded as one unit, exactly; target units stay at the granularity', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const prompt = 'the cat sat on the mat';
    const units = [{ start: 4, end: 11 }]; // "cat sat"
    const ex = new Occlusion(model, tokenizer);
    const [plain] = await ex.explain(prompt, undefined, { generation: { max_new_tokens: 3 } });
    const [o] = await ex.explain(prompt, { input_ids: [plain!.targets] }, { units });
    expect(o!.elements.slice(0, 5)).toEqual(['the', 'cat sat', ' on', ' the', ' mat']);
    const { inputIds, units: m, replaceTokenId, targetUnitTokens } = o!.inputs;
    expect(o!.elements.length).toBe(5 + targetUnitTokens!.length);
    // Target token at position p is scored from the logits at p - 1; a target unit's row is the mean of its tokens'.
    const f = (ids: number[], p: number) => copyLmLogits(ids, V)[p - 1]![inputIds[p]!]!;
    o!.attributions.forEach((row, r) => {
      for (let g = 0; g < 5; g++) {
        const replaced = inputIds.map((id, t) => (m.unitOfToken[t] === g ? replaceTokenId : id));
        const effects = targetUnitTokens![r]!.map((p) => f(inputIds, p) - f(replaced, p));
        expect(row[g]).toBeCloseTo(effects.reduce((a, b) => a + b) / effects.length, 4);
      }
    });
  });

  test('a perturbation output keeps its custom units; naming a granularity asks for a re-run', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Occlusion(model, tokenizer).explain(TEXT, 0, { units: [span(TEXT, 'was good')] });
    const same = reaggregate(o!, { granularityAggregationStrategy: GranularityAggregationStrategy.MAX });
    expect(same.attributions).toEqual(o!.attributions);
    expect(same.customUnits).toBe(true);
    expect(() => reaggregate(o!, { granularity: Granularity.WORD })).toThrow(/perturbs whole units.*re-run/);
  });

  test('accents, case and compatibility characters still find their tokens (BERT uncased normalises them)', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const text = 'The MOVIE was góód';
    const [o] = await new Occlusion(model, tokenizer).explain(text, 0, { units: [{ start: 4, end: text.length }] });
    expect(o!.elements).toEqual(['the', 'MOVIE was góód']);
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 0), 1e-5);
  });

  test('every method and both tasks take custom units', async () => {
    const cls = await loadFixture('nonadditive-classifier');
    const lm = await loadFixture('copy-lm');
    const methods = [Occlusion, Lime, KernelShap, Sobol, Saliency, IntegratedGradients, SmoothGrad, SquareGrad];
    for (const Method of [...methods, VarGrad, GradientShap]) {
      const options = { nPerturbations: 8, nTokenPerturbations: 4 } as Record<string, number>;
      const own = Object.fromEntries(
        Object.entries(options).filter(([k]) => Method.name !== 'Occlusion' && k in optionNames(Method.name)),
      );
      const [c] = await new Method(cls.model, cls.tokenizer, own).explain(TEXT, 0, { units: [span(TEXT, 'was good')] });
      expect(c!.elements).toContain('was good');
      expect(c!.attributions[0]).toHaveLength(c!.inputs.units.nUnits);
      const [g] = await new Method(lm.model, lm.tokenizer, own).explain('the cat sat on the mat', ' on the', {
        units: [{ start: 0, end: 7 }],
      });
      expect(g!.elements[0]).toBe('the cat');
      expect(g!.customUnits).toBe(true);
      expect(g!.attributions.every((r) => r.length === g!.inputs.units.nUnits)).toBe(true);
    }
  });
});

function optionNames(method: string): Record<string, true> {
  if (method === 'Sobol') return { nTokenPerturbations: true };
  if (['Lime', 'KernelShap', 'SmoothGrad', 'SquareGrad', 'VarGrad', 'GradientShap'].includes(method))
    return { nPerturbations: true };
  return {};
}

describe('custom units: refusals say which span and how to fix it', () => {
  const refuse = async (units: unknown, match: RegExp, inputs: unknown = TEXT) => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const p = new Occlusion(model, tokenizer).explain(inputs as string, 0, { units: units as never });
    await expect(p).rejects.toThrow(InputError);
    await expect(p).rejects.toThrow(match);
  };

  test('a range inside a token, with the aligned ranges to use instead', async () => {
    // "mov" of "movie" (characters 4..9).
    await refuse(
      [{ start: 4, end: 7 }],
      /units\[0\] \{ start: 4, end: 7 \}.*cuts the token "movie".*\{ start: 4, end: 9 \}/,
    );
    // "the movie wa": the inner aligned range and the outer one are both offered.
    await refuse([{ start: 0, end: 12 }], /\{ start: 0, end: 9 \} \("the movie"\) or \{ start: 0, end: 13 \}/);
  });

  test('out of range, empty, overlapping, special tokens, and shape', async () => {
    await refuse([{ start: 5, end: 100 }], /units\[0\].*0 <= start < end <= 44/);
    await refuse([{ start: 3, end: 3 }], /not a character range/);
    await refuse([{ start: 3, end: 4 }], /covers no token.*whitespace/);
    await refuse([span(TEXT, 'movie was'), span(TEXT, 'was good')], /units\[1\].*and units\[0\].*both cover token 3/);
    await refuse([{ tokens: [0, 1] }], /token 0 is a special token \("\[CLS\]"\).*leave it out/);
    await refuse([{ tokens: [] }], /lists no token/);
    await refuse([{ tokens: [99] }], /99 is not a token position; positions are 0\.\.11/);
    await refuse([{ tokens: [1, 1] }], /lists token 1 twice/);
    await refuse([[{ tokens: [1] }], [{ tokens: [2] }]], /units for 2 input\(s\) but 1 input/);
    await refuse('the movie', /option units must be an array of spans/);
  });

  test('character ranges need the text, not token ids', async () => {
    const { tokenizer } = await loadFixture('additive-classifier');
    await refuse([{ start: 0, end: 3 }], /given as token ids: give units as token index groups/, tokenizer([TEXT]));
  });
});
