/**
 * Gradient runner: the gradient model of a transformers.js model (built once per model with onnx-grad's
 * `buildGradientModel`, with its target-score head: targets and inference mode are inputs, the score is computed in
 * the graph) in a session of the shared onnxruntime, and one batched call per batch that returns the logits each row
 * asks for and the gradient of its target score with respect to the word embeddings: no forward pass to build a
 * seed from, no seed tensor built here.
 *
 * Exports: `GradientRunner` (`create(model, options)`, `embed(ids)`, `run(rows, mode)`), `GradientRow`,
 * `GradientTarget`, `GradientResult`, `GradientRunnerOptions`.
 */
import { buildGradientModel, type GradientModel } from '@interpreto-js/onnx-grad';
import {
  ort,
  pickExecutionProvider,
  resolveSessionOptions,
  runtimeFacts,
  sessionFiles,
  sessionOptionsKey,
  type OrtSession,
  type OrtTensor,
  type SessionOptions,
} from '../runtime/index.ts';
import { modelBytes, type ModelSource } from './source.ts';
import type { HfModel } from './types.ts';
import { InferenceModes } from '../types.ts';
import {
  TARGET_IDS,
  TARGET_LOGITS,
  TARGET_POSITIONS,
  TARGET_WEIGHTS,
  INFERENCE_MODE,
  ROW_SOURCES,
} from '@interpreto-js/onnx-grad';

export interface GradientRunnerOptions {
  /** The model's ONNX file when it cannot be found from the loaded session (see source.ts). */
  modelSource?: ModelSource;
  /** Options of the gradient session (threads, spinning, optimisation level, providers); see session-options.ts. */
  sessionOptions?: SessionOptions;
}

/**
 * What a row differentiates: mode(logits)[index] - mode(logits)[contrast] (the contrast term when given), or with
 * `weights`, sum_k weights[k] mode(logits)[k] over every class / vocabulary entry (index and contrast unused): a
 * seed on the logits (LOGITS mode) or on the log-probabilities (LOG_SOFTMAX).
 */
export interface GradientTarget {
  index: number;
  contrast?: number;
  /** One weight per logit; rows of a batch that give weights give the same number. */
  weights?: Float32Array;
  /** Generation: the position whose logits score the target. */
  position?: number;
}

export interface GradientRow {
  /** Token ids (feeds input_ids when the gradient model still reads them; also the padding embedding). */
  ids: readonly number[];
  /** Word embeddings, row-major [ids.length, hidden]. */
  embeds: Float32Array;
  /** Omitted: forward only (the gradient comes back zero). */
  target?: GradientTarget;
  /**
   * Generation: positions whose logits to return, default [target.position]. The first one scores the target, so
   * a row with a target lists its position first.
   */
  positions?: readonly number[];
}

export interface GradientResult {
  /** Logits of the row: [classes], or [positions.length, vocab] at the row's positions (generation). */
  logits: Float32Array;
  /** d score / d embeds, [seq, hidden]. */
  grad: Float32Array;
}

/** The inference_mode input: a one-hot over (logits, softmax, log-softmax). */
const MODE_VECTOR: Record<InferenceModes, number[]> = {
  [InferenceModes.LOGITS]: [1, 0, 0],
  [InferenceModes.SOFTMAX]: [0, 1, 0],
  [InferenceModes.LOG_SOFTMAX]: [0, 0, 1],
};

/** Thrown for a quantization onnx-grad cannot differentiate (MatMulNBits with g_idx beside packed zero points, QLinear* contrib ops, ...). */
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

/** Per model: its gradient model (held weakly: rebuilt if collected) and one runner per distinct session options. */
interface PerModel {
  gradient?: WeakRef<GradientModel>;
  runners: Map<string, Promise<GradientRunner>>;
}
const perModel = new WeakMap<object, PerModel>();
const GRAD_OUTPUT = 'grad_inputs_embeds';

/** A generation row's logit positions (its target's first); undefined for a classification row. */
function scoredPositions(r: GradientRow): readonly number[] | undefined {
  return r.positions ?? (r.target?.position !== undefined ? [r.target.position] : undefined);
}

/** The forward's inputs: a row, and how many of its tokens the rows reading it need. */
interface ForwardInput {
  row: GradientRow;
  length: number;
}

