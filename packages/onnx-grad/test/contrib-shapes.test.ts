/**
 * Shapes through the com.microsoft ops of the vendored fused GPT-2 (EmbedLayerNormalization, Attention,
 * SkipLayerNormalization, FastGelu): inference gives the shapes onnxruntime computes, and a fused op fed a weight of
 * the wrong size (which onnxruntime refuses to load or to run) is refused by the validator naming the node and the
 * tensor, where before every tensor after the first Attention was of unknown shape and nothing was compared.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  decodeModel,
  encodeModel,
  Graph,
  inferShapes,
  ModelValidationError,
  type ModelProto,
  type TensorProto,
} from '../src/index.ts';
import { FUSED_GPT2, readBytes } from './transforms/helpers.ts';

const fused = () => decodeModel(readBytes(FUSED_GPT2));
const [BATCH, SEQ, PAST] = [2, 3, 4];

/** Runs the model on fixed inputs (batch 2, 3 new tokens after 4 past ones); the outputs' dims by name. */
async function run(m: ModelProto): Promise<Record<string, readonly number[]>> {
  const s = await ort.InferenceSession.create(encodeModel(m));
  try {
    const ints = (n: number, f: (i: number) => number) => Int32Array.from({ length: n }, (_, i) => f(i));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int32',
        ints(BATCH * SEQ, (i) => i % 7),
        [BATCH, SEQ],
      ),
      position_ids: new ort.Tensor(
        'int32',
        ints(BATCH * SEQ, (i) => PAST + (i % SEQ)),
        [BATCH, SEQ],
      ),
      attention_mask: new ort.Tensor('int32', new Int32Array(BATCH * (PAST + SEQ)).fill(1), [BATCH, PAST + SEQ]),
    };
    for (let i = 0; i < 5; i++)
      feeds[`past_${i}`] = new ort.Tensor('float32', new Float32Array(2 * BATCH * 4 * PAST * 8).fill(0.1), [
        2,
        BATCH,
        4,
        PAST,
        8,
      ]);
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dims]));
  } finally {
    await s.release();
  }
}

