/**
 * Perturbation scoring engine (shared by the perturbation explainers and the metrics): turns mask rows over
 * units into perturbed sequences (every token of a replaced unit -> the replacement token; length and attention
 * kept), packs the rows of all jobs into model batches of `batchSize`, and reads each row's target scores after
 * the inference mode. A contrastive job subtracts, row by row, the contrast's score read from the same logits
 * (same batch row, same position): no extra model call.
 *
 * Exports: `ScoreJob`, `scoreMasks(adapter, jobs, settings) -> Float64Array[][]` (per job, per mask row, one
 * score per target), `targetScores(logits, dims, b, targets, positions, mode, contrasts?)`.
 */
import { applyInferenceMode } from '../math/index.ts';
import { InferenceModes } from '../types.ts';
import type { ModelAdapter } from '../model/adapter.ts';
import { throwIfAborted } from './abort.ts';
import type { Progress } from './progress.ts';

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

export function perturb(job: ScoreJob, mask: Uint8Array): number[] {
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
  const results: Float64Array[][] = jobs.map((j) => new Array<Float64Array>(j.masks.length));
  const queue: [number, number][] = [];
  jobs.forEach((j, ji) => j.masks.forEach((_, mi) => queue.push([ji, mi])));
  settings.progress?.add(queue.length);
  for (let start = 0; start < queue.length; start += settings.batchSize) {
    throwIfAborted(settings.signal);
    const batch = queue.slice(start, start + settings.batchSize);
    const seqs = batch.map(([ji, mi]) => perturb(jobs[ji]!, jobs[ji]!.masks[mi]!));
    const { data, dims } = await adapter.forward(seqs);
    batch.forEach(([ji, mi], b) => {
      const job = jobs[ji]!;
      results[ji]![mi] = targetScores(data, dims, b, job.targets, job.positions, settings.inferenceMode, job.contrasts);
    });
    settings.progress?.step(batch.length);
  }
  throwIfAborted(settings.signal);
  return results;
}
