/**
 * Known answers for the DEFAULT paths of the gradient explainers (spec section 2: per-token score = mean over
 * hidden of |g * x~|, per perturbed input), not only for tokenReduction 'sum'.
 *
 * On the additive classifier the gradient of logit c with respect to the embedding of any position is the
 * constant row W[c] (logits[c] = b[c] + sum_t E[id_t] . W[c]), so every expected value is a closed form of
 * the fixture's weights, computed here in float64 without the library's math.
 *
 * Tolerances: the model and the embeddings are float32 (relative rounding ~6e-8 per op over a handful of ops on
 * values of order 1), so deterministic paths are compared at 1e-5 (absolute below 1, relative above:
 * `expectClose`), far below the effect of every bug these tests are meant to catch (>= 1e-2). Sampled paths
 * use a tolerance derived from the sampling variance, stated at each test.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose, fixtureWeights } from './known-answers.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  IntegratedGradients,
  Saliency,
  SmoothGrad,
  SquareGrad,
  VarGrad,
  type AttributionOutput,
} from '../src/index.ts';

const TEXT = 'the movie was good and the actors were great';
const TARGET = 1;
const H = 4;
/** One unit per non-special token, so a unit's score is its token's score. */
const TOKENS = { granularity: Granularity.TOKEN, seed: 5 } as const;

const weights = () => fixtureWeights('additive-classifier');
/** x_t = E[id_t] (float64 copy of the float32 weights). */
const embedding = (id: number): number[] =>
  Array.from(weights()['bert.embeddings.word_embeddings.weight']!.subarray(id * H, (id + 1) * H));
/** The gradient of logit c at any position: W[c]. */
const gradRow = (c: number): number[] => Array.from(weights()['classifier.weight']!.subarray(c * H, (c + 1) * H));

/** Per unit, the expected value of `score(x_t, t)` for the single token t of that unit. */
function perUnit(o: AttributionOutput, score: (x: number[]) => number): number[] {
  const res = new Array<number>(o.inputs.units.nUnits).fill(NaN);
  o.inputs.units.unitOfToken.forEach((u, t) => {
    if (u < 0) return;
    expect(Number.isNaN(res[u]!)).toBe(true); // TOKEN granularity: one token per unit
    res[u] = score(embedding(o.inputs.inputIds[t]!));
  });
  return res;
}

const meanAbsGx = (g: number[], x: number[]) => g.reduce((s, gh, h) => s + Math.abs(gh * x[h]!), 0) / H;

/** IG default path: trapezoid over alpha_k = k/(n-1) of mean_h |g_h (b + alpha_k (x_h - b))|. */
function igDefault(x: number[], b: number[], g: number[], n: number): number {
  let total = 0;
  for (let k = 0; k < n; k++) {
    const alpha = k / (n - 1);
    const w = (k === 0 || k === n - 1 ? 0.5 : 1) / (n - 1);
    total +=
      w *
      meanAbsGx(
        g,
        x.map((xh, h) => b[h]! + alpha * (xh - b[h]!)),
      );
  }
  return total;
}

describe('Saliency default path', () => {
  test('inputXGradient defaults to true (spec): mean_h |W_h x_h|; false gives mean_h |W_h|, equal for every token', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const [def] = await new Saliency(model, tokenizer, TOKENS).explain(TEXT, TARGET);
    expectClose(
      def!.attributions[0]!,
      perUnit(def!, (x) => meanAbsGx(g, x)),
      1e-5,
    );
    const [plain] = await new Saliency(model, tokenizer, { ...TOKENS, inputXGradient: false }).explain(TEXT, TARGET);
    const meanAbsG = g.reduce((s, v) => s + Math.abs(v), 0) / H;
    expectClose(
      plain!.attributions[0]!,
      plain!.attributions[0]!.map(() => meanAbsG),
      1e-5,
    );
    // The two differ measurably on this input (guards the test against a degenerate fixture).
    const gap = Math.max(...def!.attributions[0]!.map((v, i) => Math.abs(v - plain!.attributions[0]![i]!)));
    expect(gap).toBeGreaterThan(0.05);
  });
});

