/**
 * Gradient models of the reduced-precision files transformers.js downloads (fixture folders: `onnx/model_quantized.onnx`
 * = quantize_dynamic uint8 with quantized embeddings, `onnx/model_int8.onnx` = int8 per-column, `onnx/model_fp16.onnx`,
 * of the BERT and GPT-2 fixtures; in memory, a QDQ BERT with a dequantized embedding table and a merged GPT-2 decoder
 * quantized inside its If branches). For each:
 * (a) the gradient model's logits equal onnxruntime-node's run of the original file;
 * (b) finite differences: float16 models compute in float32, so their gradient model is checked against central
 *     differences of its own forward (gradcheck.ts, float32 with its stated tolerance). A model that quantizes its
 *     activations has a piecewise-constant forward (DynamicQuantizeLinear rounds), so differences of it are zero or
 *     jumps, never a derivative: there the dequantized-weights path is checked instead, the same file with its
 *     activation quantizers removed (weights still dequantized from the stored integers at run time), whose
 *     gradient is exact; and the straight-through gradient is compared with that one by cosine similarity;
 * (c) the gradient's direction against the float model's gradient (cosine similarity, thresholds per dtype below);
 * (d) 4-bit files (`model_q4.onnx`, `model_q4f16.onnx`: MatMulNBits; `model_bnb4.onnx`: MatMulBnb4): the gradient
 *     equals the gradient of the same model with float MatMuls of the dequantized weights, and the packed weights
 *     are written unchanged.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  checkElementTypes,
  decodeModel,
  TypeMismatchError,
  encodeModel,
  Graph,
  lowerQuantization,
  resolveIfs,
  UnsupportedOpsError,
  makeTensor,
  ModelValidationError,
  tensorData,
  type NodeProto,
  type GradientModel,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from '../src/index.ts';
import { embeddingConfig } from '../src/cli.ts';
import {
  ensureFixture,
  quantizeDynamic,
  quantizeMatMulNBits,
  quantizeEmbeddingBlocks,
  convertToFloat16,
  quantizeQdq,
  buildFixture,
  type FixtureName,
} from './fixtures/index.ts';
import { halfToFloat } from '../src/transforms/quantization.ts';
import { DataType } from '../src/onnx/proto.ts';
import { BNB4_CODES, dequantizeMatMulNBits } from '../src/transforms/block-quantization.ts';
import { INTERNAL_DOMAIN } from '../src/autodiff/rules/internal.ts';
import { i64, lookupRows, maxAbsDiff, rng, type Feeds } from './transforms/helpers.ts';
import { checkGradient } from './transforms/gradcheck.ts';

const B = 2,
  S = 6;

/** Feeds of the original file: seeded ids, a padded tail (encoders), token types, positions, an empty cache (decoders). */
function feedsFor(model: ModelProto, vocab: number, seed: number): { feeds: Feeds; ids: number[] } {
  const r = rng(seed);
  const ids = Array.from({ length: B * S }, () => 5 + Math.floor(r() * (vocab - 5)));
  const decoder = model.graph.input.some((v) => v.name.startsWith('past_key_values.') || v.name === 'use_cache_branch');
  const feeds: Feeds = {};
  for (const v of model.graph.input) {
    const n = v.name;
    if (n === 'input_ids') feeds[n] = i64(ids, [B, S]);
    else if (n === 'attention_mask')
      feeds[n] = i64(
        Array.from({ length: B * S }, (_, k) => (!decoder && k >= B * S - 2 ? 0 : 1)),
        [B, S],
      );
    else if (n === 'token_type_ids')
      feeds[n] = i64(
        Array.from({ length: B * S }, (_, k) => (k % S > 2 ? 1 : 0)),
        [B, S],
      );
    else if (n === 'position_ids')
      feeds[n] = i64(
        Array.from({ length: B * S }, (_, k) => k % S),
        [B, S],
      );
    else if (n === 'use_cache_branch') feeds[n] = new ort.Tensor('bool', [false], [1]);
    else if (n.startsWith('past_key_values.')) {
      const dims = (v.type?.tensor_type?.shape?.dim ?? []).map((d, i) =>
        i === 0 ? B : d.dim_param ? 0 : Number(d.dim_value),
      );
      const half = v.type?.tensor_type?.elem_type === 10;
      feeds[n] = half
        ? new ort.Tensor('float16', new Uint16Array(0), dims)
        : new ort.Tensor('float32', new Float32Array(0), dims);
    } else throw new Error(`no feed rule for "${n}"`);
  }
  return { feeds, ids };
}

