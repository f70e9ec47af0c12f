/**
 * Gradient-based explainers (docs/spec.md §2): Saliency, IntegratedGradients, SmoothGrad, SquareGrad, VarGrad,
 * GradientShap. Each draws sample points around the input's word embeddings on demand (seeded per input, the
 * same draws in the same order as drawing them all first); every (input, sample, target row) is one row of the
 * gradient model, packed into batches of `batchSize` in that order, and each gradient is reduced to token scores
 * and accumulated at once (memory O(batch)). The sampling methods report their running standard error after each
 * completed sample (anytime partial results, `stopWhen`; see anytime.ts).
 * Each row differentiates the target's logit after the inference mode (logit, probability or log-probability),
 * computed inside the gradient model from the target and the mode given as inputs (model/gradient.ts): one model
 * call per batch in every mode. A contrastive row differentiates the difference of the target's and the contrast's
 * scores: one backward per row, as without a contrast. An attributed function f (explain option) is differentiated
 * through its closed-form gradient on the logits, used as the seed (see `functionGradients`).
 * Token scores are pooled into units with the granularity aggregation strategy; being post-hoc, that pooling
 * can be redone without the model (the token scores are returned too, see results/reaggregate.ts).
 *
 * Exports: the six classes, their option types, `GradientExplainer`, `SampleStream`, `SamplePoint`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import {
  addGaussianNoise,
  baselineEmbeddings,
  createRng,
  gradientShapSample,
  interpolate,
  NoisyScoreAccumulator,
  poolTokensToUnits,
  tokenScores,
  type NoiseAggregation,
  type Rng,
  type TokenReduction,
} from '../math/index.ts';
import { defaultMinSamples, stopWhenMet, type PartialAttribution } from './anytime.ts';
import { InputError } from '../model/adapter.ts';
import type { GradientResult, GradientRow, GradientRunner } from '../model/gradient.ts';
import { InferenceModes, type SamplingInfo } from '../types.ts';
import {
  gradientWith,
  logProbabilityWeightsWith,
  type AttributedFunction,
  type AttributedFunctionContext,
} from './attributed-function.ts';
import { throwIfAborted, yieldToEvents } from './abort.ts';
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

/** One sample point: where the gradient is taken, and what its reduction needs besides the gradient. */
export interface SamplePoint {
  point: Float32Array;
  /** GradientShap: the noisy baseline of this sample. */
  baseline?: Float32Array;
  /** IntegratedGradients: the quadrature weight. */
  weight?: number;
}

/**
 * What a gradient method plans per input: sample points drawn on demand (memory O(batch); an abort acts within one
 * batch), and per target row an accumulator of the token scores of each sample's gradient.
 */
export interface SampleStream {
  /** Samples of the full budget. */
  readonly budget: number;
  /** The next sample point, or undefined when the budget is drawn (or the stream stopped). */
  next(): SamplePoint | undefined;
  /** The gradient of target row r at `sample` (samples in order, per row). */
  add(row: number, sample: SamplePoint, grad: Float32Array): void;
  /** Token scores of target row r from the samples added. */
  estimate(row: number): Float64Array;
  /** Sampling methods only: the largest running standard error of a token score over the rows. */
  standardError?(): number | undefined;
  stop(): void;
}

interface Job {
  item: number;
  row: number;
  /** Sample index within the item; -1 for the forward-only reference row. */
  sample: number;
  point?: SamplePoint;
}

