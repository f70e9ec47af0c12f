/**
 * `verifyGradientModel`: loads a gradient model in onnxruntime and compares its forward outputs with the original
 * model's on a seeded random input (ids drawn below the vocabulary size, attention masks of ones, other integer
 * inputs zero, float inputs uniform in [-1, 1]), and checks that its gradient outputs are finite. The runtime is
 * passed in (onnxruntime-node or -web), so this library does not depend on it.
 *
 * Exports: `VerifyRuntime`, `VerifyResult`, `VerificationError`, `verifyGradientModel`.
 */
import type { ModelProto, ValueInfoProto } from './onnx/proto.ts';
import { decodeModel, toNumber } from './onnx/proto.ts';
import type { GradientModel } from './gradient-model.ts';
import { INPUTS_EMBEDS } from './transforms/embedding-cut.ts';
import { halfToFloat } from './transforms/quantization.ts';
import { rng } from './rng.ts';

/** The part of onnxruntime's API the check uses. */
export interface VerifyRuntime {
  InferenceSession: {
    /** From the bytes, or from a path (onnxruntime-node then reads the external data files beside it). */
    create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<VerifySession>;
  };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => VerifyTensor;
}
interface VerifyTensor {
  data: ArrayLike<number | bigint>;
  dims: readonly number[];
  type: string;
}
interface VerifySession {
  run(feeds: Record<string, VerifyTensor>): Promise<Record<string, VerifyTensor>>;
  release(): Promise<void>;
}

export interface VerifyResult {
  /** Largest |gradient-model output - original output| over the compared outputs, relative to max |original|. */
  maxRelativeDiff: number;
  /** The forward outputs compared. */
  compared: string[];
}

export class VerificationError extends Error {
  override name = 'VerificationError';
}

/** float32 outputs agree within this fraction of max |output| (float16 models compute in float32: ~1e-3). */
export const VERIFY_TOLERANCE = 3e-3;

const TYPES: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

/** Concrete dims for a declared input: batch 1, past lengths 0, other free dims `seq`. */
function dimsOf(v: ValueInfoProto, seq: number): number[] {
  const dims = v.type?.tensor_type?.shape?.dim ?? [];
  return dims.map((d, i) => {
    const p = d.dim_param ?? '';
    // protobufjs reads an unset dim_value as 0: a named dim is free whatever dim_value says
    if (!p && d.dim_value !== undefined && d.dim_value !== null) return toNumber(d.dim_value);
    if (/past/i.test(p)) return 0;
    if (i === 0 || /batch/i.test(p)) return 1;
    return seq;
  });
}

function makeFeeds(
  rt: VerifyRuntime,
  inputs: readonly ValueInfoProto[],
  vocab: number,
  rand: () => number,
  seq: number,
): Record<string, VerifyTensor> {
  const feeds: Record<string, VerifyTensor> = {};
  for (const v of inputs) {
    const elem = v.type?.tensor_type?.elem_type ?? 1;
    const type = TYPES[elem];
    if (!type) throw new VerificationError(`Input "${v.name}" has element type ${elem}, which --verify cannot feed.`);
    const dims = dimsOf(v, seq);
    const n = dims.reduce((a, b) => a * b, 1);
    if (n > 1 << 24) throw new VerificationError(`Input "${v.name}" [${dims}] is too large to feed a test input.`);
    const ids = /ids/i.test(v.name) && !/type|position/i.test(v.name);
    const ones = /mask/i.test(v.name);
    if (type === 'int64') {
      feeds[v.name] = new rt.Tensor(
        type,
        BigInt64Array.from({ length: n }, () => BigInt(ids ? Math.floor(rand() * vocab) : ones ? 1 : 0)),
        dims,
      );
    } else if (type === 'int32') {
      feeds[v.name] = new rt.Tensor(
        type,
        Int32Array.from({ length: n }, () => (ids ? Math.floor(rand() * vocab) : ones ? 1 : 0)),
        dims,
      );
    } else if (type === 'bool') feeds[v.name] = new rt.Tensor(type, new Uint8Array(n), dims);
    else if (type === 'float16') feeds[v.name] = new rt.Tensor(type, new Uint16Array(n), dims);
    else {
      const data = type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = ones ? 1 : 2 * rand() - 1;
      feeds[v.name] = new rt.Tensor(type, data, dims);
    }
  }
  return feeds;
}

