/**
 * Options shared by every explainer and by each `explain` call.
 *
 * Exports: `CommonExplainerOptions`, `ExplainOptions`, `GenerationOptions`, `ExplainInputs`, `ExplainTargets`,
 * `resolveCommon(options)`.
 */
import { Granularity, GranularityAggregationStrategy, InferenceModes } from '../types.ts';
import type { ModelSource } from '../model/source.ts';
import type { HfEncoding } from '../model/types.ts';
import { InputError } from '../model/adapter.ts';

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
}

export interface GenerationOptions {
  max_new_tokens?: number;
  max_length?: number;
}

export interface ExplainOptions {
  signal?: AbortSignal;
  /** Called after every model batch with (done, total) model rows. */
  onProgress?: (done: number, total: number) => void;
  /** Generation models, targets omitted: how long to generate (as transformers.js `generate`). */
  generation?: GenerationOptions;
}

export type IdsLike = { readonly dims: number[]; readonly data: ArrayLike<number | bigint> } | number[] | number[][];
export type TokenizedInput = { input_ids: IdsLike; attention_mask?: IdsLike } | HfEncoding;
export type ExplainInputs = string | string[] | TokenizedInput;
export type ExplainTargets = number | number[] | number[][] | string | string[] | TokenizedInput;

export interface ResolvedCommon {
  batchSize: number;
  granularity: Granularity;
  granularityAggregationStrategy: GranularityAggregationStrategy;
  inferenceMode: InferenceModes;
  seed: number;
}

function checkEnum<T extends string>(name: string, value: T, values: Record<string, string>): T {
  if (!Object.values(values).includes(value)) {
    throw new InputError(`Unknown ${name} '${String(value)}'; use one of ${Object.values(values).join(', ')}.`);
  }
  return value;
}

export function resolveCommon(o: CommonExplainerOptions): ResolvedCommon {
  const batchSize = o.batchSize ?? 4;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batchSize must be an integer >= 1 (got ${batchSize}).`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be an integer (got ${seed}).`);
  return {
    batchSize,
    granularity: checkEnum('granularity', o.granularity ?? Granularity.WORD, Granularity),
    granularityAggregationStrategy: checkEnum(
      'granularityAggregationStrategy',
      o.granularityAggregationStrategy ?? GranularityAggregationStrategy.MEAN,
      GranularityAggregationStrategy,
    ),
    inferenceMode: checkEnum('inferenceMode', o.inferenceMode ?? InferenceModes.LOGITS, InferenceModes),
    seed,
  };
}

export function checkPositiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new InputError(`${name} must be an integer >= ${min} (got ${v}).`);
  return v;
}

export function checkPositive(name: string, v: number): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new InputError(`${name} must be a finite number >= 0 (got ${v}).`);
  return v;
}