export abstract class GradientExplainer extends AttributionExplainer {
  protected override readonly posthocPooling = true;
  protected readonly inputXGradient: boolean;
  protected readonly tokenReduction: TokenReduction;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: GradientExplainerOptions = {}) {
    super(model, tokenizer, options); // validates every option against the registry
    const d = METHOD_SCHEMAS.Saliency.options;
    this.inputXGradient = options.inputXGradient ?? d.inputXGradient.default;
    this.tokenReduction = options.tokenReduction ?? d.tokenReduction.default;
  }

  protected abstract sampler(x: Float32Array, seq: number, hidden: number, rows: number, rng: Rng): SampleStream;

  // 'mean' takes |g x~| per token: a magnitude with no sign.
  protected override get unsignedScores(): boolean {
    return this.tokenReduction === 'mean';
  }

  /**
   * Jobs in sample-major order: every target row of sample k of an input, then sample k + 1 (each sample point is
   * drawn once and dropped once its rows are done), inputs one after the other, packed into batches of `batchSize`.
   */
  protected async attribute(items: PreparedItem[], ctx: AttributeContext): Promise<AttributeResult> {
    const runner = await this.adapter.gradients(this.common.sessionOptions);
    throwIfAborted(ctx.signal);
    const H = runner.hiddenSize;
    const xs = items.map((item) => runner.embed(item.ids));
    const streams = items.map((item, i) =>
      this.sampler(xs[i]!, item.ids.length, H, item.targets.length, createRng(this.common.seed, i)),
    );
    const sampling = streams.map((s) => s.standardError !== undefined);
    const mins = streams.map((s) => ctx.stopWhen?.minSamples ?? defaultMinSamples('standardError', 0, s.budget));
    const used = items.map(() => 0);
    const stopped = items.map(() => false);
    const convergence: (number | undefined)[] = items.map(() => undefined);
    const mode = this.common.inferenceMode;
    const width = this.adapter.task === 'generation' ? runner.vocabSize : this.adapter.nClasses;
    const reference: ReferenceLogits[] = new Array(items.length);
    const pool = (i: number) =>
      items[i]!.targets.map((_, r) =>
        poolTokensToUnits(streams[i]!.estimate(r), items[i]!.units, this.common.granularityAggregationStrategy),
      );
    // The sample being expanded into rows: its index, point and next row (of input `cur`).
    let cur = 0;
    let open: { sample: number; point: SamplePoint; row: number } | undefined;
    const jobsLeft = () =>
      streams.reduce((n, s, i) => n + (stopped[i] ? 0 : (s.budget - used[i]!) * items[i]!.targets.length), 0) -
      (open ? open.row : 0);
    let planned = jobsLeft();
    ctx.progress.add(planned);
    // Gradients of the sample whose rows are not all in yet: a sample counts (and is added) once complete, so
    // every row's estimate always uses the same samples.
    let pending: { job: Job; grad: Float32Array }[] = [];
    let drawn = 0;
    const started = items.map(() => false);
    const B = this.common.batchSize;
    const fn = ctx.attributedFunction;
    // An attributed function reads each input's reference before its first gradient: one forward-only call per
    // batch of inputs, on the gradient model itself (so f at the input point is evaluated on the very same logits).
    if (fn) await this.gradientReferences(runner, items, xs, width, reference, ctx.signal);
    for (;;) {
      await yieldToEvents(ctx.signal, ctx.stopWhen?.signal);
      throwIfAborted(ctx.signal);
      const batch: Job[] = [];
      const extras: Job[] = [];
      while (batch.length < B && cur < items.length) {
        if (!open) {
          const point = stopped[cur] ? undefined : streams[cur]!.next();
          if (!point) {
            cur++;
            drawn = 0;
            continue;
          }
          open = { sample: drawn++, point, row: 0 };
        }
        if (!started[cur]) {
          started[cur] = true;
          // The unperturbed logits: from a sample point that is the input itself (Saliency), else from a
          // forward-only row carried in the batch of the input's first job (one row more, no extra model call).
          if (open.point.point !== xs[cur] && reference[cur] === undefined)
            extras.push({ item: cur, row: -1, sample: -1 });
        }
        batch.push({ item: cur, row: open.row, sample: open.sample, point: open.point });
        if (++open.row === items[cur]!.targets.length) open = undefined;
      }
      if (batch.length === 0) break;
      // Generation: a reference row also returns the logits at every target position of its input, after its own.
      const isReference = (j: Job) => j.sample < 0 || (j.row === 0 && j.point!.point === xs[j.item]);
      const rowOf = (j: Job): GradientRow => {
        const item = items[j.item]!;
        const position = item.positions?.[Math.max(j.row, 0)];
        const row: GradientRow = {
          ids: item.ids,
          embeds: j.point ? j.point.point : xs[j.item]!,
          target:
            j.sample < 0 ? undefined : { index: item.targets[j.row]!, contrast: item.contrasts?.[j.row], position },
        };
        if (position !== undefined) row.positions = isReference(j) ? [position, ...item.positions!] : [position];
        return row;
      };
      const keepReference = (jobs: Job[], results: GradientResult[]) =>
        jobs.forEach((j, b) => {
          if (reference[j.item] !== undefined || !isReference(j)) return;
          const item = items[j.item]!;
          // Generation logits are [1 + targets, vocab]: the input's positions start at the second slot.
          reference[j.item] = item.positions
            ? referenceLogits(
                results[b]!.logits,
                width,
                width,
                item.positions.map((_, r) => r),
              )
            : referenceLogits(results[b]!.logits, width, 0, undefined);
        });
      const withExtras = [...batch, ...extras];
      const results = fn
        ? await this.functionGradients(runner, fn, batch.map(rowOf), (b) => {
            const j = batch[b]!;
            const item = items[j.item]!;
            return { target: item.targets[j.row]!, reference: reference[j.item]![item.positions ? j.row : 0]! };
          })
        : await runner.run(withExtras.map(rowOf), mode);
      keepReference(withExtras, results);
      const partials: PartialAttribution[] = [];
      const touched = new Set<number>();
      batch.forEach((j, b) => {
        pending.push({ job: j, grad: results[b]!.grad });
        if (j.row === items[j.item]!.targets.length - 1) {
          for (const p of pending) streams[j.item]!.add(p.job.row, p.job.point!, p.grad);
          pending = [];
          used[j.item]!++;
          touched.add(j.item);
        }
      });
      for (const i of touched) {
        if (!sampling[i] || stopped[i] || !(ctx.progress.listening || ctx.stopWhen)) continue;
        convergence[i] = streams[i]!.standardError!();
        const finished = used[i] === streams[i]!.budget;
        if (!finished && stopWhenMet(ctx.stopWhen, convergence[i], used[i]!, mins[i]!)) {
          stopped[i] = true;
          streams[i]!.stop();
        }
        if (ctx.progress.listening) {
          const info = this.samplingInfo(streams[i]!, used[i]!, convergence[i], stopped[i]!);
          info.inProgress = !(finished || stopped[i]);
          partials.push(ctx.partial(i, pool(i), reference[i]!, runner.device, info));
        }
      }
      // A stopped input drops the rows of its open sample that are not in this batch.
      if (open && stopped[cur]) {
        open = undefined;
        pending = [];
      }
      const left = jobsLeft();
      ctx.progress.add(batch.length + left - planned);
      planned = left;
      ctx.progress.step(batch.length, partials);
    }
    throwIfAborted(ctx.signal);
    // Token scores are kept: pooling them is post-hoc, so outputs can be re-pooled without the model.
    const tokenRows = items.map((item, i) => item.targets.map((_, r) => streams[i]!.estimate(r)));
    return {
      rows: items.map((_, i) => pool(i)),
      tokenRows,
      device: runner.device,
      reference,
      sampling: streams.map((s, i) =>
        sampling[i] ? this.samplingInfo(s, used[i]!, convergence[i], stopped[i]!) : undefined,
      ),
    };
  }

  /** Each input's unperturbed logits (at its target positions), from forward-only rows of the gradient model. */
  private async gradientReferences(
    runner: GradientRunner,
    items: PreparedItem[],
    xs: Float32Array[],
    width: number,
    reference: ReferenceLogits[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const B = this.common.batchSize;
    for (let start = 0; start < items.length; start += B) {
      throwIfAborted(signal);
      const chunk = items.slice(start, start + B);
      const rows = chunk.map(
        (item, k): GradientRow => ({ ids: item.ids, embeds: xs[start + k]!, positions: item.positions }),
      );
      const results = await runner.run(rows, this.common.inferenceMode);
      chunk.forEach((item, k) => {
        const logits = results[k]!.logits;
        reference[start + k] = referenceLogits(
          logits,
          width,
          0,
          item.positions?.map((_, r) => r),
        );
      });
    }
  }

  /**
   * Gradients of an attributed function f at each row's point: d f / d embeds = J^T (d f / d logits). With
   * `logProbabilityWeights` (f linear in log p, fixed weights) one call seeds the log-probabilities; otherwise a
   * forward-only call reads the logits at the points, f's closed-form gradient there becomes the seed on the
   * logits, and a second call differentiates (two gradient-model calls per batch).
   */
  private async functionGradients(
    runner: GradientRunner,
    fn: AttributedFunction,
    rows: GradientRow[],
    contextOf: (b: number) => AttributedFunctionContext,
  ): Promise<GradientResult[]> {
    const seeded = (b: number, weights: Float32Array): GradientRow => ({
      ...rows[b]!,
      target: { index: 0, position: rows[b]!.target!.position, weights },
    });
    if (fn.logProbabilityWeights) {
      const weighted = rows.map((_, b) => seeded(b, logProbabilityWeightsWith(fn, contextOf(b))));
      return runner.run(weighted, InferenceModes.LOG_SOFTMAX);
    }
    const forward = await runner.run(
      rows.map((r) => ({
        ...r,
        target: undefined,
        positions: r.positions ?? (r.target?.position !== undefined ? [r.target.position] : undefined),
      })),
      InferenceModes.LOGITS,
    );
    const weighted = rows.map((_, b) => {
      const ctx = contextOf(b);
      // The row's scored slot: the first `width` logits (its own position first for generation).
      const logits = forward[b]!.logits.subarray(0, ctx.reference.length);
      return seeded(b, gradientWith(fn, logits, ctx));
    });
    return runner.run(weighted, InferenceModes.LOGITS);
  }

  private samplingInfo(
    s: SampleStream,
    used: number,
    convergence: number | undefined,
    stoppedEarly: boolean,
  ): SamplingInfo {
    return {
      samplesUsed: used,
      budget: s.budget,
      convergenceMeasure: 'standardError',
      ...(convergence !== undefined ? { convergence } : {}),
      stoppedEarly,
    };
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

/** `budget` sample points drawn one by one by `draw(k)`, until the budget is drawn or `stop()`. */
function draws(budget: number, draw: (k: number) => SamplePoint): Pick<SampleStream, 'budget' | 'next' | 'stop'> {
  let k = 0;
  let stopped = false;
  return {
    budget,
    next: () => (stopped || k >= budget ? undefined : draw(k++)),
    stop: () => {
      stopped = true;
    },
  };
}

/** A sampling method that averages a per-sample token score (SmoothGrad family, GradientShap). */
function noisyStream(
  base: Pick<SampleStream, 'budget' | 'next' | 'stop'>,
  rows: number,
  seq: number,
  aggregation: NoiseAggregation,
  score: (sample: SamplePoint, grad: Float32Array) => Float64Array,
): SampleStream {
  const acc = Array.from({ length: rows }, () => new NoisyScoreAccumulator(seq, aggregation));
  return {
    ...base,
    add: (r, sample, g) => acc[r]!.add(score(sample, g)),
    estimate: (r) => acc[r]!.estimate(),
    standardError: () => {
      let max: number | undefined;
      for (const a of acc) {
        const se = a.standardError();
        if (!se) return undefined;
        for (const v of se) if (max === undefined || !(v <= max)) max = v;
      }
      return max;
    },
  };
}

/** One gradient at the input embeddings. */
export class Saliency extends GradientExplainer {
  static override readonly methodName = 'Saliency';
  protected sampler(x: Float32Array, seq: number, hidden: number): SampleStream {
    const out: Float64Array[] = [];
    return {
      ...draws(1, () => ({ point: x })),
      add: (r, _sample, g) => {
        out[r] = this.scores(g, x, seq, hidden);
      },
      estimate: (r) => out[r]!,
    };
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
  protected sampler(x: Float32Array, seq: number, hidden: number, rows: number): SampleStream {
    const base = baselineOf(this.baseline, seq, hidden);
    const n = this.n;
    const sum = this.tokenReduction === 'sum';
    // 'mean': sum_k w_k tokenScores at each point; 'sum': the weighted gradient sum in float64 (completeness), as
    // integratedGradientsScores, summed in the same order.
    const acc = Array.from({ length: rows }, () => new Float64Array(sum ? seq * hidden : seq));
    return {
      // The trapezoid rule of trapezoidAlphas, point by point.
      ...draws(n, (k) => ({
        point: interpolate(base, x, k / (n - 1)),
        weight: (k === 0 || k === n - 1 ? 0.5 : 1) / (n - 1),
      })),
      add: (r, sample, g) => {
        const a = acc[r]!;
        const w = sample.weight!;
        const s = sum ? g : this.scores(g, sample.point, seq, hidden);
        for (let i = 0; i < a.length; i++) a[i] = a[i]! + w * s[i]!;
      },
      estimate: (r) =>
        sum ? tokenScores(acc[r]!, x, seq, hidden, { tokenReduction: 'sum', baseline: base }) : acc[r]!.slice(),
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
  protected sampler(x: Float32Array, seq: number, hidden: number, rows: number, rng: Rng): SampleStream {
    const { n, noiseStd } = this.noise;
    return noisyStream(
      draws(n, () => ({ point: addGaussianNoise(x, noiseStd, rng) })),
      rows,
      seq,
      this.aggregation,
      (sample, g) => this.scores(g, sample.point, seq, hidden),
    );
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
  protected override get unsignedScores(): boolean {
    return true;
  }
}

/** Unbiased variance of the per-token scores. */
export class VarGrad extends NoisyGradientExplainer {
  static override readonly methodName = 'VarGrad';
  protected readonly aggregation = 'variance' as const;
  protected override get unsignedScores(): boolean {
    return true;
  }
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
  protected sampler(x: Float32Array, seq: number, hidden: number, rows: number, rng: Rng): SampleStream {
    const base = baselineOf(this.baseline, seq, hidden);
    const { n, noiseStd } = this.noise;
    return noisyStream(
      draws(n, () => gradientShapSample(x, base, noiseStd, rng)),
      rows,
      seq,
      'mean',
      // 'sum': g (x - baseline'), expected-gradients style; 'mean': |g x~| at the sample point.
      (sample, g) =>
        this.tokenReduction === 'sum'
          ? tokenScores(g, x, seq, hidden, { tokenReduction: 'sum', baseline: sample.baseline })
          : this.scores(g, sample.point, seq, hidden),
    );
  }
}
