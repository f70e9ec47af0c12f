/**
 * Model precision and fused graphs in the playground. The embedded sentiment classifier has a q8 file
 * (onnx/model_quantized.onnx) and the colours LM a q4f16 file (onnx/model_q4f16.onnx), both written by
 * scripts/prepare-models.ts: the page offers each beside fp32 and says what it holds. The ten methods explain the q8
 * classifier (the sentiment word on top), the q4f16 decoder on WebGPU (where the adapter lacks shader-f16,
 * SwiftShader's case, the gradients run on WASM and the result says why) and the vendored onnxruntime-genai fused
 * GPT-2 (com.microsoft Attention, EmbedLayerNormalization, SkipLayerNormalization, FastGelu; the test fixture
 * gpt2-ortgenai-fused), each agreeing with the same run in onnxruntime-node (for the fused GPT-2: on its standard-op
 * twin, the same weights without any contrib op).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../fixtures/index.ts';
import { cosine } from '../../packages/core/test/support/cosine.ts';
import { ensureFixture } from '../../packages/onnx-grad/test/fixtures/index.ts';
import { launch, openPage, screenshot } from '../browser.ts';
import {
  CLASSIFIER,
  GENERATOR,
  METHODS,
  explain,
  fill,
  select,
  waitReady,
  type MethodName,
  type PageResult,
} from '../playground.ts';

/** Small budgets: the ten methods on each model stay within a few seconds each. */
const BUDGETS: Partial<Record<MethodName, Record<string, number>>> = {
  Lime: { nPerturbations: 20 },
  KernelShap: { nPerturbations: 20 },
  Sobol: { nTokenPerturbations: 4 },
  IntegratedGradients: { nInterpolations: 6 },
  SmoothGrad: { nPerturbations: 4 },
  SquareGrad: { nPerturbations: 4 },
  VarGrad: { nPerturbations: 4 },
  GradientShap: { nPerturbations: 4 },
};

/**
 * The same run in onnxruntime-node (the core as a Node user calls it), to compare the browser's with. Without a
 * target the classifier explains its predicted class, as the page does by default.
 */
async function nodeRuns(
  folder: string,
  task: 'classification' | 'generation',
  dtype: string,
  text: string,
  target?: string,
): Promise<Map<string, { attributions: number[][]; elements: string[] }>> {
  const core = await import('../../packages/core/src/index.ts');
  const { loadFolder } = await import('../../packages/core/test/helpers.ts');
  const { model, tokenizer } = await loadFolder(folder, task, { dtype });
  const out = new Map<string, { attributions: number[][]; elements: string[] }>();
  for (const method of METHODS) {
    const Cls = (
      core as unknown as Record<
        string,
        new (
          m: unknown,
          t: unknown,
          o: unknown,
        ) => { explain: (...a: unknown[]) => Promise<{ attributions: number[][]; elements: string[] }[]> }
      >
    )[method]!;
    const [o] = await new Cls(model, tokenizer, { seed: 0, ...BUDGETS[method] }).explain(text, target);
    out.set(method, o!);
  }
  await model.dispose?.();
  return out;
}

async function runMethod(page: Page, method: MethodName): Promise<PageResult> {
  await select(page, 'method', method);
  for (const [name, value] of Object.entries(BUDGETS[method] ?? {})) await fill(page, `opt-${name}`, value);
  return explain(page);
}

