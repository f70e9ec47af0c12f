import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  decodeModel,
  encodeModel,
  Graph,
  OpBuilder,
  DataType,
  AttributeType,
  NonStandardOpsError,
  UnsupportedOpsError,
  ModelValidationError,
  OnnxDecodeError,
  TransformError,
  type ModelProto,
} from '../src/index.ts';
import {
  DISTILBERT,
  VESPA_ENCODER,
  VESPA_DECODER,
  FUSED_GPT2,
  readBytes,
  runModel,
  i64,
  f32,
  lookupRows,
  maxAbsDiff,
  rng,
  type Feeds,
} from './transforms/helpers.ts';
import { checkGradient } from './transforms/gradcheck.ts';
import { convertToFloat16 } from './fixtures/precision.ts';

interface Case {
  name: string;
  path: string;
  config?: { vocab_size?: number; hidden_size?: number };
  dims: [number, number];
  /** Original feeds, and the lookup index each position reads (the ids, or vespa's (ids*mask)+types). */
  feeds: () => { original: Feeds; index: number[] };
  output: string;
  inputs: string[];
  /** Edits the decoded model first (e.g. exposes a hidden-state tensor as an extra output to differentiate). */
  prepare?: (m: ModelProto) => void;
  outputNames?: string[];
}

const r = rng(11);
const randIds = (n: number, vocab: number) => Array.from({ length: n }, () => Math.floor(r() * vocab));

const CASES: Case[] = [
  {
    // Two degeneracies of this random tiny export hide every gradient: LayerNorm over hidden size 2 outputs +-1
    // whatever its input (so d/dx = 0), and the classifier ReLU is dead on all inputs. The exported graph is kept,
    // with the LayerNorm epsilons (1e-12) raised to 1 so LayerNorm depends on its input, and the last hidden states
    // (tensor "294", [batch, seq, 2]) exposed as an output and differentiated: the whole encoder is on the path.
    name: 'optimum tiny DistilBERT SST-2, last hidden states (opset 11: Erf GELU, Where(-inf) mask, decomposed LN)',
    path: DISTILBERT,
    config: { vocab_size: 30522, hidden_size: 2 },
    dims: [2, 6],
    output: '294',
    inputs: ['inputs_embeds', 'attention_mask', 'grad_294'],
    outputNames: ['logits', '294', 'grad_inputs_embeds'],
    prepare: (m) => {
      let raised = 0;
      for (const n of m.graph.node) {
        const t = n.op_type === 'Constant' ? n.attribute[0]!.t : undefined;
        if (t?.data_type === DataType.FLOAT && t.raw_data?.length === 4) {
          const v = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, 4);
          if (v.getFloat32(0, true) === 1e-12 || Math.abs(v.getFloat32(0, true) - 1e-12) < 1e-18) {
            t.raw_data = new Uint8Array(Float32Array.of(1).buffer);
            raised++;
          }
        }
      }
      expect(raised).toBe(5); // embeddings LN + 2 per layer
      m.graph.output.push({ name: '294', type: { tensor_type: { elem_type: DataType.FLOAT } } });
    },
    feeds: () => {
      const ids = [101, ...randIds(4, 30522), 102, 101, ...randIds(3, 30522), 102, 0];
      const mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0];
      return { original: { input_ids: i64(ids, [2, 6]), attention_mask: i64(mask, [2, 6]) }, index: ids };
    },
  },
  {
    name: 'vespa TransformerEncoder (opset 12: Split, ReLU; lookup index (ids*mask)+types)',
    path: VESPA_ENCODER,
    dims: [2, 5],
    output: 'output_0',
    inputs: ['inputs_embeds', 'grad_output_0'], // attention_mask and token_type_ids only fed the lookup index
    feeds: () => {
      const ids = randIds(10, 19),
        mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        types = [0, 0, 0, 1, 1, 0, 0, 1, 1, 1];
      return {
        original: {
          input_ids: i64(ids, [2, 5]),
          attention_mask: i64(mask, [2, 5]),
          token_type_ids: i64(types, [2, 5]),
        },
        index: ids.map((id, k) => id * mask[k]! + types[k]!),
      };
    },
  },
  {
    name: 'vespa TransformerDecoder + LM head (opset 12, vocab 10000, batch 1)',
    path: VESPA_DECODER,
    dims: [1, 4],
    output: 'logits',
    inputs: ['inputs_embeds', 'encoder_attention_mask', 'encoder_hidden_states', 'grad_logits'],
    feeds: () => {
      const ids = randIds(4, 10000);
      return {
        original: {
          input_ids: i64(ids, [1, 4]),
          encoder_attention_mask: f32([1, 1, 1, 1, 1], [1, 5]),
          encoder_hidden_states: f32(
            Array.from({ length: 5 * 8 }, () => r() * 2 - 1),
            [1, 5, 8],
          ),
        },
        index: ids,
      };
    },
  },
  {
    // com.microsoft EmbedLayerNormalization, Attention (packed QKV, raw int32 mask, past, unidirectional), FastGelu
    // and SkipLayerNormalization, decomposed into standard ops; the reference runs onnxruntime's own kernels.
    name: 'ORT-fused GPT-2 (21 com.microsoft nodes decomposed; empty past, a padded row)',
    path: FUSED_GPT2,
    dims: [2, 5],
    output: 'logits',
    inputs: ['inputs_embeds', 'position_ids', 'attention_mask', 'grad_logits'],
    feeds: () => {
      const ids = randIds(10, 1000);
      const i32 = (v: number[], dims: number[]) => new ort.Tensor('int32', Int32Array.from(v), dims);
      const past = new ort.Tensor('float32', new Float32Array(0), [2, 2, 4, 0, 8]);
      return {
        original: {
          input_ids: i32(ids, [2, 5]),
          position_ids: i32([0, 1, 2, 3, 4, 0, 0, 1, 2, 3], [2, 5]),
          attention_mask: i32([1, 1, 1, 1, 1, 0, 1, 1, 1, 1], [2, 5]),
          ...Object.fromEntries([0, 1, 2, 3, 4].map((k) => [`past_${k}`, past])),
        },
        index: ids,
      };
    },
  },
];

