/**
 * The explainer worker: loads models with transformers.js, runs the core's explainers and metrics,
 * and reports progress, so the page never freezes. One ORT instance is shared with transformers.js
 * (set on the global symbol before transformers.js is imported) and its wasm comes from our origin.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { describeLoadError, describeRunError, PlaygroundFailure } from './errors.ts';
import { METHODS, type MethodName, type OptionValues } from './methods.ts';
import {
  PARTIAL_INTERVAL_MS,
  type CompareRow,
  type ExplainResult,
  type FromWorker,
  type MetricSummary,
  type ModelInfo,
  type RunDevice,
  type RunRequest,
  type ToWorker,
} from './protocol.ts';
import { labelsFromConfig, taskFromConfig, type PlaygroundTask } from './task.ts';
import { SCORE_NAMES, type DeviceChoice, type ModelRef } from './url-state.ts';
import { isSoftwareAdapter } from './model-source/device.ts';
import { hubDtypes } from './model-source/hub-files.ts';
import { MODEL_CACHE, transformersSource } from './model-source/sources.ts';
import { withUserFiles, type UserFiles } from './model-source/user-files.ts';
import type { AttributionOutput } from '@interpreto-js/core';
import { runDatasetInWorker } from './dataset/worker-run.ts';
import { softmax, type Prediction } from './results/counterfactual.ts';

/** The little of WebGPU the worker reads (the DOM lib has no WebGPU types). */
interface GPUAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features?: { has(name: string): boolean };
}

/** transformers.js dtypes whose files hold float16 tensors (the core's HALF_PRECISION_DTYPES). */
const HALF_PRECISION = new Set(['fp16', 'q4f16']);
interface GPULike {
  requestAdapter(): Promise<GPUAdapterLike | null>;
}

type Transformers = typeof import('@huggingface/transformers');
type Core = typeof import('@interpreto-js/core');

interface Loaded {
  key: string;
  info: ModelInfo;
  // transformers.js objects; the core accepts what from_pretrained returns.
  // biome-ignore lint/suspicious/noExplicitAny: whatever from_pretrained returns, passed through untouched
  model: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  tokenizer: any;
}

const post = (msg: FromWorker) => (self as unknown as Worker).postMessage(msg);
const controllers = new Map<number, AbortController>();
/** "Stop here" of each explain run (core stopWhen.signal): sampling ends and the run resolves with its estimate. */
const stops = new Map<number, AbortController>();
let libs: Promise<{ tf: Transformers; core: Core }> | null = null;
let gpuAdapter: Promise<GPUAdapterLike | null> | null = null;
let current: Loaded | null = null;
/** The user's own model files given this session, by model id (served to transformers.js from memory). */
const userFiles: UserFiles = new Map();
/** Requests run one at a time (one model, one device); a newer one waits for the older to end. */
let queue: Promise<unknown> = Promise.resolve();

/** A valid 70-byte ONNX model (y = Identity(x), float32 [1], opset 13): the wasm warm-up's session. */
const WARMUP_MODEL = Uint8Array.from(
  atob('CAg6PAoQCgF4EgF5IghJZGVudGl0eRIGd2FybXVwWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQDQ=='),
  (c) => c.charCodeAt(0),
);

/**
 * The warm-up session: onnxruntime refuses a second initialisation while one is under way ("multiple calls to
 * 'initWasm()'"), so every other session waits for it.
 */
let wasmWarmup: Promise<void> = Promise.resolve();

