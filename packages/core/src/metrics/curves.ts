/**
 * Faithfulness metrics built on perturbation curves (docs/spec.md §5): Insertion, Deletion, and the AOPC
 * comprehensiveness / sufficiency scores. Always on softmax probabilities. Units are ranked by attribution
 * (descending, NaN cells left out); N = ceil(G * maxPercentagePerturbed), P = min(nPerturbations, N) + 1 steps
 * at floor(linspace(0, N, P)). Deletion replaces the top-s units of the input; Insertion starts from every
 * ranked unit replaced and restores the top-s. Generation: for target unit r, the sequence is cut after that
 * unit and the curve pools the probabilities of the unit's tokens (teacher-forced) with the output's
 * `granularityAggregationStrategy`, as Interpreto does (MEAN: their mean; MAX: the most probable one; ...).
 *
 * Exports: `Insertion`, `Deletion`, `AOPCComprehensiveness`, `AOPCSufficiency`, `MetricOptions`,
 * `MetricEvaluateOptions`, `CurveMetricResult`, `AopcResult`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import {
  aggregate,
  aopcComprehensiveness,
  aopcSufficiency,
  curveAuc,
  deletionMasks,
  insertionMasks,
  perturbationSteps,
  rankUnits,
} from '../math/index.ts';
import { GranularityAggregationStrategy, InferenceModes, type AttributionOutput } from '../types.ts';
import { InputError, ModelAdapter } from '../model/adapter.ts';
import { throwIfAborted } from '../explainers/abort.ts';
import { Progress } from '../explainers/progress.ts';
import { scoreMasks, type ScoreJob } from '../explainers/scoring.ts';
import { METRIC_EVALUATE_OPTIONS, METRIC_OPTIONS } from '../registry/methods.ts';
import { validateOptions } from '../registry/schema.ts';

export interface MetricOptions {
  batchSize?: number;
  /** Most curve steps (default 100). */
  nPerturbations?: number;
  /** Fraction of the ranked units perturbed at the last step (default 1). */
  maxPercentagePerturbed?: number;
}

export interface MetricEvaluateOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface CurveMetricResult {
  /** Mean over target rows, then over inputs, of the curve's trapezoid area / (P - 1). */
  auc: number;
  /** [input][target row][step]: target probability at each step. */
  detailedScores: number[][][];
}

export interface AopcResult {
  aopc: number;
  detailedScores: number[][][];
}

interface RowPlan {
  job: ScoreJob;
  /** How the job's target scores (a generation unit's tokens; one class otherwise) pool into the curve value. */
  strategy: GranularityAggregationStrategy;
}

type Kind = 'deletion' | 'insertion';

