/**
 * The model every cross-runtime row of the bench runs: a BERT-style classifier of realistic width built on the
 * fly (fixture builder, seeded random weights, never written to the repository), its gradient model, and feeds
 * for a batch of B x S tokens, as plain typed arrays that node, and a browser page, turn into tensors alike.
 *
 * Exports: `BenchModel`, `PlainFeeds`, `buildBenchModel(spec)`, `benchFeeds(model, B, S)`,
 * `writeBenchClassifierFolder(spec, prefix)`.
 */
import { buildGradientModel, encodeModel, type GradientModel } from '../../packages/onnx-grad/src/index.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildEncoderClassifier,
  ENGLISH_WORDS,
  specialId,
  wordPieceTokenizer,
  writeModelFolder,
} from '../../packages/onnx-grad/test/fixtures/index.ts';

export interface BenchModelSpec {
  hidden: number;
  layers: number;
  heads: number;
  vocab?: number;
}

export interface BenchModel {
  spec: Required<BenchModelSpec>;
  forward: Uint8Array;
  gradient: GradientModel;
  /** The state-dict weights by Hugging Face name (what a torch implementation of the same model loads). */
  weights: Record<string, Float32Array>;
  describe: string;
}

export type PlainFeeds = Record<
  string,
  { type: 'int64' | 'float32'; dims: number[]; data: BigInt64Array | Float32Array }
>;

export function buildBenchModel(spec: BenchModelSpec): BenchModel {
  const full = { vocab: 30522, ...spec };
  const built = buildEncoderClassifier({
    family: 'bert',
    opset: 14,
    vocabSize: full.vocab,
    hidden: full.hidden,
    layers: full.layers,
    heads: full.heads,
    intermediate: 4 * full.hidden,
    maxPositions: 512,
    labels: ['NEGATIVE', 'POSITIVE'],
    padTokenId: 0,
    seed: 1,
    initStd: 0.02,
  });
  const forward = encodeModel(built.model);
  const gradient = buildGradientModel(forward, { config: { vocab_size: full.vocab, hidden_size: full.hidden } });
  return {
    spec: full,
    forward,
    gradient,
    weights: built.weights as Record<string, Float32Array>,
    describe: `BERT-style classifier, hidden ${full.hidden}, ${full.layers} layers, ${full.heads} heads, vocab ${full.vocab}`,
  };
}

/** Seeded ids (a fixed LCG), full attention; the gradient side gets their embeddings and a one-hot seed on class 1. */
export function benchFeeds(m: BenchModel, B: number, S: number): { forward: PlainFeeds; gradient: PlainFeeds } {
  let state = 12345;
  const ids = BigInt64Array.from({ length: B * S }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return BigInt(3 + (state % (m.spec.vocab - 3)));
  });
  const ones = new BigInt64Array(B * S).fill(1n);
  const zeros = new BigInt64Array(B * S);
  const forward: PlainFeeds = {
    input_ids: { type: 'int64', dims: [B, S], data: ids },
    attention_mask: { type: 'int64', dims: [B, S], data: ones },
    token_type_ids: { type: 'int64', dims: [B, S], data: zeros },
  };
  const H = m.spec.hidden;
  const table = m.gradient.embedding!.weights;
  const embeds = new Float32Array(B * S * H);
  ids.forEach((id, k) => embeds.set(table.subarray(Number(id) * H, (Number(id) + 1) * H), k * H));
  const gradient: PlainFeeds = {};
  for (const name of m.gradient.inputNames) {
    if (name === 'inputs_embeds') gradient[name] = { type: 'float32', dims: [B, S, H], data: embeds };
    else if (name.startsWith('grad_'))
      gradient[name] = { type: 'float32', dims: [B, 2], data: new Float32Array(B * 2).map((_, i) => i % 2) };
    else if (forward[name]) gradient[name] = forward[name]!;
    else throw new Error(`bench: no feed for the gradient model's input "${name}".`);
  }
  return { forward, gradient };
}

/**
 * The same BERT-style classifier (vocabulary 30522, seeded weights) written as a transformers.js model folder, with a
 * WordPiece tokenizer over the fixture words, in a fresh temporary directory: what the explain benches load through
 * from_pretrained. Returns the folder.
 */
export function writeBenchClassifierFolder(spec: Omit<BenchModelSpec, 'vocab'>, prefix: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'bert-bench');
  const tok = wordPieceTokenizer(ENGLISH_WORDS, { modelMaxLength: 512 });
  const built = buildEncoderClassifier({
    family: 'bert',
    opset: 14,
    vocabSize: 30522,
    hidden: spec.hidden,
    layers: spec.layers,
    heads: spec.heads,
    intermediate: 4 * spec.hidden,
    maxPositions: 512,
    labels: ['NEGATIVE', 'POSITIVE'],
    padTokenId: specialId(tok, '[PAD]'),
    seed: 1,
    initStd: 0.02,
  });
  writeModelFolder(dir, {
    config: built.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: built.model,
  });
  return dir;
}
