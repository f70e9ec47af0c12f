/**
 * Options shared by every explainer and by each `explain` call.
 *
 * Exports: `CommonExplainerOptions`, `ExplainOptions`, `GenerationOptions`, `ExplainInputs`, `ExplainTargets`,
 * `ExplainContrast`,
 * `validateExplainerOptions(method, options)`, `validateExplainOptions(method, options)`, `resolveCommon(options)`.
 * Bounds, defaults and docs of every option live in the registry (../registry/methods.ts).
 */
import type { Granularity, GranularityAggregationStrategy, InferenceModes } from '../types.ts';
import type { ModelSource } from '../model/source.ts';
import type { SessionOptions } from '../runtime/session-options.ts';
import type { HfEncoding } from '../model/types.ts';
import type { PartialAttribution, StopWhen } from './anytime.ts';
import type { UnitsOption } from '../granularity/custom-units.ts';
import type { AttributedFunction } from './attributed-function.ts';
import {
  COMMON_OPTIONS,
  EXPLAIN_OPTIONS,
  METHOD_SCHEMAS,
  methodsTaking,
  type MethodSchema,
} from '../registry/methods.ts';
import { validateOptions } from '../registry/schema.ts';
import { InputError } from '../errors.ts';

export interface CommonExplainerOptions {
  /** Model calls packed together (perturbed sequences, or gradient samples). Default 4. */
  batchSize?: number;
  granularity?: Granularity;
  granularityAggregationStrategy?: GranularityAggregationStrategy;
  inferenceMode?: InferenceModes;
  /** Seed of every random draw (default 0). */
  seed?: number;
  /** Token that replaces a unit (default: mask, else unk, else pad, else eos). */
  replaceTokenId?: number;
  /** The ONNX file of the model, when it cannot be found from the loaded session (gradient methods only). */
  modelSource?: ModelSource;
  /**
   * Options of the onnxruntime session the core creates for the gradient model (gradient methods only; the
   * model's own session is transformers.js's: pass `session_options` to `from_pretrained` for that one).
   */
  sessionOptions?: SessionOptions;
}

export interface GenerationOptions {
  max_new_tokens?: number;
  max_length?: number;
}

export interface ExplainOptions {
  signal?: AbortSignal;
  /**
   * Called after every model batch with (done, total) model rows; sampling methods add, as a third argument, the
   * current estimate of each input the batch advanced (see explainers/anytime.ts), when one is due.
   */
  onProgress?: (done: number, total: number, partials?: PartialAttribution[]) => void;
  /**
   * Sampling methods: stop sampling an input once its convergence (coefficient or index change, or standard error)
   * is at most `tolerance`, after at least `minSamples` samples; the output records the samples used.
   */
  stopWhen?: StopWhen;
  /** Generation models, targets omitted: how long to generate (as transformers.js `generate`). */
  generation?: GenerationOptions;
  /**
   * Contrastive explanation, "why the target rather than this?": every row scores f(target) - f(contrast).
   * Classification: a class id (for every input) or one per input. Generation: an alternative continuation of the
   * target's token length (a string, string[] one per input, token ids, or tokenizer output), aligned token by token.
   */
  contrast?: ExplainContrast;
  /**
   * Attribute f(logits) of each row's distribution instead of the target's score: `entropy()`, `klToReference()`
   * or a user function (see attributed-function.ts). Not with `contrast`; `inferenceMode` does not apply.
   */
  attributedFunction?: AttributedFunction;
  /** Generation: how many most probable tokens each step score lists (`stepScores[i].topK`, default 5). */
  topK?: number;
  /**
   * Generation, targets (and contrast) given as text: encode them exactly as given. By default they are read as
   * the continuation of their prompt, as Interpreto does: " I am fine" after a prompt that does not end in
   * whitespace, for tokenizers that carry the space in the word's first token (byte-level BPE, SentencePiece).
   */
  targetsAsGiven?: boolean;
  /**
   * Custom units, one list of spans per input (a single input may give its list alone): `{ start, end }` character
   * ranges of the input text (end exclusive) or `{ tokens: [...] }` positions in the explained ids. Each span is one
   * unit; tokens no span covers keep their granularity unit. Generation: spans lie in the prompt. See
   * granularity/custom-units.ts for the rules (whole tokens, no overlap, no special token).
   */
  units?: UnitsOption;
}

export type IdsLike = { readonly dims: number[]; readonly data: ArrayLike<number | bigint> } | number[] | number[][];
export type TokenizedInput = { input_ids: IdsLike; attention_mask?: IdsLike } | HfEncoding;
export type ExplainInputs = string | string[] | TokenizedInput;
export type ExplainTargets = number | number[] | number[][] | string | string[] | TokenizedInput;
export type ExplainContrast = number | number[] | number[][] | string | string[] | TokenizedInput;

export interface ResolvedCommon {
  batchSize: number;
  granularity: Granularity;
  granularityAggregationStrategy: GranularityAggregationStrategy;
  inferenceMode: InferenceModes;
  seed: number;
  sessionOptions: SessionOptions;
}

/** Why an unknown option name is unknown here, where more can be said than "did you mean". */
function unknownOptionHint(owner: string, name: string): string | undefined {
  const takers = methodsTaking(name);
  if (takers.length) return `${name} is an option of ${takers.join(', ')}, not of ${owner}.`;
  if (name === 'device') return 'The explainer runs where the model was loaded: pass { device } to from_pretrained.';
  return undefined;
}

/**
 * Checks a constructor's options against the method's registry entry: unknown names (with the nearest valid one)
 * and bad values are an InputError. A subclass outside the registry gets its common options checked only.
 */
export function validateExplainerOptions(methodName: string, options: unknown): void {
  const entry = (METHOD_SCHEMAS as Readonly<Record<string, MethodSchema | undefined>>)[methodName];
  if (entry) {
    validateOptions(methodName, entry.options, options, (name) => unknownOptionHint(methodName, name));
  } else if (options && typeof options === 'object') {
    const known = Object.fromEntries(Object.entries(options).filter(([k]) => Object.hasOwn(COMMON_OPTIONS, k)));
    validateOptions(methodName, COMMON_OPTIONS, known);
  }
}

/** Checks the third argument of `explain` (signal, onProgress, generation and its lengths, contrast's form). */
export function validateExplainOptions(methodName: string, options: unknown): void {
  validateOptions(`${methodName}.explain`, EXPLAIN_OPTIONS, options);
  const o = options as ExplainOptions | undefined;
  if (o?.attributedFunction !== undefined && o.contrast !== undefined) {
    throw new InputError(
      `${methodName}.explain: give contrast or attributedFunction, not both (a contrast is a difference of target ` +
        'scores; an attributed function scores the whole distribution).',
    );
  }
}

/** The common options with their registry defaults (values already validated). */
export function resolveCommon(o: CommonExplainerOptions): ResolvedCommon {
  const c = COMMON_OPTIONS;
  return {
    batchSize: o.batchSize ?? c.batchSize.default,
    granularity: o.granularity ?? c.granularity.default,
    granularityAggregationStrategy: o.granularityAggregationStrategy ?? c.granularityAggregationStrategy.default,
    inferenceMode: o.inferenceMode ?? c.inferenceMode.default,
    seed: o.seed ?? c.seed.default,
    sessionOptions: o.sessionOptions ?? {},
  };
}
