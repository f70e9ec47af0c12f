/**
 * Perturbation-based explainers (docs/spec.md §2): Occlusion, Lime, KernelShap, Sobol. Each draws mask rows over
 * the units of an input on demand (seeded per input, so batching and input order never change the masks), batch
 * by batch: rows of the current input, then of the next, packed into batches of `batchSize`, scored as the shared
 * scoring engine scores them (scoring.ts); the method's estimator turns the scores of each target into unit
 * scores. The sampling methods give an estimate from any prefix of their rows, which feeds the anytime partial
 * results and `stopWhen` (anytime.ts); the final result is the estimate from every row, the same function.
 *
 * Exports: `Occlusion`, `Lime` (+ `LimeOptions`), `KernelShap` (+ `KernelShapOptions`), `Sobol` (+ `SobolOptions`),
 * `PerturbationExplainer` (+ `PerturbationOptions`: the common options and `baseline`, see baseline.ts), `MaskStream`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import {
  createRng,
  kernelShapFit,
  KernelShapStream,
  limeAttributions,
  limeMaskStream,
  LimeDistance,
  occlusionAttributions,
  occlusionMasks,
  QmcSampler,
  SobolAccumulator,
  SobolIndicesOrder,
  SobolMaskStream,
  type Rng,
  type SobolRow,
} from '../math/index.ts';
import type { AttributionOutput, ConvergenceMeasure, SamplingInfo } from '../types.ts';
import { throwIfAborted, yieldToEvents } from './abort.ts';
import { ChangeTracker, defaultMinSamples, stopRequested, stopWhenMet, type PartialAttribution } from './anytime.ts';
import { AttributionExplainer, type AttributeContext, type AttributeResult } from './base.ts';
import { checkSampleMemory, regressionBytesPerSample } from './budget.ts';
import type { CommonExplainerOptions } from './options.ts';
import type { PreparedItem } from './prepare.ts';
import { functionScores, targetScores } from './scoring.ts';
import { PerturbedRuns, resolveBaseline, type PerturbationBaseline, type ResolvedBaseline } from './baseline.ts';
import { referenceLogits, type ReferenceLogits } from './step-scores.ts';
import { METHOD_SCHEMAS } from '../registry/methods.ts';

/**
 * What a perturbation method plans per input: mask rows drawn on demand (planning is done batch by batch, so it
 * takes memory O(batch) and an abort acts within one batch) and the estimate from the rows scored so far.
 */
export interface MaskStream {
  /** The next mask row, or undefined when the budget is drawn (or the stream was stopped). */
  next(): Uint8Array | undefined;
  /** The target scores of the next row handed out and not yet recorded. */
  record(scores: Float64Array): void;
  /** Upper bound of the rows still to come. */
  readonly rowsLeft: number;
  /** Row 0 is the unperturbed input (its logits are the reference, no extra row needed). */
  readonly firstRowIsReference: boolean;
  /** Unit scores per target row from what is recorded. */
  estimate(): Float64Array[];
  /** Sampling methods only. */
  sampling?: {
    readonly measure: ConvergenceMeasure;
    readonly budget: number;
    /** Samples whose rows are all recorded. */
    samplesUsed(): number;
    /** False where only the whole budget gives a sound estimate (KernelShap enumerating): never stops early. */
    readonly stoppable: boolean;
    /**
     * Whether the latest estimate is determined by the data: a rank-deficient fit (too few distinct rows) gives
     * a stable but arbitrary answer, so its change says nothing and it never counts as converged.
     */
    determined?(): boolean;
    stop(): void;
  };
}

/** Rows and their per-target scores, kept in the order drawn. */
class RowsAndScores {
  readonly masks: Uint8Array[] = [];
  readonly scores: number[][];
  private recorded = 0;
  constructor(targets: number) {
    this.scores = Array.from({ length: targets }, () => []);
  }
  record(s: Float64Array): void {
    this.scores.forEach((col, r) => col.push(s[r]!));
    this.recorded++;
  }
  get count(): number {
    return this.recorded;
  }
  /** Scores of target r for the recorded rows. */
  f(r: number): Float64Array {
    return Float64Array.from(this.scores[r]!);
  }
}

export interface PerturbationOptions extends CommonExplainerOptions {
  /** What fills a removed unit (default 'replacement': the replacement token); see explainers/baseline.ts. */
  baseline?: PerturbationBaseline;
}