describe('model dtype', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('offers q8 for the embedded classifier and explains the q8 file with the ten methods', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    const offered = await page
      .locator('#dtype option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(offered, ['fp32', 'q8'], 'the dtypes of the files in onnx/');
    await select(page, 'dtype', 'q8');
    assert.match(page.url(), /[?&]dtype=q8\b/, 'the URL keeps the dtype');
    const text = 'This movie is great!';
    await fill(page, 'text', text);
    const expected = await nodeRuns(join(REPO_ROOT, 'public/models', CLASSIFIER), 'classification', 'q8', text);
    for (const method of METHODS) {
      const r = await runMethod(page, method);
      assert.equal(r.output.modelDtype, 'q8', `${method} explained the q8 file`);
      assert.equal(await page.locator('#run-dtype').innerText(), 'q8', 'the result line shows the dtype');
      const out = r.output;
      assert.equal(out.classes?.[out.targets[0]!] ?? out.targets[0], 'positive');
      const node = expected.get(method)!;
      assert.deepEqual(out.elements, node.elements, `${method}: the units node explained`);
      const row = out.attributions[0]!;
      assert.ok(row.every(Number.isFinite), `${method}: every cell is a number: ${JSON.stringify(row)}`);
      // The trained classifier's cue: "great" on top for every method (seed 0, the page's default). GradientShap's 4
      // noisy baselines can put "!" just above it at other seeds (seeds 0-2 in node, q8 and fp32 alike), so it only
      // has to be among the top two; the other nine put it first at each of those seeds.
      const ranked = [...row.keys()].sort((a, b) => row[b]! - row[a]!).map((i) => out.elements[i]!.trim());
      const within = method === 'GradientShap' ? 2 : 1;
      assert.ok(
        ranked.slice(0, within).includes('great'),
        `${method}: "great" in the top ${within} of ${JSON.stringify(ranked)} ${JSON.stringify(row)}`,
      );
      // The same q8 file, seed and budget in onnxruntime's WASM build and its native one: the same integer MatMuls,
      // float rounding apart. Which file ran is what modelDtype says: on this confident sentence the fp32 file's
      // attributions are within 1 - cos < 1e-5 of the q8 ones too (node, seed 0), so the cosine checks the method's
      // run (units, target, masks, noise), not the precision.
      const c = cosine(out.attributions, node.attributions);
      console.log(
        `${method}: device ${r.device}, ranking ${JSON.stringify(ranked)}, 1 - cosine with node ${(1 - c).toExponential(2)}`,
      );
      assert.ok(c >= 0.99999, `${method}: cosine with onnxruntime-node's q8 run ${c}`);
      // The prediction panel: every class with the model's probability on the input as given, most probable first.
      const probabilities = out.classProbabilities ?? [];
      assert.equal(probabilities.length, 3);
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
      const shown = await page.locator('#prediction .prob').evaluateAll((spans) =>
        spans.map((s) => ({
          c: Number((s as HTMLElement).dataset.class),
          name: s.querySelector('.prob-name')?.textContent ?? '',
          value: s.querySelector('.prob-value')?.textContent ?? '',
        })),
      );
      assert.deepEqual(
        shown.map((p) => p.name),
        shown.map((p) => out.classes?.[p.c]),
      );
      assert.equal(shown[0]?.name, 'positive', 'the predicted class comes first');
      for (const [i, p] of shown.entries()) {
        // One decimal of a percentage: within 0.05 points of the model's probability; "<0.1%" for what rounds to 0.
        const p0 = probabilities[p.c]!;
        if (p.value === '<0.1%') assert.ok(p0 > 0 && p0 < 0.0005, `${p.name}: ${p.value} vs ${p0}`);
        else
          assert.ok(
            Math.abs(Number(p.value.replace('%', '')) / 100 - p0) <= 0.0005 + 1e-9,
            `${p.name}: ${p.value} vs ${p0}`,
          );
        if (i > 0) assert.ok(probabilities[p.c]! <= probabilities[shown[i - 1]!.c]!, 'sorted, most probable first');
      }
      await screenshot(page, `dtype-q8-${method.toLowerCase()}`);
    }
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  const PROMPT = 'Roses are red, the sky is';
  const TARGET = ' blue';
  const UNITS = ['Roses', ' are', ' red', ',', ' the', ' sky', ' is', ' blue'];

  /** One target row (" blue"): every prompt unit scored, the target's own cell NaN. */
  function checkRow(method: string, out: PageResult['output']): void {
    assert.deepEqual(out.elements, UNITS, `${method}: units`);
    assert.equal(out.attributions.length, 1, `${method}: one target row`);
    const row = out.attributions[0]!;
    assert.ok(row.slice(0, -1).every(Number.isFinite), `${method}: prompt cells are numbers: ${JSON.stringify(row)}`);
    assert.ok(Number.isNaN(row.at(-1)), `${method}: the target's own cell is NaN`);
  }

  it('q4f16 decoder on WebGPU: the ten methods; without shader-f16 it runs on WASM and says why', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${GENERATOR}&device=webgpu&metrics=0`);
    await waitReady(page);
    const offered = await page
      .locator('#dtype option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(offered, ['fp32', 'q4f16'], 'the dtypes of the files in onnx/');
    await select(page, 'dtype', 'q4f16');
    assert.match(await page.locator('#dtype-note').innerText(), /4-bit MatMul weights .* float16 activations/);
    const shaderF16 = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } })
        .gpu;
      return !!(await gpu?.requestAdapter())?.features.has('shader-f16');
    });
    await fill(page, 'text', PROMPT);
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', TARGET);
    const expected = await nodeRuns(join(REPO_ROOT, 'public/models', GENERATOR), 'generation', 'q4f16', PROMPT, TARGET);
    for (const method of METHODS) {
      const r = await runMethod(page, method);
      const out = r.output;
      assert.equal(out.modelDtype, 'q4f16', `${method} explained the q4f16 file`);
      assert.equal(await page.locator('#run-dtype').innerText(), 'q4f16');
      checkRow(method, out);
      const notice = (await page.locator('#device-notice').count())
        ? await page.locator('#device-notice').innerText()
        : null;
      if (!shaderF16) {
        // SwiftShader's case: the worker loads the float16 file on WASM rather than fail at its first WebGPU run
        assert.equal(r.device, 'wasm', `${method}: a float16 file runs on WASM where WebGPU lacks shader-f16`);
        assert.match(notice ?? '', /q4f16 file holds float16 tensors.*'shader-f16'.*run on WASM/);
      } else {
        assert.equal(r.device, 'webgpu', `${method} ran on WebGPU`);
        assert.equal(notice, null);
      }
      // the trained colours model, at 4 bits and float16, still continues the prompt with " blue" (greedy choice)
      const step = out.stepScores?.[0];
      assert.equal(step?.text, TARGET);
      assert.equal(step?.rank, 1, `${method}: " blue" is the q4f16 model's greedy choice`);
      assert.ok(step!.probability > 0.5, `p(" blue") = ${step!.probability}`);
      const c = cosine(out.attributions, expected.get(method)!.attributions);
      console.log(
        `${method}: device ${r.device}, p(" blue") ${step!.probability.toFixed(3)}, cosine with node ${c.toFixed(6)}`,
      );
      assert.ok(c >= 0.999, `${method}: cosine with onnxruntime-node's q4f16 run ${c}`);
      await screenshot(page, `dtype-q4f16-${method.toLowerCase()}`);
    }
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('the fused GPT-2 (com.microsoft ops): the ten methods agree with its standard-op twin in onnxruntime-node', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=gpt2-ortgenai-fused&device=wasm&metrics=0`);
    await waitReady(page);
    await fill(page, 'text', PROMPT);
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', TARGET);
    const expected = await nodeRuns(await ensureFixture('gpt2-ortgenai'), 'generation', 'fp32', PROMPT, TARGET);
    for (const method of METHODS) {
      const r = await runMethod(page, method);
      assert.equal(r.output.modelDtype, 'fp32');
      assert.equal(r.device, 'wasm');
      checkRow(method, r.output);
      const c = cosine(r.output.attributions, expected.get(method)!.attributions);
      console.log(`${method}: cosine with the twin in node ${c.toFixed(8)}`);
      assert.ok(c >= 0.9999, `${method}: cosine with the standard-op twin ${c}`);
    }
    await screenshot(page, 'dtype-fused-gpt2');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
