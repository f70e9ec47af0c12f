/**
 * Model adapter: everything the explainers and metrics need from a transformers.js model + tokenizer pair.
 *
 * Exports:
 * - `ModelAdapter.for(model, tokenizer, options?)`: cached per (model, tokenizer); checks the pair once
 *   (task, tokenizer vocabulary against the model's embedding size, replacement token).
 * - members: `task`, `classes`, `nClasses`, `vocabSize`, `maxPositions`, `replaceTokenId`, `padTokenId`,
 *   `specialIds`, `device` (where the model's own session runs), `tokenizer`, `model`.
 * - `encode(text, addSpecialTokens)`, `fitToPositions(ids)` (truncation, see there), `forward(ids[][])`
 *   (logits of a right-padded batch), `generate(ids, options)` (greedy), `gradients(sessionOptions?)` (the cached
 *   gradient runner).
 * - `InputError`: every bad-input error of the core.
 */
import type { ModelTask } from '../types.ts';
import { detectTask } from './task.ts';
import type { HfModel, HfTensor, HfTensorCtor, HfTokenizer, ModelLike, TokenizerLike } from './types.ts';
import { GradientRunner, type GradientRunnerOptions } from './gradient.ts';
import type { SessionOptions } from '../runtime/session-options.ts';
import { InputError } from '../errors.ts';
import { halfToFloat } from '@interpreto-js/onnx-grad';

export { InputError };

export interface AdapterOptions extends Omit<GradientRunnerOptions, 'sessionOptions'> {
  /** Token id that replaces a unit (default: mask token, else unk, else pad, else eos). */
  replaceTokenId?: number;
}

export interface Logits {
  /** Row-major [batch, classes] (classification) or [batch, positions, vocab] (generation). */
  data: Float32Array;
  dims: number[];
  /**
   * Generation: per row, the positions `forward` was asked for as indices into dims[1] (the sequence's positions
   * less those before the first one computed); undefined where none were given.
   */
  positions: (readonly number[] | undefined)[];
}

function vocabSizeOf(tokenizer: HfTokenizer): number | undefined {
  const vocab = tokenizer.get_vocab?.();
  if (!vocab) return undefined;
  let max = -1;
  const values = vocab instanceof Map ? vocab.values() : Object.values(vocab);
  for (const id of values) if (id > max) max = id;
  return max + 1;
}

const adapters = new WeakMap<object, WeakMap<object, ModelAdapter>>();

export class ModelAdapter {
  readonly task: ModelTask;
  readonly classes?: string[];
  readonly nClasses: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly replaceTokenId: number;
  readonly padTokenId: number;
  readonly specialIds: ReadonlySet<number>;
  readonly device: string;
  /** The transformers.js dtype of the loaded file ('fp32', 'fp16', 'q8', ...), when transformers.js recorded it. */
  readonly modelDtype?: string;
  private readonly Tensor: HfTensorCtor;
  private readonly inputNames: readonly string[];
  private readonly gradientRunners = new Map<string, Promise<GradientRunner>>();

  static for(model: ModelLike, tokenizer: TokenizerLike, options: AdapterOptions = {}): ModelAdapter {
    if (!model || (typeof model !== 'object' && typeof model !== 'function')) {
      throw new InputError('The first argument must be a transformers.js model (AutoModelFor*.from_pretrained(...)).');
    }
    if (typeof tokenizer !== 'function') {
      throw new InputError(
        'The second argument must be a transformers.js tokenizer (AutoTokenizer.from_pretrained(...)).',
      );
    }
    let byTok = adapters.get(model as object);
    if (!byTok) adapters.set(model as object, (byTok = new WeakMap()));
    const key = tokenizer as object;
    const cached = byTok.get(key);
    if (cached && options.replaceTokenId === undefined && options.modelSource === undefined) return cached;
    const adapter = new ModelAdapter(model as HfModel, tokenizer as HfTokenizer, options);
    if (options.replaceTokenId === undefined && options.modelSource === undefined) byTok.set(key, adapter);
    return adapter;
  }

