/**
 * Session options a user may set for the onnxruntime sessions the core creates (today: the gradient model's), and
 * how they become onnxruntime's own options on each runtime, with defaults that suit it. Pure: the runtime facts
 * (cores, load, WASM threads) are passed in by the backend.
 *
 * Defaults:
 * - node: onnxruntime's own thread count (`threads` unset: one per physical core); idle threads spin only when
 *   the threads fit in the cores left free by the machine's load (spinning threads on a busy machine were
 *   measured 1.8x slower than waiting ones), graph optimisation 'all', no constant-folded weight copies
 *   (NODE_MEMORY_CONFIG) and no memory pattern (NODE_MEMORY_OPTIONS).
 * - web: the WASM thread count is onnxruntime-web's (`env.wasm.numThreads`, fixed when it starts: the core sets it
 *   from `navigator.hardwareConcurrency` when the page is cross-origin isolated, see backend-web.ts), no spinning.
 *
 * Exports: `SessionOptions`, `RuntimeFacts`, `GRAPH_OPTIMIZATION_LEVELS`, `EXECUTION_PROVIDERS`,
 * `isExecutionProviderList(v)`, `NODE_MEMORY_CONFIG`, `NODE_MEMORY_OPTIONS`, `resolveSessionOptions(options, facts,
 * picked)`, `sessionOptionsKey(options, picked)`.
 */
import { InputError } from '../errors.ts';
import type { OrtSessionOptions } from './types.ts';

export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export const EXECUTION_PROVIDERS = ['cpu', 'wasm', 'webgpu'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface SessionOptions {
  /** Threads per operator: onnxruntime-node's intraOpNumThreads; on the web, the WASM thread count (see docs). */
  threads?: number;
  /** Whether idle threads busy-wait for work (faster on a quiet machine, much slower on a busy one). */
  spinning?: boolean;
  /** onnxruntime's graph optimisation level (default 'all'). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Execution providers in order of preference: 'cpu' in Node; 'webgpu', 'wasm' in the browser. */
  executionProviders?: ExecutionProvider[];
}

export interface RuntimeFacts {
  runtime: 'node' | 'web';
  /** Logical cores (availableParallelism / hardwareConcurrency). */
  cores: number;
  /** 1-minute load average (node), 0 where unknown. */
  load: number;
  /** onnxruntime-web's WASM thread count, fixed once it started (web only). */
  wasmThreads?: number;
}

export function isExecutionProviderList(v: unknown): v is ExecutionProvider[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((p) => typeof p === 'string' && (EXECUTION_PROVIDERS as readonly string[]).includes(p))
  );
}

/**
 * Node: onnxruntime config entries that keep the gradient model's weights from being copied (docs/performance.md
 * §2). Constant folding turns each `Transpose(W)` of the backward pass into a second, transposed copy of W (with it
 * off, onnxruntime fuses the Transpose into its MatMul instead, reading W in place): off, at no measured run-time
 * cost. Prepacking (a packed copy of every MatMul weight) stays on: turning it off saved another ~165 MiB on a
 * 6-layer BERT but made each gradient run 1.10x slower [1.04-1.19] on a quiet machine. Kept out of the web options:
 * onnxruntime-web's WASM kernels are another story (not measured).
 */
export const NODE_MEMORY_CONFIG = {
  optimization: { disable_specified_optimizers: 'ConstantFolding' },
} as const;

/**
 * Node: onnxruntime session options beside those entries (docs/performance.md §2). From the second run on, the
 * memory pattern asks the arena for all activations as one block of the size the first run traced; none of the
 * smaller regions the arena grew to during the first run holds it, so the arena adds a region that size, a second
 * copy of the activations' memory. Off, every run reuses the first run's chunks: ~110 MiB less from the second run
 * on (6-layer BERT, 8 x 64), the same gradients, no measured run-time cost.
 */
export const NODE_MEMORY_OPTIONS = { enableMemPattern: false } as const;

const PROVIDERS_OF: Record<RuntimeFacts['runtime'], readonly ExecutionProvider[]> = {
  node: ['cpu'],
  web: ['webgpu', 'wasm'],
};

/**
 * onnxruntime session options (and the device they run on) from the user's options, the runtime's facts and the
 * provider picked for the model's own device. Throws an InputError for what this runtime cannot do.
 */
export function resolveSessionOptions(
  options: SessionOptions,
  facts: RuntimeFacts,
  picked: { executionProviders: string[]; device: string },
): { session: OrtSessionOptions; device: string } {
  const providers = options.executionProviders ?? picked.executionProviders;
  const bad = providers.filter((p) => !(PROVIDERS_OF[facts.runtime] as readonly string[]).includes(p));
  if (bad.length > 0) {
    throw new InputError(
      `sessionOptions.executionProviders: ${bad.map((p) => `'${p}'`).join(', ')} cannot run here; ` +
        `${facts.runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web'} runs ${PROVIDERS_OF[facts.runtime]
          .map((p) => `'${p}'`)
          .join(', ')}.`,
    );
  }
  const session: OrtSessionOptions = {
    executionProviders: [...providers],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  };
  let spinning: boolean;
  if (facts.runtime === 'node') {
    if (options.threads !== undefined) {
      session.intraOpNumThreads = options.threads;
      session.interOpNumThreads = 1;
    }
    const threads = options.threads ?? facts.cores;
    spinning = options.spinning ?? threads <= Math.round(facts.cores - facts.load);
  } else {
    // onnxruntime-web reads its WASM thread count once, when it starts (before the model's own session).
    if (options.threads !== undefined && facts.wasmThreads !== undefined && options.threads !== facts.wasmThreads) {
      throw new InputError(
        `sessionOptions.threads: onnxruntime-web already runs ${facts.wasmThreads} WASM thread(s), fixed when it ` +
          'started; set `env.backends.onnx.wasm.numThreads` (transformers.js) before loading the model instead, ' +
          'or leave threads out.',
      );
    }
    spinning = options.spinning ?? false;
  }
  const intraOp = { intra_op: { allow_spinning: spinning ? '1' : '0' } };
  if (facts.runtime === 'node') Object.assign(session, NODE_MEMORY_OPTIONS);
  session.extra = facts.runtime === 'node' ? { ...NODE_MEMORY_CONFIG, session: intraOp } : { session: intraOp };
  return { session, device: providers[0]! };
}

/**
 * One cache key per distinct user options and picked provider (sessions are created once per model and key); the
 * fields are sorted so that key order does not matter.
 */
export function sessionOptionsKey(options: SessionOptions, picked: { executionProviders: string[] }): string {
  const o = options as Record<string, unknown>;
  return JSON.stringify([
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
    picked.executionProviders,
  ]);
}
