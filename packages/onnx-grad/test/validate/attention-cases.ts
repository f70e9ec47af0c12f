/**
 * One-node MultiHeadAttention, GroupQueryAttention and RotaryEmbedding models for the validator tests: a valid
 * baseline of each, edits that onnxruntime 1.30's CPU kernel (or its schema, at load) refuses, and the feeds that run
 * a model whose dims are all declared as numbers.
 */
import * as ort from 'onnxruntime-node';
import { DataType, makeTensor, type ModelProto } from '../../src/index.ts';
import { rng } from '../../src/rng.ts';
import { type ContribNodeSpec, contribModel, type IoSpec } from '../transforms/contrib-helpers.ts';

export const io = (name: string, dims?: (number | string)[], elem?: number): IoSpec => ({ name, dims, elem });

export interface AttentionCase {
  spec: ContribNodeSpec;
  /** Values of int inputs (seqlens_k, total_sequence_length, position_ids); default zeros. */
  values?: Record<string, number[]>;
  /** Inputs stored as initializers (with `values`), so their contents are known before the run. */
  consts?: string[];
}

const positive = (dims: (number | string)[] | undefined) => dims?.every((d) => typeof d === 'number');

/** The model: the spec's node, with `consts` turned from graph inputs into initializers. */
export function caseModel(c: AttentionCase): ModelProto {
  const m = contribModel(c.spec);
  for (const name of c.consts ?? []) {
    const v = m.graph.input.find((i) => i.name === name)!;
    const spec = c.spec.inputs.find((i): i is IoSpec => i !== '' && i.name === name)!;
    const dims = spec.dims as number[];
    const elem = spec.elem ?? DataType.FLOAT;
    const data =
      elem === DataType.INT64 ? BigInt64Array.from(values(c, spec).map(BigInt)) : Int32Array.from(values(c, spec));
    m.graph.initializer.push(makeTensor(name, dims, data, elem));
    m.graph.input = m.graph.input.filter((i) => i !== v);
  }
  return m;
}

function values(c: AttentionCase, s: IoSpec): number[] {
  const n = (s.dims as number[]).reduce((a, b) => a * b, 1);
  return c.values?.[s.name] ?? new Array(n).fill(0);
}

/** Feeds for every graph input (all dims numbers): seeded floats, the given ints. */
export function caseFeeds(c: AttentionCase, seed = 7): Record<string, ort.Tensor> {
  const r = rng(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of c.spec.inputs) {
    if (s === '' || c.consts?.includes(s.name)) continue;
    if (!positive(s.dims)) throw new Error(`input "${s.name}" has symbolic dims; give it numbers to run it`);
    const dims = s.dims as number[];
    const elem = s.elem ?? DataType.FLOAT;
    if (elem === DataType.INT64)
      feeds[s.name] = new ort.Tensor('int64', BigInt64Array.from(values(c, s).map(BigInt)), dims);
    else if (elem === DataType.INT32) feeds[s.name] = new ort.Tensor('int32', Int32Array.from(values(c, s)), dims);
    else {
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[s.name] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: n }, () => r() - 0.5),
        dims,
      );
    }
  }
  return feeds;
}

/** onnxruntime's message when it refuses to load or to run the case; undefined when it runs. */
export async function ortRefusal(c: AttentionCase): Promise<string | undefined> {
  const { encodeModel } = await import('../../src/index.ts');
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(encodeModel(caseModel(c)), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 4,
    });
    await session.run(caseFeeds(c));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await session?.release();
  }
}

export type Edit = (c: AttentionCase) => void;

/** Replaces input `k` (or adds it, padding with omitted inputs). */
export const setInput =
  (k: number, v: IoSpec | ''): Edit =>
  ({ spec }) => {
    while (spec.inputs.length <= k) spec.inputs.push('');
    spec.inputs[k] = v;
  };
export const setAttr =
  (name: string, v: number): Edit =>
  ({ spec }) => {
    spec.attrs = { ...spec.attrs, [name]: v };
  };
export const setValues =
  (name: string, v: number[]): Edit =>
  (c) => {
    c.values = { ...c.values, [name]: v };
  };

export function edited(base: () => AttentionCase, ...edits: Edit[]): AttentionCase {
  const c = base();
  for (const e of edits) e(c);
  return c;
}