  private constructor(
    readonly model: HfModel,
    readonly tokenizer: HfTokenizer,
    private readonly options: AdapterOptions,
  ) {
    this.task = detectTask(model);
    const config = model.config;
    const session = model.sessions.model!;
    this.inputNames = session.inputNames;
    this.device = session.config?.device ?? 'cpu';
    this.modelDtype = session.config?.dtype;

    const modelVocab = config.vocab_size;
    const tokVocab = vocabSizeOf(tokenizer);
    if (modelVocab !== undefined && tokVocab !== undefined && tokVocab > modelVocab) {
      throw new InputError(
        `The tokenizer does not match the model: it has ids up to ${tokVocab - 1} but the model (model_type "${config.model_type}") ` +
          `embeds only ${modelVocab} tokens (config.vocab_size). Load the tokenizer from the same folder or Hub id as the model.`,
      );
    }
    this.vocabSize = modelVocab ?? tokVocab ?? 0;
    const positions = config.max_position_embeddings ?? config.n_positions ?? config.n_ctx;
    const tokMax = tokenizer.model_max_length;
    this.maxPositions = Math.min(
      positions ?? Infinity,
      tokMax && Number.isFinite(tokMax) && tokMax > 0 ? tokMax : Infinity,
    );

    if (this.task === 'classification') {
      const id2label = config.id2label ?? {};
      const n = Object.keys(id2label).length || ((config as { num_labels?: number }).num_labels ?? 0);
      this.nClasses = n;
      this.classes = Array.from({ length: n }, (_, i) => id2label[String(i)] ?? `LABEL_${i}`);
    } else {
      this.nClasses = this.vocabSize;
    }

    const special = new Set<number>(tokenizer.all_special_ids ?? []);
    this.specialIds = special;
    const candidates = [
      options.replaceTokenId,
      tokenizer.mask_token_id,
      tokenizer.unk_token_id,
      tokenizer.pad_token_id,
      tokenizer.eos_token_id,
    ];
    const replace = candidates.find((c): c is number => typeof c === 'number' && c >= 0);
    if (replace === undefined) {
      throw new InputError(
        'The tokenizer has no mask, unk, pad or eos token to replace units with; pass `replaceTokenId`.',
      );
    }
    if (!Number.isInteger(replace) || replace >= this.vocabSize) {
      throw new InputError(
        `replaceTokenId ${replace} is not a token id of this model (vocabulary of ${this.vocabSize}).`,
      );
    }
    this.replaceTokenId = replace;
    this.padTokenId = [tokenizer.pad_token_id, tokenizer.eos_token_id, replace].find(
      (c): c is number => typeof c === 'number' && c >= 0,
    )!;

    const probe = tokenizer('a') as { input_ids: HfTensor };
    this.Tensor = (probe.input_ids as unknown as { constructor: HfTensorCtor }).constructor;
  }

  tensor(type: string, data: ArrayLike<number | bigint>, dims: number[]): HfTensor {
    return new this.Tensor(type, data, dims);
  }

