/**
 * Contrastive explanations (`explain(inputs, targets, { contrast })`, "why the target rather than the contrast?"):
 * every row attributes f(target) - f(contrast).
 *
 * - Methods linear in the scores (Occlusion, Lime, KernelShap; gradient methods with tokenReduction 'sum' and a
 *   mean over samples) give exactly the difference of the two single-target runs with the same seed, in every
 *   inference mode (perturbation: the estimators are linear in f; gradient: the VJP is linear in its seed, and
 *   both seeds are taken at the same sample point). Tolerance: 1e-5 relative (float32 logits and gradients).
 * - Known answers: the additive classifier's contributions, LOG_SOFTMAX differences = LOGITS differences, and on
 *   the copy LM each target position scores its contrast token from the target's own prefix.
 * - No extra model work: the same forward calls / backward rows as a single-target run (spied).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose } from './known-answers.ts';
import { copyLmLogits } from '../../onnx-grad/test/fixtures/index.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  InferenceModes,
  InputError,
  IntegratedGradients,
  KernelShap,
  Lime,
  Occlusion,
  Saliency,
  SmoothGrad,
  Sobol,
  SquareGrad,
  VarGrad,
  type AttributionExplainer,
  type AttributionOutput,
  type ModelLike,
  type TokenizerLike,
} from '../src/index.ts';
import { ModelAdapter } from '../src/model/adapter.ts';
import { GradientRunner } from '../src/model/gradient.ts';

const TEXTS = ['the movie was good and the actors were great', 'a bad film'];
const MODES = [InferenceModes.LOGITS, InferenceModes.SOFTMAX, InferenceModes.LOG_SOFTMAX];
const TOL = 1e-5;

type Ctor = new (m: ModelLike, t: TokenizerLike, o?: Record<string, unknown>) => AttributionExplainer;

/** The methods whose result is linear in the target's scores, with the options that make it so. */
const LINEAR: [Ctor, Record<string, unknown>][] = [
  [Occlusion, {}],
  [Lime, { nPerturbations: 40 }],
  [KernelShap, { nPerturbations: 40 }],
  [Saliency, { tokenReduction: 'sum' }],
  [IntegratedGradients, { tokenReduction: 'sum', nInterpolations: 5 }],
  [SmoothGrad, { tokenReduction: 'sum', nPerturbations: 4 }],
  [GradientShap, { tokenReduction: 'sum', nPerturbations: 4 }],
];

function difference(a: AttributionOutput, b: AttributionOutput): number[] {
  return a.attributions[0]!.map((v, i) => v - b.attributions[0]![i]!);
}