async function init(base: string): Promise<{ tf: Transformers; core: Core }> {
  // ORT warns (through console.error) that shape ops stay on the CPU next to WebGPU: expected, not an error.
  ort.env.logLevel = 'error';
  // Threads need cross-origin isolation, which a plain static host does not give.
  if (!(self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated) ort.env.wasm.numThreads = 1;
  // The core first: it installs the shared (recording) onnxruntime that transformers.js then picks up,
  // which is how gradient methods get the model bytes transformers.js loaded.
  const core = await import('@interpreto-js/core');
  // Before the first session and transformers.js (which would otherwise point onnxruntime-web at a CDN): our own
  // copy in ort/ (build/ort-assets.ts) of the JSPI build where the browser has JSPI (faster to start), else asyncify.
  const at = (files: { mjs: string; wasm: string }) => ({
    mjs: new URL(`ort/${files.mjs}`, base).href,
    wasm: new URL(`ort/${files.wasm}`, base).href,
  });
  const { build } = core.chooseOrtWasm({ jspi: core.hasJspi(globalThis.WebAssembly) }, core.ORT_WASM_FILES.jspi);
  ort.env.wasm.wasmPaths = at(core.ORT_WASM_FILES[build]);
  // The first session compiles onnxruntime's wasm (26 MB, seconds): start it now, with a 70-byte model, so that it
  // runs alongside transformers.js's import, the page's first request and the model's files. After the core's
  // import, which sets the WASM threads (read once, when onnxruntime starts).
  wasmWarmup = ort.InferenceSession.create(WARMUP_MODEL, { executionProviders: ['wasm'] }).then(
    (session) => session.release(),
    () => undefined, // the model's own session reports any real failure
  );
  const tf = await import('@huggingface/transformers');
  const shared = (globalThis as Record<symbol, { env?: unknown } | undefined>)[Symbol.for('onnxruntime')];
  if (shared && shared.env !== ort.env)
    throw new Error('two onnxruntime-web instances were bundled; the worker and the core must share one.');
  tf.env.allowLocalModels = true;
  // A path, not a full URL: transformers.js only probes local files when localModelPath is not a URL.
  tf.env.localModelPath = new URL('models/', base).pathname;
  tf.env.allowRemoteModels = false;
  // Hub, URL and user models are kept in Cache Storage under our own name (listed and cleared by the page).
  tf.env.cacheKey = MODEL_CACHE;
  tf.env.useWasmCache = false;
  tf.env.fetch = withUserFiles(userFiles, tf.env.fetch ?? fetch);
  return { tf, core };
}

function adapter(): Promise<GPUAdapterLike | null> {
  gpuAdapter ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: GPULike }).gpu;
    if (!gpu) return null;
    try {
      return await gpu.requestAdapter();
    } catch {
      return null;
    }
  })();
  return gpuAdapter;
}

/**
 * The device a model of `dtype` runs on: `resolveDevice`'s, except that a half-precision file goes to WASM, with a
 * notice, where the WebGPU adapter lacks shader-f16 (onnxruntime-web's WebGPU kernels then refuse its float16
 * tensors at the first run, with an error that says nothing of the cause).
 */
async function deviceFor(choice: DeviceChoice, dtype: string): Promise<{ device: RunDevice; notice?: string }> {
  const device = await resolveDevice(choice);
  if (device !== 'webgpu' || !HALF_PRECISION.has(dtype) || (await adapter())?.features?.has('shader-f16'))
    return { device };
  return {
    device: 'wasm',
    notice:
      `The ${dtype} file holds float16 tensors, which onnxruntime-web runs on WebGPU only with the adapter feature ` +
      "'shader-f16', and this browser's WebGPU adapter lacks it: the model and its gradients run on WASM. " +
      'Pick the fp32 or an 8-bit file to run on WebGPU here.',
  };
}

async function resolveDevice(choice: DeviceChoice): Promise<RunDevice> {
  if (choice === 'wasm') return 'wasm';
  const a = await adapter();
  // A software adapter (SwiftShader) is many times slower than WASM: "auto" takes WASM and the page says why.
  if (a && (choice === 'webgpu' || !isSoftwareAdapter(a))) return 'webgpu';
  if (choice === 'webgpu') {
    throw new PlaygroundFailure(
      'WebGPU was asked for, but this browser gives no WebGPU adapter.',
      'Choose the "auto" or "WASM" device, or enable WebGPU in the browser.',
    );
  }
  return 'wasm';
}

function progress(id: number, stage: string, unit?: 'calls'): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < 50) return;
    last = now;
    post({ type: 'progress', id, stage, done, total, ...(unit ? { unit } : {}) });
  };
}

