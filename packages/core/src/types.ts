/**
 * Shared types of the attribution core. `AttributionOutput` is the contract between explainers,
 * metrics and the UI (docs/spec.md §1): a plain, JSON-serialisable object.
 */

export enum Granularity {
  ALL_TOKENS = 'ALL_TOKENS',
  TOKEN = 'TOKEN',
  WORD = 'WORD',
  SENTENCE = 'SENTENCE',
  PART_SENTENCE = 'PART_SENTENCE',
}

export enum GranularityAggregationStrategy {
  MEAN = 'MEAN',
  MAX = 'MAX',
  MIN = 'MIN',
  SUM = 'SUM',
  SIGNED_MAX = 'SIGNED_MAX',
  FIRST = 'FIRST',
  LAST = 'LAST',
}

export enum InferenceModes {
  LOGITS = 'LOGITS',
  SOFTMAX = 'SOFTMAX',
  LOG_SOFTMAX = 'LOG_SOFTMAX',
}

export type ModelTask = 'classification' | 'generation';

/** Which unit each token belongs to; -1 for tokens outside every unit (special tokens). */
export interface UnitMembership {
  /** unitOfToken[i] = index of the unit holding token i, or -1. Length = number of tokens. */
  unitOfToken: number[];
  /** Number of units. */
  nUnits: number;
}

/** Enough of the tokenised input for a metric to re-run the model (ids and unit membership, not tensors). */
export interface AttributionInputs {
  /** Token ids of the explained sequence (generation: prompt ids followed by target ids). */
  inputIds: number[];
  /** Attention mask of the explained sequence (1 = real token). */
  attentionMask: number[];
  /** Unit membership over `inputIds`; units are the columns of `attributions`. */
  units: UnitMembership;
  /** Generation only: number of prompt tokens (targets start here). */
  promptLength?: number;
  /** Generation only: for each row, the token positions (in `inputIds`) of its target unit. */
  targetUnitTokens?: number[][];
  /** Token id used to replace a unit. */
  replaceTokenId: number;
}

/**
 * The units of one granularity over `inputs.inputIds` (what `reaggregate` switches to without the tokenizer):
 * membership, element texts and spacing, as `explain` would compute them at that granularity.
 */
export interface GranularityUnits {
  units: UnitMembership;
  elements: string[];
  spaceBefore: boolean[];
  /** Generation only: for each target unit at this granularity, its token positions in `inputIds`. */
  targetUnitTokens?: number[][];
}

/**
 * Token-level scores before any pooling, kept by the methods whose pooling into units is post-hoc (the gradient
 * methods): enough to re-pool at another granularity or aggregation strategy without the model (`reaggregate`).
 */
export interface TokenLevelScores {
  /**
   * One row per entry of `targets` (classification: per class; generation: per target token), one score per
   * position of `inputs.inputIds` (special tokens included): the method's per-token scores.
   */
  scores: number[][];
  /** The units at every granularity. */
  units: Record<Granularity, GranularityUnits>;
}

/** One alternative of a step's next-token distribution. */
export interface TokenAlternative {
  tokenId: number;
  /** The token decoded alone (special tokens kept). */
  text: string;
  probability: number;
}

/**
 * The model's own view of one target token (generation): read from the logits of the unperturbed explained
 * sequence (prompt + targets, teacher-forced) at the position before the token; the same for every method.
 */
export interface StepScore {
  /** The target token id (equal to `targets[i]`). */
  tokenId: number;
  /** The target token decoded alone. */
  text: string;
  /** Position of the token in `inputs.inputIds`. */
  position: number;
  /** softmax(logits)[tokenId]. */
  probability: number;
  /** The raw logit of the token. */
  logit: number;
  /** log softmax(logits)[tokenId] (natural log). */
  logProbability: number;
  /** Entropy of the whole next-token distribution, -sum p ln p, in nats. */
  entropy: number;
  /** 1 + number of tokens with a strictly greater logit (1: the greedy choice). */
  rank: number;
  /** The `topK` most probable tokens (explain option, default 5), most probable first. */
  topK: TokenAlternative[];
}

/** How a sampling method's convergence is measured (see explainers/anytime.ts). */
export type ConvergenceMeasure = 'coefficientChange' | 'indexChange' | 'standardError';

/**
 * Sampling methods (Lime, KernelShap, Sobol, SmoothGrad, SquareGrad, VarGrad, GradientShap): how much of the
 * sampling budget the estimate used, and how settled it was.
 */
export interface SamplingInfo {
  /**
   * Samples the estimate is computed from, in the method's own unit: Lime mask rows, KernelShap coalition draws
   * (the 2 constraint rows included), Sobol samples k (G + 2 rows each), gradient methods noisy samples.
   */
  samplesUsed: number;
  /** Samples of the full budget (the method's option; KernelShap enumerating: the 2^G coalitions). */
  budget: number;
  convergenceMeasure: ConvergenceMeasure;
  /** The convergence value when it was tracked (with `onProgress` or `stopWhen`) and defined. */
  convergence?: number;
  /** True when `stopWhen` stopped the input before its budget. */
  stoppedEarly: boolean;
  /** True on the partial estimates `onProgress` delivers while the input is still sampled. */
  inProgress?: boolean;
}