describe('IntegratedGradients default path', () => {
  const N = 10;
  test('default baseline (1e-6) and nInterpolations (10): the trapezoid of mean_h |g x_alpha|', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const [o] = await new IntegratedGradients(model, tokenizer, TOKENS).explain(TEXT, TARGET);
    const b = new Array(H).fill(1e-6);
    expectClose(
      o!.attributions[0]!,
      perUnit(o!, (x) => igDefault(x, b, g, N)),
      1e-5,
    );
    // With a ~0 baseline the integrand is alpha * saliency, whose trapezoid integral is exactly saliency / 2.
    expectClose(
      o!.attributions[0]!,
      perUnit(o!, (x) => meanAbsGx(g, x) / 2),
      1e-5,
    );
  });

  test('a constant and a [seq, hidden] baseline are used, with any nInterpolations', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const c of [0, 1]) {
      const g = gradRow(c);
      // 0.5: the path crosses zero in some coordinates, so |.| bends and the quadrature is not trivial.
      const [o] = await new IntegratedGradients(model, tokenizer, {
        ...TOKENS,
        baseline: 0.5,
        nInterpolations: 7,
      }).explain(TEXT, c);
      expectClose(
        o!.attributions[0]!,
        perUnit(o!, (x) => igDefault(x, [0.5, 0.5, 0.5, 0.5], g, 7)),
        1e-5,
      );
      // the same path with the baseline ignored (zero) is far away: this test would see it
      const ignored = perUnit(o!, (x) => igDefault(x, [0, 0, 0, 0], g, 7));
      expect(Math.max(...ignored.map((v, i) => Math.abs(v - o!.attributions[0]![i]!)))).toBeGreaterThan(0.05);
    }
    // A per-position baseline: row t = (0.1 t, -0.2, 0.3, 0.05 t).
    const [probe] = await new Saliency(model, tokenizer, TOKENS).explain(TEXT, TARGET);
    const rows = probe!.inputs.inputIds.map((_, t) => [0.1 * t, -0.2, 0.3, 0.05 * t]);
    const [o] = await new IntegratedGradients(model, tokenizer, {
      ...TOKENS,
      baseline: rows,
      nInterpolations: 5,
    }).explain(TEXT, TARGET);
    const expected = new Array<number>(o!.inputs.units.nUnits);
    o!.inputs.units.unitOfToken.forEach((u, t) => {
      if (u >= 0) expected[u] = igDefault(embedding(o!.inputs.inputIds[t]!), rows[t]!, gradRow(TARGET), 5);
    });
    expectClose(o!.attributions[0]!, expected, 1e-5);
    // The same baseline flat (row-major [seq*hidden]) gives the same scores; a wrong shape is refused.
    const [flat] = await new IntegratedGradients(model, tokenizer, {
      ...TOKENS,
      baseline: rows.flat(),
      nInterpolations: 5,
    }).explain(TEXT, TARGET);
    expect(flat!.attributions).toEqual(o!.attributions);
    const S = rows.length;
    for (const bad of [rows.slice(1), rows.map((r, t) => (t === 2 ? r.slice(1) : r)), rows.flat().slice(1)]) {
      await expect(new IntegratedGradients(model, tokenizer, { baseline: bad }).explain(TEXT, TARGET)).rejects.toThrow(
        new RegExp(`baseline .*${S}.*${H}|seq\\*hidden = ${S}\\*${H}`),
      );
    }
  });

  test("'sum' with a non-zero baseline: sum_h W_h (x_h - b_h), for every class", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new IntegratedGradients(model, tokenizer, {
      ...TOKENS,
      tokenReduction: 'sum',
      baseline: 0.25,
    }).explain(TEXT, [[0, 1]]);
    o!.targets.forEach((c, r) => {
      const g = gradRow(c);
      expectClose(
        o!.attributions[r]!,
        perUnit(o!, (x) => g.reduce((s, gh, h) => s + gh * (x[h]! - 0.25), 0)),
        1e-5,
      );
    });
  });
});

describe('SmoothGrad / SquareGrad / VarGrad default paths', () => {
  test('noise 0: SmoothGrad = Saliency, SquareGrad = Saliency^2, VarGrad = 0', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const opts = { ...TOKENS, noiseStd: 0, nPerturbations: 3 };
    const [sal] = await new Saliency(model, tokenizer, TOKENS).explain(TEXT, TARGET);
    const [smooth] = await new SmoothGrad(model, tokenizer, opts).explain(TEXT, TARGET);
    const [square] = await new SquareGrad(model, tokenizer, opts).explain(TEXT, TARGET);
    const [variance] = await new VarGrad(model, tokenizer, opts).explain(TEXT, TARGET);
    const expected = perUnit(sal!, (x) => meanAbsGx(g, x));
    expectClose(smooth!.attributions[0]!, expected, 1e-5);
    expectClose(
      square!.attributions[0]!,
      expected.map((v) => v * v),
      1e-5,
    );
    // Three identical samples: the unbiased variance is 0 up to the rounding of their float64 mean (~1e-32).
    expectClose(
      variance!.attributions[0]!,
      expected.map(() => 0),
      1e-12,
    );
  });

  test('SmoothGrad with noise tends to the folded-normal expectation E mean_h |W_h (x_h + s e_h)|', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const s = 0.3;
    const n = 200;
    const [o] = await new SmoothGrad(model, tokenizer, {
      ...TOKENS,
      noiseStd: s,
      nPerturbations: n,
      batchSize: 50,
    }).explain(TEXT, TARGET);
    const Phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
    // E|mu + s Z| = s sqrt(2/pi) exp(-mu^2 / 2s^2) + mu (1 - 2 Phi(-mu/s)); E(mu + s Z)^2 = mu^2 + s^2.
    const foldedMean = (mu: number) =>
      s * Math.sqrt(2 / Math.PI) * Math.exp(-(mu * mu) / (2 * s * s)) + mu * (1 - 2 * Phi(-mu / s));
    const mean = perUnit(o!, (x) => x.reduce((acc, xh, h) => acc + Math.abs(g[h]!) * foldedMean(xh), 0) / H);
    // Standard error of the n-sample mean: Var(score) = (1/H^2) sum_h W_h^2 Var|x_h + s Z| (independent entries).
    const se = perUnit(o!, (x) =>
      Math.sqrt(x.reduce((acc, xh, h) => acc + g[h]! ** 2 * (xh * xh + s * s - foldedMean(xh) ** 2), 0) / (H * H) / n),
    );
    // 5 standard errors per unit (a chance failure ~1e-6 per unit; the seed fixes the draws anyway).
    o!.attributions[0]!.forEach((v, u) => expect(Math.abs(v - mean[u]!)).toBeLessThan(5 * se[u]!));
    // noise x10 (s = 3) would give E|.| ~ s sqrt(2/pi) |W|_1 / H per unit, far outside: every unit fails.
  });

  test("VarGrad with tokenReduction 'sum' tends to noiseStd^2 |W|^2 (the variance of W . (x + noise))", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const s = 0.2;
    const n = 200;
    const [o] = await new VarGrad(model, tokenizer, {
      ...TOKENS,
      tokenReduction: 'sum',
      noiseStd: s,
      nPerturbations: n,
      batchSize: 50,
    }).explain(TEXT, TARGET);
    const expected = s * s * g.reduce((acc, v) => acc + v * v, 0);
    // The unbiased variance of n Gaussian samples has relative standard deviation sqrt(2/(n-1)) = 0.1: accept
    // +-40% (4 SD). Noise x10 gives x100, noise x2 gives x4: both far outside.
    for (const v of o!.attributions[0]!) {
      expect(v / expected).toBeGreaterThan(0.6);
      expect(v / expected).toBeLessThan(1.4);
    }
  });
});