/** One forward input per row. */
function ownInputs(
  rows: readonly GradientRow[],
  lengths: readonly number[],
): { sources: number[]; inputs: ForwardInput[] } {
  return { sources: rows.map((_, b) => b), inputs: rows.map((row, b) => ({ row, length: lengths[b]! })) };
}

/**
 * One forward input per distinct input of the batch: rows with the same ids and embeddings arrays (the target rows
 * of one input or of one sample point) read the same forward, cut after the longest of them needs.
 */
function distinctInputs(
  rows: readonly GradientRow[],
  lengths: readonly number[],
): { sources: number[]; inputs: ForwardInput[] } {
  const inputs: ForwardInput[] = [];
  const index = new Map<Float32Array, Map<readonly number[], number>>();
  const sources = rows.map((row, b) => {
    let byIds = index.get(row.embeds);
    if (!byIds) index.set(row.embeds, (byIds = new Map()));
    let m = byIds.get(row.ids);
    if (m === undefined) {
      byIds.set(row.ids, (m = inputs.length));
      inputs.push({ row, length: lengths[b]! });
    } else inputs[m]!.length = Math.max(inputs[m]!.length, lengths[b]!);
    return m;
  });
  return { sources, inputs };
}

/**
 * The embedding table in a buffer of its own: onnx-grad gives a view into the model file's bytes when it can, which
 * would keep the whole file (every weight, already in the session) alive as long as the runner. One copy per table.
 */
const ownTables = new WeakMap<Float32Array, Float32Array>();
function ownTable(table: Float32Array): Float32Array {
  if (table.byteLength === table.buffer.byteLength) return table;
  let own = ownTables.get(table);
  if (!own) ownTables.set(table, (own = table.slice()));
  return own;
}

export class GradientRunner {
  private constructor(
    private readonly session: OrtSession,
    readonly weights: Float32Array,
    readonly vocabSize: number,
    readonly hiddenSize: number,
    readonly device: string,
    private readonly seedInput: string,
    /** The model runs one forward per distinct input (onnx-grad's shareForward): rows point at their input. */
    private readonly sharedForward: boolean,
  ) {}

  /** The runner of a model for these session options: created once per model and options, unless modelSource is given. */
  static async create(model: HfModel, options: GradientRunnerOptions = {}): Promise<GradientRunner> {
    // Same device as the model's session unless the user names providers (a model loaded on WASM must not get
    // its gradients from WebGPU by accident).
    const picked = await pickExecutionProvider(
      model.sessions.model?.config?.device,
      model.sessions.model?.config?.dtype,
    );
    const resolved = resolveSessionOptions(options.sessionOptions ?? {}, runtimeFacts(), picked);
    // e.g. a float16 model on a WebGPU adapter without shader-f16: WASM instead, said once per new session.
    const notify = () => picked.notice && console.warn(picked.notice);
    if (options.modelSource !== undefined) {
      notify();
      const source = await modelBytes(model, options.modelSource);
      return GradientRunner.open(GradientRunner.build(model, source), resolved, () =>
        GradientRunner.build(model, source, false),
      );
    }
    let entry = perModel.get(model);
    if (!entry) perModel.set(model, (entry = { runners: new Map() }));
    // Keyed by what the user asked, not by the resolved options: a default that follows the machine's load must
    // not open a second session for the same model when the load changes.
    const key = sessionOptionsKey(options.sessionOptions ?? {}, picked);
    let p = entry.runners.get(key);
    if (!p) {
      notify();
      const e = entry;
      p = (async () => {
        let grad = e.gradient?.deref();
        if (!grad) {
          grad = GradientRunner.build(model, await modelBytes(model));
          e.gradient = new WeakRef(grad);
        }
        return GradientRunner.open(grad, resolved, async () =>
          GradientRunner.build(model, await modelBytes(model), false),
        );
      })();
      entry.runners.set(key, p);
      p.catch(() => e.runners.delete(key));
    }
    return p;
  }

