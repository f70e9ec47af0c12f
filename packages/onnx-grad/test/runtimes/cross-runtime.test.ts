/**
 * The same gradient model gives the same numbers on onnxruntime-node (CPU), onnxruntime-web WASM in Node, and
 * onnxruntime-web WebGPU in headless Chromium (the native WebGPU EP bundle transformers.js v4 uses, and the JSEP
 * bundle of `onnxruntime-web`'s default import).
 *
 * Tolerance: every output (logits and grad_inputs_embeds) must agree with onnxruntime-node within
 * 1e-5 x max|reference| on WASM (same float32 kernels, different SIMD/threading order) and 1e-4 x max|reference| on
 * WebGPU (different reduction orders in shaders, SwiftShader's float32 transcendental functions). Measured on this
 * machine: WASM <= 1.1e-6, WebGPU (native EP and JSEP, SwiftShader) <= 1.2e-6; the deviations are printed.
 * WebGPU on SwiftShader costs ~10-30 s per model on 2 cores, so the browser checks use the two decoder fixtures
 * (merged GPT-2 at opset 14, Llama at opset 18) and the q8, fp16 and q4 BERT files on the native EP, and the Llama
 * one on JSEP; WASM covers all (fp32 fixtures and the q8/fp16/q4/q4f16 BERT files).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { buildGradientModel, decodeModel, DataType, type GradientModel } from '../../src/index.ts';
import { embeddingConfig } from '../../src/cli.ts';
import { ensureFixture, type FixtureName } from '../fixtures/index.ts';
import { readBytes, rng } from '../transforms/helpers.ts';
import { BrowserRunner, hasChromium, CHROMIUM, type PlainFeeds, type PlainOutputs } from './harness.ts';

const B = 2,
  S = 6;
const WASM_TOL = 1e-5,
  WEBGPU_TOL = 1e-4;

interface Case {
  name: string;
  grad: GradientModel;
  feeds: PlainFeeds;
}

/** Feeds for a gradient model: looked-up embeddings of seeded ids, full masks, positions, a random cotangent. */
function feedsFor(grad: GradientModel, seed: number, vocab: number): PlainFeeds {
  const r = rng(seed);
  const model = decodeModel(grad.bytes);
  const { hiddenSize: H, weights } = grad.embedding!;
  const feeds: PlainFeeds = {};
  // the inputs to feed: not the packed 4-bit weights, also listed there as overridable initializers
  for (const v of model.graph.input.filter((i) => grad.inputNames.includes(i.name))) {
    if (v.name === 'inputs_embeds') {
      const data: number[] = [];
      for (let k = 0; k < B * S; k++)
        data.push(
          ...weights
            .subarray(0, vocab * H)
            .subarray(Math.floor(r() * vocab) * H)
            .subarray(0, H),
        );
      feeds[v.name] = { type: 'float32', dims: [B, S, H], data };
    } else if (v.name === 'attention_mask')
      feeds[v.name] = { type: 'int64', dims: [B, S], data: Array.from({ length: B * S }, () => 1) };
    else if (v.name === 'position_ids')
      feeds[v.name] = { type: 'int64', dims: [B, S], data: Array.from({ length: B * S }, (_, k) => k % S) };
    else if (v.name === 'token_type_ids')
      feeds[v.name] = { type: 'int64', dims: [B, S], data: Array.from({ length: B * S }, () => 0) };
    else if (v.name === 'grad_logits') {
      const dims = v.type!.tensor_type!.shape!.dim.map((d, i) => (i === 0 ? B : d.dim_param ? S : Number(d.dim_value)));
      feeds[v.name] = {
        type: 'float32',
        dims,
        data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1),
      };
    } else throw new Error(`no feed rule for "${v.name}"`);
    expect([DataType.FLOAT, DataType.INT64]).toContain(v.type!.tensor_type!.elem_type);
  }
  return feeds;
}

function toOrt<T extends typeof ortNode | typeof ortWeb>(
  ort: T,
  feeds: PlainFeeds,
): Record<string, InstanceType<T['Tensor']>> {
  const out: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(feeds)) {
    out[k] = new ort.Tensor(
      t.type,
      (t.type === 'int64' ? BigInt64Array.from(t.data.map(BigInt)) : Float32Array.from(t.data)) as never,
      t.dims,
    );
  }
  return out as Record<string, InstanceType<T['Tensor']>>;
}

const plain = (out: Record<string, { dims: readonly number[]; data: unknown }>): PlainOutputs =>
  Object.fromEntries(
    Object.entries(out).map(([k, t]) => [k, { dims: [...t.dims], data: Array.from(t.data as Float32Array) }]),
  );

