/**
 * Perturbation scoring engine (shared by the perturbation explainers and the metrics): turns mask rows over
 * units into perturbed sequences (every token of a replaced unit -> the replacement token; length and attention
 * kept), packs the rows of all jobs into model batches of `batchSize`, and reads each row's target scores after
 * the inference mode. A contrastive job subtracts, row by row, the contrast's score read from the same logits
 * (same batch row, same position): no extra model call.
 *
 * Exports: `ScoreJob`, `scoreMasks(adapter, jobs, settings) -> Float64Array[][]` (per job, per mask row, one
 * score per target), `scoreMasksWithReference` (the same, plus each job's unperturbed logits),
 * `targetScores(logits, dims, b, targets, positions, mode, contrasts?)`, `functionScores` (an attributed function's
 * scores of one batch row).
 */
import { applyInferenceMode } from '../math/index.ts';
import { InferenceModes } from '../types.ts';
import type { ModelAdapter } from '../model/adapter.ts';
import { throwIfAborted } from './abort.ts';
import type { Progress } from './progress.ts';
import { referenceLogits, type ReferenceLogits } from './step-scores.ts';
import { scoreWith, type AttributedFunction } from './attributed-function.ts';

export interface ScoreJob {
  ids: readonly number[];
  unitOfToken: readonly number[];
  replaceTokenId: number;
  /** Class ids, or target token ids (generation). */
  targets: readonly number[];
  /** Generation: logits position of each target. */
  positions?: readonly number[];
  /** Contrastive: per target, the class / token whose score at the same position is subtracted. */
  contrasts?: readonly number[];
  masks: readonly Uint8Array[];
}

export interface ScoreSettings {
  batchSize: number;
  inferenceMode: InferenceModes;
  signal?: AbortSignal;
  progress?: Progress;
}

/**
 * Scores of batch row b for each target: logits [B, C] (positions undefined) or [B, S, V]; with contrasts,
 * score(target) - score(contrast) after the inference mode.
 */
export function targetScores(
  data: Float32Array,
  dims: readonly number[],
  b: number,
  targets: readonly number[],
  positions: readonly number[] | undefined,
  mode: InferenceModes,
  contrasts?: readonly number[],
): Float64Array {
  const out = new Float64Array(targets.length);
  const V = dims[dims.length - 1]!;
  const S = dims.length === 3 ? dims[1]! : 1;
  const cache = new Map<number, Float64Array>();
  targets.forEach((t, r) => {
    const pos = positions ? positions[r]! : 0;
    const off = (b * S + pos) * V;
    const c = contrasts?.[r];
    if (mode === InferenceModes.LOGITS) {
      out[r] = c === undefined ? data[off + t]! : data[off + t]! - data[off + c]!;
      return;
    }
    let probs = cache.get(pos);
    if (!probs) cache.set(pos, (probs = applyInferenceMode(data.subarray(off, off + V), mode)));
    out[r] = c === undefined ? probs[t]! : probs[t]! - probs[c]!;
  });
  return out;
}

/**
 * Scores of batch row b under an attributed function: f(logits at each target's position), the reference being the
 * unperturbed input's logits at that position (`reference[r]` for generation, `reference[0]` for classification).
 */
export function functionScores(
  data: Float32Array,
  dims: readonly number[],
  b: number,
  targets: readonly number[],
  positions: readonly number[] | undefined,
  fn: AttributedFunction,
  reference: ReferenceLogits,
): Float64Array {
  const V = dims[dims.length - 1]!;
  const S = dims.length === 3 ? dims[1]! : 1;
  return Float64Array.from(targets, (target, r) => {
    const off = (b * S + (positions ? positions[r]! : 0)) * V;
    return scoreWith(fn, data.subarray(off, off + V), { target, reference: reference[positions ? r : 0]! });
  });
}

export function perturb(job: Pick<ScoreJob, 'ids' | 'unitOfToken' | 'replaceTokenId'>, mask: Uint8Array): number[] {
  return job.ids.map((id, s) => {
    const u = job.unitOfToken[s]!;
    return u >= 0 && mask[u] === 1 ? job.replaceTokenId : id;
  });
}

export async function scoreMasks(
  adapter: ModelAdapter,
  jobs: readonly ScoreJob[],
  settings: ScoreSettings,
): Promise<Float64Array[][]> {
  return (await scoreMasksWithReference(adapter, jobs, settings, false)).scores;
}

/**
 * `scoreMasks`, plus (when `reference`) each job's logits at its targets on the unperturbed sequence: read from
 * its all-kept mask row where it has one (Occlusion, KernelShap), else from one unperturbed row carried in the
 * batch that holds the job's first mask row (that batch gets one row more, the number of model calls is the same).
 */
export async function scoreMasksWithReference(
  adapter: ModelAdapter,
  jobs: readonly ScoreJob[],
  settings: ScoreSettings,
  reference = true,
): Promise<{ scores: Float64Array[][]; references: ReferenceLogits[] }> {
  const results: Float64Array[][] = jobs.map((j) => new Array<Float64Array>(j.masks.length));
  const references: ReferenceLogits[] = new Array(jobs.length);
  const queue: [number, number][] = [];
  jobs.forEach((j, ji) => j.masks.forEach((_, mi) => queue.push([ji, mi])));
  settings.progress?.add(queue.length);
  const batches: [number, number][][] = [];
  for (let start = 0; start < queue.length; start += settings.batchSize) {
    batches.push(queue.slice(start, start + settings.batchSize));
  }
  // Mask index read as the reference of each job: its all-kept row, or -1 for an extra unperturbed row.
  const refRow = jobs.map((j) => j.masks.findIndex((m) => m.every((v) => v === 0)));
  if (reference) {
    jobs.forEach((_, ji) => {
      if (refRow[ji]! < 0) batches.find((b) => b.some(([j]) => j === ji))!.push([ji, -1]);
    });
  }
  for (const batch of batches) {
    throwIfAborted(settings.signal);
    const seqs = batch.map(([ji, mi]) => (mi < 0 ? [...jobs[ji]!.ids] : perturb(jobs[ji]!, jobs[ji]!.masks[mi]!)));
    const { data, dims, positions } = await adapter.forward(
      seqs,
      batch.map(([ji]) => jobs[ji]!.positions),
    );
    const width = dims[dims.length - 1]!;
    const rowSize = dims.length === 3 ? dims[1]! * width : width;
    batch.forEach(([ji, mi], b) => {
      const job = jobs[ji]!;
      if (reference && mi === refRow[ji]) {
        references[ji] = referenceLogits(data, width, b * rowSize, positions[b]);
      }
      if (mi >= 0)
        results[ji]![mi] = targetScores(
          data,
          dims,
          b,
          job.targets,
          positions[b],
          settings.inferenceMode,
          job.contrasts,
        );
    });
    settings.progress?.step(batch.filter(([, mi]) => mi >= 0).length);
  }
  throwIfAborted(settings.signal);
  return { scores: results, references };
}