describe('buildGradientModel on real third-party exports', () => {
  for (const c of CASES) {
    it(`${c.name}: forward equals the original, gradients match central differences`, async () => {
      let bytes: Uint8Array = readBytes(c.path);
      if (c.prepare) {
        const m = decodeModel(bytes);
        c.prepare(m);
        bytes = encodeModel(m);
      }
      const grad = buildGradientModel(bytes, { config: c.config, outputs: [c.output] });
      expect(grad.inputNames).toEqual(c.inputs);
      expect(grad.outputNames).toEqual(c.outputNames ?? [c.output, 'grad_inputs_embeds']);
      expect(grad.opset).toBe(decodeModel(bytes).opset_import.map((o) => Number(o.version))[0]);
      const onlyStandard = decodeModel(grad.bytes).graph.node.every((n) => !n.domain || n.domain === 'ai.onnx');
      expect(onlyStandard).toBe(true);

      const { original, index } = c.feeds();
      const reference = (await runModel(bytes, original))[c.output]!;
      const feeds: Feeds = {
        inputs_embeds: lookupRows(grad.embedding!.weights, grad.embedding!.hiddenSize, index, c.dims),
      };
      for (const name of grad.inputNames) if (original[name]) feeds[name] = original[name];
      const session = await ort.InferenceSession.create(grad.bytes);
      for (const seed of [1, 2]) {
        const res = await checkGradient(session, feeds, c.output, reference.dims, seed);
        const ref = reference.data as Float32Array;
        const scale = Math.max(...Array.from(ref, Math.abs));
        expect(maxAbsDiff(res.outputs[c.output]!.data as Float32Array, ref)).toBeLessThanOrEqual(1e-5 * scale);
        expect(Math.abs(res.analytic)).toBeGreaterThan(0);
        expect(Math.abs(res.numeric - res.analytic)).toBeLessThanOrEqual(res.tolerance);
      }
      await session.release();
    });
  }

  it('DistilBERT logits: the dead ReLU of the random head gives an exactly zero gradient, as differences do', async () => {
    const grad = buildGradientModel(readBytes(DISTILBERT));
    expect(grad.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'grad_logits']);
    const session = await ort.InferenceSession.create(grad.bytes);
    const feeds = {
      inputs_embeds: lookupRows(grad.embedding!.weights, 2, [101, 7592, 2088, 102], [1, 4]),
      attention_mask: i64([1, 1, 1, 1], [1, 4]),
    };
    const res = await checkGradient(session, feeds, 'logits', [1, 2], 3);
    expect(res.analytic).toBe(0);
    expect(res.numeric).toBe(0);
  });

  it('the embedding table is the initializer, viewed in place when aligned (else one copy of that tensor)', () => {
    const bytes = readBytes(DISTILBERT);
    const grad = buildGradientModel(bytes);
    expect(grad.embedding!.weightName).toBe('distilbert.embeddings.word_embeddings.weight');
    expect([grad.embedding!.vocabSize, grad.embedding!.hiddenSize]).toEqual([30522, 2]);
    const raw = decodeModel(bytes).graph.initializer.find((t) => t.name === grad.embedding!.weightName)!.raw_data!;
    const w = grad.embedding!.weights;
    expect(w.length).toBe(30522 * 2);
    expect(new Uint8Array(w.buffer, w.byteOffset, w.byteLength).every((v, i) => v === raw[i])).toBe(true);
    expect(w.buffer === bytes.buffer).toBe(raw.byteOffset % 4 === 0);
    // the table is no longer in the gradient model: nothing but the lookup read it
    expect(decodeModel(grad.bytes).graph.initializer.some((t) => t.name === grad.embedding!.weightName)).toBe(false);
  });

  it('extra wrt tensors become grad_<name> outputs with the initializer shape', async () => {
    const grad = buildGradientModel(readBytes(DISTILBERT), { wrt: ['pre_classifier.weight'] });
    expect(grad.outputNames).toEqual(['logits', 'grad_inputs_embeds', 'grad_pre_classifier.weight']);
    const session = await ort.InferenceSession.create(grad.bytes);
    const out = await session.run({
      inputs_embeds: f32(
        Array.from({ length: 6 }, (_, i) => Math.cos(i)),
        [1, 3, 2],
      ),
      attention_mask: i64([1, 1, 1], [1, 3]),
      grad_logits: f32([1, -1], [1, 2]),
    });
    expect(out['grad_pre_classifier.weight']!.dims).toEqual([2, 2]);
  });
});

