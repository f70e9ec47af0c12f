/**
 * Every explainer the playground offers, with every option it takes (docs/spec.md §2), as data: the
 * form is drawn from it, the URL stores values by these names, and the worker passes them to
 * `new Method(model, tokenizer, options)`. Enum options hold the enum's key; the worker maps the
 * key to the value on the class (e.g. `Lime.distanceFunctions[key]`).
 */
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

export type OptionSpec =
  | { name: string; label: string; kind: 'int'; default?: number; min: number; max?: number; help?: string }
  | { name: string; label: string; kind: 'float'; default?: number; min?: number; max?: number; step?: number; help?: string }
  | { name: string; label: string; kind: 'bool'; default: boolean; help?: string }
  | {
      name: string;
      label: string;
      kind: 'enum';
      default: string;
      values: readonly string[];
      /** Where the worker finds the enum: a core export (`Granularity`) or a static on the method class. */
      source: { export: string } | { classStatic: string };
      help?: string;
    }
  | { name: string; label: string; kind: 'choice'; default: string; values: readonly string[]; help?: string };

export type OptionValues = Record<string, number | boolean | string | undefined>;

const GRANULARITY = ['ALL_TOKENS', 'TOKEN', 'WORD', 'SENTENCE', 'PART_SENTENCE'] as const;
const AGGREGATION = ['MEAN', 'MAX', 'MIN', 'SUM', 'SIGNED_MAX', 'FIRST', 'LAST'] as const;
const INFERENCE = ['LOGITS', 'SOFTMAX', 'LOG_SOFTMAX'] as const;

const common: OptionSpec[] = [
  { name: 'batchSize', label: 'batch size', kind: 'int', default: 4, min: 1, max: 256 },
  { name: 'granularity', label: 'granularity', kind: 'enum', default: 'WORD', values: GRANULARITY, source: { export: 'Granularity' } },
  {
    name: 'granularityAggregationStrategy',
    label: 'aggregation',
    kind: 'enum',
    default: 'MEAN',
    values: AGGREGATION,
    source: { export: 'GranularityAggregationStrategy' },
    help: 'pools token scores into units (gradient methods) and target tokens into target units (generation)',
  },
  { name: 'inferenceMode', label: 'inference mode', kind: 'enum', default: 'LOGITS', values: INFERENCE, source: { export: 'InferenceModes' } },
];
const seed: OptionSpec = { name: 'seed', label: 'seed', kind: 'int', default: 0, min: 0 };
const replaceToken: OptionSpec = {
  name: 'replaceTokenId',
  label: 'replacement token id',
  kind: 'int',
  min: 0,
  help: 'empty: the mask token, else unk, else pad/eos',
};
const gradient: OptionSpec[] = [
  { name: 'inputXGradient', label: 'input × gradient', kind: 'bool', default: true },
  { name: 'tokenReduction', label: 'token reduction', kind: 'choice', default: 'mean', values: ['mean', 'sum'], help: "'mean' of |g·x| over hidden (>= 0); 'sum' keeps the sign" },
];
const noise = (n: number): OptionSpec[] => [
  { name: 'nPerturbations', label: 'perturbations', kind: 'int', default: n, min: 1, max: 1000 },
  { name: 'noiseStd', label: 'noise std', kind: 'float', default: 0.1, min: 0, step: 0.01 },
];
const baseline: OptionSpec = { name: 'baseline', label: 'baseline (constant)', kind: 'float', default: 1e-6, step: 1e-6 };

export const METHODS: Readonly<Record<MethodName, { family: 'perturbation' | 'gradient'; options: OptionSpec[] }>> = {
  Occlusion: { family: 'perturbation', options: [...common, replaceToken] },
  Lime: {
    family: 'perturbation',
    options: [
      ...common,
      { name: 'nPerturbations', label: 'perturbations', kind: 'int', default: 100, min: 2, max: 5000 },
      { name: 'perturbProbability', label: 'perturb probability', kind: 'float', default: 0.5, min: 0, max: 1, step: 0.05 },
      { name: 'distanceFunction', label: 'distance', kind: 'enum', default: 'COSINE', values: ['COSINE', 'HAMMING', 'EUCLIDEAN'], source: { classStatic: 'distanceFunctions' } },
      { name: 'kernelWidth', label: 'kernel width', kind: 'float', min: 0, step: 0.05, help: 'empty: 0.75·sqrt(units)' },
      seed,
      replaceToken,
    ],
  },
  KernelShap: {
    family: 'perturbation',
    options: [...common, { name: 'nPerturbations', label: 'perturbations', kind: 'int', default: 100, min: 2, max: 5000 }, seed, replaceToken],
  },
  Sobol: {
    family: 'perturbation',
    options: [
      ...common,
      { name: 'nTokenPerturbations', label: 'perturbations per unit (k)', kind: 'int', default: 32, min: 1, max: 1024 },
      { name: 'sobolIndicesOrder', label: 'indices order', kind: 'enum', default: 'FIRST_ORDER', values: ['FIRST_ORDER', 'TOTAL_ORDER'], source: { classStatic: 'sobolIndicesOrders' } },
      { name: 'sampler', label: 'sampler', kind: 'enum', default: 'SOBOL', values: ['SOBOL', 'HALTON', 'LATIN_HYPERCUBE'], source: { classStatic: 'samplers' } },
      seed,
      replaceToken,
    ],
  },
  Saliency: { family: 'gradient', options: [...common, ...gradient] },
  IntegratedGradients: {
    family: 'gradient',
    options: [...common, ...gradient, { name: 'nInterpolations', label: 'interpolations', kind: 'int', default: 10, min: 2, max: 1000 }, baseline],
  },
  SmoothGrad: { family: 'gradient', options: [...common, ...gradient, ...noise(10), seed] },
  SquareGrad: { family: 'gradient', options: [...common, ...gradient, ...noise(10), seed] },
  VarGrad: { family: 'gradient', options: [...common, ...gradient, ...noise(10), seed] },
  GradientShap: { family: 'gradient', options: [...common, ...gradient, ...noise(10), baseline, seed] },
};

export function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

/** Default value of every option of a method (options without a default are left out). */
export function defaultOptions(method: MethodName): OptionValues {
  const out: OptionValues = {};
  for (const o of METHODS[method].options) if (o.default !== undefined) out[o.name] = o.default;
  return out;
}

/**
 * Parses one option from its text form (URL or form field). Returns undefined for an empty field
 * (the library default) and throws an Error naming the option and the allowed values otherwise.
 */
export function parseOption(spec: OptionSpec, text: string): number | boolean | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  switch (spec.kind) {
    case 'bool':
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw new Error(`${spec.label}: expected true or false, got "${t}".`);
    case 'int':
    case 'float': {
      const v = Number(t);
      if (!Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) {
        throw new Error(`${spec.label}: expected ${spec.kind === 'int' ? 'an integer' : 'a number'}, got "${t}".`);
      }
      if (spec.min !== undefined && v < spec.min) throw new Error(`${spec.label}: must be >= ${spec.min}, got ${v}.`);
      if (spec.max !== undefined && v > spec.max) throw new Error(`${spec.label}: must be <= ${spec.max}, got ${v}.`);
      return v;
    }
    case 'enum':
    case 'choice':
      if (!spec.values.includes(t)) throw new Error(`${spec.label}: "${t}" is not one of ${spec.values.join(', ')}.`);
      return t;
  }
}
