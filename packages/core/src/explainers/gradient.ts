/**
 * Gradient-based explainers (docs/spec.md §2): Saliency, IntegratedGradients, SmoothGrad, SquareGrad, VarGrad,
 * GradientShap. Each plans sample points around the input's word embeddings (seeded per input); every
 * (input, target row, sample) is one row of the gradient model, packed into batches of `batchSize`.
 * Each row differentiates the target's logit after the inference mode (logit, probability or log-probability),
 * computed inside the gradient model from the target and the mode given as inputs (model/gradient.ts): one model
 * call per batch in every mode. A contrastive row differentiates the difference of the target's and the contrast's
 * scores: one backward per row, as without a contrast.
 * Token scores are pooled into units with the granularity aggregation strategy.
 *
 * Exports: the six classes, their option types, `GradientExplainer`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import {
  addGaussianNoise,
  aggregateNoisyScores,
  baselineEmbeddings,
  createRng,
  gradientShapSamples,
  integratedGradientsScores,
  interpolate,
  poolTokensToUnits,
  tokenScores,
  trapezoidAlphas,
  type NoiseAggregation,
  type Rng,
  type TokenReduction,
} from '../math/index.ts';
import { InputError } from '../model/adapter.ts';
import type { GradientResult, GradientRow } from '../model/gradient.ts';
import { throwIfAborted } from './abort.ts';
import { AttributionExplainer, type AttributeContext, type AttributeResult } from './base.ts';
import { referenceLogits, type ReferenceLogits } from './step-scores.ts';
import type { CommonExplainerOptions } from './options.ts';
import { METHOD_SCHEMAS } from '../registry/methods.ts';
import type { PreparedItem } from './prepare.ts';

export interface GradientExplainerOptions extends CommonExplainerOptions {
  /** Multiply the gradient by the (perturbed) input before the |.| mean (default true). */
  inputXGradient?: boolean;
  /** 'mean' (default): mean over hidden of |g x~|, >= 0; 'sum': signed sum over hidden of g (x - baseline). */
  tokenReduction?: TokenReduction;
}

interface SamplePlan {
  points: Float32Array[];
  /** Token scores [seq] from the gradients at `points`. */
  reduce(grads: Float32Array[]): Float64Array;
}

interface Job {
  item: number;
  row: number;
  sample: number;
}