async function run(
  rt: VerifyRuntime,
  bytes: Uint8Array | string,
  feeds: Record<string, VerifyTensor>,
  what: string,
): Promise<Record<string, VerifyTensor>> {
  let session: VerifySession;
  try {
    session = await rt.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'disabled',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
  } catch (e) {
    throw new VerificationError(`onnxruntime cannot load ${what}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return await session.run(feeds);
  } catch (e) {
    throw new VerificationError(`onnxruntime cannot run ${what}: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await session.release();
  }
}

/**
 * Runs both models and compares them; throws `VerificationError` saying which output differs or what failed.
 * `original` has its external data inlined, or gives the `path` onnxruntime loads it from (its data files beside
 * it); a gradient model with external data is loaded from `gradPath`, where it and its data file were written.
 * Only the default word-embedding cut is compared (inputs_embeds is then the table's rows of the ids fed to the
 * original); another cut is only loaded and run.
 */
export async function verifyGradientModel(
  rt: VerifyRuntime,
  original: { bytes: Uint8Array; model: ModelProto; path?: string },
  grad: GradientModel,
  seed = 1,
  gradPath?: string,
): Promise<VerifyResult> {
  if (grad.externalData && !gradPath)
    throw new VerificationError(
      `The gradient model keeps its weights in "${grad.externalData.location}": verify it from the path it was written to (gradPath).`,
    );
  const rand = rng(seed);
  const emb = grad.embedding;
  const graphInputs = original.model.graph.input.filter(
    (v) => !original.model.graph.initializer.some((t) => t.name === v.name),
  );
  const seq = 4;
  const feeds = makeFeeds(rt, graphInputs, emb?.vocabSize ?? 2, rand, seq);
  const ref = await run(rt, original.path ?? original.bytes, feeds, 'the original model');
  const gradModel = gradPath ?? grad.bytes;
  const gradFeeds: Record<string, VerifyTensor> = {};
  const gradInputs = new Set(grad.inputNames);
  // a half input of a model computed in float32 becomes a float input: feed it the same values
  const declared = new Map(decodeModel(grad.bytes).graph.input.map((v) => [v.name, v.type?.tensor_type?.elem_type]));
  for (const [k, t] of Object.entries(feeds)) {
    if (!gradInputs.has(k)) continue;
    gradFeeds[k] =
      t.type === 'float16' && declared.get(k) === 1
        ? new rt.Tensor('float32', Float32Array.from(t.data as Uint16Array, halfToFloat), t.dims)
        : t;
  }
  const idsName = graphInputs.find((v) => /input_ids/.test(v.name))?.name;
  if (gradInputs.has(INPUTS_EMBEDS)) {
    if (!emb || !idsName) return { maxRelativeDiff: 0, compared: [] };
    // inputs_embeds is the table's rows of the ids; an integer input of another shape (a mask declared [3, tokens]
    // beside ids [batch, tokens]) may broadcast the lookup's indices to another shape, which the ids do not give
    const idsDims = feeds[idsName]!.dims;
    const other = Object.entries(feeds).find(
      ([k, t]) =>
        k !== idsName && /int/.test(t.type) && t.dims.length === idsDims.length && t.dims.join() !== idsDims.join(),
    );
    if (other)
      throw new VerificationError(
        `--verify cannot feed inputs_embeds: "${idsName}" is [${idsDims}] but "${other[0]}" is [${other[1].dims}] (their declared dims differ), so the embedding lookup may not read the ids' shape.`,
      );
    const ids = Array.from(feeds[idsName]!.data, Number);
    const h = emb.hiddenSize;
    const out = new Float32Array(ids.length * h);
    ids.forEach((id, k) => out.set(emb.weights.subarray(id * h, (id + 1) * h), k * h));
    gradFeeds[INPUTS_EMBEDS] = new rt.Tensor('float32', out, [...feeds[idsName]!.dims, h]);
  }
  for (const name of grad.inputNames) {
    if (gradFeeds[name] || !name.startsWith('grad_')) continue;
    const r = ref[name.slice(5)];
    if (!r) throw new VerificationError(`The gradient model's input "${name}" matches no output of the original.`);
    const n = r.dims.reduce((a, b) => a * b, 1);
    gradFeeds[name] = new rt.Tensor(
      'float32',
      Float32Array.from({ length: n }, () => 2 * rand() - 1),
      r.dims,
    );
  }
  const missing = grad.inputNames.filter((n) => !gradFeeds[n]);
  if (missing.length > 0)
    throw new VerificationError(`No test value for the gradient model's input(s) ${missing.join(', ')}.`);
  const got = await run(rt, gradModel, gradFeeds, 'the gradient model');
  const compared: string[] = [];
  let worst = 0;
  // gradients first: a non-finite gradient says the forward is in a non-finite regime too (an overflowing weight),
  // where a fused kernel and its decomposition need not agree, which is reported as such rather than as a difference
  const ordered = [...grad.outputNames].sort((a, b) => Number(!a.startsWith('grad_')) - Number(!b.startsWith('grad_')));
  for (const name of ordered) {
    const out = got[name]!;
    if (name.startsWith('grad_')) {
      for (let i = 0; i < out.data.length; i++) {
        const x = out.type === 'float16' ? halfToFloat(Number(out.data[i])) : Number(out.data[i]);
        if (!Number.isFinite(x)) throw new VerificationError(`"${name}" holds ${x}.`);
      }
      continue;
    }
    const r = ref[name];
    if (!r) continue;
    if (r.dims.join() !== out.dims.join())
      throw new VerificationError(
        `Output "${name}": the gradient model gives [${out.dims}], the original [${r.dims}].`,
      );
    let scale = 0;
    let diff = 0;
    // onnxruntime-node returns float16 as its raw bits
    const value = (t: VerifyTensor, i: number) =>
      t.type === 'float16' ? halfToFloat(Number(t.data[i])) : Number(t.data[i]);
    for (let i = 0; i < r.data.length; i++) {
      const a = value(r, i);
      const b = value(out, i);
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      // a NaN or infinite forward (a broken weight) is no reference: kernels and their decompositions need not agree
      // on how NaN and Infinity propagate
      if (!Number.isFinite(a) && a !== b)
        throw new VerificationError(
          `The original's output "${name}" holds ${a} at ${i} where the gradient model gives ${b}: a non-finite forward cannot be compared.`,
        );
      scale = Math.max(scale, Math.abs(a));
      diff = Math.max(diff, Math.abs(a - b));
    }
    const rel = diff / Math.max(scale, 1e-6);
    worst = Math.max(worst, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
    compared.push(name);
    if (!(rel <= VERIFY_TOLERANCE))
      throw new VerificationError(
        `Output "${name}" differs from the original's by ${diff.toExponential(2)} (max |output| ${scale.toExponential(2)}): the gradient model computes another function.`,
      );
  }
  return { maxRelativeDiff: worst, compared };
}
