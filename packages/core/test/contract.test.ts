/**
 * The contract every registered method keeps, checked by looping over the registry on the embedded trained models
 * (public/models: bert-tiny-sentiment classifier, gpt2-tiny-colours decoder): a seed fixes the result; batch size
 * does not change it; an abort rejects with an AbortError and leaves the explainer usable; generation rows are NaN
 * on and above the diagonal; every out-of-range, wrongly typed or non-integer option value and every unknown option
 * name is refused with a message naming it; the registry's defaults are the spec's (table below, from the text of
 * attribution-spec.md section 2-4) and are what an explainer built without options uses.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFolder, type Loaded } from './helpers.ts';
import {
  Deletion,
  EXPLAIN_OPTIONS,
  GENERATION_OPTIONS,
  InputError,
  Insertion,
  METHOD_NAMES,
  METHODS,
  METRIC_OPTIONS,
  type AnyExplainerClass,
  type AttributionOutput,
  type MethodName,
  type OptionSpec,
  type OptionsSchema,
} from '../src/index.ts';

const MODELS = resolve(__dirname, '../../../public/models');

/** Small budgets, so the loop over ten methods stays quick on two cores. */
const SMALL: Record<MethodName, Record<string, unknown>> = {
  Occlusion: {},
  Lime: { nPerturbations: 16 },
  KernelShap: { nPerturbations: 16 },
  Sobol: { nTokenPerturbations: 4 },
  Saliency: {},
  IntegratedGradients: { nInterpolations: 4 },
  SmoothGrad: { nPerturbations: 3 },
  SquareGrad: { nPerturbations: 3 },
  VarGrad: { nPerturbations: 3 },
  GradientShap: { nPerturbations: 3 },
};

/** The spec's defaults (attribution-spec.md sections 1-2), written from its text; `computed` where it gives a formula. */
const COMMON_DEFAULTS = {
  batchSize: 4,
  granularity: 'WORD',
  granularityAggregationStrategy: 'MEAN',
  inferenceMode: 'LOGITS',
};
/** Gradient methods: the per-token score is the mean over hidden of |g x| by default (section 2). */
const GRADIENT_DEFAULTS = { inputXGradient: true, tokenReduction: 'mean' };
const NOISE_DEFAULTS = { ...GRADIENT_DEFAULTS, nPerturbations: 10, noiseStd: 0.1 };
const SPEC_DEFAULTS: Record<MethodName, Record<string, unknown>> = {
  Occlusion: {},
  Lime: { nPerturbations: 100, perturbProbability: 0.5, distanceFunction: 'COSINE', kernelWidth: 'computed' },
  KernelShap: { nPerturbations: 100 },
  Sobol: { nTokenPerturbations: 32, sobolIndicesOrder: 'FIRST_ORDER', sampler: 'SOBOL' },
  Saliency: GRADIENT_DEFAULTS,
  IntegratedGradients: { ...GRADIENT_DEFAULTS, nInterpolations: 10, baseline: 1e-6 },
  SmoothGrad: NOISE_DEFAULTS,
  SquareGrad: NOISE_DEFAULTS,
  VarGrad: NOISE_DEFAULTS,
  GradientShap: { ...NOISE_DEFAULTS, baseline: 1e-6 },
};
/** Spec section 4 / transformers.js: 10 new tokens when neither length is given. Section 5: metric defaults. */
const METRIC_SPEC_DEFAULTS = { nPerturbations: 100, maxPercentagePerturbed: 1 };

// "This movie is great!" -> BERT words: this | movie | is | great | ! (G = 5).
const CLS_TEXT = 'This movie is great!';
const CLS_UNITS = 5;
// GPT-2: 3 prompt words, then the 2 target words ␣is | ␣black.
const GEN_PROMPT = 'I know that';
const GEN_TARGET = ' coal is black';
const GEN_ROWS = 3;

/**
 * Batch-size invariance tolerance: float32 kernels may sum in another order for another batch shape, so cells may
 * differ by float noise, |a - b| <= RTOL * max|a| + ATOL, and no more.
 */
const RTOL = 1e-4;
const ATOL = 1e-6;

function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, r) =>
    row.forEach((x, c) => {
      const y = b[r]![c]!;
      expect(Number.isNaN(x), `cell (${r}, ${c}) NaN in one run only`).toBe(Number.isNaN(y));
      if (!Number.isNaN(x)) m = Math.max(m, Math.abs(x - y));
    }),
  );
  return m;
}