export interface AttributionOutput {
  /** rows x elements. Classification: one row per target class. Generation: one row per target unit. NaN where undefined. */
  attributions: number[][];
  /**
   * Decoded text of each element (unit), in the tokenizer's normalisation (BERT uncased: lower-cased). An
   * unknown token ([UNK]) shows the text it stands for; a byte that is not part of a whole character in its
   * unit (ALL_TOKENS over byte-level tokens) reads "<0xE8>", never U+FFFD (see granularity/units.ts).
   */
  elements: string[];
  /**
   * One per element: true when whitespace separates the unit from the previous one in the text (false for the
   * first). Byte-level BPE / SentencePiece: whitespace precedes it (GPT-2 element texts carry it already).
   * WordPiece: approximated, as BERT's normaliser drops whitespace (a new word that is not punctuation attached
   * to its neighbour). Renderers put a space before element i when true and its text has none.
   */
  spaceBefore?: boolean[];
  /** Class ids (classification) or target token ids (generation), one per row before unit pooling. */
  targets: number[];
  /**
   * Contrastive explanations only: one per entry of `targets`, the class id (classification) or the contrast
   * token id at the same position (generation) whose score was subtracted: each row attributes
   * f(target) - f(contrast), f the score after `inferenceMode` (LOG_SOFTMAX differences equal LOGITS differences).
   */
  contrast?: number[];
  /**
   * Runs with `attributedFunction` only: its name. Each row attributes that function of the row's distribution
   * (classes, or the generation step's vocabulary) instead of the target's score; `inferenceMode` did not apply.
   */
  attributedFunction?: string;
  modelTask: ModelTask;
  granularity: Granularity;
  /**
   * True when `explain` was given custom units (`options.units`): the units (generation: the prompt's) are the
   * given spans plus, outside them, the granularity's units; `granularity` names the latter.
   */
  customUnits?: boolean;
  granularityAggregationStrategy: GranularityAggregationStrategy;
  inferenceMode: InferenceModes;
  /**
   * Generation: one per target token (same order as `targets`), the model's probability, logit, log-probability,
   * rank, entropy and top-k alternatives for that step. Computed from logits the method already runs.
   */
  stepScores?: StepScore[];
  /**
   * Classification: the class probabilities (softmax of the logits) of the unperturbed input, one per class; they
   * sum to 1. Computed from logits the method already runs.
   */
  classProbabilities?: number[];
  /** Class labels, for classification models that declare them (config id2label). */
  classes?: string[];
  /** Name of the method that produced it (e.g. "Occlusion"). */
  method?: string;
  /**
   * True when the scores are magnitudes with no sign (>= 0 by construction): gradient methods with
   * `tokenReduction: 'mean'` (the default, |g x| per token), SquareGrad and VarGrad. Views then use a one-sided
   * scale; absent for signed scores.
   */
  unsigned?: boolean;
  /**
   * Perturbation methods given a `baseline` other than the default: how a removed unit was filled ('token', 'pad',
   * 'unk', 'eos': that token, recorded in `inputs.replaceTokenId`; 'zero-embedding': zero input embeddings;
   * 'delete': its tokens removed). Absent for the default replacement token.
   */
  baseline?: 'token' | 'pad' | 'unk' | 'eos' | 'zero-embedding' | 'delete';
  /** Which runtime ran it: 'webgpu' | 'wasm' | 'cpu' (onnxruntime-node). */
  device?: string;
  /**
   * Why it ran on another runtime than the model's own session, when it did: a half-precision model (fp16, q4f16)
   * loaded on a WebGPU adapter without `shader-f16` gets its gradients on WASM.
   */
  deviceNotice?: string;
  /**
   * The dtype of the model file that was explained, as transformers.js loaded it ('fp32', 'fp16', 'q8', 'int8',
   * 'uint8', ...). Gradient methods on quantized files use the straight-through estimator through quantized
   * activations; on fp16 files they compute in float32.
   */
  modelDtype?: string;
  /**
   * Gradient methods: the token-level scores and the units at every granularity, so that `reaggregate` can
   * re-pool without the model. Absent for perturbation methods (they perturb whole units) and for `diff` / `mean`
   * results.
   */
  tokenLevel?: TokenLevelScores;
  /** True when the input was truncated to the model's maximum positions. */
  truncated?: boolean;
  /** Sampling methods: samples used of the budget, convergence, early stop; on partial results, `inProgress`. */
  sampling?: SamplingInfo;
  inputs: AttributionInputs;
}
