/**
 * The ten methods and every option they take, as data (spec sections 2-4): name, family, a docs line, and per
 * option its type, default, bounds, enum values and a docs line. The explainers validate and default their options
 * from here, the metrics and `explain` calls from the schemas below; the playground's form, `docs/methods.md` and
 * the e2e tests read the same objects. Each schema is checked against its constructor's options type at compile
 * time (`SchemaOf`), so the two cannot drift.
 *
 * Exports: `METHOD_NAMES`, `MethodName`, `MethodSchema`, `METHOD_SCHEMAS`, `COMMON_OPTIONS`, `SESSION_OPTIONS`, `EXPLAIN_OPTIONS`, `GENERATION_OPTIONS`,
 * `METRIC_OPTIONS`, `METRIC_EVALUATE_OPTIONS`, `methodsTaking(option)`.
 */
import { Granularity, GranularityAggregationStrategy, InferenceModes } from '../types.ts';
import { LimeDistance, SobolIndicesOrder } from '../math/estimators.ts';
import { QmcSampler } from '../math/qmc.ts';
import type {
  GradientExplainerOptions,
  GradientShapOptions,
  IntegratedGradientsOptions,
  NoiseOptions,
} from '../explainers/gradient.ts';
import type { KernelShapOptions, LimeOptions, PerturbationOptions, SobolOptions } from '../explainers/perturbation.ts';
import { isPerturbationBaseline } from '../explainers/baseline.ts';
import type { ExplainOptions, GenerationOptions } from '../explainers/options.ts';
import type { StopWhen } from '../explainers/anytime.ts';
import { isAttributedFunction } from '../explainers/attributed-function.ts';
import type { MetricEvaluateOptions, MetricOptions } from '../metrics/curves.ts';
import type { OptionsSchema, SchemaOf } from './schema.ts';
import {
  EXECUTION_PROVIDERS,
  GRAPH_OPTIMIZATION_LEVELS,
  isExecutionProviderList,
  type SessionOptions,
} from '../runtime/session-options.ts';

