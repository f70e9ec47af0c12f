/**
 * The models the fuzzer mutates: the vendored third-party exports and generated fixtures (plain, merged, q8, fp16).
 *
 * Exports: `FuzzBase`, `loadBases`.
 */
import { readFileSync } from 'node:fs';
import { encodeModel, type ModelProto } from '../../src/index.ts';
import { thirdParty } from '../../../../fixtures/index.ts';
import { buildFixture, type FixtureName } from '../fixtures/index.ts';

export interface FuzzBase {
  name: string;
  bytes: Uint8Array;
}

const THIRD_PARTY = [
  'optimum-tiny-distilbert-sst2/model.onnx',
  'vespa-dummy-transformer/dummy_transformer.onnx',
  'vespa-random-decoder/random_decoder.onnx',
  'ortgenai-tiny-gpt2-fused/past.onnx',
];
const GENERATED: FixtureName[] = [
  'bert-tiny-opset11',
  'distilbert-tiny-opset17',
  'gpt2-tiny-opset13',
  'gpt2-tiny-merged-opset14',
  'llama-tiny-opset18',
  'additive-classifier',
];

let cache: FuzzBase[] | undefined;

/** Every base, in a fixed order (case ids index into it). */
export function loadBases(): FuzzBase[] {
  if (cache) return cache;
  const out: FuzzBase[] = THIRD_PARTY.map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(thirdParty(p))) }));
  for (const name of GENERATED) {
    const f = buildFixture(name).folder;
    const model = f.model instanceof Uint8Array ? f.model : encodeModel(f.model as ModelProto);
    out.push({ name, bytes: model });
    for (const [path, bytes] of Object.entries(f.extra ?? {})) {
      if (bytes instanceof Uint8Array && /model_(quantized|fp16)\.onnx$/.test(path))
        out.push({ name: `${name}/${path}`, bytes });
    }
  }
  cache = out;
  return out;
}