/** Counts model forward calls and gradient-model calls (and their batch rows) of a run. */
function modelWork() {
  const forward = vi.spyOn(ModelAdapter.prototype, 'forward');
  const backward = vi.spyOn(GradientRunner.prototype, 'run');
  const rows = (spy: typeof forward | typeof backward) =>
    spy.mock.calls.reduce((s, call) => s + (call[0] as unknown[]).length, 0);
  return async (run: () => Promise<unknown>) => {
    forward.mockClear();
    backward.mockClear();
    await run();
    return {
      forward: forward.mock.calls.length,
      forwardRows: rows(forward),
      backward: backward.mock.calls.length,
      backwardRows: rows(backward),
    };
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('classification contrast', () => {
  test('linear methods: the contrastive result is the difference of the two single-target results, every mode', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const [Explainer, options] of LINEAR) {
      for (const inferenceMode of MODES) {
        const ex = new Explainer(model, tokenizer, {
          ...options,
          inferenceMode,
          granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
        });
        const contrastive = await ex.explain(TEXTS, [0, 1], { contrast: [1, 0] });
        const asTarget = await ex.explain(TEXTS, [0, 1]);
        const asContrast = await ex.explain(TEXTS, [1, 0]);
        contrastive.forEach((o, i) => {
          expect(o.targets).toEqual([i === 0 ? 0 : 1]);
          expect(o.contrast).toEqual([i === 0 ? 1 : 0]);
          const where = `${Explainer.name} ${inferenceMode} input ${i}`;
          const expected = difference(asTarget[i]!, asContrast[i]!);
          expect(
            expected.some((v) => Math.abs(v) > 1e-3),
            where,
          ).toBe(true);
          expectClose(o.attributions[0]!, expected, TOL);
        });
      }
    }
  });

  test('additive classifier: Occlusion and Gradient x Input give the difference of the class contributions', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const base = { granularityAggregationStrategy: GranularityAggregationStrategy.SUM };
    const [occ] = await new Occlusion(model, tokenizer, base).explain(TEXTS[0]!, 1, { contrast: 0 });
    const [sal] = await new Saliency(model, tokenizer, { ...base, tokenReduction: 'sum' }).explain(TEXTS[0]!, 1, {
      contrast: 0,
    });
    for (const o of [occ!, sal!]) {
      const one = additiveUnitContributions(o, 1);
      const zero = additiveUnitContributions(o, 0);
      expectClose(
        o.attributions[0]!,
        one.map((v, g) => v - zero[g]!),
        1e-4,
      );
    }
  });

  test('LOG_SOFTMAX contrast = LOGITS contrast (log p_t - log p_c = z_t - z_c); SOFTMAX differs', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const run = (inferenceMode: InferenceModes) =>
      new Occlusion(model, tokenizer, { inferenceMode }).explain(TEXTS[0]!, 0, { contrast: 1 });
    const [logits] = await run(InferenceModes.LOGITS);
    const [logSoftmax] = await run(InferenceModes.LOG_SOFTMAX);
    const [softmax] = await run(InferenceModes.SOFTMAX);
    expectClose(logSoftmax!.attributions[0]!, logits!.attributions[0]!, 1e-4);
    expect(softmax!.attributions[0]!.some((v, g) => Math.abs(v - logits!.attributions[0]![g]!) > 1e-3)).toBe(true);
  });

  test('nonlinear model: Saliency contrastive gradient = difference of the single-target gradients, every mode', async () => {
    // d(mode(z)_t - mode(z)_c) = d mode(z)_t - d mode(z)_c at the same point: holds for LOGITS, SOFTMAX and
    // LOG_SOFTMAX alike (for LOG_SOFTMAX and LOGITS the seed is the same e_t - e_c). The signed 'sum' reduction
    // keeps it linear; the default |g x| mean does not.
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    for (const inferenceMode of MODES) {
      const ex = new Saliency(model, tokenizer, {
        inferenceMode,
        tokenReduction: 'sum',
        granularity: Granularity.ALL_TOKENS,
        granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
      });
      const [c] = await ex.explain(TEXTS[0]!, 1, { contrast: 0 });
      const [t] = await ex.explain(TEXTS[0]!, 1);
      const [u] = await ex.explain(TEXTS[0]!, 0);
      expectClose(c!.attributions[0]!, difference(t!, u!), 1e-4);
    }
  });

  test('nonlinear estimators (Sobol, SquareGrad, VarGrad) run on the score difference and record it', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const [Explainer, options] of [
      [Sobol, { nTokenPerturbations: 8 }],
      [SquareGrad, { nPerturbations: 4 }],
      [VarGrad, { nPerturbations: 4 }],
    ] as [Ctor, Record<string, unknown>][]) {
      const ex = new Explainer(model, tokenizer, options);
      const [o] = await ex.explain(TEXTS[1]!, 1, { contrast: 0 });
      expect(o!.contrast).toEqual([0]);
      expect(o!.attributions[0]!.every(Number.isFinite)).toBe(true);
      // Deterministic and JSON-serialisable like any output.
      const [again] = await ex.explain(TEXTS[1]!, 1, { contrast: 0 });
      expect(JSON.parse(JSON.stringify(again))).toEqual(o);
    }
  });

  test('a contrast costs no model call: same forward calls and rows, same backward calls and rows', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const count = modelWork();
    const occlusion = new Occlusion(model, tokenizer, { batchSize: 3 });
    const single = await count(() => occlusion.explain(TEXTS, [[0], [1]]));
    expect(single.forward).toBeGreaterThan(0);
    expect(await count(() => occlusion.explain(TEXTS, [[0], [1]], { contrast: [1, 0] }))).toEqual(single);
    for (const inferenceMode of MODES) {
      // One call per batch in every mode: the softmax / log-softmax score is computed inside the gradient model.
      const ig = new IntegratedGradients(model, tokenizer, { inferenceMode, nInterpolations: 3, batchSize: 2 });
      const one = await count(() => ig.explain(TEXTS, [[0], [1]]));
      // 2 texts x 3 points in batches of 2 (3 calls), plus one forward-only row per text, carried in the call of
      // its first point, that reads the unperturbed logits for the step scores.
      expect(one.backwardRows).toBe(2 * 3 + 2);
      expect(one.backward).toBe(3);
      expect(await count(() => ig.explain(TEXTS, [[0], [1]], { contrast: [1, 0] }))).toEqual(one);
    }
  });

  test('bad contrasts are refused with a clear error', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain(TEXTS[0]!, 1, { contrast: 1 })).rejects.toThrow(/contrast class 1 is also a target/);
    await expect(ex.explain(TEXTS, [[0, 1], [1]], { contrast: 0 })).rejects.toThrow(/Input 0: the contrast class 0/);
    await expect(ex.explain(TEXTS[0]!, 1, { contrast: 2 })).rejects.toThrow(/contrast: 2 is not a class.*0\.\.1/);
    await expect(ex.explain(TEXTS, [1, 1], { contrast: [0] })).rejects.toThrow(/1 contrast classes for 2 input/);
    await expect(ex.explain(TEXTS[0]!, 1, { contrast: 'negative' })).rejects.toThrow(InputError);
    await expect(ex.explain(TEXTS[0]!, 1, { contrast: 'negative' })).rejects.toThrow(/class id/);
    await expect(ex.explain(TEXTS[0]!, 1, { contrast: { id: 0 } as never })).rejects.toThrow(/contrast/);
    // The predicted class is the target when targets are omitted: a contrast equal to it is refused.
    const [predicted] = await ex.explain(TEXTS[0]!);
    await expect(ex.explain(TEXTS[0]!, undefined, { contrast: predicted!.targets[0]! })).rejects.toThrow(
      /predicted class/,
    );
    const [other] = await ex.explain(TEXTS[0]!, undefined, { contrast: 1 - predicted!.targets[0]! });
    expect(other!.contrast).toEqual([1 - predicted!.targets[0]!]);
  });
});