export abstract class GradientExplainer extends AttributionExplainer {
  protected readonly inputXGradient: boolean;
  protected readonly tokenReduction: TokenReduction;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: GradientExplainerOptions = {}) {
    super(model, tokenizer, options); // validates every option against the registry
    const d = METHOD_SCHEMAS.Saliency.options;
    this.inputXGradient = options.inputXGradient ?? d.inputXGradient.default;
    this.tokenReduction = options.tokenReduction ?? d.tokenReduction.default;
  }

  protected abstract plan(x: Float32Array, seq: number, hidden: number, rng: Rng): SamplePlan;

  protected async attribute(items: PreparedItem[], ctx: AttributeContext): Promise<AttributeResult> {
    const runner = await this.adapter.gradients(this.common.sessionOptions);
    throwIfAborted(ctx.signal);
    const H = runner.hiddenSize;
    const xs = items.map((item) => runner.embed(item.ids));
    const plans = items.map((item, i) => this.plan(xs[i]!, item.ids.length, H, createRng(this.common.seed, i)));
    const jobs: Job[] = [];
    items.forEach((item, i) =>
      item.targets.forEach((_, r) => plans[i]!.points.forEach((_, k) => jobs.push({ item: i, row: r, sample: k }))),
    );
    const grads: Float32Array[][][] = items.map((item, i) =>
      item.targets.map(() => new Array<Float32Array>(plans[i]!.points.length)),
    );
    const mode = this.common.inferenceMode;
    const width = this.adapter.task === 'generation' ? runner.vocabSize : this.adapter.nClasses;
    // The unperturbed logits of each item: from a sample point that is the input itself (Saliency), else from a
    // forward-only row carried in the batch of the item's first job (one row more, no extra model call).
    const refSample = plans.map((p, i) => p.points.indexOf(xs[i]!));
    const reference: ReferenceLogits[] = new Array(items.length);
    const batches: Job[][] = [];
    for (let start = 0; start < jobs.length; start += this.common.batchSize) {
      batches.push(jobs.slice(start, start + this.common.batchSize));
    }
    const extras: Job[][] = batches.map(() => []);
    refSample.forEach((k, i) => {
      if (k < 0) extras[batches.findIndex((b) => b.some((j) => j.item === i))]!.push({ item: i, row: -1, sample: -1 });
    });
    const isReference = (j: Job) => j.sample < 0 || (j.sample === refSample[j.item] && j.row === 0);
    // Generation: a reference row also returns the logits at every target position of its item, after its own.
    const rowOf = (j: Job): GradientRow => {
      const item = items[j.item]!;
      const position = item.positions?.[Math.max(j.row, 0)];
      const row: GradientRow = {
        ids: item.ids,
        embeds: j.sample < 0 ? xs[j.item]! : plans[j.item]!.points[j.sample]!,
        target: j.sample < 0 ? undefined : { index: item.targets[j.row]!, contrast: item.contrasts?.[j.row], position },
      };
      if (position !== undefined) row.positions = isReference(j) ? [position, ...item.positions!] : [position];
      return row;
    };
    const keepReference = (batch: Job[], results: GradientResult[]) =>
      batch.forEach((j, b) => {
        if (!isReference(j)) return;
        const item = items[j.item]!;
        // Generation logits are [1 + targets, vocab]: the item's positions start at the second slot.
        reference[j.item] = item.positions
          ? referenceLogits(
              results[b]!.logits,
              width,
              width,
              item.positions.map((_, r) => r),
            )
          : referenceLogits(results[b]!.logits, width, 0, undefined);
      });
    ctx.progress.add(jobs.length);
    for (const [bi, batch] of batches.entries()) {
      throwIfAborted(ctx.signal);
      const withExtras = [...batch, ...extras[bi]!];
      const results = await runner.run(withExtras.map(rowOf), mode);
      keepReference(withExtras, results);
      batch.forEach((j, b) => {
        grads[j.item]![j.row]![j.sample] = results[b]!.grad;
      });
      ctx.progress.step(batch.length);
    }
    throwIfAborted(ctx.signal);
    const rows = items.map((item, i) =>
      item.targets.map((_, r) =>
        poolTokensToUnits(plans[i]!.reduce(grads[i]![r]!), item.units, this.common.granularityAggregationStrategy),
      ),
    );
    return { rows, device: runner.device, reference };
  }

  protected scores(
    g: Float32Array,
    x: Float32Array,
    seq: number,
    hidden: number,
    baseline?: Float32Array,
  ): Float64Array {
    return tokenScores(g, x, seq, hidden, {
      inputXGradient: this.inputXGradient,
      tokenReduction: this.tokenReduction,
      baseline,
    });
  }
}

/** One gradient at the input embeddings. */
export class Saliency extends GradientExplainer {
  static override readonly methodName = 'Saliency';
  protected plan(x: Float32Array, seq: number, hidden: number): SamplePlan {
    return { points: [x], reduce: (g) => this.scores(g[0]!, x, seq, hidden) };
  }
}

export type Baseline = number | number[] | number[][] | Float32Array;