async function loadModel(id: number, ref: ModelRef, choice: DeviceChoice): Promise<Loaded> {
  if (!libs) throw new Error('worker used before init');
  const { tf } = await libs;
  const dtype = ref.dtype ?? 'fp32';
  const { device, notice } = await deviceFor(choice, dtype);
  const key = `${ref.source}:${ref.id}:${dtype}:${device}`;
  const source = transformersSource(ref);
  const modelId = source.modelId;
  if (current?.key === key) return current;
  if (current) {
    await current.model.dispose?.().catch?.(() => undefined);
    current = null;
  }
  post({ type: 'progress', id, stage: `loading ${ref.id} (${dtype}) on ${device}`, done: 0, total: 1 });
  const t0 = performance.now();
  Object.assign(tf.env, source.env);
  try {
    const config = (await tf.AutoConfig.from_pretrained(modelId)) as unknown as Parameters<typeof taskFromConfig>[0];
    const task: PlaygroundTask | null = taskFromConfig(config);
    if (!task) {
      throw new PlaygroundFailure(
        `"${ref.id}" is neither a sequence classifier nor a causal language model (architectures: ${(config.architectures ?? []).join(', ') || 'none'}).`,
        'Pick a text-classification or text-generation model, e.g. Xenova/distilbert-base-uncased-finetuned-sst-2-english or Xenova/gpt2.',
      );
    }
    // Download progress of the (possibly large) Hub files on the progress bar.
    const report = progress(id, `loading ${ref.id}`);
    const progress_callback = (p: { status?: string; file?: string; loaded?: number; total?: number }) => {
      if (p.status === 'progress' && p.total) report(p.loaded ?? 0, p.total);
      // Once the graph is read, onnxruntime builds the session (seconds on WebGPU): say so, with no fake fraction.
      if (p.status === 'done' && p.file?.endsWith('.onnx'))
        post({ type: 'progress', id, stage: `compiling ${p.file} for ${deviceName(device)}`, done: 0, total: 0 });
    };
    // the file transformers.js picks by dtype: onnx/model.onnx (fp32), model_quantized.onnx (q8), model_fp16.onnx, ...
    const options = { device, dtype: dtype as 'fp32', progress_callback };
    // The tokenizer and the model load side by side (the model's session build is the long part).
    const [tokenizer, model] = await Promise.all([
      tf.AutoTokenizer.from_pretrained(modelId, { progress_callback }),
      wasmWarmup.then(() =>
        task === 'classification'
          ? tf.AutoModelForSequenceClassification.from_pretrained(modelId, options)
          : tf.AutoModelForCausalLM.from_pretrained(modelId, options),
      ),
    ]);
    const info: ModelInfo = { ref, task, labels: labelsFromConfig(config), device, loadMs: performance.now() - t0 };
    if (notice) info.deviceNotice = notice;
    if (ref.source === 'hub') info.dtypes = await hubDtypes((u) => tf.env.fetch(u), source.env.remoteHost, ref.id);
    current = { key, info, model, tokenizer };
    return current;
  } catch (err) {
    const given = ref.source === 'files' ? userFiles.has(ref.id) : undefined;
    throw Object.assign(new Error('load failed'), { playground: describeLoadError(err, ref, given) });
  }
}

function deviceName(d: RunDevice): string {
  return d === 'webgpu' ? 'WebGPU' : 'WASM';
}

/**
 * Constructor options: enum keys mapped to the library's enum values. No `device`: the explainer runs
 * where the model was loaded (the core refuses an option it would ignore).
 */
function constructorOptions(core: Core, method: MethodName, values: OptionValues): Record<string, unknown> {
  const cls = (core as unknown as Record<string, Record<string, Record<string, unknown>>>)[method];
  const out: Record<string, unknown> = {};
  for (const spec of METHODS[method].options) {
    const v = values[spec.name];
    if (v === undefined) continue;
    if (spec.kind === 'enum') {
      const holder =
        'export' in spec.source
          ? (core as unknown as Record<string, Record<string, unknown>>)[spec.source.export]
          : cls?.[spec.source.classStatic];
      if (!holder || !(String(v) in holder)) {
        throw new PlaygroundFailure(`${method} has no ${spec.label} "${String(v)}" in this build of the core.`);
      }
      out[spec.name] = holder[String(v)];
    } else out[spec.name] = v;
  }
  return out;
}

