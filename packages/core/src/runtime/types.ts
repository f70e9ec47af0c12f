/**
 * The slice of the onnxruntime API (node and web share it through onnxruntime-common) that the core uses.
 * Explainers only see these types, never an onnxruntime import.
 */
import type { ExternalDataPlan } from '@interpreto-js/onnx-grad';

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number | bigint> & { length: number };
  dispose?(): void;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
  /** transformers.js attaches { dtype, device } to the sessions it creates. */
  config?: { dtype?: string; device?: string };
}

export interface OrtSessionOptions {
  executionProviders?: unknown[];
  externalData?: unknown[];
  [key: string]: unknown;
}

export interface OrtModule {
  InferenceSession: { create(model: string | Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: string, data: ArrayLike<number | bigint>, dims: readonly number[]) => OrtTensor;
  env: Record<string, unknown>;
}

/**
 * Node (not Windows): opens a model given without its large weights (`bytes`) and the plan of its external data
 * file (onnx-grad's `externalDataOut`), from files, so that onnxruntime maps the weights instead of copying them.
 */
export interface SessionFiles {
  create(bytes: Uint8Array, plan: ExternalDataPlan, options: OrtSessionOptions): Promise<OrtSession>;
}

/** Where transformers.js loaded a session from: a file path (Node) or the bytes themselves (browser). */
export interface SessionSource {
  model: string | Uint8Array;
  externalData?: unknown[];
}