describe('GradientShap', () => {
  test("'sum' with noise 0 equals the contributions (baseline 0) and W . (x - b) with a baseline", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const opts = {
      ...TOKENS,
      tokenReduction: 'sum' as const,
      noiseStd: 0,
      nPerturbations: 5,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
    };
    const [zero] = await new GradientShap(model, tokenizer, { ...opts, baseline: 0 }).explain(TEXT, [[0, 1]]);
    zero!.targets.forEach((c, r) => expectClose(zero!.attributions[r]!, additiveUnitContributions(zero!, c), 1e-5));
    const [shifted] = await new GradientShap(model, tokenizer, { ...opts, baseline: -0.4 }).explain(TEXT, TARGET);
    const g = gradRow(TARGET);
    expectClose(
      shifted!.attributions[0]!,
      perUnit(shifted!, (x) => g.reduce((s, gh, h) => s + gh * (x[h]! + 0.4), 0)),
      1e-5,
    );
  });

  test('default path with noise 0: alpha-bar times Saliency, alpha-bar ~ U(0,1) mean', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const g = gradRow(TARGET);
    const n = 100;
    const [o] = await new GradientShap(model, tokenizer, {
      ...TOKENS,
      baseline: 0,
      noiseStd: 0,
      nPerturbations: n,
      batchSize: 50,
    }).explain(TEXT, TARGET);
    // point_k = alpha_k x, so the score is mean_k alpha_k * mean_h |W_h x_h|: one common factor alpha-bar.
    const sal = perUnit(o!, (x) => meanAbsGx(g, x));
    const ratios = o!.attributions[0]!.map((v, u) => v / sal[u]!);
    const abar = ratios[0]!;
    expectClose(
      ratios,
      ratios.map(() => abar),
      1e-5,
    );
    // mean of 100 U(0,1): sd 0.289/10 = 0.029; accept 0.5 +- 0.12 (4 SD).
    expect(Math.abs(abar - 0.5)).toBeLessThan(0.12);
  });
});

/** Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, far below the tolerances it feeds). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

describe('the unsigned mark', () => {
  test("'mean' scores (the default), SquareGrad and VarGrad are marked unsigned and are >= 0; 'sum' is signed", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const explain = async (e: { explain: Saliency['explain'] }) => (await e.explain(TEXT, TARGET))[0]!;
    for (const o of [
      await explain(new Saliency(model, tokenizer, TOKENS)),
      await explain(new SquareGrad(model, tokenizer, { ...TOKENS, nPerturbations: 3 })),
      await explain(new VarGrad(model, tokenizer, { ...TOKENS, nPerturbations: 3, tokenReduction: 'sum' })),
    ]) {
      expect(o.unsigned, o.method).toBe(true);
      expect(o.attributions.flat().every((v) => v >= 0)).toBe(true);
    }
    const signed = await explain(new Saliency(model, tokenizer, { ...TOKENS, tokenReduction: 'sum' }));
    expect(signed.unsigned).toBeUndefined();
    // The additive model's 'sum' scores take both signs: a one-sided scale would hide half of them.
    expect(signed.attributions.flat().some((v) => v < 0)).toBe(true);
  });
});