function targetsFor(loaded: Loaded, req: RunRequest): { targets: unknown; generation?: Record<string, number> } {
  const t = req.target;
  if (loaded.info.task === 'classification') {
    if (t.kind === 'classes') {
      const n = loaded.info.labels?.length;
      const bad = n === undefined ? [] : t.classes.filter((c) => c >= n);
      if (bad.length)
        throw new PlaygroundFailure(
          `Class ${bad.join(', ')} does not exist: this model has ${n} classes (0 to ${n! - 1}).`,
        );
      return { targets: [t.classes] };
    }
    return { targets: undefined };
  }
  if (t.kind === 'continuation') {
    if (!t.text)
      throw new PlaygroundFailure(
        'The continuation to explain is empty.',
        'Type the continuation text, or choose "generate".',
      );
    return { targets: t.text };
  }
  const maxNewTokens = t.kind === 'generate' ? t.maxNewTokens : 5;
  return { targets: undefined, generation: { max_new_tokens: maxNewTokens } };
}

/** The core's `contrast` option from the page's contrast (fitted to the task by the page; checked here). */
function contrastFor(loaded: Loaded, req: RunRequest): number | string | undefined {
  const c = req.contrast;
  if (!c) return undefined;
  if (loaded.info.task === 'classification') {
    if (c.kind !== 'class') return undefined;
    const n = loaded.info.labels?.length;
    if (n !== undefined && c.class >= n)
      throw new PlaygroundFailure(
        `Contrast class ${c.class} does not exist: this model has ${n} classes (0 to ${n - 1}).`,
        'Pick another class in "rather than".',
      );
    return c.class;
  }
  if (c.kind !== 'text') return undefined;
  if (!c.text)
    throw new PlaygroundFailure(
      'The alternative continuation ("rather than") is empty.',
      'Type an alternative of the same token length as the explained continuation, or clear the contrast.',
    );
  return c.text;
}

/** Forwards a sampling method's latest estimate, at most every PARTIAL_INTERVAL_MS (the last one may be dropped). */
function partialForwarder(id: number): (output: AttributionOutput) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (output) => {
    const now = performance.now();
    if (now - last < PARTIAL_INTERVAL_MS) return;
    last = now;
    post({ type: 'partial', id, output });
  };
}

