import { describe, expect, it } from 'vitest';
import {
  encodeModel,
  tensorData,
  cutEmbeddings,
  findWordEmbedding,
  decomposeContribOps,
  TransformError,
  type Graph,
} from '../../src/index.ts';
import {
  DISTILBERT,
  VESPA_ENCODER,
  VESPA_DECODER,
  FUSED_GPT2,
  loadGraph,
  runModel,
  i64,
  f32,
  lookupRows,
  maxAbsDiff,
  type Feeds,
} from './helpers.ts';

const inputNames = (g: Graph) => g.proto.input.map((v) => v.name);

describe('word-embedding cut on real exports', () => {
  it('DistilBERT (opset 11): the Gather on word_embeddings becomes inputs_embeds, input_ids disappears, logits unchanged', async () => {
    const g = loadGraph(DISTILBERT);
    const cut = cutEmbeddings(g, { config: { vocab_size: 30522, hidden_size: 2 } })!;
    expect(cut.lookup!.weightName).toBe('distilbert.embeddings.word_embeddings.weight');
    expect(inputNames(g)).toEqual(['inputs_embeds', 'attention_mask']); // Shape(input_ids) was rewired
    expect(g.nodes.some((n) => n.op_type === 'Gather' && n.input[0] === cut.lookup!.weightName)).toBe(false);
    const table = tensorData(cut.lookup!.weight) as Float32Array;
    const ids = [101, 2023, 2003, 1037, 102, 7592, 2088, 102];
    const mask = [1, 1, 1, 1, 1, 1, 1, 0];
    const original = await runModel(loadGraph(DISTILBERT).model, {
      input_ids: i64(ids, [2, 4]),
      attention_mask: i64(mask, [2, 4]),
    });
    const cutOut = await runModel(encodeModel(g.model), {
      inputs_embeds: lookupRows(table, 2, ids, [2, 4]),
      attention_mask: i64(mask, [2, 4]),
    });
    expect(Array.from(cutOut.logits!.data as Float32Array)).toEqual(Array.from(original.logits!.data as Float32Array));
  });

  it('vespa TransformerEncoder: follows (input_ids*attention_mask)+token_type_ids to the lookup', async () => {
    const g = loadGraph(VESPA_ENCODER);
    const cut = cutEmbeddings(g)!;
    expect(cut.lookup!.weightName).toBe('encoder.weight');
    expect([cut.lookup!.vocabSize, cut.lookup!.hiddenSize]).toEqual([20, 16]);
    expect(inputNames(g)).not.toContain('input_ids');
    const ids = [3, 7, 1, 18, 4, 4],
      mask = [1, 1, 1, 1, 1, 0],
      types = [0, 0, 1, 1, 0, 0];
    const index = ids.map((id, k) => id * mask[k]! + types[k]!);
    const table = tensorData(cut.lookup!.weight) as Float32Array;
    const original = await runModel(loadGraph(VESPA_ENCODER).model, {
      input_ids: i64(ids, [2, 3]),
      attention_mask: i64(mask, [2, 3]),
      token_type_ids: i64(types, [2, 3]),
    });
    const feeds: Feeds = { inputs_embeds: lookupRows(table, 16, index, [2, 3]) };
    if (inputNames(g).includes('attention_mask')) feeds.attention_mask = i64(mask, [2, 3]);
    if (inputNames(g).includes('token_type_ids')) feeds.token_type_ids = i64(types, [2, 3]);
    const out = await runModel(encodeModel(g.model), feeds);
    expect(maxAbsDiff(out.output_0!.data as Float32Array, original.output_0!.data as Float32Array)).toBe(0);
  });

  // This export only runs at batch 1 (its memory mask is broadcast against [target, source]).
  it('vespa TransformerDecoder: cut keeps the other float inputs', async () => {
    const g = loadGraph(VESPA_DECODER);
    const cut = cutEmbeddings(g)!;
    expect([cut.lookup!.vocabSize, cut.lookup!.hiddenSize]).toEqual([10000, 8]);
    expect(inputNames(g)).toEqual(['inputs_embeds', 'encoder_attention_mask', 'encoder_hidden_states']);
    const ids = [5, 9999, 0];
    const enc = f32(
      Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i)),
      [1, 4, 8],
    );
    const encMask = f32([1, 1, 1, 0], [1, 4]);
    const table = tensorData(cut.lookup!.weight) as Float32Array;
    const original = await runModel(loadGraph(VESPA_DECODER).model, {
      input_ids: i64(ids, [1, 3]),
      encoder_attention_mask: encMask,
      encoder_hidden_states: enc,
    });
    const out = await runModel(encodeModel(g.model), {
      inputs_embeds: lookupRows(table, 8, ids, [1, 3]),
      encoder_attention_mask: encMask,
      encoder_hidden_states: enc,
    });
    expect(maxAbsDiff(out.logits!.data as Float32Array, original.logits!.data as Float32Array)).toBe(0);
  });

  it('a custom cut tensor becomes inputs_embeds (here the post-embedding sum, Captum-style)', async () => {
    const g = loadGraph(DISTILBERT);
    const cut = cutEmbeddings(g, { cut: { tensor: '55' } })!; // word + position embeddings, before LayerNorm
    expect(cut.replaced).toBe('55');
    expect(cut.lookup).toBeUndefined();
    expect(inputNames(g)).toContain('inputs_embeds');
    expect(inputNames(g)).not.toContain('input_ids');
    // Feeding word+position embeddings must reproduce the original logits.
    const ref = loadGraph(DISTILBERT);
    const word = tensorData(ref.initializer('distilbert.embeddings.word_embeddings.weight')!) as Float32Array;
    const pos = tensorData(ref.initializer('distilbert.embeddings.position_embeddings.weight')!) as Float32Array;
    const ids = [101, 7592, 2088, 102];
    const emb = new Float32Array(8);
    ids.forEach((id, s) => {
      for (let h = 0; h < 2; h++) emb[s * 2 + h] = word[id * 2 + h]! + pos[s * 2 + h]!;
    });
    const original = await runModel(ref.model, {
      input_ids: i64(ids, [1, 4]),
      attention_mask: i64([1, 1, 1, 1], [1, 4]),
    });
    const out = await runModel(encodeModel(g.model), {
      inputs_embeds: f32(emb, [1, 4, 2]),
      attention_mask: i64([1, 1, 1, 1], [1, 4]),
    });
    expect(maxAbsDiff(out.logits!.data as Float32Array, original.logits!.data as Float32Array)).toBeLessThan(1e-6);
  });

  it('a graph that already takes inputs_embeds is left alone', () => {
    const g = loadGraph(DISTILBERT);
    cutEmbeddings(g);
    const before = encodeModel(g.model);
    expect(cutEmbeddings(g)).toBeUndefined();
    expect(encodeModel(g.model)).toEqual(before);
  });

  it('refuses clearly: config mismatch, unknown cut tensor, no lookup (fused EmbedLayerNormalization)', () => {
    expect(() => findWordEmbedding(loadGraph(DISTILBERT), { vocab_size: 50257 })).toThrow(
      /does not match config\.json.*vocab_size 50257.*--cut/s,
    );
    expect(() => cutEmbeddings(loadGraph(DISTILBERT), { cut: { tensor: 'no_such_tensor' } })).toThrow(
      /"no_such_tensor" is not produced by any node/,
    );
    const err = (() => {
      try {
        findWordEmbedding(loadGraph(FUSED_GPT2));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(TransformError);
    expect(err!.message).toMatch(/No word-embedding lookup found: searched for a Gather/);
    expect(err!.message).toMatch(/EmbedLayerNormalization_0.*EmbedLayerNormalization, domain com\.microsoft/);
    expect(err!.message).toMatch(/cut: \{ tensor/);
  });

  it('after contrib-op decomposition, the fused GPT-2 lookup is the word table inside EmbedLayerNormalization', () => {
    const g = loadGraph(FUSED_GPT2);
    expect(decomposeContribOps(g).decomposed).toBe(21);
    const lookup = findWordEmbedding(g);
    expect([lookup.weightName, lookup.vocabSize, lookup.hiddenSize]).toEqual(['transformer.wte.weight', 1000, 32]);
    const cut = cutEmbeddings(g)!;
    // position embeddings are added after the cut: inputs_embeds is the word embedding alone
    const wpe = g.nodes.find((n) => n.op_type === 'Gather' && n.input[0] === 'transformer.wpe.weight')!;
    const sum = g.consumers(wpe.output[0]!)[0]!;
    expect(sum.op_type).toBe('Add');
    expect(sum.input).toContain(cut.input);
  });
});