/** Float values of a float32 or float16 output tensor. */
const floats = (t: ort.Tensor): Float32Array =>
  t.type === 'float16' ? Float32Array.from(t.data as Uint16Array, halfToFloat) : (t.data as Float32Array);

async function run(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** grad_inputs_embeds for the seed `u` (the same seeded cotangent for every variant). */
async function gradient(
  grad: GradientModel,
  feeds: Feeds,
  ids: number[],
  seed: number,
  logitsDims: readonly number[],
): Promise<{ logits: Float32Array; g: Float32Array }> {
  const r = rng(seed);
  const gFeeds: Feeds = { inputs_embeds: lookupRows(grad.embedding!.weights, grad.embedding!.hiddenSize, ids, [B, S]) };
  for (const n of grad.inputNames) if (feeds[n]) gFeeds[n] = feeds[n];
  const size = logitsDims.reduce((a, b) => a * b, 1);
  gFeeds.grad_logits = new ort.Tensor(
    'float32',
    Float32Array.from({ length: size }, () => r() * 2 - 1),
    [...logitsDims],
  );
  const out = await run(grad.bytes, gFeeds);
  return { logits: out.logits!.data as Float32Array, g: out.grad_inputs_embeds!.data as Float32Array };
}

/** The same model with its activation quantizers removed: StraightThrough(x, q) -> x; weights stay dequantized. */
function withoutActivationQuantization(model: ModelProto): ModelProto {
  const copy = decodeModel(encodeModel(model));
  const graph = new Graph(copy);
  resolveIfs(graph); // a merged decoder's quantized nodes live in its If branches
  lowerQuantization(graph);
  const internal = graph.nodes.filter((n) => n.domain === INTERNAL_DOMAIN);
  for (const n of internal) if (n.op_type === 'StraightThrough') graph.replaceUses(n.output[0]!, n.input[0]!);
  graph.removeNodes(new Set(internal));
  graph.toposort();
  graph.eliminateDeadCode(graph.proto.input.map((v) => v.name));
  return copy;
}

/** Initializers of a graph and of its subgraphs (a merged decoder's branches hold their quantized weights). */
function allInitializers(g: GraphProto): TensorProto[] {
  const subs = g.node.flatMap((n) =>
    n.attribute.flatMap((a) => [a.g, ...(a.graphs ?? [])].filter((x): x is GraphProto => !!x)),
  );
  return [...g.initializer, ...subs.flatMap(allInitializers)];
}

const initializerBytes = (g: GraphProto) => g.initializer.reduce((a, t) => a + (t.raw_data?.length ?? 0), 0);

/** A MatMulBnb4's weight [K, N]: code (high nibble first over the flattened [N, K]) times its block's absmax. */
function dequantizeBnb4(graph: Graph, n: NodeProto, K: number, N: number): Float32Array {
  const bytes = tensorData(graph.initializer(n.input[1]!)!) as Uint8Array;
  const absmax = tensorData(graph.initializer(n.input[2]!)!) as Float32Array;
  const block = Number(n.attribute.find((a) => a.name === 'block_size')!.i);
  const codes = BNB4_CODES[Number(n.attribute.find((a) => a.name === 'quant_type')!.i)]!;
  const out = new Float32Array(K * N);
  for (let i = 0; i < N * K; i++) {
    const code = i & 1 ? bytes[i >> 1]! & 15 : bytes[i >> 1]! >> 4;
    out[(i % K) * N + Math.floor(i / K)] = codes[code]! * absmax[Math.floor(i / block)]!;
  }
  return out;
}

/** The model with each MatMulNBits / MatMulBnb4 replaced by MatMul (+ Add bias) of its weight dequantized in TypeScript. */
function dequantizedTwin(model: ModelProto): ModelProto {
  const copy = decodeModel(encodeModel(model));
  const graph = new Graph(copy);
  for (const n of graph.nodes.filter((x) => x.op_type === 'MatMulNBits' || x.op_type === 'MatMulBnb4')) {
    const K = Number(n.attribute.find((a) => a.name === 'K')!.i);
    const N = Number(n.attribute.find((a) => a.name === 'N')!.i);
    const values = n.op_type === 'MatMulNBits' ? dequantizeMatMulNBits(graph, n) : dequantizeBnb4(graph, n, K, N);
    let w = graph.addInitializer(makeTensor(`${n.name}/dequantized`, [K, N], values));
    // in a float16 model the MatMul takes half operands (the build's float32 conversion widens this Cast away)
    if (graph.initializer(n.input[2]!)?.data_type === DataType.FLOAT16)
      w = graph.addNode('Cast', [w], { attrs: { to: DataType.FLOAT16 } })[0]!;
    const [a = '', , , , , bias] = n.input;
    graph.removeNodes(new Set([n]));
    if (bias) graph.addNode('Add', [graph.addNode('MatMul', [a, w])[0]!, bias], { outputs: [n.output[0]!] });
    else graph.addNode('MatMul', [a, w], { outputs: [n.output[0]!] });
  }
  graph.toposort();
  graph.eliminateDeadCode(graph.proto.input.map((v) => v.name));
  return copy;
}

interface Variant {
  label: string;
  fixture: FixtureName;
  /** The file, from the fixture folder or made in memory. */
  bytes: (dir: string) => Uint8Array;
  quantizesActivations: boolean;
  /** Forward tolerance, times max |logit| of the original. */
  forwardTol: number;
  /** Minimum cosine similarity with the float model's gradient. */
  minCosine: number;
  /** Largest gradient file size over the model file's (default 1.3). */
  maxSizeRatio?: number;
}

const file = (path: string) => (dir: string) => new Uint8Array(readFileSync(join(dir, path)));
const VARIANTS: Variant[] = [
  // quantize_dynamic: the gradient model recomputes each MatMul as float products of the dequantized operands where
  // onnxruntime sums exact int32 products and scales once; the two differ by float32 rounding (measured 2-3e-7 of
  // max |logit|). That rounding could flip an activation's rounding in a later DynamicQuantizeLinear by one step
  // (1/255 of its range, one term of one dot product): 1e-4 leaves room for such a flip, not for a wrong graph.
  // Cosine with the float model's gradient: measured 0.9994 (q8, int8), 0.997 (QDQ with a fixed +-8 range).
  {
    label: 'q8 (uint8, quantized embeddings)',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_quantized.onnx'),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  {
    label: 'q8 opset 11',
    fixture: 'bert-tiny-opset11',
    bytes: file('onnx/model_quantized.onnx'),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  {
    label: 'int8 per-column',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_int8.onnx'),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  {
    label: 'QDQ (int8 per-column weights, DequantizeLinear before the embedding Gather, Q/DQ activations)',
    fixture: 'bert-tiny-opset17',
    bytes: () =>
      encodeModel(
        quantizeQdq(buildFixture('bert-tiny-opset17').folder.model as ModelProto, {
          weightType: 'int8',
          perChannel: true,
          activationRange: 8,
        }),
      ),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  // fp16: onnxruntime computes in float16 (rounding 2^-11 ~ 5e-4 per op), the gradient model in float32 from the
  // same float16 weights: the logits differ by float16 rounding accumulated over the layers (measured 1.8e-4 and
  // 3.7e-4 of max |logit|; bound 2e-3, a few float16 ulps). Cosine with the float model: measured 0.999999.
  {
    label: 'fp16',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_fp16.onnx'),
    quantizesActivations: false,
    forwardTol: 2e-3,
    minCosine: 0.9999,
  },
  {
    label: 'fp16 opset 11',
    fixture: 'bert-tiny-opset11',
    bytes: file('onnx/model_fp16.onnx'),
    quantizesActivations: false,
    forwardTol: 2e-3,
    minCosine: 0.9999,
  },
  // GPT-2 (Conv1D exported as Gemm, which quantize_dynamic leaves float): the quantized word embeddings and the
  // tied lm_head MatMul are quantized
  {
    label: 'GPT-2 q8',
    fixture: 'gpt2-tiny-opset13',
    bytes: file('onnx/model_quantized.onnx'),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  {
    label: 'GPT-2 merged decoder q8 (quantized inside the If branches)',
    fixture: 'gpt2-tiny-merged-opset14',
    bytes: () =>
      encodeModel(
        quantizeDynamic(buildFixture('gpt2-tiny-merged-opset14').folder.model as ModelProto, {
          weightType: 'uint8',
          gather: true,
        }),
      ),
    quantizesActivations: true,
    forwardTol: 1e-4,
    minCosine: 0.99,
  },
  {
    label: 'GPT-2 fp16',
    fixture: 'gpt2-tiny-opset13',
    bytes: file('onnx/model_fp16.onnx'),
    quantizesActivations: false,
    forwardTol: 2e-3,
    minCosine: 0.9999,
  },
  // q4 (MatMulNBits, weights only): the gradient model unpacks the 4-bit blocks with standard ops and multiplies in
  // float32, onnxruntime dequantizes blockwise and sums in MLAS order: float32 rounding only (measured 0.6-2e-7 of
  // max |logit| on BERT, 4e-7 on GPT-2; bound 1e-5). (d) below: the gradient equals that of the same model with
  // float MatMuls of the dequantized weights (exact for them). The packed bytes are written as they are and no
  // initializer grows: the gradient file is 0.80-0.97x the q4 model's (the float embedding table is cut out;
  // bound 1.2x). Cosine with the float model's gradient measures the 4-bit weights themselves, not the lowering:
  // 0.914 (BERT, symmetric blocks of 16), 0.925 (zero points, blocks of 32), 0.9947 (GPT-2: only lm_head is a
  // MatMul with a constant weight, the Conv1D Gemms stay float) -- the fixtures' random weights (std 0.2) are
  // coarser in 4 bits than trained ones.
  {
    label: 'q4 (MatMulNBits, symmetric blocks of 16)',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_q4.onnx'),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.9,
    maxSizeRatio: 1.2,
  },
  {
    label: 'q4 opset 11',
    fixture: 'bert-tiny-opset11',
    bytes: file('onnx/model_q4.onnx'),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.9,
    maxSizeRatio: 1.2,
  },
  {
    label: 'q4 with packed zero points, blocks of 32',
    fixture: 'bert-tiny-opset17',
    bytes: () =>
      encodeModel(quantizeMatMulNBits(buildFixture('bert-tiny-opset17').folder.model as ModelProto, 32, true)),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.9,
    maxSizeRatio: 1.2,
  },
  // q4f16: onnxruntime computes the whole model in float16 (MatMulNBits accumulates in float32, rounds its output
  // to half), the gradient model in float32 from the same half scales: float16 rounding of the activations across
  // the layers (measured 1.2e-3 of max |logit| on BERT, 4.5e-4 on GPT-2, ~2.5 and 1 half ulps; bound 3e-3), while
  // (d) shows the lowering itself exact. The file ratio is 1.21x on the tiny BERT, whose file is mostly graph (the
  // backward triples the node count; initializer bytes shrink, as asserted): bound 1.3x as for fp16.
  {
    label: 'q4f16 (MatMulNBits with float16 scales in a float16 model)',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_q4f16.onnx'),
    quantizesActivations: false,
    forwardTol: 3e-3,
    minCosine: 0.9,
    maxSizeRatio: 1.3,
  },
  {
    label: 'GPT-2 q4',
    fixture: 'gpt2-tiny-opset13',
    bytes: file('onnx/model_q4.onnx'),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.99,
    maxSizeRatio: 1.2,
  },
  {
    label: 'GPT-2 q4f16',
    fixture: 'gpt2-tiny-opset13',
    bytes: file('onnx/model_q4f16.onnx'),
    quantizesActivations: false,
    forwardTol: 3e-3,
    minCosine: 0.99,
    maxSizeRatio: 1.2,
  },
  // onnxruntime-genai builder style: the word embeddings as GatherBlockQuantized (4-bit blocks along hidden). The
  // build dequantizes the table for the cut: inputs_embeds looked up in `embedding.weights` reproduce onnxruntime's
  // run of the original (forward measured 3e-7 of max |logit|, bound 1e-5; q4f16 5e-4, bound 3e-3). Cosine with
  // the float model's gradient (also taken at the float embeddings): 0.919 (BERT), 0.990 (GPT-2). The file ratio
  // (measured 1.5 and 1.13) is graph size on these tiny fixtures, whose 4-bit table leaves a mostly-graph file (the
  // backward triples the node count, and node names are a large part of it: bound 1.7x); initializer bytes are
  // asserted not to grow.
  {
    label: 'q4 builder style: GatherBlockQuantized word embeddings, MatMulNBits with zero points',
    fixture: 'bert-tiny-opset17',
    bytes: () =>
      encodeModel(
        quantizeEmbeddingBlocks(
          quantizeMatMulNBits(buildFixture('bert-tiny-opset17').folder.model as ModelProto, 32, true),
          16,
          true,
        ),
      ),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.9,
    maxSizeRatio: 1.7,
  },
  {
    // position and token-type tables stay in the gradient model after the cut: they are repacked (uint8 bytes
    // dequantized at run time), which the initializer-bytes assertion checks (float tables fail it). Forward measured
    // 1.1e-7 of max |logit|, cosine 0.909, file 1.5x (graph; see above)
    label: 'q4 builder style: every embedding table GatherBlockQuantized',
    fixture: 'bert-tiny-opset17',
    bytes: () =>
      encodeModel(
        quantizeEmbeddingBlocks(
          quantizeMatMulNBits(buildFixture('bert-tiny-opset17').folder.model as ModelProto),
          16,
          false,
          true,
        ),
      ),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.88,
    maxSizeRatio: 1.7,
  },
  {
    label: 'GPT-2 q4f16 builder style: GatherBlockQuantized word embeddings',
    fixture: 'gpt2-tiny-opset13',
    bytes: () =>
      encodeModel(
        convertToFloat16(
          quantizeEmbeddingBlocks(quantizeMatMulNBits(buildFixture('gpt2-tiny-opset13').folder.model as ModelProto)),
        ),
      ),
    quantizesActivations: false,
    forwardTol: 3e-3,
    minCosine: 0.98,
    maxSizeRatio: 1.3,
  },
  // bnb4 (MatMulBnb4, NF4 blocks of 32): the same lowering with a code-book Gather; forward float32 rounding
  // (measured 2.2e-7 and 4.8e-7 of max |logit|, bound 1e-5), (d) the gradient equals that of the dequantized-weights
  // model; file 0.87x and 0.80x; cosine with the float model's gradient 0.946 (BERT) and 0.997 (GPT-2: lm_head only)
  {
    label: 'bnb4 (MatMulBnb4, NF4)',
    fixture: 'bert-tiny-opset17',
    bytes: file('onnx/model_bnb4.onnx'),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.93,
    maxSizeRatio: 1.2,
  },
  {
    label: 'GPT-2 bnb4',
    fixture: 'gpt2-tiny-opset13',
    bytes: file('onnx/model_bnb4.onnx'),
    quantizesActivations: false,
    forwardTol: 1e-5,
    minCosine: 0.99,
    maxSizeRatio: 1.2,
  },
];

describe('gradient models of quantized and float16 files', () => {
  for (const v of VARIANTS) {
    it(`${v.label} (${v.fixture}): forward equals the original, gradient checked, direction close to the float model's`, async () => {
      const dir = await ensureFixture(v.fixture);
      const config = embeddingConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
      const bytes = v.bytes(dir);
      const original = decodeModel(bytes);
      const grad = buildGradientModel(bytes, { config });
      expect(grad.inputNames[0]!).toBe('inputs_embeds');
      expect(grad.outputNames).toEqual(['logits', 'grad_inputs_embeds']);
      const written = decodeModel(grad.bytes);
      expect(written.graph.node.every((n) => !n.domain)).toBe(true);
      expect(written.graph.input.find((i) => i.name === 'inputs_embeds')!.type!.tensor_type!.elem_type).toBe(1);
      for (const o of written.graph.output) expect(o.type!.tensor_type!.elem_type).toBe(1);
      // weights stay in their stored precision: the gradient file is not much bigger than the model's
      expect(grad.bytes.length).toBeLessThan((v.maxSizeRatio ?? 1.3) * bytes.length);
      const nbits = original.graph.node.filter((n) => n.op_type === 'MatMulNBits' || n.op_type === 'MatMulBnb4');
      if (/q4|bnb4/.test(v.label)) expect(nbits.length).toBeGreaterThan(0); // the file has the 4-bit ops under test
      if (nbits.length > 0) {
        // the packed 4-bit weights are written as they are (uint8, same bytes), and no initializer grows
        for (const n of nbits) {
          const packed = written.graph.initializer.find((t) => t.name === n.input[1]!)!;
          expect(packed.data_type).toBe(2);
          expect(packed.raw_data).toEqual(original.graph.initializer.find((t) => t.name === n.input[1]!)!.raw_data);
        }
        expect(initializerBytes(written.graph)).toBeLessThanOrEqual(initializerBytes(original.graph));
      } else {
        const size = (t: { dims: unknown[] }) => t.dims.reduce<number>((a, d) => a * Number(d), 1);
        const largest = [...written.graph.initializer].sort((x, y) => size(y) - size(x))[0]!;
        expect(largest.data_type).toBe(allInitializers(original.graph).sort((x, y) => size(y) - size(x))[0]!.data_type);
      }

      // (a) forward
      const { feeds, ids } = feedsFor(original, config!.vocab_size!, 11);
      const referenceOut = (await run(bytes, feeds)).logits!;
      const reference = floats(referenceOut);
      const dims = referenceOut.dims;
      const mine = await gradient(grad, feeds, ids, 5, dims);
      const scale = Math.max(...Array.from(reference, Math.abs));
      expect(maxAbsDiff(mine.logits, reference)).toBeLessThanOrEqual(v.forwardTol * scale);

      // (b) finite differences, on the gradient model itself or on its dequantized-weights path
      const smooth = v.quantizesActivations
        ? buildGradientModel(withoutActivationQuantization(original), { config })
        : grad;
      const gFeeds: Feeds = {
        inputs_embeds: lookupRows(smooth.embedding!.weights, smooth.embedding!.hiddenSize, ids, [B, S]),
      };
      for (const n of smooth.inputNames) if (feeds[n]) gFeeds[n] = feeds[n];
      const session = await ort.InferenceSession.create(smooth.bytes);
      const res = await checkGradient(session, gFeeds, 'logits', dims, 23);
      await session.release();
      expect(Math.abs(res.analytic)).toBeGreaterThan(0);
      expect(Math.abs(res.numeric - res.analytic)).toBeLessThanOrEqual(res.tolerance);
      if (v.quantizesActivations) {
        // the straight-through gradient is the dequantized-weights gradient with local derivatives taken at the
        // quantized activations: the same direction up to activation-quantization error (measured 0.9997 for
        // quantize_dynamic's per-tensor ranges, 0.9968 for the QDQ model's fixed +-8 range)
        const surrogate = await gradient(smooth, feeds, ids, 5, dims);
        expect(cosine(mine.g, surrogate.g)).toBeGreaterThanOrEqual(0.99);
      }

      if (nbits.length > 0) {
        // exact for the dequantized weights: the gradient of the same model with each MatMulNBits replaced by a
        // float MatMul of its dequantized weight (computed in TypeScript) is the same up to float32 rounding
        const twin = buildGradientModel(dequantizedTwin(original), { config });
        const expected = await gradient(twin, feeds, ids, 5, dims);
        const gScale = Math.max(...Array.from(expected.g, Math.abs));
        expect(maxAbsDiff(mine.g, expected.g)).toBeLessThanOrEqual(1e-5 * gScale);
      }

      // (c) direction against the float model
      const float = buildGradientModel(new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx'))), { config });
      const reference32 = await gradient(float, feeds, ids, 5, dims);
      const cos = cosine(mine.g, reference32.g);
      expect(cos).toBeGreaterThanOrEqual(v.minCosine);
    });
  }

  it('a graph mixing element types is refused before it is written, naming the node and the types', () => {
    const model = decodeModel(encodeModel(buildFixture('bert-tiny-opset17').folder.model as ModelProto));
    const graph = new Graph(model);
    const sub = graph.nodes.find((n) => n.op_type === 'Sub')!;
    // float64 (float16 would be widened by the float32 conversion of the build)
    const wide = graph.addNode('Cast', [sub.input[1]!], { attrs: { to: 11 }, name: 'to_double' })[0]!;
    sub.input[1] = wide;
    graph.invalidate();
    graph.toposort();
    expect(() => checkElementTypes(graph)).toThrow(TypeMismatchError);
    expect(() => checkElementTypes(graph)).toThrow(
      new RegExp(`"${sub.name}" \\(Sub: "[^"]+" float, "${wide}" double\\)`),
    );
    // the input model is at fault, not onnx-grad: the validator refuses it, naming the node and the types
    expect(() => buildGradientModel(model)).toThrow(ModelValidationError);
    expect(() => buildGradientModel(model)).toThrow(
      new RegExp(
        `node "${sub.name}" \\(Sub\\): inputs bound to one type parameter have different element types: "[^"]+" float, "${wide}" double`,
      ),
    );
  });

  it('activation quantization read by an integer op it does not lower is refused, naming the node', () => {
    const model = decodeModel(encodeModel(buildFixture('bert-tiny-opset17').folder.model as ModelProto));
    const graph = new Graph(model);
    // an activation quantized for a QLinearMatMul-style consumer: QuantizeLinear feeding a MatMulInteger directly
    const mm = graph.nodes.find((n) => n.op_type === 'MatMul' && graph.initializer(n.input[1]!))!;
    const scale = graph.addInitializer({
      name: 'act_scale',
      dims: [],
      data_type: 1,
      raw_data: new Uint8Array(new Float32Array([0.05]).buffer),
    });
    const zp = graph.addInitializer({ name: 'act_zp', dims: [], data_type: 2, raw_data: new Uint8Array([128]) });
    const q = graph.addNode('QuantizeLinear', [mm.input[0]!, scale, zp], { name: 'act_quantizer' })[0]!;
    const wq = graph.addNode('Cast', [mm.input[1]!], { attrs: { to: 2 }, name: 'weight_to_uint8' })[0]!;
    const int = graph.addNode('MatMulInteger', [q, wq, zp, zp], { name: 'integer_matmul' })[0]!;
    const f = graph.addNode('Cast', [int], { attrs: { to: 1 } })[0]!;
    mm.op_type = 'Identity';
    mm.input = [f];
    graph.invalidate();
    graph.toposort();
    expect(() => buildGradientModel(model)).toThrow(UnsupportedOpsError);
    expect(() => buildGradientModel(model)).toThrow(
      /"act_quantizer" \(QuantizeLinear: quantizes an activation read by "integer_matmul"/,
    );
  });
});
