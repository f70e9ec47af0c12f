/**
 * Every method, through the UI, on the embedded tiny models: one classification and one generation
 * run on WebGPU (the heatmap shows the right units, the page says WebGPU ran it), then the same run
 * on WASM, whose values must agree with WebGPU's within RTOL/ATOL below.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { AttributionOutput } from '../../packages/core/src/types.ts';
import { launch, openPage, screenshot, type Session } from '../browser.ts';
import {
  CLASSIFIER,
  GENERATOR,
  METHODS,
  explain,
  fill,
  heatmapUnits,
  maxAbs,
  maxAbsDiff,
  select,
  waitReady,
} from '../playground.ts';

/**
 * WebGPU vs WASM: |a_webgpu - a_wasm| <= RTOL * max|a_wasm| + ATOL on every cell. Both run float32
 * with the same seeds, so the only differences are kernel summation orders (and what an estimator
 * such as Lime's least squares or Sobol's variance ratio makes of them).
 */
const RTOL = 1e-4;
const ATOL = 1e-7;

// "This movie is great!" -> BERT words: this | movie | is | great | ! (special tokens are no unit).
const CLS_TEXT = 'This movie is great!';
const CLS_UNITS = 5;
// GPT-2 words: I | ␣know | ␣that | ␣coal, then the continuation ␣is | ␣black: 6 columns, 2 rows.
const GEN_PROMPT = 'I know that coal';
const GEN_CONTINUATION = ' is black';
const GEN_UNITS = 6;
const GEN_ROWS = 2;

interface TaskCase {
  task: 'classification' | 'generation';
  model: string;
  setUp(page: Page): Promise<void>;
  check(out: AttributionOutput): void;
  units: number;
}

const tasks: TaskCase[] = [
  {
    task: 'classification',
    model: CLASSIFIER,
    async setUp(page: Page) {
      await fill(page, 'text', CLS_TEXT);
    },
    check(out: AttributionOutput) {
      assert.equal(out.modelTask, 'classification');
      assert.equal(out.elements.length, CLS_UNITS, `units: ${JSON.stringify(out.elements)}`);
      assert.equal(out.attributions.length, 1, 'one row: the predicted class');
      assert.equal(
        out.classes?.[out.targets[0]!] ?? out.targets[0],
        'positive',
        'the trained sentiment model finds the text positive',
      );
      assert.ok(out.attributions[0]!.every(Number.isFinite), 'every classification cell is a number');
    },
    units: CLS_UNITS,
  },
  {
    task: 'generation',
    model: GENERATOR,
    async setUp(page: Page) {
      await fill(page, 'text', GEN_PROMPT);
      await page.locator('#target-continuation').check();
      await fill(page, 'continuation', GEN_CONTINUATION);
    },
    check(out: AttributionOutput) {
      assert.equal(out.modelTask, 'generation');
      assert.equal(out.elements.length, GEN_UNITS, `units: ${JSON.stringify(out.elements)}`);
      assert.equal(out.attributions.length, GEN_ROWS, 'one row per continuation word');
      const nan = out.attributions.flat().filter(Number.isNaN).length;
      assert.equal(nan, (GEN_ROWS * (GEN_ROWS + 1)) / 2, 'each target unit and the later ones are NaN in its row');
    },
    units: GEN_UNITS,
  },
];

for (const t of tasks) {
  describe(`${t.task} on ${t.model}`, () => {
    let browser: Browser | undefined;
    let session: Session;
    const webgpu = new Map();
    before(async () => {
      browser = await launch();
      session = await openPage(browser!, `?model=${encodeURIComponent(t.model)}`);
      await waitReady(session.page);
      await t.setUp(session.page);
    });
    after(async () => {
      await browser?.close();
    });

    for (const method of METHODS) {
      it(`${method} on WebGPU`, async () => {
        const { page, problems } = session;
        await select(page, 'device', 'webgpu');
        await select(page, 'method', method);
        await fill(page, 'opt-batchSize', 16);
        const r = await explain(page);
        assert.equal(r.method, method);
        t.check(r.output);
        assert.equal(r.device, 'webgpu', 'the run says onnxruntime-web ran on WebGPU');
        assert.equal(await page.locator('#run-device').innerText(), 'WebGPU');
        assert.equal(
          r.webgpuEp,
          true,
          "onnxruntime-web's WebGPU execution provider was initialised (env.webgpu.device)",
        );
        assert.equal(await page.locator('#result').getAttribute('data-webgpu-ep'), 'true');
        assert.equal((await heatmapUnits(page)).length, t.units, 'the heatmap shows one button per unit');
        assert.ok(r.insertion && r.deletion, 'Insertion and Deletion were computed');
        assert.equal(await page.locator('#insertion-curve, #deletion-curve').count(), 2, 'both curves are shown');
        webgpu.set(method, r.output.attributions);
        await screenshot(page, `${t.task}-${method}-webgpu`);
        assert.deepEqual(problems.page, []);
        assert.deepEqual(problems.console, []);
        assert.deepEqual(problems.offsite, []);
      });
    }

    for (const method of METHODS) {
      it(`${method} on WASM agrees with WebGPU`, async (ctx) => {
        const gpu = webgpu.get(method);
        if (!gpu) return ctx.skip('no WebGPU result to compare with');
        const { page, problems } = session;
        await select(page, 'device', 'wasm');
        await select(page, 'method', method);
        await fill(page, 'opt-batchSize', 16);
        const r = await explain(page);
        assert.equal(r.device, 'wasm');
        assert.equal(await page.locator('#run-device').innerText(), 'WASM');
        t.check(r.output);
        const diff = maxAbsDiff(gpu, r.output.attributions);
        const bound = RTOL * maxAbs(r.output.attributions) + ATOL;
        ctx.diagnostic(`max |webgpu - wasm| = ${diff.toExponential(2)} (bound ${bound.toExponential(2)})`);
        assert.ok(diff <= bound, `${method}: WebGPU and WASM differ by ${diff} > ${bound}`);
        assert.deepEqual(problems.page, []);
        assert.deepEqual(problems.console, []);
      });
    }
  });
}
