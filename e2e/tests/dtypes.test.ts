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
});