  encode(text: string, addSpecialTokens: boolean): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens });
  }

  /**
   * Inputs longer than the model's positions are truncated, not refused: leading and trailing special tokens
   * are kept and the content in between is cut at the end (`keep: 'start'`) or at the start (`keep: 'end'`,
   * used for generation prompts, whose end must stay next to the target).
   */
  fitToPositions(
    ids: number[],
    room: number = this.maxPositions,
    keep: 'start' | 'end' = 'start',
  ): { ids: number[]; truncated: boolean } {
    if (ids.length <= room) return { ids, truncated: false };
    let lead = 0;
    while (lead < ids.length && this.specialIds.has(ids[lead]!)) lead++;
    let trail = 0;
    while (trail < ids.length - lead && this.specialIds.has(ids[ids.length - 1 - trail]!)) trail++;
    const contentRoom = room - lead - trail;
    if (contentRoom < 1) throw new InputError(`The model takes at most ${room} tokens here, too few to hold any text.`);
    const content = ids.slice(lead, ids.length - trail);
    const kept = keep === 'start' ? content.slice(0, contentRoom) : content.slice(content.length - contentRoom);
    return { ids: [...ids.slice(0, lead), ...kept, ...ids.slice(ids.length - trail)], truncated: true };
  }

  checkIds(ids: readonly number[]): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new InputError(
          `Token id ${id} is outside the model's vocabulary (0..${this.vocabSize - 1}); the input ids do not come from this model's tokenizer.`,
        );
      }
    }
  }

  /**
   * Logits of a batch of sequences, right-padded (attention 0 on padding) to the longest one. `needed` (generation:
   * per row, the positions whose logits are read): where the model takes `num_logits_to_keep` (newer transformers.js
   * exports), its LM head then runs only from the earliest of them to the end, and `positions` index those rows.
   */
  async forward(
    batch: readonly (readonly number[])[],
    needed?: readonly (readonly number[] | undefined)[],
  ): Promise<Logits> {
    const B = batch.length;
    const S = Math.max(...batch.map((r) => r.length));
    const ids = new BigInt64Array(B * S).fill(BigInt(this.padTokenId));
    const mask = new BigInt64Array(B * S);
    batch.forEach((row, b) => {
      for (let s = 0; s < row.length; s++) {
        ids[b * S + s] = BigInt(row[s]!);
        mask[b * S + s] = 1n;
      }
    });
    const feeds: Record<string, HfTensor> = {
      input_ids: this.tensor('int64', ids, [B, S]),
      attention_mask: this.tensor('int64', mask, [B, S]),
    };
    if (this.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = this.tensor('int64', new BigInt64Array(B * S), [B, S]);
    const earliest = needed?.every((p) => p && p.length > 0) ? Math.min(...needed.flatMap((p) => p!)) : 0;
    if (earliest > 0 && this.inputNames.includes('num_logits_to_keep'))
      feeds.num_logits_to_keep = this.tensor('int64', BigInt64Array.of(BigInt(S - Math.min(earliest, S - 1))), []);
    const out = await this.model(feeds).catch((e: unknown) => {
      // onnxruntime-web's WebGPU kernels refuse float16 tensors on adapters without shader-f16 at the first run
      if (/requires f16 but the device does not support it/.test(String((e as Error)?.message ?? e))) {
        throw new InputError(
          `The model's file${this.modelDtype ? ` (dtype '${this.modelDtype}')` : ''} holds float16 tensors, which ` +
            "onnxruntime-web runs on WebGPU only with the adapter feature 'shader-f16', and this browser's adapter " +
            "lacks it. Load the model with { device: 'wasm' }, or load its float32 or 8-bit file.",
        );
      }
      throw e;
    });
    const logits = out.logits;
    if (!logits) throw new Error('The model returned no logits.');
    const dims = [...logits.dims];
    // Sequence logits cover the last dims[1] positions (all of them unless fewer were asked for).
    const first = dims.length === 3 ? S - dims[1]! : 0;
    const positions = batch.map((_, b) => needed?.[b]?.map((p) => p - first));
    return { data: logitsAsFloat32(logits), dims, positions };
  }

  /** Greedy continuation of one prompt; returns the generated ids only. */
  async generate(
    prompt: readonly number[],
    options: { max_new_tokens?: number; max_length?: number } = {},
  ): Promise<number[]> {
    if (typeof this.model.generate !== 'function') throw new InputError('This model cannot generate.');
    const n = prompt.length;
    const input_ids = this.tensor('int64', BigInt64Array.from(prompt, BigInt), [1, n]);
    const attention_mask = this.tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const genOptions: Record<string, unknown> = { input_ids, attention_mask, do_sample: false };
    if (options.max_new_tokens !== undefined) genOptions.max_new_tokens = options.max_new_tokens;
    else if (options.max_length !== undefined) genOptions.max_length = Math.min(options.max_length, this.maxPositions);
    else genOptions.max_new_tokens = 10;
    const out = (await this.model.generate(genOptions)) as HfTensor | { sequences: HfTensor };
    const seq = 'sequences' in out ? out.sequences : out;
    const all = Array.from(seq.data as ArrayLike<number | bigint>, Number);
    return all.slice(n);
  }

  /**
   * The gradient model of this model, built once per adapter from the bytes transformers.js loaded, in a session
   * with these options (one session per distinct options).
   */
  gradients(sessionOptions: SessionOptions = {}): Promise<GradientRunner> {
    const key = JSON.stringify(sessionOptions);
    let p = this.gradientRunners.get(key);
    if (!p) {
      p = GradientRunner.create(this.model, { ...this.options, sessionOptions });
      this.gradientRunners.set(key, p);
      p.catch(() => this.gradientRunners.delete(key));
    }
    return p;
  }
}

/** float16 logits (fp16/q4f16 files) come from onnxruntime as raw half bits in a Uint16Array: decode them. */
function logitsAsFloat32(logits: HfTensor): Float32Array {
  const d = logits.data;
  if (d instanceof Float32Array) return d;
  if (logits.type === 'float16' && d instanceof Uint16Array) return Float32Array.from(d, halfToFloat);
  return Float32Array.from(d as ArrayLike<number>);
}
