/**
 * Gradient runner: the gradient model of a transformers.js model (built once per model with onnx-grad's
 * `buildGradientModel`) in a session of the shared onnxruntime, and one batched call that returns the forward
 * logits and the gradient of <seed, logits> with respect to the word embeddings.
 *
 * Exports: `GradientRunner` (`create(model, options)`, `embed(ids)`, `run(rows)`), `GradientRow`, `Seed`,
 * `GradientRunnerOptions`.
 */
import { buildGradientModel, type GradientModel } from '@interpreto-js/onnx-grad';
import { ort, pickExecutionProvider, type OrtSession, type OrtTensor } from '../runtime/index.ts';
import { modelBytes, type ModelSource } from './source.ts';
import type { HfModel } from './types.ts';

export interface GradientRunnerOptions {
  /** The model's ONNX file when it cannot be found from the loaded session (see source.ts). */
  modelSource?: ModelSource;
}

/** Cotangent of the logits for one row: `vector` over classes (classification) or over the vocabulary at `position`. */
export interface Seed {
  position?: number;
  vector: Float32Array;
}

export interface GradientRow {
  /** Token ids (feeds input_ids when the gradient model still reads them; also the padding embedding). */
  ids: readonly number[];
  /** Word embeddings, row-major [ids.length, hidden]. */
  embeds: Float32Array;
  /** Cotangent; omitted = zeros (forward only). */
  seed?: Seed;
}

export interface GradientResult {
  /** Logits of the row: [classes] or [seq, vocab] (the row's own length). */
  logits: Float32Array;
  /** d <seed, logits> / d embeds, [seq, hidden]. */
  grad: Float32Array;
}

/** Thrown for a quantization onnx-grad cannot differentiate (MatMulNBits with g_idx, QLinear* contrib ops, ...). */
export class QuantizedModelError extends Error {
  override name = 'QuantizedModelError';
}

/**
 * transformers.js dtypes whose files onnx-grad differentiates: fp16 computes in float32; q8/int8/uint8
 * (onnxruntime quantize_dynamic) keep their integer weights, dequantized in the graph, with a straight-through
 * gradient through the quantized activations; q4/q4f16 (MatMulNBits) and bnb4 (MatMulBnb4) keep their packed 4-bit
 * weights, unpacked and dequantized in the graph (the gradient is exact for the dequantized weights; q4f16 computes
 * in float32).
 */
export const SUPPORTED_DTYPES: ReadonlySet<string> = new Set([
  'fp32',
  'fp16',
  'q8',
  'int8',
  'uint8',
  'q4',
  'q4f16',
  'bnb4',
]);

const runners = new WeakMap<object, Promise<GradientRunner>>();

export class GradientRunner {
  private constructor(
    private readonly session: OrtSession,
    readonly weights: Float32Array,
    readonly vocabSize: number,
    readonly hiddenSize: number,
    readonly device: string,
    private readonly seedInput: string,
    private readonly gradOutput: string,
    private readonly logitsOutput: string,
  ) {}

  static create(model: HfModel, options: GradientRunnerOptions = {}): Promise<GradientRunner> {
    if (options.modelSource !== undefined) return GradientRunner.build(model, options);
    let p = runners.get(model);
    if (!p) {
      p = GradientRunner.build(model, options);
      runners.set(model, p);
      p.catch(() => runners.delete(model));
    }
    return p;
  }

  private static async build(model: HfModel, options: GradientRunnerOptions): Promise<GradientRunner> {
    const { bytes, externalData } = await modelBytes(model, options.modelSource);
    const config = model.config;
    const hidden = config.hidden_size ?? config.n_embd ?? config.dim ?? config.d_model;
    let grad: GradientModel;
    try {
      grad = buildGradientModel(bytes, {
        config: { vocab_size: config.vocab_size, hidden_size: hidden },
        externalData: Object.keys(externalData).length ? externalData : undefined,
      });
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      const dtype = model.sessions.model?.config?.dtype;
      if (
        /MatMulInteger|DynamicQuantizeLinear|QuantizeLinear|MatMulNBits|GatherBlockQuantized|QLinear|QOrdered|Quantize/i.test(
          msg,
        ) ||
        (dtype && !SUPPORTED_DTYPES.has(dtype))
      ) {
        throw new QuantizedModelError(
          `This ONNX file${dtype ? ` (dtype '${dtype}')` : ''} is quantized in a way gradient methods do not support yet (${msg}) ` +
            `Gradient methods support the dtypes ${[...SUPPORTED_DTYPES].join(', ')}: load one of them, e.g. the fp32 file onnx/model.onnx with from_pretrained(id, { dtype: 'fp32' }).`,
        );
      }
      throw e;
    }
    if (!grad.embedding)
      throw new Error('onnx-grad found no word-embedding table to cut at; gradient methods cannot run on this model.');
    // Same device as the model's session (a model loaded on WASM must not get its gradients from WebGPU).
    const { executionProviders, device, notice } = await pickExecutionProvider(
      model.sessions.model?.config?.device,
      model.sessions.model?.config?.dtype,
    );
    if (notice) console.warn(notice); // e.g. a float16 model on a WebGPU adapter without shader-f16: WASM instead
    // Errors only: ORT warns (through console.error in the browser) that shape arithmetic runs on the CPU, which is
    // expected for int64 subgraphs and not actionable by the user.
    const session = await ort.InferenceSession.create(grad.bytes, { executionProviders, logSeverityLevel: 3 });
    const seedInput = grad.inputNames.find((n) => n.startsWith('grad_'));
    const gradOutput = grad.outputNames.find((n) => n === 'grad_inputs_embeds');
    const logitsOutput = grad.outputNames.includes('logits') ? 'logits' : grad.outputNames[0]!;
    if (!seedInput || !gradOutput)
      throw new Error(`Unexpected gradient model interface: inputs ${grad.inputNames}, outputs ${grad.outputNames}.`);
    const { weights, vocabSize, hiddenSize } = grad.embedding;
    return new GradientRunner(session, weights, vocabSize, hiddenSize, device, seedInput, gradOutput, logitsOutput);
  }