describe('the ORT-fused GPT-2 through contrib-op decomposition', () => {
  it('cuts the word embedding out of EmbedLayerNormalization; per-coordinate central differences of grad_inputs_embeds', async () => {
    const grad = buildGradientModel(readBytes(FUSED_GPT2));
    // inputs_embeds holds word embeddings only: position embeddings are still added inside the graph
    expect(grad.embedding!.weightName).toBe('transformer.wte.weight');
    expect([grad.embedding!.vocabSize, grad.embedding!.hiddenSize]).toEqual([1000, 32]);
    const nodes = decodeModel(grad.bytes).graph.node;
    expect(nodes.some((n) => n.op_type === 'Gather' && n.input[0] === 'transformer.wpe.weight')).toBe(true);
    expect(nodes.every((n) => !n.domain)).toBe(true);

    const session = await ort.InferenceSession.create(grad.bytes);
    const i32 = (v: number[], dims: number[]) => new ort.Tensor('int32', Int32Array.from(v), dims);
    const dims: [number, number] = [1, 4];
    const x0 = lookupRows(grad.embedding!.weights, 32, [5, 900, 17, 321], dims);
    const base = {
      position_ids: i32([0, 1, 2, 3], dims),
      attention_mask: i32([1, 1, 1, 1], dims),
    };
    const r = rng(5);
    const u = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 4 * 1000 }, () => r() * 2 - 1),
      [1, 4, 1000],
    );
    const f = async (x: Float32Array) => {
      const out = await session.run({
        ...base,
        inputs_embeds: new ort.Tensor('float32', x, [1, 4, 32]),
        grad_logits: u,
      });
      const y = out.logits!.data as Float32Array;
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i]! * (u.data as Float32Array)[i]!;
      return { sum, grad: out.grad_inputs_embeds!.data as Float32Array };
    };
    const x = x0.data as Float32Array;
    const { grad: g } = await f(x);
    const h = 1e-2;
    // a coordinate of the last token, of the first (seen by every later one), and two in between
    for (const i of [0, 33, 70, 127]) {
      const plus = Float32Array.from(x);
      const minus = Float32Array.from(x);
      plus[i]! += h;
      minus[i]! -= h;
      const fd = ((await f(plus)).sum - (await f(minus)).sum) / (2 * h);
      expect(Math.abs(g[i]!)).toBeGreaterThan(1e-3);
      expect(Math.abs(fd - g[i]!), `coordinate ${i}: fd ${fd} vs ${g[i]}`).toBeLessThanOrEqual(
        2e-2 * Math.abs(g[i]!) + 2e-3,
      );
    }
    await session.release();
  });

  it('a float16 copy (no onnxruntime CPU kernels for half contrib ops): the decomposition computes it in float32', async () => {
    const bytes = readBytes(FUSED_GPT2);
    const half = buildGradientModel(encodeModel(convertToFloat16(decodeModel(bytes))));
    expect(half.conversions.float16).toBeGreaterThan(0);
    const full = buildGradientModel(bytes);
    const i32 = (v: number[], d: number[]) => new ort.Tensor('int32', Int32Array.from(v), d);
    const ids = [3, 5, 7, 9];
    const feeds = (g: typeof half): Feeds => ({
      inputs_embeds: lookupRows(g.embedding!.weights, 32, ids, [1, 4]),
      position_ids: i32([0, 1, 2, 3], [1, 4]),
      attention_mask: i32([1, 1, 1, 1], [1, 4]),
      grad_logits: f32(new Float32Array(4000).fill(1), [1, 4, 1000]),
    });
    const a = await runModel(half.bytes, feeds(half));
    const b = await runModel(full.bytes, feeds(full));
    const ref = b.logits!.data as Float32Array;
    // half weights: the README's float16 bound (measured 3.4e-4 of max |logit|)
    expect(maxAbsDiff(a.logits!.data as Float32Array, ref)).toBeLessThan(2e-3 * Math.max(...Array.from(ref, Math.abs)));
    const [ga, gb] = [a.grad_inputs_embeds!.data as Float32Array, b.grad_inputs_embeds!.data as Float32Array];
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < ga.length; i++) {
      dot += ga[i]! * gb[i]!;
      na += ga[i]! ** 2;
      nb += gb[i]! ** 2;
    }
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.9999);
  });

  it('BERT-style wiring: positions from the sequence length, EmbedLayerNormalization mask_index into every Attention', async () => {
    // The fused GPT-2 edited the way ORT fuses BERT: no position_ids input (EmbedLayerNormalization counts 0..S-1
    // from the shape of input_ids, which the cut rewires to inputs_embeds) and the attention mask reduced to [B] end
    // positions by EmbedLayerNormalization's mask_index output.
    const m = decodeModel(readBytes(FUSED_GPT2));
    const emb = m.graph.node.find((n) => n.op_type === 'EmbedLayerNormalization')!;
    emb.input = [...emb.input.slice(0, 7), 'attention_mask'];
    emb.output[1] = 'mask_index';
    for (const n of m.graph.node) if (n.op_type === 'Attention') n.input[3] = 'mask_index';
    m.graph.node = m.graph.node.filter((n) => !(n.op_type === 'Cast' && n.input[0] === 'position_ids'));
    m.graph.input = m.graph.input.filter((i) => i.name !== 'position_ids');
    const bytes = encodeModel(m);
    const grad = buildGradientModel(bytes);
    expect(grad.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'grad_logits']);

    const i32 = (v: number[], d: number[]) => new ort.Tensor('int32', Int32Array.from(v), d);
    const ids = [3, 5, 7, 9, 11, 13];
    const mask = i32([1, 1, 1, 1, 1, 0], [2, 3]);
    const past = new ort.Tensor('float32', new Float32Array(0), [2, 2, 4, 0, 8]);
    const pasts = Object.fromEntries([0, 1, 2, 3, 4].map((k) => [`past_${k}`, past]));
    const reference = (await runModel(bytes, { input_ids: i32(ids, [2, 3]), attention_mask: mask, ...pasts })).logits!;
    const feeds: Feeds = {
      inputs_embeds: lookupRows(grad.embedding!.weights, 32, ids, [2, 3]),
      attention_mask: mask,
      grad_logits: f32(new Float32Array(6000).fill(1), [2, 3, 1000]),
    };
    const out = await runModel(grad.bytes, feeds);
    expect(maxAbsDiff(out.logits!.data as Float32Array, reference.data as Float32Array)).toBeLessThan(1e-5);
  });
});