const maxAbs = (a: number[][]) =>
  Math.max(
    0,
    ...a
      .flat()
      .filter((v) => !Number.isNaN(v))
      .map(Math.abs),
  );

/** Values each spec must refuse: below and above its bounds, wrong types, non-integers, non-finite numbers. */
function badValues(spec: OptionSpec): unknown[] {
  switch (spec.type) {
    case 'number': {
      const out: unknown[] = [NaN, Infinity, '3', true, null];
      if (spec.min) out.push(spec.min.open ? spec.min.value : spec.min.value - 1);
      if (spec.max) out.push(spec.max.open ? spec.max.value : spec.max.value + 1);
      if (spec.integer) out.push((spec.min?.value ?? 0) + 2.5);
      return out;
    }
    case 'boolean':
      return ['true', 1, null];
    case 'enum': {
      // The right word in the wrong case is still refused (enum values are exact).
      const v = Object.values(spec.values)[0]!;
      return ['NOT_A_VALUE', 3, v === v.toLowerCase() ? v.toUpperCase() : v.toLowerCase()];
    }
    case 'baseline':
      return ['1e-6', NaN, [], [[NaN]], { a: 1 }];
    case 'custom':
      return [42, Symbol('s'), () => 0].filter((v) => !spec.check(v));
  }
}

const show = (v: unknown) => (typeof v === 'symbol' ? 'symbol' : typeof v === 'string' ? JSON.stringify(v) : String(v));

/** A near-miss of a name: one letter dropped (what a typo gives). */
const typo = (name: string) => name.slice(0, -2) + name.slice(-1);

let classifier: Loaded;
let generator: Loaded;

beforeAll(async () => {
  classifier = await loadFolder(`${MODELS}/bert-tiny-sentiment`, 'classification');
  generator = await loadFolder(`${MODELS}/gpt2-tiny-colours`, 'generation');
});

const build = (name: MethodName, loaded: Loaded, options: Record<string, unknown> = {}) =>
  new (METHODS[name].Explainer as AnyExplainerClass)(loaded.model, loaded.tokenizer, { ...SMALL[name], ...options });

const attributions = (outs: AttributionOutput[]) => outs.map((o) => o.attributions);

describe('registry', () => {
  it('holds the ten methods of the spec, in its order, each with its class and family', () => {
    expect([...METHOD_NAMES]).toEqual([
      'Occlusion',
      'Lime',
      'KernelShap',
      'Sobol',
      'Saliency',
      'IntegratedGradients',
      'SmoothGrad',
      'SquareGrad',
      'VarGrad',
      'GradientShap',
    ]);
    for (const name of METHOD_NAMES) {
      const entry = METHODS[name];
      expect(entry.name).toBe(name);
      expect(entry.Explainer.methodName).toBe(name);
      expect(entry.family).toBe(METHOD_NAMES.indexOf(name) < 4 ? 'perturbation' : 'gradient');
      expect(entry.docs.length).toBeGreaterThan(10);
      for (const [option, spec] of Object.entries(entry.options as OptionsSchema)) {
        expect(spec.docs.length, `${name}.${option} has a docs line`).toBeGreaterThan(10);
      }
    }
  });

  it.each(METHOD_NAMES)("%s: the registry's defaults are the spec's", (name) => {
    const options = METHODS[name].options as OptionsSchema;
    const registry = (option: string) => {
      const spec = options[option];
      expect(spec, `${name} has option ${option}`).toBeDefined();
      return 'default' in spec! ? spec.default : undefined;
    };
    for (const [option, value] of Object.entries({ ...COMMON_DEFAULTS, ...SPEC_DEFAULTS[name] })) {
      if (value === 'computed') expect(registry(option), `${name}.${option} has a computed default`).toBeUndefined();
      else expect(registry(option), `${name}.${option}`).toBe(value);
    }
    expect(registry('seed')).toBe(0);
  });

  it("the metrics' and explain's defaults and bounds are the spec's", () => {
    for (const [option, value] of Object.entries(METRIC_SPEC_DEFAULTS)) {
      expect((METRIC_OPTIONS as OptionsSchema)[option]).toMatchObject({ default: value });
    }
    expect(METRIC_OPTIONS.maxPercentagePerturbed).toMatchObject({
      min: { value: 0, open: true },
      max: { value: 1, open: false },
    });
    expect(Object.keys(EXPLAIN_OPTIONS).sort()).toEqual([
      'attributedFunction',
      'contrast',
      'generation',
      'onProgress',
      'signal',
      'stopWhen',
      'targetsAsGiven',
      'topK',
      'units',
    ]);
    expect(EXPLAIN_OPTIONS.targetsAsGiven).toMatchObject({ type: 'boolean', default: false });
    expect(EXPLAIN_OPTIONS.topK).toMatchObject({ default: 5, integer: true, min: { value: 0, open: false } });
    expect(Object.keys(GENERATION_OPTIONS).sort()).toEqual(['max_length', 'max_new_tokens']);
    // Custom units and perturbation baselines (issue 11): none by default; the replacement token by default.
    expect(EXPLAIN_OPTIONS.units).toMatchObject({ type: 'custom', defaultDocs: 'none: the granularity alone' });
    for (const m of ['Occlusion', 'Lime', 'KernelShap', 'Sobol'] as const) {
      expect(METHODS[m].options.baseline).toMatchObject({ type: 'custom' });
      expect(METHODS[m].options.baseline.defaultDocs).toMatch(/^'replacement'/);
    }
  });
});