// MultiHeadAttention: batch 2, 3 queries over 4 keys, 2 heads of 4 (query [2, 3, 8]).
export const mha = (): AttentionCase => ({
  spec: {
    op: 'MultiHeadAttention',
    inputs: [io('query', [2, 3, 8]), io('key', [2, 4, 8]), io('value', [2, 4, 8])],
    outputs: [io('output')],
    attrs: { num_heads: 2 },
  },
});

/** MultiHeadAttention with 2 past rows (self-attention over 3 new tokens): present outputs. */
export const mhaPast = (): AttentionCase => ({
  spec: {
    op: 'MultiHeadAttention',
    inputs: [
      io('query', [2, 3, 8]),
      io('key', [2, 3, 8]),
      io('value', [2, 3, 8]),
      '',
      '',
      '',
      io('past_key', [2, 2, 2, 4]),
      io('past_value', [2, 2, 2, 4]),
    ],
    outputs: [io('output'), io('present_key'), io('present_value')],
    attrs: { num_heads: 2 },
  },
});

// GroupQueryAttention: batch 2, a 3-token prompt, 4 query heads over 2 KV heads of 16.
export const gqa = (): AttentionCase => ({
  spec: {
    op: 'GroupQueryAttention',
    inputs: [
      io('query', [2, 3, 64]),
      io('key', [2, 3, 32]),
      io('value', [2, 3, 32]),
      '',
      '',
      io('seqlens_k', [2], DataType.INT32),
      io('total_sequence_length', [1], DataType.INT32),
    ],
    outputs: [io('output'), io('present_key'), io('present_value')],
    attrs: { num_heads: 4, kv_num_heads: 2 },
  },
  values: { seqlens_k: [2, 2], total_sequence_length: [3] },
});

/** One decoding step after 4 past rows, rotary caches of 8 positions × 8. */
export const gqaDecode = (): AttentionCase => ({
  spec: {
    op: 'GroupQueryAttention',
    inputs: [
      io('query', [2, 1, 64]),
      io('key', [2, 1, 32]),
      io('value', [2, 1, 32]),
      io('past_key', [2, 2, 4, 16]),
      io('past_value', [2, 2, 4, 16]),
      io('seqlens_k', [2], DataType.INT32),
      io('total_sequence_length', [1], DataType.INT32),
      io('cos_cache', [8, 8]),
      io('sin_cache', [8, 8]),
    ],
    outputs: [io('output'), io('present_key'), io('present_value')],
    attrs: { num_heads: 4, kv_num_heads: 2, do_rotary: 1 },
  },
  values: { seqlens_k: [4, 4], total_sequence_length: [5] },
});

/** Packed QKV: query [2, 3, (4 + 2·2)·16]. */
export const gqaPacked = (): AttentionCase => ({
  spec: {
    op: 'GroupQueryAttention',
    inputs: [
      io('query', [2, 3, 128]),
      '',
      '',
      '',
      '',
      io('seqlens_k', [2], DataType.INT32),
      io('total_sequence_length', [1], DataType.INT32),
    ],
    outputs: [io('output'), io('present_key'), io('present_value')],
    attrs: { num_heads: 4, kv_num_heads: 2 },
  },
  values: { seqlens_k: [2, 2], total_sequence_length: [3] },
});

// RotaryEmbedding: batch 2, 3 tokens, 2 heads of 8 (input [2, 3, 16]), caches of 8 positions × 4.
export const rotary = (): AttentionCase => ({
  spec: {
    op: 'RotaryEmbedding',
    inputs: [
      io('input', [2, 3, 16]),
      io('position_ids', [2, 3], DataType.INT64),
      io('cos_cache', [8, 4]),
      io('sin_cache', [8, 4]),
    ],
    outputs: [io('output')],
    attrs: { num_heads: 2 },
  },
});

/** [B, N, S, h] input, one start position, half of each head rotated (rotary_embedding_dim 4), interleaved. */
export const rotaryPartial = (): AttentionCase => ({
  spec: {
    op: 'RotaryEmbedding',
    inputs: [
      io('input', [2, 2, 3, 8]),
      io('position_ids', [1], DataType.INT64),
      io('cos_cache', [8, 2]),
      io('sin_cache', [8, 2]),
    ],
    outputs: [io('output')],
    attrs: { num_heads: 2, rotary_embedding_dim: 4, interleaved: 1 },
  },
  values: { position_ids: [2] },
});