async function explainOnce(
  core: Core,
  loaded: Loaded,
  req: RunRequest,
  method: MethodName,
  values: OptionValues,
  withMetrics: boolean,
  id: number,
  signal: AbortSignal,
  stop?: AbortSignal,
): Promise<ExplainResult> {
  if (!req.text.trim()) throw new PlaygroundFailure('The input text is empty.', 'Type a sentence to explain.');
  const device = loaded.info.device;
  const Cls = (
    core as unknown as Record<
      string,
      new (
        m: unknown,
        t: unknown,
        o: unknown,
      ) => { explain: (...args: unknown[]) => Promise<AttributionOutput[]> }
    >
  )[method];
  if (typeof Cls !== 'function') throw new PlaygroundFailure(`The core library has no ${method} explainer yet.`);
  const options = constructorOptions(core, method, values);
  if (req.baseline !== undefined && METHODS[method].family === 'perturbation') options.baseline = req.baseline;
  const explainer = new Cls(loaded.model, loaded.tokenizer, options);
  const { targets, generation } = targetsFor(loaded, req);
  const contrast = contrastFor(loaded, req);
  const t0 = performance.now();
  const report = progress(id, `${method}`, 'calls');
  const forward = stop ? partialForwarder(id) : undefined;
  const outputs = await explainer.explain(req.text, targets, {
    signal,
    onProgress: (done: number, total: number, partials?: { index: number; output: AttributionOutput }[]) => {
      report(done, total);
      const latest = partials?.at(-1)?.output;
      if (forward && latest?.sampling?.inProgress) forward(latest);
    },
    generation,
    ...(contrast === undefined ? {} : { contrast }),
    ...(req.units?.length ? { units: req.units } : {}),
    ...(req.score ? { attributedFunction: core[req.score]() } : {}),
    // "Stop here": only sampling methods read it; the others run to the end as before.
    ...(stop ? { stopWhen: { signal: stop } } : {}),
  });
  const output = outputs[0]!; // one input text, one output
  const result: ExplainResult = {
    method,
    output,
    device: output.device ?? device,
    explainMs: performance.now() - t0,
    webgpuEp: webgpuEpActive(),
  };
  if (withMetrics && contrast !== undefined) {
    result.metricsNote =
      'Insertion and Deletion score the target alone, not target minus contrast, so they are not computed for a contrastive explanation.';
  } else if (withMetrics && req.score) {
    result.metricsNote = `Insertion and Deletion score the target, not the ${SCORE_NAMES[req.score]}, so they are not computed for this explanation.`;
  } else if (withMetrics) {
    signal.throwIfAborted();
    const t1 = performance.now();
    const metricOptions = { batchSize: values.batchSize };
    const metrics = core as unknown as Record<
      string,
      new (
        m: unknown,
        t: unknown,
        o: unknown,
      ) => { evaluate(a: unknown[]): Promise<MetricSummary> }
    >;
    if (typeof metrics.Insertion !== 'function' || typeof metrics.Deletion !== 'function') {
      throw new PlaygroundFailure(
        'This build of the core has no Insertion/Deletion metrics.',
        'Untick "Insertion / Deletion curves".',
      );
    }
    const ins = new metrics.Insertion(loaded.model, loaded.tokenizer, metricOptions);
    post({ type: 'progress', id, stage: `${method}: Insertion`, done: 0, total: 2 });
    result.insertion = plainMetric(await ins.evaluate([output]));
    signal.throwIfAborted();
    const del = new metrics.Deletion(loaded.model, loaded.tokenizer, metricOptions);
    post({ type: 'progress', id, stage: `${method}: Deletion`, done: 1, total: 2 });
    result.deletion = plainMetric(await del.evaluate([output]));
    result.metricsMs = performance.now() - t1;
  }
  return result;
}

/**
 * The model's prediction on a text, as a user would see it without any explanation: the class probabilities
 * (one forward pass), or for a language model the next token's top 3 and the greedy continuation.
 */
async function predict(loaded: Loaded, text: string, maxNewTokens: number): Promise<Prediction> {
  if (!text.trim()) throw new PlaygroundFailure('The input text is empty.', 'Type a sentence to explain.');
  const inputs = loaded.tokenizer(text, { truncation: true });
  const { logits } = await loaded.model(inputs);
  // float16 files give raw half bits: to('float32') decodes them.
  const data = Array.from((logits.type === 'float16' ? logits.to('float32') : logits).data as ArrayLike<number>);
  if (loaded.info.task === 'classification') return { probabilities: softmax(data) };
  const vocab = logits.dims.at(-1) as number;
  const next = softmax(data.slice(data.length - vocab));
  const top = next
    .map((p, id) => ({ p, id }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3)
    .map(({ p, id }) => ({ token: loaded.tokenizer.decode([id]) as string, p }));
  const out = await loaded.model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false });
  const ids = Array.from((out.sequences ?? out).data as ArrayLike<number | bigint>, Number);
  const promptLength = inputs.input_ids.dims.at(-1) as number;
  return {
    nextTokens: top,
    continuation: loaded.tokenizer.decode(ids.slice(promptLength), { skip_special_tokens: true }),
  };
}

/** True once onnxruntime-web's WebGPU EP has started: its init callback stores the GPUDevice in env.webgpu.device. */
function webgpuEpActive(): boolean {
  const device = (ort.env.webgpu as { device?: { queue?: unknown } } | undefined)?.device;
  return typeof device === 'object' && device !== null && 'queue' in device;
}

function plainMetric(m: { auc: number; detailedScores: number[][][] }): MetricSummary {
  return { auc: m.auc, detailedScores: m.detailedScores };
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}