describe.each(METHOD_NAMES)('%s', (name) => {
  const seeded = !(METHODS[name].options as OptionsSchema).seed!.inert;

  it('explained without options, uses the spec defaults', async () => {
    // Only the method's own options: spelled out from the spec table, they must give the very same result.
    const explicit: Record<string, unknown> = { ...COMMON_DEFAULTS, ...SPEC_DEFAULTS[name] };
    if (explicit.kernelWidth === 'computed') explicit.kernelWidth = 0.75 * Math.sqrt(CLS_UNITS);
    const Cls = METHODS[name].Explainer as AnyExplainerClass;
    const [plain, spelled] = await Promise.all([
      new Cls(classifier.model, classifier.tokenizer).explain(CLS_TEXT, 1),
      new Cls(classifier.model, classifier.tokenizer, explicit).explain(CLS_TEXT, 1),
    ]);
    expect(plain[0]!.elements).toHaveLength(CLS_UNITS);
    expect(attributions(spelled)).toEqual(attributions(plain));
  });

  it('the same seed gives the same result; batch size 1 and 3 agree within float noise', async () => {
    const a = await build(name, classifier, { seed: 7, batchSize: 1 }).explain(CLS_TEXT, [[0, 1]]);
    const b = await build(name, classifier, { seed: 7, batchSize: 1 }).explain(CLS_TEXT, [[0, 1]]);
    expect(attributions(b)).toEqual(attributions(a));
    expect(a[0]!.attributions.flat().every(Number.isFinite)).toBe(true);
    const c = await build(name, classifier, { seed: 7, batchSize: 3 }).explain(CLS_TEXT, [[0, 1]]);
    const diff = maxAbsDiff(a[0]!.attributions, c[0]!.attributions);
    expect(diff, `batch 1 vs 3: ${diff}`).toBeLessThanOrEqual(RTOL * maxAbs(a[0]!.attributions) + ATOL);
    if (seeded) {
      // The seed is really used: another one draws other samples.
      const d = await build(name, classifier, { seed: 8, batchSize: 1 }).explain(CLS_TEXT, [[0, 1]]);
      expect(attributions(d)).not.toEqual(attributions(a));
    }
  });

  it('an abort mid-run rejects with an AbortError; the explainer then gives the same result', async () => {
    const explainer = build(name, classifier, { batchSize: 1, seed: 3 });
    const controller = new AbortController();
    let calls = 0;
    const run = explainer.explain(CLS_TEXT, 1, {
      signal: controller.signal,
      onProgress: () => {
        if (++calls === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    const after = await explainer.explain(CLS_TEXT, 1);
    const fresh = await build(name, classifier, { batchSize: 1, seed: 3 }).explain(CLS_TEXT, 1);
    expect(attributions(after)).toEqual(attributions(fresh));
  });

  it('generation: one row per target unit, NaN exactly on and above the diagonal', async () => {
    const [out] = await build(name, generator, { seed: 1 }).explain(GEN_PROMPT, GEN_TARGET);
    const t = out!.attributions.length;
    expect(t).toBe(GEN_ROWS);
    const first = out!.elements.length - t;
    expect(first).toBeGreaterThan(0);
    out!.attributions.forEach((row, r) =>
      row.forEach((v, c) => expect(Number.isNaN(v), `row ${r}, column ${c}`).toBe(c >= first + r)),
    );
    expect(out!.attributions.flat().filter(Number.isNaN)).toHaveLength((t * (t + 1)) / 2);
  });

  it('refuses every bad option value, naming the option, the value and what is allowed', () => {
    const Cls = METHODS[name].Explainer as AnyExplainerClass;
    for (const [option, spec] of Object.entries(METHODS[name].options as OptionsSchema)) {
      for (const bad of badValues(spec)) {
        const make = () => new Cls(classifier.model, classifier.tokenizer, { [option]: bad });
        expect(make, `${name}.${option} = ${show(bad)}`).toThrow(InputError);
        expect(make, `${name}.${option} = ${show(bad)}`).toThrow(
          new RegExp(`^${name}: option ${option} must be .*; got `),
        );
      }
    }
  });

  it('refuses an unknown option name with the nearest valid one', () => {
    const Cls = METHODS[name].Explainer as AnyExplainerClass;
    for (const option of Object.keys(METHODS[name].options)) {
      const wrong = typo(option);
      expect(() => new Cls(classifier.model, classifier.tokenizer, { [wrong]: 1 }), `${name}: ${wrong}`).toThrow(
        new RegExp(`unknown option '${wrong}'; did you mean '${option}'\\?`),
      );
    }
    // A Python spelling finds its camelCase twin.
    expect(() => new Cls(classifier.model, classifier.tokenizer, { batch_size: 2 })).toThrow(
      /did you mean 'batchSize'/,
    );
    // Another method's option is not silently ignored.
    const foreign = name === 'IntegratedGradients' ? 'nPerturbations' : 'nInterpolations';
    expect(() => new Cls(classifier.model, classifier.tokenizer, { [foreign]: 4 })).toThrow(
      new RegExp(`unknown option '${foreign}'.*is an option of .*not of ${name}`),
    );
  });

  it('refuses unknown explain options and bad generation lengths before running anything', async () => {
    const cls = build(name, classifier);
    await expect(cls.explain(CLS_TEXT, 1, { temperature: 0 } as never)).rejects.toThrow(InputError);
    await expect(cls.explain(CLS_TEXT, 1, { temperature: 0 } as never)).rejects.toThrow(
      /unknown option 'temperature'.*Valid options: signal, onProgress, generation, contrast/,
    );
    await expect(cls.explain(CLS_TEXT, 1, { contrasts: 0 } as never)).rejects.toThrow(/did you mean 'contrast'/);
    await expect(cls.explain(CLS_TEXT, 1, { onProgres: () => {} } as never)).rejects.toThrow(
      /did you mean 'onProgress'/,
    );
    const gen = build(name, generator);
    for (const bad of [0, -1, NaN, 2.5, '3']) {
      await expect(
        gen.explain(GEN_PROMPT, undefined, { generation: { max_new_tokens: bad as number } }),
      ).rejects.toThrow(/generation: option max_new_tokens must be an integer >= 1; got /);
      await expect(gen.explain(GEN_PROMPT, undefined, { generation: { max_length: bad as number } })).rejects.toThrow(
        /option max_length must be/,
      );
    }
    await expect(gen.explain(GEN_PROMPT, undefined, { generation: { max_tokens: 3 } as never })).rejects.toThrow(
      /did you mean 'max_new_tokens'/,
    );
  });
});

describe('metrics', () => {
  it.each([
    ['Insertion', Insertion],
    ['Deletion', Deletion],
  ] as const)('%s refuses bad option values and unknown names', (metric, Metric) => {
    const make = (o: Record<string, unknown>) => () => new Metric(classifier.model, classifier.tokenizer, o);
    for (const [option, spec] of Object.entries(METRIC_OPTIONS as OptionsSchema)) {
      for (const bad of badValues(spec)) {
        expect(make({ [option]: bad }), `${option} = ${show(bad)}`).toThrow(
          new RegExp(`^${metric}: option ${option} must be`),
        );
      }
    }
    expect(make({ nPerturbation: 3 })).toThrow(/unknown option 'nPerturbation'; did you mean 'nPerturbations'/);
    expect(make({ granularity: 'WORD' })).toThrow(/unknown option 'granularity'/);
  });
});
