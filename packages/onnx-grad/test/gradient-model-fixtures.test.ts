/**
 * buildGradientModel on every generated fixture (exporter-shaped BERT/DistilBERT/RoBERTa classifiers, GPT-2 plain and
 * optimum-merged, Llama, known-answer models): the gradient model's forward outputs equal the original model's on the
 * same tokens (decoders: run with an empty cache), and its gradients match central differences (see gradcheck.ts).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildGradientModel, decodeModel, toNumber, type ModelProto } from '../src/index.ts';
import { embeddingConfig } from '../src/cli.ts';
import { ensureFixture, FIXTURES } from './fixtures/index.ts';
import { runModel, i64, lookupRows, maxAbsDiff, rng, type Feeds } from './transforms/helpers.ts';
import { checkGradient } from './transforms/gradcheck.ts';

const B = 2,
  S = 5;

/** Feeds for the original model: random ids, a padded second row for encoders, an empty cache for decoders. */
function originalFeeds(
  model: ModelProto,
  vocab: number,
  seed: number,
  decoder: boolean,
): { feeds: Feeds; ids: number[] } {
  const r = rng(seed);
  const ids = Array.from({ length: B * S }, () => 3 + Math.floor(r() * (vocab - 3)));
  const feeds: Feeds = {};
  for (const v of model.graph.input) {
    const dims = v.type?.tensor_type?.shape?.dim ?? [];
    if (v.name === 'input_ids') feeds[v.name] = i64(ids, [B, S]);
    else if (v.name === 'attention_mask')
      feeds[v.name] = i64(
        Array.from({ length: B * S }, (_, k) => (!decoder && k === B * S - 1 ? 0 : 1)),
        [B, S],
      );
    else if (v.name === 'token_type_ids')
      feeds[v.name] = i64(
        Array.from({ length: B * S }, (_, k) => (k % S > 2 ? 1 : 0)),
        [B, S],
      );
    else if (v.name === 'position_ids')
      feeds[v.name] = i64(
        Array.from({ length: B * S }, (_, k) => k % S),
        [B, S],
      );
    else if (v.name === 'use_cache_branch') feeds[v.name] = new ort.Tensor('bool', [false], [1]);
    else if (v.name === 'num_logits_to_keep')
      feeds[v.name] = new ort.Tensor('int64', [0n], []); // every position
    else if (v.name.startsWith('past_key_values.')) {
      const shape = dims.map((d, i) => (i === 0 ? B : d.dim_param ? 0 : toNumber(d.dim_value)));
      feeds[v.name] = new ort.Tensor('float32', new Float32Array(0), shape);
    } else throw new Error(`fixture input "${v.name}": no feed rule`);
  }
  return { feeds, ids };
}

describe('buildGradientModel on the generated fixtures', () => {
  for (const name of FIXTURES) {
    it(`${name}: forward equals the original, gradients match central differences`, async () => {
      const dir = await ensureFixture(name);
      const bytes = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const original = decodeModel(bytes);
      const decoder =
        original.graph.input.some((v) => v.name.startsWith('past_key_values.')) || /gpt2|llama|copy/.test(name);
      const grad = buildGradientModel(bytes, { config: embeddingConfig(config) });

      expect(grad.inputNames[0]).toBe('inputs_embeds');
      expect(grad.inputNames.some((n) => n.startsWith('past') || n === 'use_cache_branch')).toBe(false);
      expect(grad.outputNames).toEqual(['logits', 'grad_inputs_embeds']);
      expect(grad.embedding!.vocabSize).toBe(config.vocab_size);
      const gm = decodeModel(grad.bytes);
      expect(gm.graph.node.every((n) => !n.domain || n.domain === 'ai.onnx')).toBe(true);
      expect(gm.graph.node.some((n) => n.op_type === 'If')).toBe(false);
      expect(toNumber(gm.opset_import[0]!.version)).toBe(toNumber(original.opset_import[0]!.version));

      const { feeds, ids } = originalFeeds(original, config.vocab_size, 17, decoder);
      const reference = (await runModel(bytes, feeds)).logits!;
      const gradFeeds: Feeds = {
        inputs_embeds: lookupRows(grad.embedding!.weights, grad.embedding!.hiddenSize, ids, [B, S]),
      };
      for (const n of grad.inputNames) if (feeds[n]) gradFeeds[n] = feeds[n];
      const session = await ort.InferenceSession.create(grad.bytes);
      const res = await checkGradient(session, gradFeeds, 'logits', reference.dims, 23);
      await session.release();
      const ref = reference.data as Float32Array;
      const scale = Math.max(...Array.from(ref, Math.abs));
      expect(maxAbsDiff(res.outputs.logits!.data as Float32Array, ref)).toBeLessThanOrEqual(1e-5 * scale);
      expect(Math.abs(res.analytic)).toBeGreaterThan(0);
      expect(Math.abs(res.numeric - res.analytic)).toBeLessThanOrEqual(res.tolerance);
    });
  }
});