/** onnxruntime's error when it refuses to load or run the model (the unedited model runs: first test). */
async function ortRefusal(m: ModelProto): Promise<string | undefined> {
  try {
    await run(m);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function refusal(m: ModelProto): ModelValidationError {
  try {
    buildGradientModel(encodeModel(m));
  } catch (e) {
    if (e instanceof ModelValidationError) return e;
    throw new Error(`expected a ModelValidationError, got ${(e as Error).name}: ${(e as Error).message}`);
  }
  throw new Error('expected a ModelValidationError, but the gradient model was built');
}

const init = (m: ModelProto, name: string) => m.graph.initializer.find((t) => t.name === name)!;
const node = (m: ModelProto, name: string) => m.graph.node.find((n) => n.name === name)!;
/** A new float initializer of the given dims (zeros), read by input `k` of the named node. */
function feedNew(m: ModelProto, nodeName: string, k: number, dims: number[]): void {
  const name = `${nodeName}_fuzzed_${k}`;
  const t: TensorProto = {
    name,
    data_type: 1,
    dims,
    raw_data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
  } as TensorProto;
  m.graph.initializer.push(t);
  node(m, nodeName).input[k] = name;
}

describe('shape inference through the fused GPT-2 contrib ops', () => {
  it('gives the shapes onnxruntime computes', async () => {
    const m = fused();
    const info = inferShapes(new Graph(m));
    expect(info.shape('EmbedLayerNormalization_0_output')).toEqual(['batch_size', 'seq_len', 32]);
    expect(info.shape('EmbedLayerNormalization_0_dummy_mask_index')).toEqual(['batch_size']);
    expect(info.shape('GptAttention_0_output')).toEqual(['batch_size', 'seq_len', 32]);
    expect(info.shape('present_0')).toEqual([2, 'batch_size', 4, '(past_seq_len+seq_len)', 8]);
    expect(info.shape('FullyConnect_MatMul_1_input')).toEqual(['batch_size', 'seq_len', 128]);
    expect(info.shape('/transformer/h.0/Add_output_0')).toEqual(['batch_size', 'seq_len', 32]);
    expect(info.shape('logits')).toEqual(['batch_size', 'seq_len', 1000]);
    const dims = await run(m);
    const bind = (s: (string | number)[]) =>
      s.map((d) =>
        d === 'batch_size' ? BATCH : d === 'seq_len' ? SEQ : d === '(past_seq_len+seq_len)' ? PAST + SEQ : d,
      );
    expect(dims.logits).toEqual(bind(info.shape('logits')!));
    for (let i = 0; i < 5; i++) expect(dims[`present_${i}`]).toEqual(bind(info.shape(`present_${i}`)!));
  });
});

/** Each edit makes a model onnxruntime refuses to load or run; the validator names the node and the tensor. */
const MISSIZED: [string, (m: ModelProto) => void, RegExp][] = [
  [
    'a c_proj weight with a trailing 1 (fuzz 9131: the Attention output is [B, S, 32], the next MatMul sees [.., 1])',
    (m) => init(m, 'transformer.h.1.attn.c_proj.weight').dims.push(1),
    /node "FullyConnect_MatMul_2" \(MatMul\): inner dims differ: "FullyConnect_MatMul_2_input" \[32,seq_len,1\]/,
  ],
  [
    'an Attention weight read as [96, 32]',
    (m) => init(m, 'transformer.h.2.attn.c_attn.weight').dims.reverse(),
    /node "GptAttention_2" \(Attention\): input 1 "transformer\.h\.2\.attn\.c_attn\.weight" \[96, 32\] has 96 at axis 0; the hidden size of input 0/,
  ],
  [
    'an Attention bias of 64',
    (m) => feedNew(m, 'GptAttention_1', 2, [64]),
    /node "GptAttention_1" \(Attention\): input 2 "GptAttention_1_fuzzed_2" \[64\] has 64 at axis 0; the weights/,
  ],
  [
    'a SkipLayerNormalization gamma of 16',
    (m) => feedNew(m, 'SkipLayerNorm_AddBias_3', 2, [16]),
    /node "SkipLayerNorm_AddBias_3" \(SkipLayerNormalization\): input 2 "SkipLayerNorm_AddBias_3_fuzzed_2" \[16\] has 16 at axis 0; the last dim of input 0/,
  ],
  [
    'a SkipLayerNormalization bias of rank 2',
    (m) => feedNew(m, 'SkipLayerNorm_AddBias_0', 4, [1, 32]),
    /node "SkipLayerNorm_AddBias_0" \(SkipLayerNormalization\): input 4 "SkipLayerNorm_AddBias_0_fuzzed_4" has rank 2/,
  ],
  [
    'a FastGelu bias of 64',
    (m) => feedNew(m, 'FastGelu_AddBias_2', 1, [64]),
    /node "FastGelu_AddBias_2" \(FastGelu\): input 1 "FastGelu_AddBias_2_fuzzed_1" \[64\] has 64 at axis 0; the last dim of input 0/,
  ],
  [
    'a position embedding of hidden size 16',
    (m) => (init(m, 'transformer.wpe.weight').dims = [1024, 16]),
    /node "EmbedLayerNormalization_0" \(EmbedLayerNormalization\): input 3 "transformer\.wpe\.weight" \[1024, 16\] has 16 at axis 1; the hidden size of the word embedding/,
  ],
];

describe('fused ops fed a weight of the wrong size are refused', () => {
  for (const [name, edit, message] of MISSIZED) {
    it(name, async () => {
      const m = fused();
      edit(m);
      expect(await ortRefusal(m)).toMatch(/\S/);
      expect(refusal(m).message).toMatch(message);
    });
  }
});
