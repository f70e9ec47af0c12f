/**
 * The explainer base: `new X(model, tokenizer, options)` and `explain(inputs, targets?, options?)`.
 * Subclasses implement `attribute`: one row of unit scores per target row (class, or target token for
 * generation), and the logits of each unperturbed input (taken from a row they already run, or carried in one of
 * their batches: never an extra model call). The base pools generation rows into target units, marks the
 * undefined cells NaN, and adds the step scores / class probabilities read from those logits. Methods whose
 * pooling into units is post-hoc (`posthocPooling`) also return their token-level rows; outputs then keep them
 * with the units at every granularity (`tokenLevel`, for `reaggregate`).
 *
 * Exports: `AttributionExplainer`, `ItemRows`, `AttributeResult`, `AttributeContext`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import type { AttributionOutput, Granularity, GranularityUnits, SamplingInfo } from '../types.ts';
import type { PartialAttribution, StopWhen } from './anytime.ts';
import type { AttributedFunction } from './attributed-function.ts';
import { attributionMatrix } from '../results/pool.ts';
import { ModelAdapter } from '../model/adapter.ts';
import { deviceNotice } from '../runtime/half-precision.ts';
import { throwIfAborted } from './abort.ts';
import { prepareItems, type PreparedItem } from './prepare.ts';
import { Progress } from './progress.ts';
import { stepScoreFields, type ReferenceLogits } from './step-scores.ts';
import { EXPLAIN_OPTIONS } from '../registry/methods.ts';
import {
  resolveCommon,
  validateExplainOptions,
  validateExplainerOptions,
  type CommonExplainerOptions,
  type ExplainInputs,
  type ExplainOptions,
  type ExplainTargets,
  type ResolvedCommon,
} from './options.ts';

/** Per target row, one score per unit (column). */
export type ItemRows = Float64Array[];

export interface AttributeResult {
  rows: ItemRows[];
  /** Methods with post-hoc pooling: per item, per target row, one score per token (before pooling). */
  tokenRows?: Float64Array[][];
  device: string;
  /** Per item, the logits of its unperturbed sequence (see step-scores.ts). */
  reference: ReferenceLogits[];
  /** Sampling methods: per item, the samples used and the convergence. */
  sampling?: (SamplingInfo | undefined)[];
}

export interface AttributeContext {
  signal?: AbortSignal;
  progress: Progress;
  stopWhen?: StopWhen;
  /** Score each row with this function of its distribution instead of the target's score. */
  attributedFunction?: AttributedFunction;
  /** The partial result of item i from its current rows (as `explain` would return it), for `onProgress`. */
  partial(
    i: number,
    rows: ItemRows,
    reference: ReferenceLogits,
    device: string,
    sampling: SamplingInfo,
  ): PartialAttribution;
}

