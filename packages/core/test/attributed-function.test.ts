/**
 * Attributed functions (`explain(x, t, { attributedFunction })`): a score of the whole output distribution
 * attributed instead of the target's score.
 *
 * - The built-ins' closed-form logit gradients equal central finite differences of their scores (float64).
 * - Known answers: Occlusion with entropy / KL on the additive classifier and KL on the copy LM (per generation
 *   step) equal the hand computation from the fixtures' own float64 logits; KL is 0 on the unperturbed input
 *   (Saliency of KL is 0 there, up to float32 rounding); Saliency of entropy equals finite differences of the gradient model's
 *   entropy along each token's embedding on a small BERT.
 * - A user function equal to the target logit gives the plain LOGITS result (the seeded two-call path is right).
 * - Model work: KL (linear in log p) costs the single-target calls plus one reference call; a general function
 *   two gradient-model calls per batch.
 * - All ten methods, both tasks, record the function; bad functions are InputErrors.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadFixture } from './helpers.ts';
import { expectClose, fixtureWeights } from './known-answers.ts';
import { additiveLogits, copyLmLogits } from '../../onnx-grad/test/fixtures/index.ts';
import {
  entropy,
  GradientShap,
  Granularity,
  GranularityAggregationStrategy,
  InferenceModes,
  InputError,
  IntegratedGradients,
  KernelShap,
  klToReference,
  Lime,
  Occlusion,
  Saliency,
  SmoothGrad,
  Sobol,
  SquareGrad,
  VarGrad,
  type AttributedFunction,
  type AttributionExplainer,
  type AttributionOutput,
  type ModelLike,
  type TokenizerLike,
} from '../src/index.ts';
import { GradientRunner } from '../src/model/gradient.ts';

type Ctor = new (m: ModelLike, t: TokenizerLike, o?: Record<string, unknown>) => AttributionExplainer;
const TEXT = 'the movie was good and the actors were great';

function entropyOf(z: readonly number[]): number {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return -z.reduce((s, v) => s + Math.exp(v - lse) * (v - lse), 0);
}

function klOf(ref: readonly number[], z: readonly number[]): number {
  const lse = (x: readonly number[]) => {
    const m = Math.max(...x);
    return m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
  };
  const a = lse(ref);
  const b = lse(z);
  return ref.reduce((s, r, k) => s + Math.exp(r - a) * (r - a - (z[k]! - b)), 0);
}

/** Ids with every token of unit g replaced. */
function masked(o: AttributionOutput, g: number): number[] {
  const { inputIds, units, replaceTokenId } = o.inputs;
  return inputIds.map((id, s) => (units.unitOfToken[s] === g ? replaceTokenId : id));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('built-in functions', () => {
  test('closed-form logit gradients equal central finite differences; KL is 0 at the reference', () => {
    const z = Float32Array.of(0.3, -1.2, 2.1, 0.05, -0.4);
    const ref = Float32Array.of(1.1, 0.2, -0.7, 0.4, 0.9);
    for (const fn of [entropy(), klToReference()]) {
      const ctx = { target: 0, reference: ref };
      const g = fn.gradient(z, ctx);
      const h = 1e-3;
      const fd = Array.from(z, (_, k) => {
        const up = Float32Array.from(z);
        const down = Float32Array.from(z);
        up[k] = up[k]! + h;
        down[k] = down[k]! - h;
        return (fn.score(up, ctx) - fn.score(down, ctx)) / (2 * h);
      });
      expectClose(Array.from(g), fd, 1e-4);
      expect(Math.abs(Array.from(g).reduce((s, v) => s + v, 0))).toBeLessThan(1e-12); // shift-invariant
    }
    expect(entropy().score(z, { target: 0, reference: ref })).toBeCloseTo(entropyOf(Array.from(z)), 10);
    expect(klToReference().score(z, { target: 0, reference: ref })).toBeCloseTo(
      klOf(Array.from(ref), Array.from(z)),
      10,
    );
    expect(klToReference().score(ref, { target: 0, reference: ref })).toBe(0);
    expect(entropy().score(Float32Array.of(1, 1, 1, 1), { target: 0, reference: ref })).toBeCloseTo(Math.log(4), 12);
  });
});

describe('classification', () => {
  test('Occlusion with entropy and KL on the additive classifier: the hand computation', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const w = fixtureWeights('additive-classifier');
    const ex = new Occlusion(model, tokenizer);
    const [h] = await ex.explain(TEXT, 0, { attributedFunction: entropy() });
    const [kl] = await ex.explain(TEXT, 0, { attributedFunction: klToReference() });
    const full = additiveLogits(w, h!.inputs.inputIds);
    // a_g = f(x) - f(x with unit g replaced); KL(x) = 0, so the KL row is -KL(p(x) || p(x without g)).
    const expectedH = h!.attributions[0]!.map((_, g) => entropyOf(full) - entropyOf(additiveLogits(w, masked(h!, g))));
    const expectedKl = kl!.attributions[0]!.map((_, g) => -klOf(full, additiveLogits(w, masked(kl!, g))));
    expectClose(h!.attributions[0]!, expectedH, 1e-4);
    expectClose(kl!.attributions[0]!, expectedKl, 1e-4);
    expect(expectedH.some((v) => Math.abs(v) > 1e-2)).toBe(true);
    expect(expectedKl.some((v) => v < -1e-2)).toBe(true);
    expect(h!.attributedFunction).toBe('entropy');
    expect(kl!.attributedFunction).toBe('klToReference');
  });

  test('Saliency of entropy = finite differences of the entropy along each token embedding (small BERT)', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const options = {
      tokenReduction: 'sum' as const,
      granularity: Granularity.ALL_TOKENS,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
    };
    const [o] = await new Saliency(model, tokenizer, options).explain(TEXT, 0, { attributedFunction: entropy() });
    // Token score ('sum', baseline 0) = g_t . x_t, the derivative of H(x + eps x_t e_t) at eps = 0.
    const runner = await GradientRunner.create(model as never);
    const ids = o!.inputs.inputIds;
    const x = runner.embed(ids);
    const H = runner.hiddenSize;
    const eps = 1e-2;
    const at = (t: number, e: number) => {
      const p = Float32Array.from(x);
      for (let d = 0; d < H; d++) p[t * H + d] = x[t * H + d]! * (1 + e);
      return { ids, embeds: p };
    };
    const rows = ids.flatMap((_, t) => [at(t, eps), at(t, -eps)]);
    const out = await runner.run(rows, InferenceModes.LOGITS);
    const fd = ids.map(
      (_, t) => (entropyOf(Array.from(out[2 * t]!.logits)) - entropyOf(Array.from(out[2 * t + 1]!.logits))) / (2 * eps),
    );
    const scores = o!.attributions[0]!;
    expect(fd.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    const scale = Math.max(...fd.map(Math.abs));
    scores.forEach((v, t) => expect(Math.abs(v - fd[t]!), `token ${t}: ${v} vs ${fd[t]}`).toBeLessThan(2e-3 * scale));
  });

  test('KL is 0 on the unperturbed input: Saliency of KL is 0 (float32 rounding), IntegratedGradients is not', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const options = { tokenReduction: 'sum' as const, granularity: Granularity.ALL_TOKENS };
    const [s] = await new Saliency(model, tokenizer, options).explain(TEXT, 0, { attributedFunction: klToReference() });
    // 0 up to float32 rounding: the seed -p_ref meets the graph's own float32 softmax of the same logits.
    expect(s!.attributions[0]!.every((v) => Math.abs(v) < 1e-7)).toBe(true);
    const [ig] = await new IntegratedGradients(model, tokenizer, { ...options, nInterpolations: 4 }).explain(TEXT, 0, {
      attributedFunction: klToReference(),
    });
    expect(ig!.attributions[0]!.some((v) => Math.abs(v) > 1e-4)).toBe(true);
  });

  test("a user function equal to the target's logit gives the plain LOGITS result (seeded two-call path)", async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const logitOf: AttributedFunction = {
      name: 'targetLogit',
      score: (z, { target }) => z[target]!,
      gradient: (z, { target }) => Float32Array.from(z, (_, k) => (k === target ? 1 : 0)),
    };
    for (const [Explainer, options] of [
      [IntegratedGradients, { nInterpolations: 4 }],
      [SmoothGrad, { nPerturbations: 5 }],
      [Occlusion, {}],
      [KernelShap, { nPerturbations: 8 }],
    ] as [Ctor, Record<string, unknown>][]) {
      const ex = new Explainer(model, tokenizer, { ...options, batchSize: 3 });
      const [custom] = await ex.explain(TEXT, 1, { attributedFunction: logitOf });
      const [plain] = await ex.explain(TEXT, 1);
      expect(custom!.attributedFunction).toBe('targetLogit');
      expectClose(custom!.attributions[0]!, plain!.attributions[0]!, 1e-4);
    }
  });

  test('model work: KL adds one reference call; a general function two gradient calls per batch', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const backward = vi.spyOn(GradientRunner.prototype, 'run');
    const calls = async (o: object) => {
      backward.mockClear();
      await new IntegratedGradients(model, tokenizer, { nInterpolations: 4, batchSize: 2 }).explain(TEXT, 0, o);
      return backward.mock.calls.length;
    };
    expect(await calls({})).toBe(2);
    expect(await calls({ attributedFunction: klToReference() })).toBe(1 + 2);
    expect(await calls({ attributedFunction: entropy() })).toBe(1 + 2 * 2);
  });

  test('every method runs both built-ins and records the function', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const all: [Ctor, Record<string, unknown>][] = [
      [Occlusion, {}],
      [Lime, { nPerturbations: 12 }],
      [KernelShap, { nPerturbations: 12 }],
      [Sobol, { nTokenPerturbations: 4 }],
      [Saliency, {}],
      [IntegratedGradients, { nInterpolations: 3 }],
      [SmoothGrad, { nPerturbations: 3 }],
      [SquareGrad, { nPerturbations: 3 }],
      [VarGrad, { nPerturbations: 3 }],
      [GradientShap, { nPerturbations: 3 }],
    ];
    for (const [Explainer, options] of all) {
      for (const fn of [entropy(), klToReference()]) {
        const [o] = await new Explainer(model, tokenizer, options).explain(TEXT, undefined, { attributedFunction: fn });
        expect(o!.attributedFunction, Explainer.name).toBe(fn.name);
        expect(o!.attributions[0]!.every(Number.isFinite), `${Explainer.name} ${fn.name}`).toBe(true);
      }
    }
  });

  test('bad functions and contrast with a function are InputErrors that say what to give', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const occ = new Occlusion(model, tokenizer);
    const sal = new Saliency(model, tokenizer);
    await expect(occ.explain(TEXT, 0, { attributedFunction: (() => 1) as never })).rejects.toThrow(
      /attributedFunction.*\{ name, score\(logits, ctx\), gradient\(logits, ctx\) \}/,
    );
    await expect(occ.explain(TEXT, 0, { attributedFunction: entropy(), contrast: 1 })).rejects.toThrow(
      /contrast or attributedFunction, not both/,
    );
    const nan: AttributedFunction = { name: 'nan', score: () => Number.NaN, gradient: (z) => z };
    await expect(occ.explain(TEXT, 0, { attributedFunction: nan })).rejects.toThrow(InputError);
    await expect(occ.explain(TEXT, 0, { attributedFunction: nan })).rejects.toThrow(/'nan': score returned NaN/);
    const short: AttributedFunction = { name: 'short', score: () => 0, gradient: () => [1] };
    await expect(sal.explain(TEXT, 0, { attributedFunction: short })).rejects.toThrow(
      /'short': gradient returned 1 values for target 0; it must return one number per logit \(2\)/,
    );
    const inf: AttributedFunction = { name: 'inf', score: () => 0, gradient: () => [0, Number.POSITIVE_INFINITY] };
    await expect(sal.explain(TEXT, 0, { attributedFunction: inf })).rejects.toThrow(
      /'inf': gradient entry 1 is Infinity/,
    );
  });
});