async function handle(
  msg: Exclude<ToWorker, { type: 'init' } | { type: 'cancel' } | { type: 'stop' } | { type: 'files' }>,
  controller: AbortController,
): Promise<void> {
  const { id } = msg;
  const { signal } = controller;
  let loaded: Loaded | null = null;
  try {
    const { core } = await libs!;
    loaded = await loadModel(id, msg.model, msg.device);
    signal.throwIfAborted();
    if (msg.type === 'load') {
      post({ type: 'loaded', id, info: loaded.info });
    } else if (msg.type === 'dataset') {
      await runDatasetInWorker(core, loaded, msg, signal, post);
      post({ type: 'dataset-done', id, info: loaded.info });
    } else if (msg.type === 'predict') {
      const predictions: Prediction[] = [];
      for (const text of msg.texts) predictions.push(await predict(loaded, text, msg.maxNewTokens));
      post({ type: 'predicted', id, info: loaded.info, predictions });
    } else if (msg.type === 'explain') {
      const stop = new AbortController();
      stops.set(id, stop);
      const result = await explainOnce(
        core,
        loaded,
        msg,
        msg.method,
        msg.options,
        msg.metrics,
        id,
        signal,
        stop.signal,
      );
      post({ type: 'explained', id, info: loaded.info, result });
    } else {
      const rows: CompareRow[] = [];
      let first: ExplainResult['output'] | undefined;
      for (const [i, method] of msg.methods.entries()) {
        signal.throwIfAborted();
        post({ type: 'progress', id, stage: `comparing: ${method}`, done: i, total: msg.methods.length });
        // Only the options every method shares carry over; the rest take each method's defaults.
        const values: OptionValues = {};
        for (const spec of METHODS[method].options)
          if (msg.options[spec.name] !== undefined) values[spec.name] = msg.options[spec.name];
        try {
          const r = await explainOnce(core, loaded, msg, method, values, true, id, signal);
          first ??= r.output;
          rows.push({
            method,
            insertionAuc: r.insertion?.auc,
            deletionAuc: r.deletion?.auc,
            explainMs: r.explainMs,
            device: r.device,
            output: r.output,
          });
        } catch (err) {
          if (isAbort(err, signal)) throw err;
          rows.push({ method, error: describeRunError(err).message });
        }
      }
      post({ type: 'compared', id, info: loaded.info, rows, output: first });
    }
  } catch (err) {
    if (isAbort(err, signal)) post({ type: 'cancelled', id });
    else {
      const pg = (err as { playground?: ReturnType<typeof describeRunError> }).playground;
      post({ type: 'error', id, error: pg ?? describeRunError(err) });
    }
  } finally {
    controllers.delete(id);
    stops.delete(id);
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'cancel') {
    controllers.get(msg.id)?.abort(new DOMException('Cancelled by the user', 'AbortError'));
    return;
  }
  if (msg.type === 'stop') {
    stops.get(msg.id)?.abort();
    return;
  }
  if (msg.type === 'files') {
    userFiles.set(msg.modelId, new Map(msg.files));
    post({ type: 'registered', id: msg.id });
    return;
  }
  if (msg.type === 'init') {
    libs = init(msg.base);
    void (async () => {
      try {
        await libs;
        const a = await adapter();
        const info = a?.info;
        const adapterName = info
          ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter'
          : undefined;
        const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
        post({
          type: 'ready',
          id: msg.id,
          ortBuild: (await libs).core.ortWasmBuild() ?? 'custom',
          // The core set numThreads from the cores when isolated (init set 1 otherwise): what onnxruntime will use.
          wasm: { threads: isolated ? (ort.env.wasm.numThreads ?? 1) : 1, isolated },
          webgpu: a
            ? { available: true, adapter: adapterName, software: isSoftwareAdapter(a) }
            : {
                available: false,
                reason: (navigator as Navigator & { gpu?: unknown }).gpu ? 'no adapter' : 'navigator.gpu is missing',
              },
        });
      } catch (err) {
        post({
          type: 'error',
          id: msg.id,
          error: { message: 'The explainer worker could not start.', detail: String(err) },
        });
      }
    })();
    return;
  }
  // The controller exists from now on, so a request can be cancelled while it still waits its turn.
  const controller = new AbortController();
  controllers.set(msg.id, controller);
  queue = queue.then(() => handle(msg, controller));
};