export abstract class AttributionExplainer {
  protected readonly adapter: ModelAdapter;
  protected readonly common: ResolvedCommon;
  /** The method's name in the registry (its options are validated against that entry) and in each output's `method`. */
  static readonly methodName: string = 'AttributionExplainer';
  /** Whether `attribute` pools token scores into units after the fact (then it returns `tokenRows`). */
  protected readonly posthocPooling: boolean = false;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: CommonExplainerOptions = {}) {
    validateExplainerOptions((new.target as typeof AttributionExplainer).methodName, options);
    this.common = resolveCommon(options);
    this.adapter = ModelAdapter.for(model, tokenizer, {
      replaceTokenId: options.replaceTokenId,
      modelSource: options.modelSource,
    });
  }

  /** The task read from the model. */
  get modelTask(): 'classification' | 'generation' {
    return this.adapter.task;
  }

  async explain(
    inputs: ExplainInputs,
    targets?: ExplainTargets,
    options: ExplainOptions = {},
  ): Promise<AttributionOutput[]> {
    validateExplainOptions(this.methodName, options);
    throwIfAborted(options.signal);
    const items = await prepareItems(this.adapter, inputs, targets, this.common, options, {
      allGranularities: this.posthocPooling,
    });
    const topK = options.topK ?? EXPLAIN_OPTIONS.topK.default;
    const fn = options.attributedFunction;
    const ctx: AttributeContext = {
      signal: options.signal,
      progress: new Progress(options.onProgress),
      stopWhen: options.stopWhen,
      attributedFunction: fn,
      partial: (i, rows, reference, device, sampling) => ({
        index: i,
        output: {
          ...this.output(items[i]!, rows, device, fn),
          ...stepScoreFields(this.adapter, items[i]!, reference, topK),
          sampling,
        },
      }),
    };
    const { rows, tokenRows, device, reference, sampling } = await this.attribute(items, ctx);
    return items.map((item, i) => {
      const out: AttributionOutput = {
        ...this.output(item, rows[i]!, device, fn),
        ...stepScoreFields(this.adapter, item, reference[i]!, topK),
        ...(sampling?.[i] ? { sampling: sampling[i] } : {}),
      };
      const units = item.unitsByGranularity as Record<Granularity, GranularityUnits> | undefined;
      if (tokenRows && units) out.tokenLevel = { scores: tokenRows[i]!.map((r) => Array.from(r)), units };
      return out;
    });
  }

  protected get methodName(): string {
    return (this.constructor as typeof AttributionExplainer).methodName;
  }

  protected abstract attribute(items: PreparedItem[], ctx: AttributeContext): Promise<AttributeResult>;

  /** What the output records of how units were removed (perturbation methods' baseline). */
  protected baselineFields(): Pick<AttributionOutput, 'baseline'> {
    return {};
  }

  /** The token id the output records as replacing units (`inputs.replaceTokenId`). */
  protected get recordedReplaceTokenId(): number {
    return this.adapter.replaceTokenId;
  }

  /** True when the method's scores are magnitudes (>= 0 by construction, no sign): the output says so (`unsigned`). */
  protected get unsignedScores(): boolean {
    return false;
  }

  private output(item: PreparedItem, rows: ItemRows, device: string, fn?: AttributedFunction): AttributionOutput {
    const a = this.adapter;
    const c = this.common;
    const target =
      a.task === 'generation'
        ? { targetUnitRows: item.targetUnitRows!, firstTargetUnit: item.firstTargetUnit! }
        : undefined;
    const attributions = attributionMatrix(rows, c.granularityAggregationStrategy, target);
    const targetUnitTokens = target?.targetUnitRows.map((g) => g.map((j) => item.promptLength! + j));
    const notice = deviceNotice(a.device, device, a.modelDtype);
    const out: AttributionOutput = {
      attributions,
      elements: item.elements,
      spaceBefore: [...item.spaceBefore],
      targets: [...item.targets],
      ...(item.contrasts ? { contrast: [...item.contrasts] } : {}),
      ...(fn ? { attributedFunction: fn.name } : {}),
      modelTask: a.task,
      granularity: c.granularity,
      ...(item.customUnits ? { customUnits: true } : {}),
      granularityAggregationStrategy: c.granularityAggregationStrategy,
      inferenceMode: c.inferenceMode,
      method: this.methodName,
      ...(this.unsignedScores ? { unsigned: true } : {}),
      ...this.baselineFields(),
      device,
      ...(notice ? { deviceNotice: notice } : {}),
      ...(a.modelDtype ? { modelDtype: a.modelDtype } : {}),
      inputs: {
        inputIds: [...item.ids],
        attentionMask: item.ids.map(() => 1),
        units: item.units,
        replaceTokenId: this.recordedReplaceTokenId,
        ...(a.task === 'generation' ? { promptLength: item.promptLength, targetUnitTokens } : {}),
      },
    };
    if (a.classes) out.classes = a.classes;
    if (item.truncated) out.truncated = true;
    return out;
  }
}