abstract class CurveMetric {
  /** Name in error messages (class names do not survive minification). */
  static readonly metricName: string = 'metric';
  protected readonly adapter: ModelAdapter;
  protected readonly batchSize: number;
  protected readonly nPerturbations: number;
  protected readonly maxPercentagePerturbed: number;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: MetricOptions = {}) {
    validateOptions((new.target as typeof CurveMetric).metricName, METRIC_OPTIONS, options);
    this.adapter = ModelAdapter.for(model, tokenizer);
    this.batchSize = options.batchSize ?? METRIC_OPTIONS.batchSize.default;
    this.nPerturbations = options.nPerturbations ?? METRIC_OPTIONS.nPerturbations.default;
    this.maxPercentagePerturbed = options.maxPercentagePerturbed ?? METRIC_OPTIONS.maxPercentagePerturbed.default;
  }

  protected get metricName(): string {
    return (this.constructor as typeof CurveMetric).metricName;
  }

  private plans(out: AttributionOutput, kind: Kind, withOriginal: boolean): RowPlan[] {
    if (out.modelTask !== this.adapter.task) {
      throw new InputError(
        `These attributions are for a ${out.modelTask} model but the metric's model does ${this.adapter.task}.`,
      );
    }
    if (!Object.values(GranularityAggregationStrategy).includes(out.granularityAggregationStrategy)) {
      throw new InputError(
        `Unknown granularityAggregationStrategy ${String(out.granularityAggregationStrategy)} in these attributions; ` +
          `use one of ${Object.values(GranularityAggregationStrategy).join(', ')}.`,
      );
    }
    const { inputIds, units, replaceTokenId } = out.inputs;
    const G = units.nUnits;
    if (out.attributions.some((row) => row.length !== G))
      throw new InputError('Each attribution row must have one value per unit (inputs.units.nUnits).');
    return out.attributions.map((row, r) => {
      const ranking = rankUnits(row);
      const steps = perturbationSteps(ranking.length, {
        nPerturbations: this.nPerturbations,
        maxPercentagePerturbed: this.maxPercentagePerturbed,
      });
      const masks = kind === 'deletion' ? deletionMasks(ranking, G, steps) : insertionMasks(ranking, G, steps);
      if (withOriginal) masks.push(new Uint8Array(G));
      if (out.modelTask === 'classification') {
        return {
          job: { ids: inputIds, unitOfToken: units.unitOfToken, replaceTokenId, targets: [out.targets[r]!], masks },
          strategy: out.granularityAggregationStrategy,
        };
      }
      const tokens = out.inputs.targetUnitTokens?.[r];
      if (!tokens?.length) throw new InputError(`Generation attributions need inputs.targetUnitTokens for row ${r}.`);
      const end = Math.max(...tokens) + 1; // cut after the unit
      return {
        job: {
          ids: inputIds.slice(0, end),
          unitOfToken: units.unitOfToken.slice(0, end),
          replaceTokenId,
          targets: tokens.map((p) => inputIds[p]!),
          positions: tokens.map((p) => p - 1),
          masks,
        },
        strategy: out.granularityAggregationStrategy,
      };
    });
  }

  protected async curves(
    attributions: AttributionOutput | AttributionOutput[],
    kind: Kind,
    withOriginal: boolean,
    options: MetricEvaluateOptions,
  ): Promise<number[][][]> {
    validateOptions(`${this.metricName}.evaluate`, METRIC_EVALUATE_OPTIONS, options);
    const outputs = Array.isArray(attributions) ? attributions : [attributions];
    if (outputs.length === 0) throw new InputError('No attributions to evaluate.');
    throwIfAborted(options.signal);
    const plans = outputs.map((o) => this.plans(o, kind, withOriginal));
    const flat = plans.flat();
    const scores = await scoreMasks(
      this.adapter,
      flat.map((p) => p.job),
      {
        batchSize: this.batchSize,
        inferenceMode: InferenceModes.SOFTMAX,
        signal: options.signal,
        progress: new Progress(options.onProgress),
      },
    );
    let k = 0;
    return plans.map((rows) => rows.map((p) => scores[k++]!.map((s) => aggregate(s, p.strategy))));
  }
}

function meanOfMeans(values: number[][]): number {
  const perInput = values.map((rows) => rows.reduce((a, b) => a + b, 0) / rows.length);
  return perInput.reduce((a, b) => a + b, 0) / perInput.length;
}

abstract class AucMetric extends CurveMetric {
  protected abstract readonly kind: Kind;
  async evaluate(
    attributions: AttributionOutput | AttributionOutput[],
    options: MetricEvaluateOptions = {},
  ): Promise<CurveMetricResult> {
    const detailedScores = await this.curves(attributions, this.kind, false, options);
    return { auc: meanOfMeans(detailedScores.map((rows) => rows.map(curveAuc))), detailedScores };
  }
}

/** Starts from the input and replaces the top-s units: lower is better. */
export class Deletion extends AucMetric {
  static override readonly metricName = 'Deletion';
  protected readonly kind = 'deletion' as const;
}

/** Starts from every unit replaced and restores the top-s units: higher is better. */
export class Insertion extends AucMetric {
  static override readonly metricName = 'Insertion';
  protected readonly kind = 'insertion' as const;
}

/** AOPC comprehensiveness: mean over steps of f(x) - f(x without the top-s units); higher is better. */
export class AOPCComprehensiveness extends CurveMetric {
  static override readonly metricName = 'AOPCComprehensiveness';
  async evaluate(
    attributions: AttributionOutput | AttributionOutput[],
    options: MetricEvaluateOptions = {},
  ): Promise<AopcResult> {
    const detailedScores = await this.curves(attributions, 'deletion', false, options);
    return { aopc: meanOfMeans(detailedScores.map((rows) => rows.map(aopcComprehensiveness))), detailedScores };
  }
}

/** AOPC sufficiency: mean over steps of f(x) - f(only the top-s units kept); lower is better. */
export class AOPCSufficiency extends CurveMetric {
  static override readonly metricName = 'AOPCSufficiency';
  async evaluate(
    attributions: AttributionOutput | AttributionOutput[],
    options: MetricEvaluateOptions = {},
  ): Promise<AopcResult> {
    const withOriginal = await this.curves(attributions, 'insertion', true, options);
    // the last row of each curve is f(x) itself (an all-kept mask)
    const detailedScores = withOriginal.map((rows) => rows.map((c) => c.slice(0, -1)));
    const aopc = meanOfMeans(
      withOriginal.map((rows) => rows.map((c) => aopcSufficiency(c[c.length - 1]!, c.slice(0, -1)))),
    );
    return { aopc, detailedScores };
  }
}
