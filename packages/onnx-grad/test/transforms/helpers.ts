/** Shared test helpers: loading the third-party fixtures, running models on onnxruntime-node, row lookups. */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, Graph, type ModelProto } from '../../src/index.ts';
import { thirdParty } from '../../../../fixtures/index.ts';
import { rng } from '../../src/rng.ts';

export const DISTILBERT = thirdParty('optimum-tiny-distilbert-sst2/model.onnx');
export const DISTILBERT_CONFIG = thirdParty('optimum-tiny-distilbert-sst2/config.json');
export const VESPA_ENCODER = thirdParty('vespa-dummy-transformer/dummy_transformer.onnx');
export const VESPA_DECODER = thirdParty('vespa-random-decoder/random_decoder.onnx');
export const FUSED_GPT2 = thirdParty('ortgenai-tiny-gpt2-fused/past.onnx');

export const readBytes = (path: string) => new Uint8Array(readFileSync(path));
export const loadGraph = (path: string) => new Graph(decodeModel(readBytes(path)));

export type Feeds = Record<string, ort.Tensor>;

export async function runModel(model: Uint8Array | ModelProto, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export const i64 = (values: number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
export const f32 = (values: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('float32', Float32Array.from(values), dims);

export { rng };

/** Rows `ids` of a row-major [vocab, hidden] table, as inputs_embeds [batch, seq, hidden]. */
export function lookupRows(table: Float32Array, hidden: number, ids: number[], dims: [number, number]): ort.Tensor {
  const out = new Float32Array(ids.length * hidden);
  ids.forEach((id, k) => out.set(table.subarray(id * hidden, (id + 1) * hidden), k * hidden));
  return new ort.Tensor('float32', out, [...dims, hidden]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
