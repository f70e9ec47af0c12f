/**
 * Model precision in the playground: the embedded sentiment classifier has a q8 file (onnx/model_quantized.onnx,
 * written by scripts/prepare-models.ts), the page offers it beside fp32, and a gradient and a perturbation method
 * explain the q8 model: the result names the dtype explained and puts the sentiment word on top.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, explain, fill, select, waitReady } from '../playground.ts';

describe('model dtype', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('offers q8 for the embedded classifier and explains the q8 file (Saliency, Occlusion)', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    const offered = await page
      .locator('#dtype option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(offered, ['fp32', 'q8'], 'the dtypes of the files in onnx/');
    await select(page, 'dtype', 'q8');
    assert.match(page.url(), /[?&]dtype=q8\b/, 'the URL keeps the dtype');
    await fill(page, 'text', 'This movie is great!');
    for (const method of ['Saliency', 'Occlusion']) {
      await select(page, 'method', method);
      const r = await explain(page);
      assert.equal(r.output.modelDtype, 'q8', `${method} explained the q8 file`);
      assert.equal(await page.locator('#run-dtype').innerText(), 'q8', 'the result line shows the dtype');
      const out = r.output;
      assert.equal(out.classes?.[out.targets[0]!] ?? out.targets[0], 'positive');
      const row = out.attributions[0]!;
      assert.ok(row.every(Number.isFinite), 'every cell is a number');
      const top = out.elements[row.indexOf(Math.max(...row))];
      assert.equal(
        top?.trim(),
        'great',
        `${method}: top word of ${JSON.stringify(out.elements)} ${JSON.stringify(row)}`,
      );
      await screenshot(page, `dtype-q8-${method.toLowerCase()}`);
    }
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