export abstract class PerturbationExplainer extends AttributionExplainer {
  protected abstract stream(G: number, targets: number, rng: Rng, input: number): MaskStream;
  private readonly baseline: ResolvedBaseline;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: PerturbationOptions = {}) {
    super(model, tokenizer, options); // validates every option against the registry
    this.baseline = resolveBaseline(this.adapter, options.baseline);
  }

  protected override baselineFields(): Pick<AttributionOutput, 'baseline'> {
    return this.baseline.kind === 'replacement' ? {} : { baseline: this.baseline.kind };
  }

  protected override get recordedReplaceTokenId(): number {
    return 'tokenId' in this.baseline ? this.baseline.tokenId : this.adapter.replaceTokenId;
  }

  protected async attribute(items: PreparedItem[], ctx: AttributeContext): Promise<AttributeResult> {
    const streams = items.map((item, i) =>
      this.stream(item.units.nUnits, item.targets.length, createRng(this.common.seed, i), i),
    );
    const runs = await PerturbedRuns.open(this.adapter, this.baseline, this.common.sessionOptions);
    throwIfAborted(ctx.signal);
    const device = runs.device;
    const trackers = streams.map((s) => (s.sampling ? new ChangeTracker() : undefined));
    const mins = streams.map((s, i) =>
      s.sampling
        ? (ctx.stopWhen?.minSamples ?? defaultMinSamples(s.sampling.measure, items[i]!.units.nUnits, s.sampling.budget))
        : 0,
    );
    const stopped = items.map(() => false);
    const started = items.map(() => false);
    const references: ReferenceLogits[] = new Array(items.length);
    const rowsLeft = () => streams.reduce((n, s) => n + s.rowsLeft, 0);
    let planned = rowsLeft();
    ctx.progress.add(planned);
    const B = this.common.batchSize;
    let cur = 0;
    for (;;) {
      await yieldToEvents(ctx.signal, ctx.stopWhen?.signal);
      throwIfAborted(ctx.signal);
      // Fill a batch with the next rows of the current input, then of the next ones.
      const batch: { item: number; mask?: Uint8Array }[] = [];
      const extras: { item: number; mask?: Uint8Array }[] = [];
      while (batch.length < B && cur < items.length) {
        const mask = streams[cur]!.next();
        if (!mask) {
          cur++;
          continue;
        }
        if (!started[cur]) {
          started[cur] = true;
          // The unperturbed logits ride in the batch of the input's first row (no extra model call).
          if (!streams[cur]!.firstRowIsReference) extras.push({ item: cur });
        }
        batch.push({ item: cur, mask });
      }
      if (batch.length === 0) break;
      const rows = [...batch, ...extras];
      const { data, dims, positions } = await runs.logits(rows.map(({ item, mask }) => ({ item: items[item]!, mask })));
      const width = dims[dims.length - 1]!;
      const rowSize = dims.length === 3 ? dims[1]! * width : width;
      // References first: an attributed function reads its input's reference, carried in this very batch.
      rows.forEach(({ item, mask }, b) => {
        if (!mask || (references[item] === undefined && streams[item]!.firstRowIsReference)) {
          references[item] = referenceLogits(data, width, b * rowSize, positions[b]);
        }
      });
      const fn = ctx.attributedFunction;
      rows.forEach(({ item, mask }, b) => {
        const it = items[item]!;
        if (!mask) return;
        streams[item]!.record(
          fn
            ? functionScores(data, dims, b, it.targets, positions[b], fn, references[item]!)
            : targetScores(data, dims, b, it.targets, positions[b], this.common.inferenceMode, it.contrasts),
        );
      });
      // Estimates of the inputs this batch advanced: for the listener, and to stop early.
      const touched = [...new Set(batch.map((r) => r.item))];
      const partials: PartialAttribution[] = [];
      for (const i of touched) {
        const s = streams[i]!;
        const sampling = s.sampling;
        if (!sampling || stopped[i]) continue;
        const samples = sampling.samplesUsed();
        const finished = s.rowsLeft === 0;
        // A "stop here" makes the estimate due now, whatever the tracker's schedule.
        const due = finished || stopRequested(ctx.stopWhen) || trackers[i]!.due(samples);
        if (!(ctx.progress.listening || ctx.stopWhen) || !due) continue;
        const estimate = s.estimate();
        const convergence = trackers[i]!.update(estimate, samples, sampling.determined?.() ?? true);
        if (!finished && sampling.stoppable && stopWhenMet(ctx.stopWhen, convergence, samples, mins[i]!)) {
          stopped[i] = true;
          sampling.stop();
        }
        if (ctx.progress.listening) {
          const info = this.samplingInfo(s, trackers[i], stopped[i]!);
          info.inProgress = !(finished || stopped[i]);
          partials.push(ctx.partial(i, estimate, references[i]!, device, info));
        }
      }
      const left = rowsLeft();
      const done = batch.length;
      ctx.progress.add(done + left - planned);
      planned = left;
      ctx.progress.step(done, partials);
    }
    throwIfAborted(ctx.signal);
    return {
      rows: streams.map((s) => s.estimate()),
      device,
      reference: references,
      sampling: streams.map((s, i) => (s.sampling ? this.samplingInfo(s, trackers[i], stopped[i]!) : undefined)),
    };
  }

  private samplingInfo(s: MaskStream, tracker: ChangeTracker | undefined, stoppedEarly: boolean): SamplingInfo {
    const sampling = s.sampling!;
    return {
      samplesUsed: sampling.samplesUsed(),
      budget: sampling.budget,
      convergenceMeasure: sampling.measure,
      ...(tracker?.convergence !== undefined ? { convergence: tracker.convergence } : {}),
      stoppedEarly,
    };
  }
}

