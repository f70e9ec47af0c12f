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
} from '../../src/index.ts';
import { runModel, i64, rng, type Feeds } from './helpers.ts';
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
});
