/**
 * The realistic-width models several bench sections time, built on the fly with seeded random weights (fixture
 * builders, never written to the repository): a GPT-2-small-width decoder (768 wide, 12 heads, vocabulary 50257) and
 * a BERT-base-width classifier (768 wide, 12 heads, 2 labels, vocabulary 30522).
 *
 * Exports: `GPT2_VOCAB`, `BERT_VOCAB`, `gpt2Width(layers, options)`, `bertWidth(layers)`, `WidthCase`,
 * `widthCases(layers)`, `targetScoreFeeds(rows, target, mode, position)`.
 */
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../packages/onnx-grad/src/index.ts';
import { buildEncoderClassifier, buildGpt2 } from '../../packages/onnx-grad/test/fixtures/index.ts';

export const GPT2_VOCAB = 50257;
export const BERT_VOCAB = 30522;

/** GPT-2 small's width with `layers` layers; `withPast` keeps the KV-cache inputs (what transformers.js loads). */
export function gpt2Width(
  layers: number,
  options: { withPast?: boolean; bosTokenId?: number; eosTokenId?: number } = {},
): ReturnType<typeof buildGpt2> {
  return buildGpt2(
    {
      opset: 14,
      vocabSize: GPT2_VOCAB,
      nEmbd: 768,
      nLayer: layers,
      nHead: 12,
      nPositions: 1024,
      bosTokenId: options.bosTokenId ?? 0,
      eosTokenId: options.eosTokenId ?? 0,
      seed: 1,
      initStd: 0.02,
    },
    options.withPast ?? false,
  );
}

/** BERT base's width with `layers` layers, a two-label classifier. */
export function bertWidth(layers: number): ReturnType<typeof buildEncoderClassifier> {
  return buildEncoderClassifier({
    family: 'bert',
    opset: 14,
    vocabSize: BERT_VOCAB,
    hidden: 768,
    layers,
    heads: 12,
    intermediate: 3072,
    maxPositions: 512,
    labels: ['NEGATIVE', 'POSITIVE'],
    padTokenId: 0,
    seed: 1,
    initStd: 0.02,
  });
}

/** One model of the gradient-call sections: its encoded bytes, the config onnx-grad checks the cut against. */
export interface WidthCase {
  name: string;
  /** Sequence logits (generation) rather than classification logits. */
  sequence: boolean;
  /** Logits per row: the vocabulary, or the classes. */
  width: number;
  bytes: Uint8Array;
  config: { vocab_size: number; hidden_size: number };
}

/** The GPT-2-width decoder with `layers` layers and the BERT-width classifier with at most 6. */
export function widthCases(layers: number): WidthCase[] {
  const bertLayers = Math.min(layers, 6);
  return [
    {
      name: `GPT-2 width (768, ${layers} layers, vocab ${GPT2_VOCAB}), generation`,
      sequence: true,
      width: GPT2_VOCAB,
      bytes: encodeModel(gpt2Width(layers).model),
      config: { vocab_size: GPT2_VOCAB, hidden_size: 768 },
    },
    {
      name: `BERT width (768, ${bertLayers} layers), classification`,
      sequence: false,
      width: 2,
      bytes: encodeModel(bertWidth(bertLayers).model),
      config: { vocab_size: BERT_VOCAB, hidden_size: 768 },
    },
  ];
}

/**
 * The target-score inputs of the core's gradient model for `rows` rows: row r scores target(r) alone (weights
 * [1, 0]) in the inference mode `mode` (a one-hot over logits, softmax, log-softmax), at position(r) for sequence
 * logits, seeded by ones.
 */
export function targetScoreFeeds(
  rows: number,
  target: (r: number) => number,
  mode: readonly number[],
  position?: (r: number) => number,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    target_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: 2 * rows }, (_, i) => BigInt(target(i >> 1))),
      [rows, 2],
    ),
    target_weights: new ort.Tensor(
      'float32',
      Float32Array.from({ length: 2 * rows }, (_, i) => (i % 2 ? 0 : 1)),
      [rows, 2],
    ),
    inference_mode: new ort.Tensor('float32', Float32Array.from(mode), [3]),
    grad_target_score: new ort.Tensor('float32', new Float32Array(rows).fill(1), [rows]),
  };
  if (position)
    feeds.target_positions = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: rows }, (_, r) => BigInt(position(r))),
      [rows, 1],
    );
  return feeds;
}