/**
 * A tiny genai-style decoder: embedding, GroupQueryAttention (rotary, 2 query heads on 1 KV head, KV cache), LM head;
 * seqlens_k and total_sequence_length are computed from attention_mask in the graph, as the genai builder does.
 */
function gqaDecoder(): ModelProto {
  const V = 11,
    D = 32,
    N = 2,
    K = 1,
    h = 16;
  const m: ModelProto = {
    ir_version: 8,
    opset_import: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: 'gqa', node: [], initializer: [], input: [], output: [], value_info: [] },
  };
  const vi = (name: string, elem: number, dims: (number | string)[]) => ({
    name,
    type: {
      tensor_type: {
        elem_type: elem,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  });
  m.graph.input.push(
    vi('input_ids', DataType.INT64, ['batch', 'seq']),
    vi('attention_mask', DataType.INT64, ['batch', 'total']),
    vi('past_key_values.0.key', DataType.FLOAT, ['batch', K, 'past_sequence_length', h]),
    vi('past_key_values.0.value', DataType.FLOAT, ['batch', K, 'past_sequence_length', h]),
  );
  const g = new Graph(m);
  const b = new OpBuilder(g);
  let s = 1;
  const rnd = (n: number) =>
    Float32Array.from({ length: n }, () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647 - 0.5;
    });
  const emb = b.tensor(rnd(V * D), [V, D], undefined, 'embed');
  const x = b.gather(emb, 'input_ids');
  const q = b.matmul(x, b.tensor(rnd(D * N * h), [D, N * h]));
  const kk = b.matmul(x, b.tensor(rnd(D * K * h), [D, K * h]));
  const vv = b.matmul(x, b.tensor(rnd(D * K * h), [D, K * h]));
  const seqlens = b.cast(b.sub(b.reduceSum('attention_mask', [1], false), b.i64(1)), DataType.INT32);
  const total = b.cast(b.shape('attention_mask', 1, 2), DataType.INT32);
  const cos = b.tensor(
    Float32Array.from({ length: 16 * 8 }, (_, i) => Math.cos((Math.floor(i / 8) * ((i % 8) + 1)) / 4)),
    [16, 8],
  );
  const sin = b.tensor(
    Float32Array.from({ length: 16 * 8 }, (_, i) => Math.sin((Math.floor(i / 8) * ((i % 8) + 1)) / 4)),
    [16, 8],
  );
  g.addNode(
    'GroupQueryAttention',
    [q, kk, vv, 'past_key_values.0.key', 'past_key_values.0.value', seqlens, total, cos, sin],
    {
      outputs: ['attn', 'present.0.key', 'present.0.value'],
      domain: 'com.microsoft',
      attrs: { num_heads: N, kv_num_heads: K, do_rotary: 1 },
      name: 'gqa',
    },
  );
  const logits = b.matmul(b.add('attn', x), b.tensor(rnd(D * V), [D, V]));
  g.addNode('Identity', [logits], { outputs: ['logits'] });
  m.graph.output.push(
    vi('logits', DataType.FLOAT, ['batch', 'seq', V]),
    vi('present.0.key', DataType.FLOAT, ['batch', K, 'total', h]),
    vi('present.0.value', DataType.FLOAT, ['batch', K, 'total', h]),
  );
  return m;
}