/** A fixed list of rows (Occlusion): nothing sampled. */
function fixedStream(
  masks: Uint8Array[],
  targets: number,
  estimate: (f: Float64Array) => ArrayLike<number>,
): MaskStream {
  const kept = new RowsAndScores(targets);
  let i = 0;
  return {
    next: () => masks[i++],
    record: (s) => kept.record(s),
    get rowsLeft() {
      return Math.max(0, masks.length - i);
    },
    firstRowIsReference: masks[0]?.every((v) => v === 0) ?? false,
    estimate: () => kept.scores.map((_, r) => Float64Array.from(estimate(kept.f(r)))),
  };
}

/** a_g = f(x) - f(x with unit g replaced); P = G + 1. */
export class Occlusion extends PerturbationExplainer {
  static override readonly methodName = 'Occlusion';
  protected stream(G: number, targets: number): MaskStream {
    return fixedStream(occlusionMasks(G), targets, (f) => occlusionAttributions(f[0]!, f.subarray(1)));
  }
}

export interface LimeOptions extends PerturbationOptions {
  nPerturbations?: number;
  perturbProbability?: number;
  distanceFunction?: LimeDistance;
  /** Default 0.75 sqrt(G). */
  kernelWidth?: number;
}

export class Lime extends PerturbationExplainer {
  static readonly distanceFunctions = LimeDistance;
  static override readonly methodName = 'Lime';
  private readonly nPerturbations: number;
  private readonly perturbProbability: number;
  private readonly distanceFunction: LimeDistance;
  private readonly kernelWidth?: number;

  constructor(model: ModelLike, tokenizer: TokenizerLike, options: LimeOptions = {}) {
    super(model, tokenizer, options); // validates every option against the registry
    const d = METHOD_SCHEMAS.Lime.options;
    this.nPerturbations = options.nPerturbations ?? d.nPerturbations.default;
    this.perturbProbability = options.perturbProbability ?? d.perturbProbability.default;
    this.distanceFunction = options.distanceFunction ?? d.distanceFunction.default;
    this.kernelWidth = options.kernelWidth;
  }

  protected stream(G: number, targets: number, rng: Rng, input: number): MaskStream {
    const n = this.nPerturbations;
    checkSampleMemory(
      'Lime',
      'nPerturbations',
      n,
      regressionBytesPerSample(G, targets),
      input,
      'every sample is kept for the weighted least-squares fit',
    );
    const draw = limeMaskStream(G, this.perturbProbability, rng);
    const kept = new RowsAndScores(targets);
    let stopped = false;
    let determined = false;
    const options = { distanceFunction: this.distanceFunction, kernelWidth: this.kernelWidth };
    return {
      next: () => {
        if (stopped || kept.masks.length >= n) return undefined;
        const row = draw();
        kept.masks.push(row);
        return row;
      },
      record: (s) => kept.record(s),
      get rowsLeft() {
        return stopped ? 0 : n - kept.masks.length;
      },
      firstRowIsReference: false,
      estimate: () => {
        determined = true;
        return kept.scores.map((_, r) => {
          const fit = limeAttributions(kept.masks.slice(0, kept.count), kept.f(r), options);
          if (fit.ridgeUsed > 0) determined = false;
          return fit.coef;
        });
      },
      sampling: {
        measure: 'coefficientChange',
        stoppable: true,
        determined: () => determined,
        budget: n,
        samplesUsed: () => kept.count,
        stop: () => {
          stopped = true;
        },
      },
    };
  }
}

