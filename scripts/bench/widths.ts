/**
 * The realistic-width models several bench sections time, built on the fly with seeded random weights (fixture
 * builders, never written to the repository): a GPT-2-small-width decoder (768 wide, 12 heads, vocabulary 50257) and
 * a BERT-base-width classifier (768 wide, 12 heads, 2 labels, vocabulary 30522).
 *
 * Exports: `GPT2_VOCAB`, `BERT_VOCAB`, `gpt2Width(layers, options)`, `bertWidth(layers)`.
 */
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