  /** Word embeddings of ids, [ids.length, hidden]. */
  embed(ids: readonly number[]): Float32Array {
    const H = this.hiddenSize;
    const out = new Float32Array(ids.length * H);
    ids.forEach((id, s) => out.set(this.weights.subarray(id * H, (id + 1) * H), s * H));
    return out;
  }

  /** One session call for the whole batch; rows are right-padded (attention 0) to the longest. */
  async run(rows: readonly GradientRow[]): Promise<GradientResult[]> {
    const B = rows.length;
    const S = Math.max(...rows.map((r) => r.ids.length));
    const H = this.hiddenSize;
    // Padding: zero embeddings, id 0, attention 0 (never attended to, never read back).
    const embeds = new Float32Array(B * S * H);
    const ids = new BigInt64Array(B * S);
    const mask = new BigInt64Array(B * S);
    const positions = new BigInt64Array(B * S).fill(1n);
    rows.forEach((r, b) => {
      const n = r.ids.length;
      embeds.set(r.embeds, b * S * H);
      for (let s = 0; s < n; s++) {
        ids[b * S + s] = BigInt(r.ids[s]!);
        mask[b * S + s] = 1n;
        positions[b * S + s] = BigInt(s);
      }
    });
    const feeds: Record<string, OrtTensor> = {};
    const T = ort.Tensor;
    let seedDims: number[] = [];
    for (const name of this.session.inputNames) {
      if (name === 'inputs_embeds') feeds[name] = new T('float32', embeds, [B, S, H]);
      else if (name === 'attention_mask') feeds[name] = new T('int64', mask, [B, S]);
      else if (name === 'input_ids') feeds[name] = new T('int64', ids, [B, S]);
      else if (name === 'token_type_ids') feeds[name] = new T('int64', new BigInt64Array(B * S), [B, S]);
      else if (name === 'position_ids') feeds[name] = new T('int64', positions, [B, S]);
      else if (name === 'num_logits_to_keep' || name === 'logits_to_keep')
        feeds[name] = new T('int64', BigInt64Array.of(0n), []);
      else if (name === this.seedInput) {
        // Every row carries a seed (a zero vector for a forward-only row), so the width is known.
        const width = rows[0]?.seed?.vector.length ?? 0;
        const isSeq = rows.some((r) => r.seed?.position !== undefined);
        seedDims = isSeq ? [B, S, width] : [B, width];
        const data = new Float32Array(seedDims.reduce((a, b) => a * b, 1));
        rows.forEach((r, b) => {
          if (!r.seed) return;
          if (r.seed.vector.length !== width) throw new Error('All seeds of a batch must have the same width.');
          const off = isSeq ? (b * S + (r.seed.position ?? 0)) * width : b * width;
          data.set(r.seed.vector, off);
        });
        feeds[name] = new T('float32', data, seedDims);
      } else throw new Error(`The gradient model needs an input '${name}' that the core does not know how to feed.`);
    }
    const out = await this.session.run(feeds);
    const logits = out[this.logitsOutput]!;
    const grad = out[this.gradOutput]!;
    const L = logits.data as Float32Array;
    const G = grad.data as Float32Array;
    const perRowLogits = L.length / B;
    const results: GradientResult[] = rows.map((r, b) => {
      const n = r.ids.length;
      const logitsRow =
        logits.dims.length === 3
          ? L.slice(b * perRowLogits, b * perRowLogits + n * logits.dims[2]!)
          : L.slice(b * perRowLogits, (b + 1) * perRowLogits);
      return { logits: logitsRow, grad: G.slice(b * S * H, b * S * H + n * H) };
    });
    logits.dispose?.();
    grad.dispose?.();
    return results;
  }
}
