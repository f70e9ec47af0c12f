/**
 * A one-layer, one-head decoder with a KV cache, written with OpBuilder in the shapes optimum exports them:
 * `past_key_values.0.{key,value}` [batch, 1, past_sequence_length, D] concatenated on axis 2, the past length read as
 * `Gather(Shape(past_key), 2)` to offset the position ids, `present.0.*` outputs; and its merged form (a top-level
 * `If` on `use_cache_branch` whose branches read the weights from the top graph). Small enough to check by hand.
 */
import { DataType, Graph, OpBuilder, makeTensor, type GraphProto, type ModelProto } from '../../src/index.ts';
import { rng } from './helpers.ts';

export const V = 11,
  D = 4;
const dim = (d: number | string) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d });
const tt = (elem: number, dims: (number | string)[]) => ({
  tensor_type: { elem_type: elem, shape: { dim: dims.map(dim) } },
});

function emptyModel(opset: number): ModelProto {
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    graph: { node: [], initializer: [], input: [], output: [], value_info: [], name: 'tiny' },
  };
}

function weights(g: Graph): void {
  const r = rng(7);
  const w = (name: string, dims: number[]) =>
    g.addInitializer(
      makeTensor(
        name,
        dims,
        Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() - 0.5),
      ),
    );
  w('wte', [V, D]);
  w('wpe', [16, D]);
  w('wq', [D, D]);
  w('wk', [D, D]);
  w('wv', [D, D]);
  w('wo', [D, D]);
  w('lm_head', [D, V]);
}

/** Emits the decoder body into `g`; `withPast` reads the past inputs (outer-scope names in a branch). */
function body(b: OpBuilder, withPast: boolean): { logits: string; key: string; value: string } {
  const emb = b.gather('wte', 'input_ids');
  const seq = b.gather(b.shape('input_ids'), b.i64(1), 0);
  const start = withPast ? b.gather(b.shape('past_key_values.0.key'), b.i64(2), 0) : b.i64(0);
  const pos = b.op('Range', [start, b.add(start, seq), b.i64(1)]);
  const h = b.add(emb, b.gather('wpe', pos));
  const heads = (x: string) => b.unsqueeze(x, [1]); // [B, 1, S, D]
  const q = heads(b.matmul(h, 'wq'));
  let k = heads(b.matmul(h, 'wk'));
  let v = heads(b.matmul(h, 'wv'));
  if (withPast) {
    k = b.concat(['past_key_values.0.key', k], 2);
    v = b.concat([b.op('Identity', ['past_key_values.0.value']), v], -2);
  }
  const scores = b.div(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.f32(2));
  const keep = b.cast(b.unsqueeze(b.unsqueeze('attention_mask', [1]), [1]), DataType.BOOL);
  const probs = b.softmax(b.where(keep, scores, b.f32(-1e9)), -1);
  const ctx = b.squeeze(b.matmul(probs, v), [1]);
  const logits = b.matmul(b.add(h, b.matmul(ctx, 'wo')), 'lm_head');
  return { logits, key: k, value: v };
}

function declareIo(g: Graph, withPast: boolean): void {
  g.proto.input.push({ name: 'input_ids', type: tt(DataType.INT64, ['batch_size', 'sequence_length']) });
  g.proto.input.push({ name: 'attention_mask', type: tt(DataType.INT64, ['batch_size', 'past_sequence_length + 1']) });
  if (withPast) {
    for (const kv of ['key', 'value'])
      g.proto.input.push({
        name: `past_key_values.0.${kv}`,
        type: tt(DataType.FLOAT, ['batch_size', 1, 'past_sequence_length', D]),
      });
  }
  g.proto.output.push({ name: 'logits', type: tt(DataType.FLOAT, ['batch_size', 'sequence_length', V]) });
  for (const kv of ['key', 'value'])
    g.proto.output.push({
      name: `present.0.${kv}`,
      type: tt(DataType.FLOAT, ['batch_size', 1, 'total_sequence_length', D]),
    });
}

function rename(g: Graph, from: string, to: string): void {
  const p = g.producer(from)!;
  p.output = p.output.map((o) => (o === from ? to : o));
  g.replaceUses(from, to);
}

/** `decoder_model.onnx`-style graph with past inputs and present outputs. */
export function tinyDecoderWithPast(opset = 14): ModelProto {
  const m = emptyModel(opset);
  const g = new Graph(m);
  declareIo(g, true);
  weights(g);
  const out = body(new OpBuilder(g), true);
  rename(g, out.logits, 'logits');
  rename(g, out.key, 'present.0.key');
  rename(g, out.value, 'present.0.value');
  return m;
}

function branch(opset: number, withPast: boolean): GraphProto {
  const m = emptyModel(opset);
  const g = new Graph(m);
  const out = body(new OpBuilder(g, 'b/'), withPast); // same prefix in both branches: local names collide
  g.proto.output.push({ name: out.logits }, { name: out.key }, { name: out.value });
  g.proto.name = withPast ? 'with_past' : 'no_past';
  return g.proto;
}

/** `decoder_model_merged.onnx`-style graph: If(use_cache_branch) with the weights hoisted to the top graph. */
export function tinyMergedDecoder(opset = 14): ModelProto {
  const m = emptyModel(opset);
  const g = new Graph(m);
  declareIo(g, true);
  g.proto.input.push({ name: 'use_cache_branch', type: tt(DataType.BOOL, [1]) });
  weights(g);
  g.addNode('If', ['use_cache_branch'], {
    name: 'optimum::if',
    outputs: ['logits', 'present.0.key', 'present.0.value'],
    attrs: { then_branch: branch(opset, true), else_branch: branch(opset, false) },
  });
  return m;
}
