/** Messages between the page and the explainer worker (structured-clone friendly). */
import type { AttributionOutput, DatasetMetricName, DatasetRowResult, RawDatasetRow } from '@interpreto-js/core';
import type { MethodName, OptionValues } from './methods.ts';
import type { Prediction } from './results/counterfactual.ts';
import type { PlaygroundTask } from './task.ts';
import type { ContrastSpec, DeviceChoice, ModelRef, ScoreSpec, TargetSpec } from './url-state.ts';

export type RunDevice = 'webgpu' | 'wasm';

/** Partial estimates reach the page at most this often (each one re-renders the heatmap). */
export const PARTIAL_INTERVAL_MS = 300;

export interface MetricSummary {
  auc: number;
  detailedScores: number[][][];
}

export interface ModelInfo {
  ref: ModelRef;
  task: PlaygroundTask;
  labels?: string[];
  device: RunDevice;
  /** Why the model runs on another device than the one chosen (a float16 file on WebGPU without shader-f16). */
  deviceNotice?: string;
  loadMs: number;
  /** The dtypes the model's source offers (a Hub repo's listing), when known: the dtype menu. */
  dtypes?: string[];
}

export interface RunRequest {
  model: ModelRef;
  device: DeviceChoice;
  text: string;
  target: TargetSpec;
  /** Why the target rather than this (already fitted to the model's task by the page). */
  contrast?: ContrastSpec;
  /** Custom units: character ranges of `text` (core `explain(..., { units })`). */
  units?: { start: number; end: number }[];
  /** Perturbation methods' `baseline` (fitted to the task by the page; gradient methods do not take it). */
  baseline?: string | { kind: 'token'; token: string };
  /** Attribute this function of the output distribution instead of the target's score (never with a contrast). */
  score?: ScoreSpec;
}

export type ToWorker =
  | { type: 'init'; id: number; base: string }
  | { type: 'load'; id: number; model: ModelRef; device: DeviceChoice }
  /** The user's own model files (Hub layout), kept by the worker for the session (model-source/user-files.ts). */
  | { type: 'files'; id: number; modelId: string; files: [string, Blob][] }
  | ({ type: 'explain'; id: number; method: MethodName; options: OptionValues; metrics: boolean } & RunRequest)
  | ({ type: 'compare'; id: number; methods: MethodName[]; options: OptionValues } & RunRequest)
  | { type: 'cancel'; id: number }
  /** The Dataset tab: runDataset over these rows, results streamed back in batches (dataset/worker-run.ts). */
  | ({ type: 'dataset'; id: number; model: ModelRef; device: DeviceChoice } & DatasetRequest)
  /** "Stop here": a sampling method stops drawing samples and the run ends with its current estimate. */
  | { type: 'stop'; id: number }
  /** The model's prediction on each text (a forward pass; generation: also a greedy continuation), for counterfactual edits. */
  | { type: 'predict'; id: number; model: ModelRef; device: DeviceChoice; texts: string[]; maxNewTokens: number };

export interface DatasetRequest {
  rows: RawDatasetRow[];
  methods: MethodName[];
  metrics: DatasetMetricName[];
  seed: number;
}

export interface ExplainResult {
  method: MethodName;
  output: AttributionOutput;
  /** Device the explainer ran on (from the output when the core reports it). */
  device: string;
  explainMs: number;
  /** onnxruntime-web has initialised its WebGPU execution provider (it sets env.webgpu.device when it does). */
  webgpuEp: boolean;
  insertion?: MetricSummary;
  deletion?: MetricSummary;
  metricsMs?: number;
  /** Why Insertion and Deletion were not computed although asked for. */
  metricsNote?: string;
}

export interface CompareRow {
  method: MethodName;
  insertionAuc?: number;
  deletionAuc?: number;
  explainMs?: number;
  device?: string;
  error?: string;
  /** The method's output, so the page can show every method's heatmap aligned by unit. */
  output?: AttributionOutput;
}

export type FromWorker =
  | {
      type: 'ready';
      id: number;
      /** The onnxruntime-web WebAssembly build the worker loads: JSPI where the browser has it, else asyncify. */
      ortBuild: 'jspi' | 'asyncify' | 'custom';
      /** software: the adapter emulates a GPU on the CPU (SwiftShader, a fallback adapter): "auto" then uses WASM. */
      webgpu: { available: boolean; adapter?: string; reason?: string; software?: boolean };
      /** onnxruntime-web's WASM threads, and whether the worker is cross-origin isolated (threads need it). */
      wasm: { threads: number; isolated: boolean };
    }
  | { type: 'registered'; id: number }
  /** `calls`: done and total count model calls (the core's model rows), which the page turns into a time left. */
  | { type: 'progress'; id: number; stage: string; done: number; total: number; unit?: 'calls' }
  /** A sampling method's current estimate (output.sampling.inProgress), at most every PARTIAL_INTERVAL_MS. */
  | { type: 'partial'; id: number; output: AttributionOutput }
  | { type: 'loaded'; id: number; info: ModelInfo }
  /** Dataset rows finished since the last batch (sent at most a few times a second), and the counts so far. */
  | { type: 'dataset-rows'; id: number; results: DatasetRowResult[]; done: number; failed: number }
  | { type: 'dataset-done'; id: number; info: ModelInfo }
  | { type: 'explained'; id: number; info: ModelInfo; result: ExplainResult }
  | { type: 'compared'; id: number; info: ModelInfo; rows: CompareRow[]; output?: AttributionOutput }
  | { type: 'predicted'; id: number; info: ModelInfo; predictions: Prediction[] }
  | {
      type: 'cancelled';
      id: number /** True when the worker had to be terminated (it did not stop at the AbortSignal in time). */;
      hard?: boolean;
    }
  | { type: 'error'; id: number; error: PlaygroundError };

export interface PlaygroundError {
  /** What happened, in one sentence. */
  message: string;
  /** What to try. */
  hint?: string;
  /** The underlying error text, for the details box. */
  detail?: string;
}