function baselineOf(b: Baseline, seq: number, hidden: number): Float32Array {
  if (Array.isArray(b) && Array.isArray(b[0])) {
    const rows = b as number[][];
    if (rows.length !== seq || rows.some((r) => r.length !== hidden)) {
      throw new InputError(
        `baseline must be a number or a [seq, hidden] = [${seq}, ${hidden}] array (got [${rows.length}, ${rows[0]?.length}]).`,
      );
    }
    return Float32Array.from(rows.flat());
  }
  try {
    return baselineEmbeddings(b as number | ArrayLike<number>, seq, hidden);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

export interface IntegratedGradientsOptions extends GradientExplainerOptions {
  /** Points on the path, both end points included (default 10). */
  nInterpolations?: number;
  /** Default 1e-6 everywhere; a number, or a [seq, hidden] array. */
  baseline?: Baseline;
}

export class IntegratedGradients extends GradientExplainer {
  static override readonly methodName = 'IntegratedGradients';
  private readonly n: number;
  private readonly baseline: Baseline;
  constructor(model: ModelLike, tokenizer: TokenizerLike, options: IntegratedGradientsOptions = {}) {
    super(model, tokenizer, options);
    const d = METHOD_SCHEMAS.IntegratedGradients.options;
    this.n = options.nInterpolations ?? d.nInterpolations.default;
    this.baseline = options.baseline ?? d.baseline.default;
  }
  protected plan(x: Float32Array, seq: number, hidden: number): SamplePlan {
    const base = baselineOf(this.baseline, seq, hidden);
    const { alphas } = trapezoidAlphas(this.n);
    const points = Array.from(alphas, (a) => interpolate(base, x, a));
    return {
      points,
      reduce: (g) =>
        integratedGradientsScores(g, x, base, seq, hidden, {
          tokenReduction: this.tokenReduction,
          inputXGradient: this.inputXGradient,
          points,
        }),
    };
  }
}

export interface NoiseOptions extends GradientExplainerOptions {
  nPerturbations?: number;
  noiseStd?: number;
}

interface NoiseSettings {
  n: number;
  noiseStd: number;
}

/** Samples and noise level of the noisy methods and GradientShap, registry defaults (values already validated). */
function noiseSettings(options: NoiseOptions, method: 'SmoothGrad' | 'GradientShap'): NoiseSettings {
  const d = METHOD_SCHEMAS[method].options;
  return { n: options.nPerturbations ?? d.nPerturbations.default, noiseStd: options.noiseStd ?? d.noiseStd.default };
}

abstract class NoisyGradientExplainer extends GradientExplainer {
  protected abstract readonly aggregation: NoiseAggregation;
  private readonly noise: NoiseSettings;
  constructor(model: ModelLike, tokenizer: TokenizerLike, options: NoiseOptions = {}) {
    super(model, tokenizer, options);
    this.noise = noiseSettings(options, 'SmoothGrad');
  }
  protected plan(x: Float32Array, seq: number, hidden: number, rng: Rng): SamplePlan {
    const points = Array.from({ length: this.noise.n }, () => addGaussianNoise(x, this.noise.noiseStd, rng));
    return {
      points,
      reduce: (g) =>
        aggregateNoisyScores(
          g.map((gk, k) => this.scores(gk, points[k]!, seq, hidden)),
          this.aggregation,
        ),
    };
  }
}

/** Mean of the per-token scores over Gaussian-noised embeddings. */
export class SmoothGrad extends NoisyGradientExplainer {
  static override readonly methodName = 'SmoothGrad';
  protected readonly aggregation = 'mean' as const;
}

/** Mean of the squared per-token scores. */
export class SquareGrad extends NoisyGradientExplainer {
  static override readonly methodName = 'SquareGrad';
  protected readonly aggregation = 'squareMean' as const;
}

/** Unbiased variance of the per-token scores. */
export class VarGrad extends NoisyGradientExplainer {
  static override readonly methodName = 'VarGrad';
  protected readonly aggregation = 'variance' as const;
}

export interface GradientShapOptions extends NoiseOptions {
  baseline?: Baseline;
}

/** alpha ~ U(0,1) per sample, noise on the baseline; mean of the per-token scores. */
export class GradientShap extends GradientExplainer {
  static override readonly methodName = 'GradientShap';
  private readonly noise: NoiseSettings;
  private readonly baseline: Baseline;
  constructor(model: ModelLike, tokenizer: TokenizerLike, options: GradientShapOptions = {}) {
    super(model, tokenizer, options);
    this.noise = noiseSettings(options, 'GradientShap');
    this.baseline = options.baseline ?? METHOD_SCHEMAS.GradientShap.options.baseline.default;
  }
  protected plan(x: Float32Array, seq: number, hidden: number, rng: Rng): SamplePlan {
    const samples = gradientShapSamples(
      this.noise.n,
      x,
      baselineOf(this.baseline, seq, hidden),
      this.noise.noiseStd,
      rng,
    );
    return {
      points: samples.map((s) => s.point),
      // 'sum': g (x - baseline'), expected-gradients style; 'mean': |g x~| at the sample point.
      reduce: (g) =>
        aggregateNoisyScores(
          g.map((gk, k) =>
            this.tokenReduction === 'sum'
              ? tokenScores(gk, x, seq, hidden, { tokenReduction: 'sum', baseline: samples[k]!.baseline })
              : this.scores(gk, samples[k]!.point, seq, hidden),
          ),
          'mean',
        ),
    };
  }
}
