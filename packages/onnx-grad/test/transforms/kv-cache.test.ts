import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  Graph,
  cloneModel,
  removePastInputs,
  dropPresentOutputs,
  resolveIfs,
  TransformError,
  OpBuilder,
  decomposeContribOps,
} from '../../src/index.ts';
import { ortgenaiGpt2Fused } from '../fixtures/ortgenai.ts';
import { runModel, i64, maxAbsDiff, rng, type Feeds } from './helpers.ts';
import { tinyDecoderWithPast, tinyMergedDecoder, V, D } from './tiny-decoder.ts';

const B = 2,
  S = 5;
const r = rng(3);
const ids = Array.from({ length: B * S }, () => Math.floor(r() * V));
const mask = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1];
const emptyPast = () => new ort.Tensor('float32', new Float32Array(0), [B, 1, 0, D]);
const noCacheFeeds = (): Feeds => ({
  input_ids: i64(ids, [B, S]),
  attention_mask: i64(mask, [B, S]),
  'past_key_values.0.key': emptyPast(),
  'past_key_values.0.value': emptyPast(),
});

describe('KV-cache removal', () => {
  it('replaces past inputs by an empty cache: no past inputs, no present outputs, logits equal a run with a zero-length past', async () => {
    const model = tinyDecoderWithPast();
    const reference = await runModel(model, noCacheFeeds());
    const g = new Graph(cloneModel(model));
    expect(dropPresentOutputs(g)).toEqual(['present.0.key', 'present.0.value']);
    expect(removePastInputs(g)).toEqual(['past_key_values.0.key', 'past_key_values.0.value']);
    g.toposort();
    g.eliminateDeadCode();
    expect(g.proto.input.map((v) => v.name)).toEqual(['input_ids', 'attention_mask']);
    expect(g.proto.output.map((v) => v.name)).toEqual(['logits']);
    // the Concats with the cache are gone, and Gather(Shape(past), 2) became a constant
    expect(g.nodes.filter((n) => n.op_type === 'Concat')).toHaveLength(0);
    expect(g.nodes.some((n) => n.input.some((i) => i.startsWith('past')))).toBe(false);
    const out = await runModel(g.model, { input_ids: i64(ids, [B, S]), attention_mask: i64(mask, [B, S]) });
    expect(Array.from(out.logits!.data as Float32Array)).toEqual(Array.from(reference.logits!.data as Float32Array));
  });

  it('resolves an optimum merged decoder to its no-cache branch (inlined, colliding names renamed, use_cache_branch dropped)', async () => {
    const merged = tinyMergedDecoder();
    const reference = await runModel(merged, {
      ...noCacheFeeds(),
      use_cache_branch: new ort.Tensor('bool', [false], [1]),
    });
    // sanity: the two branches agree on an empty cache, and differ from nothing (logits are not constant)
    const viaCache = await runModel(merged, {
      ...noCacheFeeds(),
      use_cache_branch: new ort.Tensor('bool', [true], [1]),
    });
    expect(Array.from(viaCache.logits!.data as Float32Array)).toEqual(
      Array.from(reference.logits!.data as Float32Array),
    );
    const g = new Graph(cloneModel(merged));
    expect(resolveIfs(g)).toEqual(['optimum::if']);
    expect(g.nodes.some((n) => n.op_type === 'If')).toBe(false);
    expect(g.proto.input.map((v) => v.name)).not.toContain('use_cache_branch');
    dropPresentOutputs(g);
    removePastInputs(g);
    g.toposort();
    g.eliminateDeadCode();
    expect(g.proto.input.map((v) => v.name)).toEqual(['input_ids', 'attention_mask']);
    const out = await runModel(g.model, { input_ids: i64(ids, [B, S]), attention_mask: i64(mask, [B, S]) });
    expect(Array.from(out.logits!.data as Float32Array)).toEqual(Array.from(reference.logits!.data as Float32Array));
    // the caller's model was not touched
    expect(merged.graph.node.map((n) => n.op_type)).toEqual(['If']);
  });

  it('keeps the present outputs when asked to and still runs (cache of the prompt only)', async () => {
    const model = tinyDecoderWithPast();
    const reference = await runModel(model, noCacheFeeds());
    const g = new Graph(cloneModel(model));
    removePastInputs(g);
    const out = await runModel(g.model, { input_ids: i64(ids, [B, S]), attention_mask: i64(mask, [B, S]) });
    expect(out['present.0.key']!.dims).toEqual([B, 1, S, D]);
    expect(Array.from(out['present.0.key']!.data as Float32Array)).toEqual(
      Array.from(reference['present.0.key']!.data as Float32Array),
    );
  });

  it('names the node when an empty cache reaches an op it cannot simplify', () => {
    const model = tinyDecoderWithPast();
    const g = new Graph(model);
    const b = new OpBuilder(g);
    const y = b.reshape('past_key_values.0.key', [B, -1]);
    g.proto.output.push({ name: y });
    expect(() => removePastInputs(g)).toThrow(TransformError);
    expect(() => removePastInputs(new Graph(model))).toThrow(
      /"past_key_values\.0\.key".*reaches node "Reshape.*" \(Reshape\)/,
    );
  });

  it("removes key and value caches stacked into one past (onnxruntime's fused Attention): logits unchanged", async () => {
    // the vendored fused GPT-2 with transformers.js's cache inputs, stacked by Unsqueeze + Concat(axis 0) per layer
    const model = ortgenaiGpt2Fused();
    const tokens = [40, 41, 42, 43, 44];
    const base = {
      input_ids: i64(tokens, [1, 5]),
      position_ids: i64([0, 1, 2, 3, 4], [1, 5]),
      attention_mask: i64([1, 1, 1, 1, 1], [1, 5]),
    };
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, 4, 0, 8]);
    const pasts = Object.fromEntries(
      [0, 1, 2, 3, 4].flatMap((i) => ['key', 'value'].map((kv) => [`past_key_values.${i}.${kv}`, empty()])),
    );
    const reference = await runModel(model, { ...base, ...pasts });
    const g = new Graph(cloneModel(model));
    dropPresentOutputs(g);
    decomposeContribOps(g);
    expect(removePastInputs(g)).toEqual(Object.keys(pasts));
    g.toposort();
    g.eliminateDeadCode();
    expect(g.proto.input.map((v) => v.name)).toEqual(['input_ids', 'position_ids', 'attention_mask']);
    expect(g.nodes.some((n) => n.op_type === 'Unsqueeze' && n.input[0]!.startsWith('past'))).toBe(false);
    const out = await runModel(g.model, base);
    expect(maxAbsDiff(out.logits!.data as Float32Array, reference.logits!.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('refuses a Concat that joins an empty cache with a real tensor along another axis, naming it', () => {
    const model = tinyDecoderWithPast();
    const g = new Graph(model);
    const b = new OpBuilder(g);
    const y = b.concat(['past_key_values.0.key', 'other_tensor'], 1);
    g.proto.input.push({ name: 'other_tensor' });
    g.proto.output.push({ name: y });
    expect(() => removePastInputs(g)).toThrow(/reaches node "Concat.*" \(Concat\) along axis 1, not the cache axis/);
  });
});