describe('generation contrast', () => {
  test('copy LM: each target position scores its contrast token from the target prefix (Occlusion, exact)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const prompt = 'the cat sat on the mat';
    const ex = new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN });
    // The greedy continuation copies (logit ~20 at each position); the contrast swaps tokens 0, 2, 3 for tokens
    // the model does not copy there (logit ~0) and keeps token 1, whose row must then be exactly zero.
    const [plain] = await ex.explain(prompt, undefined, { generation: { max_new_tokens: 4 } });
    const generated = plain!.targets;
    const promptIds = plain!.inputs.inputIds.slice(0, plain!.inputs.promptLength);
    const other = promptIds.find((id) => !generated.includes(id))!;
    const contrastIds = generated.map((id, j) => (j === 1 ? id : other));
    const [o] = await ex.explain(prompt, { input_ids: [generated] }, { contrast: contrastIds });
    expect(o!.targets).toEqual(generated);
    expect(o!.contrast).toEqual(contrastIds);
    const { inputIds, units, replaceTokenId, promptLength } = o!.inputs;
    // f_j(ids) = z[P+j-1][t_j] - z[P+j-1][c_j], the logits of the target sequence (target prefix, not contrast).
    const f = (ids: number[], j: number) => {
      const z = copyLmLogits(ids, V)[promptLength! + j - 1]!;
      return z[o!.targets[j]!]! - z[contrastIds[j]!]!;
    };
    o!.inputs.targetUnitTokens!.forEach((tokens, r) => {
      const j = tokens[0]! - promptLength!;
      const expected = o!.attributions[r]!.map((v, g) => {
        if (Number.isNaN(v)) return v;
        const masked = inputIds.map((id, s) => (units.unitOfToken[s] === g ? replaceTokenId : id));
        return f(inputIds, j) - f(masked, j);
      });
      const defined = (a: number[]) => a.filter((v) => !Number.isNaN(v));
      expectClose(defined(o!.attributions[r]!), defined(expected), 1e-3);
      if (o!.targets[j] === contrastIds[j]) expect(defined(o!.attributions[r]!).every((v) => v === 0)).toBe(true);
      else expect(defined(expected).some((v) => Math.abs(v) > 1)).toBe(true);
    });
  });

  test('GPT-2: the first row is the difference of the two single runs; token ids and tokenizer output work', async () => {
    // Row 0 has the same prefix (the prompt) in both single runs, so the difference is the contrast there.
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const prompt = 'Roses are red, the sky is';
    const target = ' blue today';
    const contrast = ' grey again';
    const ids = (t: string) => tokenizer.encode(t, { add_special_tokens: false }) as number[];
    if (ids(target).length !== ids(contrast).length) throw new Error('fixture texts must tokenise to one length');
    const options = { granularity: Granularity.TOKEN, tokenReduction: 'sum' as const };
    const [s] = await new Saliency(model, tokenizer, options).explain(prompt, target, { contrast });
    const [t] = await new Saliency(model, tokenizer, options).explain(prompt, target);
    const [c] = await new Saliency(model, tokenizer, options).explain(prompt, contrast);
    const P = s!.inputs.units.unitOfToken.slice(0, s!.inputs.promptLength).filter((u) => u >= 0).length;
    const head = (o: AttributionOutput) => o.attributions[0]!.slice(0, P);
    expectClose(
      head(s!),
      head(t!).map((v, g) => v - head(c!)[g]!),
      1e-4,
    );
    const [fromIds] = await new Saliency(model, tokenizer, options).explain(prompt, target, {
      contrast: ids(contrast),
    });
    const [fromTok] = await new Saliency(model, tokenizer, options).explain(prompt, target, {
      contrast: { input_ids: [ids(contrast)] },
    });
    expect(fromIds!.attributions).toEqual(s!.attributions);
    expect(fromTok!.contrast).toEqual(s!.contrast);
  });

  test('generation: a contrast costs no model call either (Occlusion, Saliency in SOFTMAX)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const count = modelWork();
    for (const ex of [
      new Occlusion(model, tokenizer, { batchSize: 3 }),
      new Saliency(model, tokenizer, { inferenceMode: InferenceModes.SOFTMAX }),
    ]) {
      const single = await count(() => ex.explain('the cat sat on', ' on the mat'));
      expect(single.forward + single.backward).toBeGreaterThan(0);
      expect(await count(() => ex.explain('the cat sat on', ' on the mat', { contrast: ' in the hat' }))).toEqual(
        single,
      );
    }
  });

  test('a contrast of another token length, or equal to the target, is an InputError', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain('the cat sat', ' on the mat', { contrast: ' on a' })).rejects.toThrow(
      /Contrast 0 has 2 token\(s\) but target 0 has 4.*same token length/,
    );
    await expect(ex.explain('the cat sat', ' on the mat', { contrast: ' on the mat' })).rejects.toThrow(
      /Contrast 0 is the target itself/,
    );
    await expect(ex.explain(['the cat', 'a dog'], [' sat', ' ran'], { contrast: [' ran'] })).rejects.toThrow(
      /1 contrast continuation\(s\) for 2 input/,
    );
    await expect(ex.explain('the cat sat', ' on', { contrast: 3 })).rejects.toThrow(InputError);
  });
});