describe('generation', () => {
  test('copy LM: Occlusion of KL per target step = -KL(p_ref || p_masked) at that step (hand computation)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const ex = new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN });
    const [o] = await ex.explain('the cat sat on the mat', ' the cat', { attributedFunction: klToReference() });
    const P = o!.inputs.promptLength!;
    const full = copyLmLogits(o!.inputs.inputIds, V);
    let big = 0;
    o!.inputs.targetUnitTokens!.forEach((tokens, r) => {
      const pos = tokens[0]! - 1;
      const expected = o!.attributions[r]!.map((v, g) =>
        Number.isNaN(v) ? v : -klOf(full[pos]!, copyLmLogits(masked(o!, g), V)[pos]!),
      );
      const defined = (a: number[]) => a.filter((v) => !Number.isNaN(v));
      expectClose(defined(o!.attributions[r]!), defined(expected), 1e-3);
      big += defined(expected).filter((v) => v < -1).length;
      expect(pos).toBeGreaterThanOrEqual(P - 1);
    });
    expect(big).toBeGreaterThan(0);
  });

  test('GPT-2: every gradient method and Lime run entropy per step; the rows differ by step', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    for (const [Explainer, options] of [
      [Saliency, {}],
      [IntegratedGradients, { nInterpolations: 3 }],
      [GradientShap, { nPerturbations: 2 }],
      [Lime, { nPerturbations: 8 }],
    ] as [Ctor, Record<string, unknown>][]) {
      const [o] = await new Explainer(model, tokenizer, { ...options, granularity: Granularity.TOKEN }).explain(
        'Roses are red, the sky is',
        ' blue today',
        { attributedFunction: entropy() },
      );
      expect(o!.attributedFunction).toBe('entropy');
      const rows = o!.attributions.filter((row) => row.some((v) => !Number.isNaN(v)));
      expect(rows.length).toBeGreaterThan(1);
      expect(
        rows
          .flat()
          .filter((v) => !Number.isNaN(v))
          .every(Number.isFinite),
      ).toBe(true);
      expect(
        rows[0]!.some((v, g) => Number.isFinite(v) && v !== rows[1]![g]),
        Explainer.name,
      ).toBe(true);
    }
  });
});
