/**
 * Perturbation-based explainers (docs/spec.md §2): Occlusion, Lime, KernelShap, Sobol. Each plans mask rows
 * over the units of an input (seeded per input, so batching and input order never change the masks), the
 * shared scoring engine runs them, and the method's estimator turns the scores of each target into unit scores.
 *
 * Exports: `Occlusion`, `Lime` (+ `LimeOptions`), `KernelShap` (+ `KernelShapOptions`), `Sobol` (+ `SobolOptions`),
 * `PerturbationExplainer`.
 */
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import {
  createRng,
  kernelShapAttributions,
  kernelShapCoalitions,
  limeAttributions,
  limeMasks,
  LimeDistance,
  occlusionAttributions,
  occlusionMasks,
  QmcSampler,
  sobolIndices,
  sobolMasks,
  SobolIndicesOrder,
  type Rng,
} from '../math/index.ts';
import { AttributionExplainer, type AttributeContext, type AttributeResult } from './base.ts';
import type { CommonExplainerOptions } from './options.ts';
import type { PreparedItem } from './prepare.ts';
import { scoreMasksWithReference } from './scoring.ts';
import { METHOD_SCHEMAS } from '../registry/methods.ts';

export interface MaskPlan {
  masks: Uint8Array[];
  /** Unit scores of one target from f (one model output per mask row). */
  estimate(f: Float64Array): ArrayLike<number>;
}

export abstract class PerturbationExplainer extends AttributionExplainer {
  protected abstract plan(G: number, rng: Rng): MaskPlan;

  protected async attribute(items: PreparedItem[], ctx: AttributeContext): Promise<AttributeResult> {
    const plans = items.map((item, i) => this.plan(item.units.nUnits, createRng(this.common.seed, i)));
    const { scores, references } = await scoreMasksWithReference(
      this.adapter,
      items.map((item, i) => ({
        ids: item.ids,
        unitOfToken: item.units.unitOfToken,
        replaceTokenId: this.adapter.replaceTokenId,
        targets: item.targets,
        positions: item.positions,
        contrasts: item.contrasts,
        masks: plans[i]!.masks,
      })),
      {
        batchSize: this.common.batchSize,
        inferenceMode: this.common.inferenceMode,
        signal: ctx.signal,
        progress: ctx.progress,
      },
    );
    const rows = items.map((item, i) =>
      item.targets.map((_, r) => Float64Array.from(plans[i]!.estimate(Float64Array.from(scores[i]!, (s) => s[r]!)))),
    );
    return { rows, device: this.adapter.device, reference: references };
  }
}

/** a_g = f(x) - f(x with unit g replaced); P = G + 1. */
export class Occlusion extends PerturbationExplainer {
  static override readonly methodName = 'Occlusion';
  protected plan(G: number): MaskPlan {
    const masks = occlusionMasks(G);
    return { masks, estimate: (f) => occlusionAttributions(f[0]!, f.subarray(1)) };
  }
}

export interface LimeOptions extends CommonExplainerOptions {
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

  protected plan(G: number, rng: Rng): MaskPlan {
    const masks = limeMasks(G, this.nPerturbations, this.perturbProbability, rng);
    return {
      masks,
      estimate: (f) =>
        limeAttributions(masks, f, { distanceFunction: this.distanceFunction, kernelWidth: this.kernelWidth }).coef,
    };
  }
}

export interface KernelShapOptions extends CommonExplainerOptions {
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
  protected plan(G: number, rng: Rng): MaskPlan {
    const coalitions = kernelShapCoalitions(G, this.nPerturbations, rng);
    return { masks: coalitions.masks, estimate: (f) => kernelShapAttributions(coalitions, f) };
  }
}

export interface SobolOptions extends CommonExplainerOptions {
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
  protected plan(G: number, rng: Rng): MaskPlan {
    const { masks, k } = sobolMasks(G, this.k, this.sampler, rng);
    return { masks, estimate: (f) => sobolIndices(f, G, k, this.order) };
  }
}
