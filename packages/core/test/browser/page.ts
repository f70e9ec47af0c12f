/**
 * Test page entry (bundled by Vite in agreement.test.ts, as a user's bundler would): the real core from source and
 * transformers.js, models from the fixture folders served under /models/, onnxruntime-web's wasm from /ort/
 * (served from node_modules, never a CDN). Exposes `globalThis.agreement.run(device)`, which loads both fixtures
 * on that device and runs every method of cases.ts.
 */
// The core first: it wraps the shared onnxruntime's InferenceSession.create before transformers.js makes sessions.
import * as core from '../../src/index.ts';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
} from '@huggingface/transformers';
import { FIXTURE_CASES, runCases, type CaseResult } from './cases.ts';

env.allowLocalModels = true;
env.allowRemoteModels = false;
env.localModelPath = '/models/';
const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number }; logLevel?: string };
onnxEnv.wasm!.wasmPaths = '/ort/';
// Threads need cross-origin isolation, which the plain static server does not give.
onnxEnv.wasm!.numThreads = 1;
// onnxruntime-web reports shape ops kept on the CPU beside WebGPU through console.error: expected, not an error.
onnxEnv.logLevel = 'error';

async function run(device: 'webgpu' | 'wasm'): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const fixture of FIXTURE_CASES) {
    const Model = fixture.task === 'classification' ? AutoModelForSequenceClassification : AutoModelForCausalLM;
    const model = await Model.from_pretrained(fixture.name, { dtype: 'fp32', device });
    const tokenizer = await AutoTokenizer.from_pretrained(fixture.name);
    results.push(...(await runCases(core, fixture, { model, tokenizer })));
    await model.dispose();
  }
  return results;
}

async function adapter(): Promise<string | null> {
  const gpu = (
    navigator as unknown as {
      gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> };
    }
  ).gpu;
  const a = gpu ? await gpu.requestAdapter() : null;
  return a ? `${a.info?.vendor ?? ''} ${a.info?.architecture ?? ''}`.trim() || 'unnamed' : null;
}

(globalThis as unknown as { agreement: unknown }).agreement = { run, adapter };