describe('a GroupQueryAttention decoder through contrib-op decomposition', () => {
  it('the KV cache is removed, the forward equals onnxruntime (empty cache), gradients match central differences', async () => {
    const bytes = encodeModel(gqaDecoder());
    const grad = buildGradientModel(bytes);
    expect(grad.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'grad_logits']);
    const ids = [3, 1, 4, 1, 5, 9];
    const mask = i64([1, 1, 1, 1, 1, 1], [2, 3]);
    const empty = f32(new Float32Array(0), [2, 1, 0, 16]);
    const reference = (
      await runModel(bytes, {
        input_ids: i64(ids, [2, 3]),
        attention_mask: mask,
        'past_key_values.0.key': empty,
        'past_key_values.0.value': empty,
      })
    ).logits!;
    const session = await ort.InferenceSession.create(grad.bytes);
    const feeds: Feeds = { inputs_embeds: lookupRows(grad.embedding!.weights, 32, ids, [2, 3]), attention_mask: mask };
    for (const seed of [1, 2]) {
      const res = await checkGradient(session, feeds, 'logits', [2, 3, 11], seed);
      const ref = reference.data as Float32Array;
      expect(maxAbsDiff(res.outputs.logits!.data as Float32Array, ref)).toBeLessThanOrEqual(
        1e-5 * Math.max(...Array.from(ref, Math.abs)),
      );
      expect(Math.abs(res.analytic)).toBeGreaterThan(0);
      expect(Math.abs(res.numeric - res.analytic)).toBeLessThanOrEqual(res.tolerance);
    }
    await session.release();
  });
});