  /**
   * `toFiles` (where the runtime opens sessions from files, see runtime/backend-node.ts): the large weights stay out
   * of the model's bytes, in the plan of its external data file, never copied into one buffer.
   */
  private static build(
    model: HfModel,
    { bytes, externalData }: Awaited<ReturnType<typeof modelBytes>>,
    toFiles = sessionFiles !== undefined,
  ): GradientModel {
    const config = model.config;
    const hidden = config.hidden_size ?? config.n_embd ?? config.dim ?? config.d_model;
    let grad: GradientModel;
    try {
      grad = buildGradientModel(bytes, {
        config: { vocab_size: config.vocab_size, hidden_size: hidden },
        externalData: Object.keys(externalData).length ? externalData : undefined,
        targetScore: true,
        // Rows of one input (its target tokens, a sample point's targets) share one forward where that is exact.
        shareForward: true,
        externalDataOut: toFiles ? { location: 'model.onnx_data' } : undefined,
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
    return grad;
  }

  private static async open(
    grad: GradientModel,
    resolved: ReturnType<typeof resolveSessionOptions>,
    inMemory: () => GradientModel | Promise<GradientModel>,
  ): Promise<GradientRunner> {
    // Errors only: ORT warns (through console.error in the browser) that shape arithmetic runs on the CPU, which is
    // expected for int64 subgraphs and not actionable by the user.
    const options = { ...resolved.session, logSeverityLevel: 3 };
    let session: OrtSession | undefined;
    if (grad.externalData && sessionFiles) {
      try {
        session = await sessionFiles.create(grad.bytes, grad.externalData, options);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw e;
        // A full or read-only temporary folder: the weights go inline, copied by onnxruntime (more memory).
        console.warn(
          `The gradient model could not be written to the temporary folder (${code}): its session is created from ` +
            'memory instead, which takes more memory.',
        );
        grad = await inMemory();
      }
    }
    session ??= await ort.InferenceSession.create(grad.bytes, options);
    const seedInput = grad.inputNames.find((n) => n.startsWith('grad_'));
    if (!seedInput || !grad.outputNames.includes(GRAD_OUTPUT) || !grad.outputNames.includes(TARGET_LOGITS))
      throw new Error(`Unexpected gradient model interface: inputs ${grad.inputNames}, outputs ${grad.outputNames}.`);
    const { weights, vocabSize, hiddenSize } = grad.embedding!;
    const shared = session.inputNames.includes(ROW_SOURCES);
    return new GradientRunner(session, ownTable(weights), vocabSize, hiddenSize, resolved.device, seedInput, shared);
  }

  /** Word embeddings of ids, [ids.length, hidden]. */
  embed(ids: readonly number[]): Float32Array {
    const H = this.hiddenSize;
    const out = new Float32Array(ids.length * H);
    ids.forEach((id, s) => out.set(this.weights.subarray(id * H, (id + 1) * H), s * H));
    return out;
  }

  /**
   * One session call for the whole batch; rows are right-padded (attention 0) to the longest. Generation rows
   * (those with logit positions) come from causal LMs, whose logits at p read tokens 0..p only: each is cut
   * after its last scored position, so no work is spent on the later tokens (their gradient is exactly 0, and
   * comes back as 0). Where the gradient model shares its forward, rows of the same input (the same ids and
   * embeddings arrays: the targets of one input or of one sample point) read one forward pass, as long as the
   * longest of them needs; each row still gets its own score head and backward pass.
   */
  async run(rows: readonly GradientRow[], mode: InferenceModes): Promise<GradientResult[]> {
    const B = rows.length;
    const scored = rows.map(scoredPositions);
    // Tokens each row needs: all of them, or for a generation row up to its last scored position.
    const lengths = rows.map((r, b) => {
      const l = scored[b];
      return l?.length ? Math.min(r.ids.length, Math.max(...l) + 1) : r.ids.length;
    });
    // The inputs the forward runs on: one per row, or with a shared forward one per distinct (ids, embeds) pair,
    // as long as its longest row needs.
    const { sources, inputs } = this.sharedForward ? distinctInputs(rows, lengths) : ownInputs(rows, lengths);
    const M = inputs.length;
    const S = Math.max(...lengths);
    const H = this.hiddenSize;
    // Padding: zero embeddings, id 0, attention 0 (never attended to, never read back).
    const embeds = new Float32Array(M * S * H);
    const ids = new BigInt64Array(M * S);
    const mask = new BigInt64Array(M * S);
    const positions = new BigInt64Array(M * S).fill(1n);
    inputs.forEach(({ row: r, length: n }, m) => {
      embeds.set(r.embeds.subarray(0, n * H), m * S * H);
      for (let s = 0; s < n; s++) {
        ids[m * S + s] = BigInt(r.ids[s]!);
        mask[m * S + s] = 1n;
        positions[m * S + s] = BigInt(s);
      }
    });
    // Targets: [index, contrast] with weights [1, -1], or [index, index] with [1, 0]; forward-only rows weigh 0.
    // Rows with dense weights make the batch's target list every logit (0..K-1); the others pad with zero weights.
    const dense = rows.find((r) => r.target?.weights)?.target?.weights;
    const K = dense ? dense.length : 2;
    if (rows.some((r) => r.target?.weights && r.target.weights.length !== K))
      throw new Error('GradientRunner.run: rows with weights must give the same number of weights.');
    const targetIds = new BigInt64Array(B * K);
    const weights = new Float32Array(B * K);
    if (dense) for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) targetIds[b * K + k] = BigInt(k);
    rows.forEach((r, b) => {
      if (!r.target) return;
      if (r.target.weights) {
        weights.set(r.target.weights, b * K);
        return;
      }
      targetIds[K * b] = BigInt(r.target.index);
      targetIds[K * b + 1] = BigInt(r.target.contrast ?? r.target.index);
      weights[K * b] = 1;
      weights[K * b + 1] = r.target.contrast === undefined ? 0 : -1;
    });
    // Logit positions per row (generation), padded to the batch's longest list by repeating the last one.
    const lists = scored.map((l) => l ?? [0]);
    const P = Math.max(...lists.map((l) => l.length));
    const targetPositions = new BigInt64Array(B * P);
    lists.forEach((l, b) => {
      for (let p = 0; p < P; p++) targetPositions[b * P + p] = BigInt(l[Math.min(p, l.length - 1)]!);
    });
    const feeds: Record<string, OrtTensor> = {};
    const T = ort.Tensor;
    for (const name of this.session.inputNames) {
      if (name === 'inputs_embeds') feeds[name] = new T('float32', embeds, [M, S, H]);
      else if (name === 'attention_mask') feeds[name] = new T('int64', mask, [M, S]);
      else if (name === 'input_ids') feeds[name] = new T('int64', ids, [M, S]);
      else if (name === 'token_type_ids') feeds[name] = new T('int64', new BigInt64Array(M * S), [M, S]);
      else if (name === 'position_ids') feeds[name] = new T('int64', positions, [M, S]);
      else if (name === ROW_SOURCES) feeds[name] = new T('int64', BigInt64Array.from(sources, BigInt), [B]);
      else if (name === 'num_logits_to_keep' || name === 'logits_to_keep')
        feeds[name] = new T('int64', BigInt64Array.of(0n), []);
      else if (name === TARGET_IDS) feeds[name] = new T('int64', targetIds, [B, K]);
      else if (name === TARGET_WEIGHTS) feeds[name] = new T('float32', weights, [B, K]);
      else if (name === INFERENCE_MODE) feeds[name] = new T('float32', Float32Array.from(MODE_VECTOR[mode]), [3]);
      else if (name === TARGET_POSITIONS) feeds[name] = new T('int64', targetPositions, [B, P]);
      else if (name === this.seedInput) feeds[name] = new T('float32', new Float32Array(B).fill(1), [B]);
      else throw new Error(`The gradient model needs an input '${name}' that the core does not know how to feed.`);
    }
    const out = await this.session.run(feeds);
    const logits = out[TARGET_LOGITS]!;
    const grad = out[GRAD_OUTPUT]!;
    const L = logits.data as Float32Array;
    const G = grad.data as Float32Array;
    const perRow = L.length / B;
    const width = logits.dims[logits.dims.length - 1]!;
    const results: GradientResult[] = rows.map((r, b) => {
      const grad = new Float32Array(r.ids.length * H);
      grad.set(G.subarray(b * S * H, b * S * H + lengths[b]! * H));
      return {
        logits: L.slice(b * perRow, b * perRow + (logits.dims.length === 3 ? lists[b]!.length * width : perRow)),
        grad,
      };
    });
    for (const t of Object.values(out)) t.dispose?.();
    return results;
  }
}
