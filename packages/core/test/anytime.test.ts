/**
 * Anytime results (src/explainers/anytime.ts): the sampling methods deliver their current estimate through
 * onProgress, the last one is the full result exactly, estimates settle towards it, and stopWhen stops early on
 * models whose right answer is known (the additive classifier: Lime and Kernel SHAP are exact once the fit has full
 * rank; GradientShap 'sum' averages W (x - noisy baseline), whose mean is the contribution; Sobol first-order
 * indices of an additive game with Bernoulli(1/2) masks are c_i^2 / sum c^2).
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose } from './known-answers.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  GradientShap,
  InputError,
  KernelShap,
  Lime,
  Occlusion,
  Saliency,
  SmoothGrad,
  Sobol,
  SquareGrad,
  VarGrad,
  type AttributionOutput,
  type PartialAttribution,
} from '../src/index.ts';

const TEXT = 'the movie was good and the actors were great';

type Run = (o?: Record<string, unknown>) => Promise<{ out: AttributionOutput[]; partials: PartialAttribution[] }>;

async function withPartials(
  explain: (opts: Record<string, unknown>) => Promise<AttributionOutput[]>,
  extra: Record<string, unknown> = {},
) {
  const partials: PartialAttribution[] = [];
  const out = await explain({
    onProgress: (_d: number, _t: number, p?: PartialAttribution[]) => partials.push(...(p ?? [])),
    ...extra,
  });
  return { out, partials };
}

const maxDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, r) => row.map((v, g) => Math.abs(v - b[r]![g]!))));

describe('partial estimates through onProgress', async () => {
  const cls = await loadFixture('additive-classifier');
  const cases: [string, Run, number][] = [
    [
      'Lime',
      (o) => withPartials((x) => new Lime(cls.model, cls.tokenizer, { nPerturbations: 60 }).explain(TEXT, 1, x), o),
      60,
    ],
    [
      'KernelShap',
      (o) =>
        withPartials((x) => new KernelShap(cls.model, cls.tokenizer, { nPerturbations: 80 }).explain(TEXT, 1, x), o),
      80,
    ],
    [
      'Sobol',
      (o) =>
        withPartials((x) => new Sobol(cls.model, cls.tokenizer, { nTokenPerturbations: 16 }).explain(TEXT, 1, x), o),
      16,
    ],
    [
      'SmoothGrad',
      (o) =>
        withPartials((x) => new SmoothGrad(cls.model, cls.tokenizer, { nPerturbations: 40 }).explain(TEXT, 1, x), o),
      40,
    ],
    [
      'SquareGrad',
      (o) =>
        withPartials((x) => new SquareGrad(cls.model, cls.tokenizer, { nPerturbations: 40 }).explain(TEXT, 1, x), o),
      40,
    ],
    [
      'VarGrad',
      (o) => withPartials((x) => new VarGrad(cls.model, cls.tokenizer, { nPerturbations: 40 }).explain(TEXT, 1, x), o),
      40,
    ],
    [
      'GradientShap',
      (o) =>
        withPartials((x) => new GradientShap(cls.model, cls.tokenizer, { nPerturbations: 40 }).explain(TEXT, 1, x), o),
      40,
    ],
  ];

  test.each(cases)(
    '%s: estimates after each batch, the last one is the full result exactly',
    async (_name, run, budget) => {
      const { out, partials } = await run();
      const again = await run(); // the same seeded run gives the same result
      expect(partials.length).toBeGreaterThan(2);
      expect(partials.every((p) => p.index === 0)).toBe(true);
      const samples = partials.map((p) => p.output.sampling!.samplesUsed);
      expect(samples).toEqual([...samples].sort((a, b) => a - b)); // more samples each time
      expect(partials.slice(0, -1).every((p) => p.output.sampling!.inProgress)).toBe(true);
      const last = partials.at(-1)!.output;
      expect(last.sampling).toMatchObject({ samplesUsed: budget, budget, inProgress: false, stoppedEarly: false });
      expect(last.attributions).toEqual(out[0]!.attributions);
      expect(out[0]!.attributions).toEqual(again.out[0]!.attributions);
      expect(out[0]!.sampling).toMatchObject({ samplesUsed: budget, budget, stoppedEarly: false });
      // Partial outputs are complete outputs: elements, class probabilities, the same inputs.
      expect(partials[0]!.output.elements).toEqual(out[0]!.elements);
      expect(partials[0]!.output.classProbabilities).toEqual(out[0]!.classProbabilities);
      // They settle: the last estimates are closer to the result than the first one.
      const first = maxDiff(partials[0]!.output.attributions, out[0]!.attributions);
      const late = maxDiff(partials.at(-2)!.output.attributions, out[0]!.attributions);
      expect(late).toBeLessThanOrEqual(first);
      expect(typeof last.sampling!.convergence).toBe('number');
    },
  );

  test('several inputs: each partial names its input; every input ends with its full result', async () => {
    const texts = [TEXT, 'a bad film', 'i loved every minute of it'];
    const { out, partials } = await withPartials((x) =>
      new Lime(cls.model, cls.tokenizer, { nPerturbations: 20, batchSize: 3 }).explain(texts, [1, 0, 1], x),
    );
    for (let i = 0; i < texts.length; i++) {
      const mine = partials.filter((p) => p.index === i);
      expect(mine.length).toBeGreaterThan(1);
      expect(mine.at(-1)!.output.attributions).toEqual(out[i]!.attributions);
      expect(mine.at(-1)!.output.elements).toEqual(out[i]!.elements);
    }
  });

  test('methods that do not sample record nothing and deliver no partial', async () => {
    for (const Cls of [Occlusion, Saliency]) {
      const { out, partials } = await withPartials((x) => new Cls(cls.model, cls.tokenizer).explain(TEXT, 1, x));
      expect(partials).toEqual([]);
      expect(out[0]!.sampling).toBeUndefined();
    }
  });
});

describe('stopWhen', async () => {
  const cls = await loadFixture('additive-classifier');

  // KernelShap: 400 < 2^9 coalitions, so they are sampled (an enumeration is exact only once complete: it never
  // stops early, see the next test).
  test.each([
    ['Lime', Lime, 2000],
    ['KernelShap', KernelShap, 400],
  ] as const)('%s stops early on the additive model, with the exact contributions', async (_name, Cls, budget) => {
    const ex = new Cls(cls.model, cls.tokenizer, { nPerturbations: budget, batchSize: 8 });
    let total = 0;
    const [o] = await ex.explain(TEXT, 1, { stopWhen: { tolerance: 1e-6 }, onProgress: (_d, t) => (total = t) });
    const s = o!.sampling!;
    expect(s.stoppedEarly).toBe(true);
    expect(s.samplesUsed).toBeLessThan(200);
    expect(s.convergence).toBeLessThanOrEqual(1e-6);
    expect(total).toBeLessThan(200); // the rows not drawn were never planned into the progress total
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), 1e-4);
    // minSamples holds it back.
    const [late] = await ex.explain(TEXT, 1, { stopWhen: { tolerance: 1e-6, minSamples: 300 } });
    expect(late!.sampling!.samplesUsed).toBeGreaterThanOrEqual(300);
    expect(late!.sampling!.samplesUsed).toBeLessThan(budget);
  });

  test('KernelShap enumerating every coalition never stops early (a partial enumeration is biased)', async () => {
    const [o] = await new KernelShap(cls.model, cls.tokenizer, { nPerturbations: 2000 }).explain(TEXT, 1, {
      stopWhen: { tolerance: 1 },
    });
    expect(o!.sampling).toMatchObject({ samplesUsed: 2 ** 9, budget: 2 ** 9, stoppedEarly: false });
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), 1e-4);
  });

  test('GradientShap stops once its standard error is within tolerance, within 4 standard errors of the answer', async () => {
    const ex = new GradientShap(cls.model, cls.tokenizer, {
      nPerturbations: 20000,
      batchSize: 64,
      baseline: 0,
      tokenReduction: 'sum',
      granularity: Granularity.TOKEN,
      granularityAggregationStrategy: GranularityAggregationStrategy.SUM,
      seed: 3,
    });
    const tolerance = 0.01;
    const [o] = await ex.explain(TEXT, 1, { stopWhen: { tolerance } });
    const s = o!.sampling!;
    expect(s).toMatchObject({ stoppedEarly: true, convergenceMeasure: 'standardError' });
    expect(s.samplesUsed).toBeLessThan(20000);
    expect(s.convergence).toBeLessThanOrEqual(tolerance);
    // The mean of W (x - noisy baseline) is W x, the additive contribution (baseline 0).
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), 4 * tolerance);
  });

  test('SmoothGrad on a linear model: |gradient| is the same at every sample, so it stops at minSamples exactly', async () => {
    const opts = { nPerturbations: 1000, inputXGradient: false };
    const [o] = await new SmoothGrad(cls.model, cls.tokenizer, opts).explain(TEXT, 1, {
      stopWhen: { tolerance: 1e-9 },
    });
    expect(o!.sampling).toMatchObject({ samplesUsed: 8, stoppedEarly: true });
    const [exact] = await new Saliency(cls.model, cls.tokenizer, { inputXGradient: false }).explain(TEXT, 1);
    expectClose(o!.attributions[0]!, exact!.attributions[0]!, 1e-6);
  });

  test('Sobol first-order indices of the additive game: early stop uses fewer samples, close to c_i^2 / sum c^2', async () => {
    const ex = new Sobol(cls.model, cls.tokenizer, { nTokenPerturbations: 1024, batchSize: 32 });
    const [early] = await ex.explain(TEXT, 1, { stopWhen: { tolerance: 0.01, minSamples: 64 } });
    const [full] = await ex.explain(TEXT, 1);
    const c = additiveUnitContributions(full!, 1);
    const total = c.reduce((s, v) => s + v * v, 0);
    const known = c.map((v) => (v * v) / total);
    expect(early!.sampling!.stoppedEarly).toBe(true);
    expect(early!.sampling!.samplesUsed).toBeLessThan(1024);
    expectClose(full!.attributions[0]!, known, 0.03);
    expectClose(early!.attributions[0]!, known, 0.06);
  });

  // "Stop here" (StopWhen.signal): the playground's button. The run resolves with the estimate it had, not an error.
  test.each([
    ['Lime', Lime, 2000],
    ['KernelShap', KernelShap, 400],
    ['GradientShap', GradientShap, 4000],
  ] as const)('%s: stopWhen.signal ends sampling and resolves with the estimate so far', async (name, Cls, budget) => {
    // GradientShap with the settings whose mean is the additive contribution (see the test above).
    const exact = { baseline: 0, tokenReduction: 'sum', granularity: Granularity.TOKEN };
    const opts = {
      nPerturbations: budget,
      batchSize: 8,
      seed: 1,
      ...(name === 'GradientShap'
        ? { ...exact, granularityAggregationStrategy: GranularityAggregationStrategy.SUM }
        : {}),
    };
    const ex = new Cls(cls.model, cls.tokenizer, opts as never);
    const stop = new AbortController();
    let seen: PartialAttribution | undefined;
    const [o] = await ex.explain(TEXT, 1, {
      stopWhen: { signal: stop.signal },
      onProgress: (_d, _t, p) => {
        const last = p?.at(-1);
        if (!last) return;
        seen = last;
        // Stop once the estimate has enough rows to be exact (Lime, KernelShap) or close (GradientShap).
        if (last.output.sampling!.samplesUsed >= 64) stop.abort();
      },
    });
    const s = o!.sampling!;
    expect(s).toMatchObject({ stoppedEarly: true, budget });
    expect(s.inProgress).toBeFalsy();
    // It stops at the batch after the click (KernelShap draws coalitions ahead of the rows it runs: a few more).
    expect(s.samplesUsed).toBeGreaterThanOrEqual(64);
    expect(s.samplesUsed).toBeLessThan(128);
    expect(seen!.output.sampling!.samplesUsed).toBe(s.samplesUsed);
    expect(seen!.output.attributions).toEqual(o!.attributions); // the estimate kept is the one last shown
    expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), name === 'GradientShap' ? 0.5 : 1e-4);
  });

  test('stopWhen.signal that never fires changes nothing', async () => {
    const ex = new Lime(cls.model, cls.tokenizer, { nPerturbations: 60 });
    const [plain] = await ex.explain(TEXT, 1);
    const [o] = await ex.explain(TEXT, 1, { stopWhen: { signal: new AbortController().signal } });
    expect(o!.sampling).toMatchObject({ samplesUsed: 60, stoppedEarly: false });
    expect(o!.attributions).toEqual(plain!.attributions);
  });

  test('bad stopWhen values are refused before any model call', async () => {
    const ex = new Lime(cls.model, cls.tokenizer);
    for (const bad of [
      {},
      { tolerance: -1 },
      { tolerance: NaN },
      { tolerance: 0.1, minSamples: 0 },
      0.1,
      { signal: 1 },
    ]) {
      await expect(ex.explain(TEXT, 1, { stopWhen: bad as never })).rejects.toThrow(InputError);
    }
    await expect(ex.explain(TEXT, 1, { stopWhen: { tolerance: -1 } })).rejects.toThrow(
      /option tolerance must be a finite number >= 0; got -1/,
    );
  });
});

// The playground's worker sets these signals from a message handler; a run whose model calls never leave the
// microtask queue (onnxruntime-web WASM, one thread) must still let that handler run between batches.
describe('signals set by a later task', async () => {
  const cls = await loadFixture('additive-classifier');

  test('a "stop here" fired from a timer lands mid-run and resolves with the estimate', async () => {
    const ex = new Lime(cls.model, cls.tokenizer, { nPerturbations: 1_000_000, batchSize: 8 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 0);
    const [o] = await ex.explain(TEXT, 1, { stopWhen: { signal: stop.signal } });
    expect(o!.sampling!.stoppedEarly).toBe(true);
    expect(o!.sampling!.samplesUsed).toBeGreaterThanOrEqual(1);
    expect(o!.sampling!.samplesUsed).toBeLessThan(1_000_000);
    expect(o!.attributions[0]!.every(Number.isFinite)).toBe(true);
  });

  test('an abort fired from a timer rejects mid-run', async () => {
    const ex = new SmoothGrad(cls.model, cls.tokenizer, { nPerturbations: 1_000_000, batchSize: 8 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 0);
    await expect(ex.explain(TEXT, 1, { signal: ctl.signal })).rejects.toThrow(/abort/i);
  });
});