describe('buildGradientModel refuses bad input with clear errors', () => {
  it('contrib ops without a decomposition (or in a refused form) are named, each node, with the reason', () => {
    // The fused GPT-2 with one FastGelu turned into GemmFastGelu (no decomposition) and one Attention using rotary
    // embeddings (do_rotary, refused): the 19 other contrib nodes decompose, these two are reported.
    const m = decodeModel(readBytes(FUSED_GPT2));
    const gelu = m.graph.node.find((n) => n.name === 'FastGelu_AddBias_1')!;
    gelu.op_type = 'GemmFastGelu';
    const attn = m.graph.node.find((n) => n.name === 'GptAttention_2')!;
    attn.attribute.push({ name: 'do_rotary', type: AttributeType.INT, i: 1 });
    let err: unknown;
    try {
      buildGradientModel(encodeModel(m));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonStandardOpsError);
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const e = err as NonStandardOpsError;
    expect(e.ops.map((o) => `${o.domain}:${o.opType}:${o.node}`).sort()).toEqual([
      'com.microsoft:Attention:GptAttention_2',
      'com.microsoft:GemmFastGelu:FastGelu_AddBias_1',
    ]);
    expect(e.ops.find((o) => o.opType === 'Attention')!.reason).toMatch(/do_rotary/);
    expect(e.ops.find((o) => o.opType === 'GemmFastGelu')!.reason).toBe('not a standard ai.onnx op');
    expect(e.message).toMatch(/com\.microsoft:GemmFastGelu \(nodes "FastGelu_AddBias_1"\)/);
    expect(e.message).toMatch(/"GptAttention_2" \(Attention\) is not decomposed because it uses do_rotary=1/);
    expect(e.message).toMatch(/decomposes com\.microsoft .*FastGelu.*Attention.*unoptimized/s);
  });

  it('truncated and corrupted bytes give an OnnxDecodeError, not a crash', () => {
    const bytes = readBytes(DISTILBERT);
    expect(() => buildGradientModel(bytes.subarray(0, 1000))).toThrow(OnnxDecodeError);
    expect(() => buildGradientModel(bytes.subarray(0, bytes.length - 7))).toThrow(OnnxDecodeError);
    expect(() => buildGradientModel(new Uint8Array(0))).toThrow(/empty/);
    const corrupted = bytes.slice();
    corrupted.fill(0xff, 40, 80);
    expect(() => buildGradientModel(corrupted)).toThrow(OnnxDecodeError);
    expect(() => buildGradientModel(new TextEncoder().encode('<html>404 Not Found</html>'))).toThrow(OnnxDecodeError);
  });

  it('a graph without an embedding lookup says what was searched and how to pick a cut', () => {
    const m: ModelProto = {
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: { node: [], initializer: [], input: [], output: [], value_info: [], name: 'g' },
    };
    const g = new Graph(m);
    const b = new OpBuilder(g);
    g.proto.input.push({
      name: 'input_ids',
      type: { tensor_type: { elem_type: DataType.INT64, shape: { dim: [{ dim_param: 'b' }, { dim_param: 's' }] } } },
    });
    const y = b.reduceSum(b.cast('input_ids', DataType.FLOAT), [1]);
    g.proto.output.push({ name: y, type: { tensor_type: { elem_type: DataType.FLOAT } } });
    expect(() => buildGradientModel(encodeModel(m))).toThrow(TransformError);
    expect(() => buildGradientModel(encodeModel(m))).toThrow(
      /No word-embedding lookup found: searched for a Gather.*input_ids.*cut: \{ tensor/s,
    );
    // the suggested way out works: cut at the float tensor
    const castOut = g.nodes[0]!.output[0];
    const grad = buildGradientModel(encodeModel(m), { cut: { tensor: castOut! } });
    expect(grad.inputNames).toEqual(['inputs_embeds', `grad_${y}`]);
  });

  it('ops without a gradient rule are named (standard domain and contrib domain)', () => {
    const make = (opType: string, domain: string) => {
      const m = decodeModel(readBytes(DISTILBERT));
      const node = m.graph.node.find((n) => n.op_type === 'Erf')!;
      node.op_type = opType;
      node.domain = domain;
      if (domain) m.opset_import.push({ domain, version: 1 });
      return encodeModel(m);
    };
    // not an ai.onnx op: onnxruntime has no kernel for it, so the model is refused before the build
    expect(() => buildGradientModel(make('NotARealOp', ''))).toThrow(ModelValidationError);
    expect(() => buildGradientModel(make('NotARealOp', ''))).toThrow(
      /node "Erf_\d+" \(NotARealOp\): "NotARealOp" is not an ai\.onnx op/,
    );
    expect(() => buildGradientModel(make('GemmFastGelu', 'com.microsoft'))).toThrow(
      /com\.microsoft:GemmFastGelu \(nodes "Erf_\d+"\)/,
    );
    // a decomposable op missing a required input is refused, not half-rewritten
    expect(() => buildGradientModel(make('BiasGelu', 'com.microsoft'))).toThrow(
      /com\.microsoft:BiasGelu \(nodes "Erf_\d+"\).*is not decomposed because its required input 1 \(B\) is missing/s,
    );
  });

  it('unknown output names and missing external data are explained', () => {
    expect(() => buildGradientModel(readBytes(DISTILBERT), { outputs: ['nope'] })).toThrow(/"nope"/);
    const m = decodeModel(readBytes(DISTILBERT));
    const t = m.graph.initializer.find((x) => x.name === 'distilbert.embeddings.word_embeddings.weight')!;
    t.data_location = 1;
    t.external_data = [
      { key: 'location', value: 'model.onnx_data' },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(t.raw_data!.length) },
    ];
    t.raw_data = undefined;
    expect(() => buildGradientModel(encodeModel(m))).toThrow(
      /external data file\(s\) "model\.onnx_data".*externalData/,
    );
  });
});