export interface KernelShapOptions extends PerturbationOptions {
  /** Coalitions drawn; when 2^G <= nPerturbations every coalition is enumerated (exact Shapley values). */
  nPerturbations?: number;
}

export class KernelShap extends PerturbationExplainer {
  static override readonly methodName = 'KernelShap';
  private readonly nPerturbations: number;
  constructor(model: ModelLike, tokenizer: TokenizerLike, options: KernelShapOptions = {}) {
    super(model, tokenizer, options);
    this.nPerturbations = options.nPerturbations ?? METHOD_SCHEMAS.KernelShap.options.nPerturbations.default;
  }
  protected stream(G: number, targets: number, rng: Rng, input: number): MaskStream {
    const draws = new KernelShapStream(G, this.nPerturbations, rng);
    const rowsAtMost = draws.exact ? draws.budget : this.nPerturbations;
    checkSampleMemory(
      'KernelShap',
      'nPerturbations',
      rowsAtMost,
      regressionBytesPerSample(G, targets) + G,
      input,
      draws.exact ? 'all 2^G coalitions are enumerated and kept for the fit' : 'every coalition is kept for the fit',
    );
    const kept = new RowsAndScores(targets);
    let determined = false;
    return {
      next: () => draws.next(),
      record: (s) => kept.record(s),
      get rowsLeft() {
        return draws.rowsLeft;
      },
      firstRowIsReference: true,
      estimate: () => {
        const coalitions = draws.coalitions();
        determined = true;
        return kept.scores.map((_, r) => {
          const fit = kernelShapFit(coalitions, kept.f(r));
          if (fit.ridgeUsed > 0) determined = false;
          return fit.phi;
        });
      },
      sampling: {
        measure: 'coefficientChange',
        stoppable: !draws.exact,
        determined: () => determined,
        budget: draws.budget,
        samplesUsed: () => draws.samplesUsed,
        stop: () => draws.stop(),
      },
    };
  }
}

export interface SobolOptions extends PerturbationOptions {
  /** k, rows of each of A, B, C_i; P = (G+2)k. */
  nTokenPerturbations?: number;
  sobolIndicesOrder?: SobolIndicesOrder;
  sampler?: QmcSampler;
}

export class Sobol extends PerturbationExplainer {
  static readonly samplers = QmcSampler;
  static readonly sobolIndicesOrders = SobolIndicesOrder;
  static override readonly methodName = 'Sobol';
  private readonly k: number;
  private readonly order: SobolIndicesOrder;
  private readonly sampler: QmcSampler;
  constructor(model: ModelLike, tokenizer: TokenizerLike, options: SobolOptions = {}) {
    super(model, tokenizer, options);
    const d = METHOD_SCHEMAS.Sobol.options;
    this.k = options.nTokenPerturbations ?? d.nTokenPerturbations.default;
    this.order = options.sobolIndicesOrder ?? d.sobolIndicesOrder.default;
    this.sampler = options.sampler ?? d.sampler.default;
  }
  protected stream(G: number, targets: number, rng: Rng, input: number): MaskStream {
    const k = this.k;
    checkSampleMemory(
      'Sobol',
      'nTokenPerturbations',
      k,
      8 * targets + (this.sampler === QmcSampler.LATIN_HYPERCUBE ? 16 * G + 100 : 0),
      input,
      this.sampler === QmcSampler.LATIN_HYPERCUBE
        ? 'f(A) is kept per sample, and LATIN_HYPERCUBE draws every point first'
        : 'f(A) is kept per sample for the variance',
    );
    const rows = new SobolMaskStream(G, k, this.sampler, rng);
    const accs = Array.from({ length: targets }, () => new SobolAccumulator(G, k, this.order));
    const pending: SobolRow[] = [];
    return {
      next: () => {
        const row = rows.next();
        if (row) pending.push(row);
        return row?.mask;
      },
      record: (s) => {
        const row = pending.shift()!;
        accs.forEach((acc, r) => acc.add(row.sample, row.block, s[r]!));
      },
      get rowsLeft() {
        return rows.rowsLeft;
      },
      firstRowIsReference: false,
      estimate: () => accs.map((acc) => acc.indices()),
      sampling: {
        measure: 'indexChange',
        stoppable: true,
        budget: k,
        samplesUsed: () => accs[0]?.samples ?? 0,
        stop: () => rows.stop(),
      },
    };
  }
}