export const METHOD_NAMES = [
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
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface MethodSchema {
  readonly name: MethodName;
  readonly family: 'perturbation' | 'gradient';
  readonly docs: string;
  readonly options: OptionsSchema;
}

const atLeast = (value: number) => ({ value, open: false });
const above = (value: number) => ({ value, open: true });
const below = (value: number) => ({ value, open: true });
const atMost = (value: number) => ({ value, open: false });

const NO_SAMPLING = 'this method draws nothing at random';
const NO_REPLACEMENT = 'gradient methods replace no token (they differentiate the embeddings)';

/** The fields of `sessionOptions`, validated like any option (runtime-specific limits are checked at session creation). */
export const SESSION_OPTIONS = {
  threads: {
    type: 'number',
    integer: true,
    min: atLeast(1),
    max: atMost(1024),
    defaultDocs:
      "onnxruntime's (Node: one per physical core; web: env.wasm.numThreads, which the core sets from the cores)",
    label: 'threads',
    docs: 'Threads per operator. In the browser the WASM thread count is fixed when onnxruntime-web starts.',
  },
  spinning: {
    type: 'boolean',
    default: false,
    label: 'spinning threads',
    docs: 'Idle threads busy-wait for work. Default: Node, on when the threads fit in the cores the load leaves free; web, off.',
  },
  graphOptimizationLevel: {
    type: 'enum',
    values: Object.fromEntries(GRAPH_OPTIMIZATION_LEVELS.map((l) => [l, l])) as Record<
      (typeof GRAPH_OPTIMIZATION_LEVELS)[number],
      (typeof GRAPH_OPTIMIZATION_LEVELS)[number]
    >,
    default: 'all',
    label: 'graph optimisation',
    docs: "onnxruntime's graph optimisation level.",
  },
  executionProviders: {
    type: 'custom',
    expected: `a non-empty array of ${EXECUTION_PROVIDERS.map((p) => `'${p}'`).join(', ')}`,
    check: isExecutionProviderList,
    defaultDocs: "the model's own device",
    label: 'execution providers',
    docs: "Where the gradient session runs, in order of preference: 'cpu' in Node, 'webgpu' or 'wasm' in the browser.",
  },
} as const satisfies SchemaOf<SessionOptions>;

const common = (
  inert: { seed?: string; replaceTokenId?: string; modelSource?: string; sessionOptions?: string } = {},
) =>
  ({
    batchSize: {
      type: 'number',
      integer: true,
      default: 4,
      min: atLeast(1),
      label: 'batch size',
      docs: 'Model calls packed together (perturbed sequences, or gradient samples); changes speed and memory, not results.',
    },
    granularity: {
      type: 'enum',
      values: Granularity,
      default: Granularity.WORD,
      source: { export: 'Granularity' },
      label: 'granularity',
      docs: 'The units that get one score each: every token, non-special tokens, words, sentences or sentence parts.',
    },
    granularityAggregationStrategy: {
      type: 'enum',
      values: GranularityAggregationStrategy,
      default: GranularityAggregationStrategy.MEAN,
      source: { export: 'GranularityAggregationStrategy' },
      label: 'aggregation',
      docs: 'Pools token scores into units (gradient methods) and target-token rows into target units (generation).',
    },
    inferenceMode: {
      type: 'enum',
      values: InferenceModes,
      default: InferenceModes.LOGITS,
      source: { export: 'InferenceModes' },
      label: 'inference mode',
      docs: 'Applied to the logits before the target is read: identity, softmax or log-softmax.',
    },
    seed: {
      type: 'number',
      integer: true,
      default: 0,
      label: 'seed',
      docs: 'Seed of every random draw: the same seed gives the same result on a given backend.',
      ...(inert.seed ? { inert: inert.seed } : {}),
    },
    replaceTokenId: {
      type: 'number',
      integer: true,
      min: atLeast(0),
      defaultDocs: "the tokenizer's mask token, else unk, else pad, else eos",
      label: 'replacement token id',
      docs: 'Token id that replaces each token of a removed unit (must be in the vocabulary).',
      ...(inert.replaceTokenId ? { inert: inert.replaceTokenId } : {}),
    },
    modelSource: {
      type: 'custom',
      expected: 'a URL or path string, the model bytes (Uint8Array), or { model, externalData? }',
      check: (v: unknown) =>
        typeof v === 'string' || v instanceof Uint8Array || (typeof v === 'object' && v !== null && 'model' in v),
      defaultDocs: 'the bytes transformers.js loaded',
      label: 'model source',
      docs: 'The ONNX file of the model, for gradient methods when it cannot be found from the loaded session.',
      ...(inert.modelSource ? { inert: inert.modelSource } : {}),
    },
    sessionOptions: {
      type: 'custom',
      expected: '{ threads?, spinning?, graphOptimizationLevel?, executionProviders? }',
      check: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
      nested: SESSION_OPTIONS,
      defaultDocs: 'per runtime (see each field)',
      label: 'session options',
      docs: 'Options of the onnxruntime session the core creates for the gradient model.',
      ...(inert.sessionOptions ? { inert: inert.sessionOptions } : {}),
    },
  }) as const;

/** The options every explainer takes, with their defaults (`resolveCommon` reads them). */
export const COMMON_OPTIONS = common();

const gradientOptions = (inert: { seed?: string } = {}) =>
  ({
    ...common({ replaceTokenId: NO_REPLACEMENT, ...inert }),
    inputXGradient: {
      type: 'boolean',
      default: true,
      label: 'input × gradient',
      docs: "Multiply the gradient by the (perturbed) input before the token reduction ('mean' reduction only).",
    },
    tokenReduction: {
      type: 'enum',
      values: { mean: 'mean', sum: 'sum' },
      default: 'mean',
      label: 'token reduction',
      docs: "'mean': mean over hidden of |g·x| (scores >= 0, as the Python library); 'sum': signed sum of g·(x - baseline).",
    },
  }) as const;

const nPerturbations = (value: number, min: number, docs: string) =>
  ({ type: 'number', integer: true, default: value, min: atLeast(min), label: 'perturbations', docs }) as const;

/** Most samples of a regression method (Lime, KernelShap): each is kept for the fit (see explainers/budget.ts). */
const REGRESSION_MAX = 1_000_000;
const regressionBudget = (value: number, docs: string) =>
  ({
    ...nPerturbations(value, 2, docs),
    max: atMost(REGRESSION_MAX),
    maxWhy:
      'Every sample is kept for the least-squares fit (about 300 bytes plus 16 per unit each), so more than ' +
      `${REGRESSION_MAX} samples cannot fit in memory.`,
  }) as const;

const noiseStd = {
  type: 'number',
  integer: false,
  default: 0.1,
  min: atLeast(0),
  step: 0.01,
  label: 'noise std',
  docs: 'Standard deviation of the Gaussian noise added to the embeddings.',
} as const;

const baseline = {
  type: 'baseline',
  default: 1e-6,
  label: 'baseline (constant)',
  docs: 'The reference input embeddings: a constant, or a [seq, hidden] array.',
} as const;

/** What fills a removed unit, for the perturbation methods (explainers/baseline.ts). */
const perturbationBaseline = {
  type: 'custom',
  expected:
    "'replacement', 'pad', 'unk', 'eos', 'zero-embedding', 'delete', or { kind: 'token', token: '<one token>' }",
  check: isPerturbationBaseline,
  defaultDocs: "'replacement': the replacement token",
  label: 'baseline',
  docs:
    'What a removed unit becomes: the replacement token, a named token, the pad / unk / eos token, zero input ' +
    'embeddings (through the gradient model), or nothing (its tokens deleted: a shorter sequence).',
} as const;

/** modelSource and sessionOptions matter to the perturbation methods only with the 'zero-embedding' baseline. */
const GRADIENT_MODEL_FOR_ZERO = "unless baseline is 'zero-embedding', which runs the gradient model";
const perturbationCommon = (inert: { seed?: string } = {}) =>
  ({
    ...common({ modelSource: GRADIENT_MODEL_FOR_ZERO, sessionOptions: GRADIENT_MODEL_FOR_ZERO, ...inert }),
    baseline: perturbationBaseline,
  }) as const;

const OCCLUSION = perturbationCommon({ seed: NO_SAMPLING }) satisfies SchemaOf<PerturbationOptions>;

const LIME = {
  ...perturbationCommon(),
  nPerturbations: regressionBudget(
    100,
    'Perturbed samples; each unit is replaced independently with perturbProbability.',
  ),
  perturbProbability: {
    type: 'number',
    integer: false,
    default: 0.5,
    min: above(0),
    max: below(1),
    step: 0.05,
    label: 'perturb probability',
    docs: 'Probability that a unit is replaced in a sample (0 and 1 would give no contrast to fit).',
  },
  distanceFunction: {
    type: 'enum',
    values: LimeDistance,
    default: LimeDistance.COSINE,
    source: { classStatic: 'distanceFunctions' },
    label: 'distance',
    docs: "Distance between a sample's kept-units vector and the all-kept vector, weighted exp(-d²/width²).",
  },
  kernelWidth: {
    type: 'number',
    integer: false,
    min: above(0),
    step: 0.05,
    defaultDocs: '0.75 * sqrt(G), G the number of units',
    label: 'kernel width',
    docs: 'Width of the exponential kernel on the distance.',
  },
} as const satisfies SchemaOf<LimeOptions>;

const KERNEL_SHAP = {
  ...perturbationCommon(),
  nPerturbations: regressionBudget(
    100,
    'Coalitions drawn; when 2^G <= nPerturbations every coalition is enumerated (exact Shapley values).',
  ),
} as const satisfies SchemaOf<KernelShapOptions>;

const SOBOL = {
  ...perturbationCommon(),
  nTokenPerturbations: {
    type: 'number',
    integer: true,
    default: 32,
    min: atLeast(1),
    max: atMost(10_000_000),
    maxWhy: 'Sobol keeps f(A) of every sample for the variance (8 bytes per sample and target).',
    label: 'perturbations per unit (k)',
    docs: 'k, the rows of each of A, B and C_i; P = (G+2)k model calls.',
  },
  sobolIndicesOrder: {
    type: 'enum',
    values: SobolIndicesOrder,
    default: SobolIndicesOrder.FIRST_ORDER,
    source: { classStatic: 'sobolIndicesOrders' },
    label: 'indices order',
    docs: 'First-order or total Sobol indices (Jansen estimators).',
  },
  sampler: {
    type: 'enum',
    values: QmcSampler,
    default: QmcSampler.SOBOL,
    source: { classStatic: 'samplers' },
    label: 'sampler',
    docs: 'Quasi-Monte-Carlo sampler of the A and B matrices (scrambled, seeded).',
  },
} as const satisfies SchemaOf<SobolOptions>;

const SALIENCY = gradientOptions({ seed: NO_SAMPLING }) satisfies SchemaOf<GradientExplainerOptions>;

const INTEGRATED_GRADIENTS = {
  ...gradientOptions({ seed: NO_SAMPLING }),
  nInterpolations: {
    type: 'number',
    integer: true,
    default: 10,
    min: atLeast(2),
    label: 'interpolations',
    docs: 'Points on the straight path from the baseline to the input, both end points included (trapezoid rule).',
  },
  baseline,
} as const satisfies SchemaOf<IntegratedGradientsOptions>;

const NOISY = {
  ...gradientOptions(),
  nPerturbations: nPerturbations(10, 1, 'Noisy copies of the embeddings, one gradient each.'),
  noiseStd,
} as const satisfies SchemaOf<NoiseOptions>;

const GRADIENT_SHAP = {
  ...gradientOptions(),
  nPerturbations: nPerturbations(10, 1, 'Samples: alpha ~ U(0,1) on the path from a noisy baseline to the input.'),
  noiseStd: { ...noiseStd, docs: 'Standard deviation of the Gaussian noise added to the baseline.' },
  baseline,
} as const satisfies SchemaOf<GradientShapOptions>;

/** Every method: name, family, docs line and option schema. */
export const METHOD_SCHEMAS = {
  Occlusion: {
    name: 'Occlusion',
    family: 'perturbation',
    docs: 'a_g = f(x) - f(x with unit g replaced); G+1 model calls.',
    options: OCCLUSION,
  },
  Lime: {
    name: 'Lime',
    family: 'perturbation',
    docs: 'Weighted least squares of the outputs on which units were kept, over randomly perturbed samples.',
    options: LIME,
  },
  KernelShap: {
    name: 'KernelShap',
    family: 'perturbation',
    docs: 'Kernel SHAP: Shapley-kernel coalitions, paired sampling, efficiency enforced; exact by enumeration when small.',
    options: KERNEL_SHAP,
  },
  Sobol: {
    name: 'Sobol',
    family: 'perturbation',
    docs: 'Sobol sensitivity indices of each unit from quasi-Monte-Carlo masks.',
    options: SOBOL,
  },
  Saliency: { name: 'Saliency', family: 'gradient', docs: 'One gradient at the input embeddings.', options: SALIENCY },
  IntegratedGradients: {
    name: 'IntegratedGradients',
    family: 'gradient',
    docs: 'Gradients along the straight path from the baseline to the input, trapezoid rule.',
    options: INTEGRATED_GRADIENTS,
  },
  SmoothGrad: {
    name: 'SmoothGrad',
    family: 'gradient',
    docs: 'Mean of the token scores over Gaussian-noised embeddings.',
    options: NOISY,
  },
  SquareGrad: {
    name: 'SquareGrad',
    family: 'gradient',
    docs: 'Mean of the squared token scores over Gaussian-noised embeddings.',
    options: NOISY,
  },
  VarGrad: {
    name: 'VarGrad',
    family: 'gradient',
    docs: 'Unbiased variance of the token scores over Gaussian-noised embeddings.',
    options: NOISY,
  },
  GradientShap: {
    name: 'GradientShap',
    family: 'gradient',
    docs: 'Mean token score at random points between a noisy baseline and the input (expected gradients).',
    options: GRADIENT_SHAP,
  },
} as const satisfies Record<MethodName, MethodSchema>;

/** The methods whose schema has this option (for "IntegratedGradients takes no nPerturbations; ... do"). */
export function methodsTaking(option: string): MethodName[] {
  return METHOD_NAMES.filter((m) => Object.hasOwn(METHOD_SCHEMAS[m].options, option));
}

const positiveInt = (label: string, docs: string, defaultDocs: string) =>
  ({ type: 'number', integer: true, min: atLeast(1), label, docs, defaultDocs }) as const;

/** `explain(inputs, targets, { generation })`: how long to generate when a generation model's targets are omitted. */
export const GENERATION_OPTIONS = {
  max_new_tokens: positiveInt(
    'max new tokens',
    'Tokens to generate (wins over max_length).',
    '10 when max_length is not given',
  ),
  max_length: positiveInt('max length', "Total length, prompt included (capped at the model's positions).", 'none'),
} as const satisfies SchemaOf<GenerationOptions>;

const abortSignal = {
  type: 'custom',
  expected: 'an AbortSignal',
  check: (v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && 'addEventListener' in v,
  defaultDocs: 'none',
  label: 'signal',
  docs: 'Stops the run: it rejects with an AbortError and the explainer stays usable.',
} as const;

const onProgress = {
  type: 'custom',
  expected: 'a function (done, total) => void',
  check: (v: unknown) => typeof v === 'function',
  defaultDocs: 'none',
  label: 'progress callback',
  docs: 'Called after every model batch with (done, total) model rows.',
} as const;

/** `stopWhen: { tolerance, minSamples? }` of `explain`. */
export const STOP_WHEN_OPTIONS = {
  tolerance: {
    type: 'number',
    integer: false,
    min: atLeast(0),
    defaultDocs: 'required unless signal is given',
    label: 'tolerance',
    docs: 'Largest convergence value (score change between estimates, or standard error) at which an input stops.',
  },
  minSamples: {
    type: 'number',
    integer: true,
    min: atLeast(1),
    defaultDocs: 'max(8, 2 (G + 1)) for Lime and KernelShap, 8 otherwise, at most the budget',
    label: 'minimum samples',
    docs: 'Samples an input uses at least before it may stop.',
  },
  signal: {
    ...abortSignal,
    docs: '"Stop here": once it fires, each input stops with its estimate so far and explain resolves with them.',
  },
} as const satisfies SchemaOf<StopWhen>;

/** The third argument of `explain`. */
export const EXPLAIN_OPTIONS = {
  signal: abortSignal,
  onProgress,
  generation: {
    type: 'custom',
    expected: 'an object { max_new_tokens?, max_length? }',
    check: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
    nested: GENERATION_OPTIONS,
    defaultDocs: 'max_new_tokens 10',
    label: 'generation',
    docs: 'Generation models with targets omitted: how long to generate (as transformers.js `generate`).',
  },
  contrast: {
    type: 'custom',
    expected: 'a class id or one per input (classification); a text, texts, token ids or tokenizer output (generation)',
    check: (v: unknown) =>
      (typeof v === 'number' && Number.isInteger(v)) ||
      typeof v === 'string' ||
      Array.isArray(v) ||
      (typeof v === 'object' && v !== null && 'input_ids' in v),
    defaultDocs: 'none',
    label: 'contrast',
    docs:
      'Why the target rather than this? Each row scores f(target) - f(contrast), f after the inference mode. ' +
      'Classification: a class (or one per input). Generation: a continuation of the same token length, ' +
      "each contrast token scored at its target token's position (same prefix).",
  },
  attributedFunction: {
    type: 'custom',
    expected: 'an object { name, score(logits, ctx), gradient(logits, ctx) }, e.g. entropy() or klToReference()',
    check: isAttributedFunction,
    defaultDocs: "none: the target's score after the inference mode",
    label: 'attributed function',
    docs:
      "Attribute f(logits) instead of the target's score, on each row's distribution (per generation step): " +
      'entropy(), klToReference() (KL from the unperturbed distribution) or your own { name, score, gradient } ' +
      '(gradient: d f / d logits in closed form, for gradient methods). Not with contrast; inferenceMode is unused.',
  },
  topK: {
    type: 'number',
    integer: true,
    default: 5,
    min: atLeast(0),
    label: 'top-k alternatives',
    docs: 'Generation: how many most probable tokens each step score lists (stepScores[i].topK); 0 lists none.',
  },
  targetsAsGiven: {
    type: 'boolean',
    default: false,
    label: 'targets as given',
    docs:
      'Generation, text targets and contrasts: encode them exactly as given. Default: as the continuation of the ' +
      'prompt, as Interpreto does (a leading space where the tokenizer carries it in the word and the prompt does ' +
      'not end in whitespace: "I am fine" is read " I am fine").',
  },
  units: {
    type: 'custom',
    expected: 'an array of spans ({ start, end } or { tokens: [...] }), or one such array per input',
    check: (v: unknown) => Array.isArray(v),
    defaultDocs: 'none: the granularity alone',
    label: 'custom units',
    docs:
      'Spans that are units of their own: { start, end } character ranges of the input text (end exclusive) or ' +
      '{ tokens: [...] } token positions. Tokens outside every span keep their granularity unit; generation: ' +
      'spans lie in the prompt.',
  },
  stopWhen: {
    type: 'custom',
    expected: 'an object { tolerance?, minSamples?, signal? } with a tolerance (a number >= 0) or a signal',
    check: (v: unknown) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      (typeof (v as StopWhen).tolerance === 'number' || (v as StopWhen).signal !== undefined),
    nested: STOP_WHEN_OPTIONS,
    defaultDocs: 'none: the whole budget',
    label: 'stop when',
    docs:
      'Sampling methods: stop sampling an input once its convergence is within tolerance (after minSamples); ' +
      'the output records the samples used (output.sampling).',
  },
} as const satisfies SchemaOf<ExplainOptions>;

/** `new Insertion | Deletion | AOPCComprehensiveness | AOPCSufficiency(model, tokenizer, options)`. */
export const METRIC_OPTIONS = {
  batchSize: {
    ...common().batchSize,
    docs: 'Perturbed sequences per model call; changes speed and memory, not results.',
  },
  nPerturbations: {
    type: 'number',
    integer: true,
    default: 100,
    min: atLeast(1),
    label: 'curve steps',
    docs: 'Most curve steps: P = min(nPerturbations, N) + 1 points.',
  },
  maxPercentagePerturbed: {
    type: 'number',
    integer: false,
    default: 1,
    min: above(0),
    max: atMost(1),
    step: 0.05,
    label: 'max fraction perturbed',
    docs: 'Fraction of the ranked units perturbed at the last step: N = ceil(G * maxPercentagePerturbed).',
  },
} as const satisfies SchemaOf<MetricOptions>;

/** The second argument of `metric.evaluate`. */
export const METRIC_EVALUATE_OPTIONS = {
  signal: abortSignal,
  onProgress,
} as const satisfies SchemaOf<MetricEvaluateOptions>;
