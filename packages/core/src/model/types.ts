/**
 * Duck types of what `@huggingface/transformers` returns from `AutoModelFor*.from_pretrained` and
 * `AutoTokenizer.from_pretrained`: the core relies on these members only, so any transformers.js copy works.
 */
import type { OrtSession } from '../runtime/types.ts';

/** A transformers.js Tensor (wraps an onnxruntime tensor). */
export interface HfTensor {
  readonly type: string;
  readonly dims: number[];
  readonly data: ArrayLike<number | bigint> & { length: number };
  tolist?(): unknown;
}

export type HfTensorCtor = new (type: string, data: ArrayLike<number | bigint>, dims: number[]) => HfTensor;

export interface HfConfig {
  model_type?: string;
  id2label?: Record<string, string>;
  vocab_size?: number;
  hidden_size?: number;
  n_embd?: number;
  dim?: number;
  d_model?: number;
  max_position_embeddings?: number;
  n_positions?: number;
  n_ctx?: number;
  [key: string]: unknown;
}

export interface HfModel {
  config: HfConfig;
  sessions: Record<string, OrtSession>;
  can_generate?: boolean;
  (inputs: Record<string, HfTensor>): Promise<Record<string, HfTensor>>;
  generate?(options: Record<string, unknown>): Promise<unknown>;
}

export interface HfEncoding {
  input_ids: HfTensor | number[] | number[][];
  attention_mask?: HfTensor | number[] | number[][];
  token_type_ids?: HfTensor | number[] | number[][];
}

export interface HfTokenizer {
  (text: string | string[], options?: Record<string, unknown>): HfEncoding;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  get_vocab?(): Map<string, number> | Record<string, number>;
  mask_token_id?: number | null;
  unk_token_id?: number | null;
  pad_token_id?: number | null;
  eos_token_id?: number | null;
  bos_token_id?: number | null;
  all_special_ids?: number[];
  model_max_length?: number;
}

/**
 * What explainers and metrics accept as `model` and `tokenizer` at compile time: loose enough for any
 * transformers.js copy, strict enough that swapped or missing arguments fail to compile. The adapter checks
 * the rest at run time with clear errors.
 */
export interface ModelLike {
  readonly config: unknown;
  readonly sessions: Record<string, unknown>;
}
export interface TokenizerLike {
  encode(...args: never[]): unknown;
  decode(...args: never[]): unknown;
}