/** max |a - ref| / max |ref| over every output. */
function relDeviation(ref: PlainOutputs, other: PlainOutputs): Record<string, number> {
  const dev: Record<string, number> = {};
  for (const [name, t] of Object.entries(ref)) {
    const o = other[name]!;
    expect(o, `output ${name}`).toBeDefined();
    expect(o.dims).toEqual(t.dims);
    const scale = Math.max(...t.data.map(Math.abs), 1e-30);
    dev[name] = Math.max(...t.data.map((v, i) => Math.abs(v - o.data[i]!))) / scale;
    expect(t.data.every(Number.isFinite)).toBe(true);
  }
  return dev;
}

const cases: Case[] = [];
const reference = new Map<string, PlainOutputs>();

beforeAll(async () => {
  const fixtures: FixtureName[] = ['bert-tiny-opset11', 'gpt2-tiny-merged-opset14', 'llama-tiny-opset18'];
  // plus the reduced-precision files of one encoder: their gradient models compute in float32 too
  const files: [FixtureName, string][] = [
    ...fixtures.map((f): [FixtureName, string] => [f, 'model.onnx']),
    ['bert-tiny-opset11', 'model_quantized.onnx'],
    ['bert-tiny-opset11', 'model_fp16.onnx'],
    ['bert-tiny-opset11', 'model_q4.onnx'],
    ['bert-tiny-opset11', 'model_q4f16.onnx'],
  ];
  for (const [name, file] of files) {
    const dir = await ensureFixture(name);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const grad = buildGradientModel(readBytes(join(dir, 'onnx', file)), { config: embeddingConfig(config) });
    cases.push({
      name: file === 'model.onnx' ? name : `${name} ${file}`,
      grad,
      feeds: feedsFor(grad, 5, config.vocab_size),
    });
  }
  for (const c of cases) {
    const s = await ortNode.InferenceSession.create(c.grad.bytes);
    reference.set(c.name, plain(await s.run(toOrt(ortNode, c.feeds))));
    await s.release();
  }
});

describe('cross-runtime agreement of gradient models', () => {
  it(`onnxruntime-web WASM in Node matches onnxruntime-node within ${WASM_TOL} (relative to max |output|)`, async () => {
    ortWeb.env.wasm.numThreads = 1;
    for (const c of cases) {
      const s = await ortWeb.InferenceSession.create(c.grad.bytes, { executionProviders: ['wasm'] });
      const dev = relDeviation(reference.get(c.name)!, plain(await s.run(toOrt(ortWeb, c.feeds))));
      await s.release();
      console.log(`wasm vs node, ${c.name}:`, dev);
      for (const d of Object.values(dev)) expect(d).toBeLessThanOrEqual(WASM_TOL);
    }
  });

  describe.skipIf(!hasChromium())(`headless Chromium (${CHROMIUM}; skipped only when it is absent)`, () => {
    let runner: BrowserRunner;
    beforeAll(async () => {
      runner = await BrowserRunner.start();
    });
    afterAll(async () => {
      await runner?.close();
    });

    it('exposes a WebGPU adapter (SwiftShader on CI)', async () => {
      const adapter = await runner.adapterInfo();
      console.log('WebGPU adapter:', adapter);
      expect(adapter).not.toBeNull();
    });

    const browserChecks = [
      [
        'ort.webgpu.min.mjs',
        'native WebGPU EP (transformers.js v4)',
        ['gpt2-tiny-merged-opset14', 'llama-tiny-opset18'],
      ],
      [
        'ort.webgpu.min.mjs',
        'native WebGPU EP, q8, fp16 and q4 files',
        [
          'bert-tiny-opset11 model_quantized.onnx',
          'bert-tiny-opset11 model_fp16.onnx',
          'bert-tiny-opset11 model_q4.onnx',
        ],
      ],
      ['ort.min.mjs', 'JSEP WebGPU (onnxruntime-web default import)', ['llama-tiny-opset18']],
    ] as const;
    for (const [bundle, label, names] of browserChecks) {
      it(`onnxruntime-web ${label} matches onnxruntime-node within ${WEBGPU_TOL}; WASM in the page within ${WASM_TOL}`, async () => {
        const chosen = cases.filter((c) => (names as readonly string[]).includes(c.name));
        expect(chosen).toHaveLength(names.length);
        for (const c of chosen) {
          const t0 = performance.now();
          const gpu = relDeviation(reference.get(c.name)!, await runner.run(bundle, 'webgpu', c.grad.bytes, c.feeds));
          console.log(`${bundle} webgpu vs node, ${c.name} (${(performance.now() - t0).toFixed(0)} ms):`, gpu);
          for (const d of Object.values(gpu)) expect(d).toBeLessThanOrEqual(WEBGPU_TOL);
        }
        const last = chosen[chosen.length - 1]!;
        const wasm = relDeviation(
          reference.get(last.name)!,
          await runner.run(bundle, 'wasm', last.grad.bytes, last.feeds),
        );
        for (const d of Object.values(wasm)) expect(d).toBeLessThanOrEqual(WASM_TOL);
        expect(runner.offsite).toEqual([]);
      });
    }
  });
});
