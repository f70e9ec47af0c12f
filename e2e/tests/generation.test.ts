/**
 * Generation through the UI on WebGPU: "generate" (greedy, max_new_tokens) then explain, and a
 * known answer on the copy model (its logits at position i copy the token at i - 2, so the token it
 * generates at position p is read from position p - 1 and is a copy of the token at p - 3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { GENERATOR, explain, fill, heatmapUnits, select, waitReady } from '../playground.ts';

function nanCount(rows: number[][]): number {
  return rows.flat().filter(Number.isNaN).length;
}

describe('generation', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('generates max_new_tokens tokens and explains each of them', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${GENERATOR}&device=webgpu&metrics=0`);
    await waitReady(page);
    // The trained colours model continues the tutorial's prompt with " blue." (public/models/README.md).
    await fill(page, 'text', 'Roses are red, the sky is');
    await page.locator('#target-generate').check();
    await fill(page, 'max-new-tokens', 2);
    await select(page, 'method', 'Occlusion');
    await select(page, 'opt-granularity', 'TOKEN');
    const r = await explain(page);
    const out = r.output;
    const t = out.attributions.length;
    assert.equal(t, 2, 'two generated tokens explained');
    assert.equal(out.elements.slice(-2).join(''), ' blue.', 'greedy generation continued with " blue."');
    assert.equal(
      out.elements.length,
      out.inputs.promptLength! + t,
      'columns: the prompt tokens and the generated ones',
    );
    assert.equal(nanCount(out.attributions), (t * (t + 1)) / 2);
    assert.equal((await heatmapUnits(page)).length, out.elements.length);
    assert.equal(r.device, 'webgpu');
    await screenshot(page, 'generation-generate');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('WORD units follow the GPT-2 pre-tokenizer for a word the vocabulary splits ("Ġ" + "m" + "at")', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${GENERATOR}&device=webgpu&metrics=0`);
    await waitReady(page);
    // "mat" is not in the colours model's vocabulary: " mat" is tokenized Ġ | m | at, one pre-tokenizer word.
    await fill(page, 'text', 'the cat sat on');
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', ' the mat');
    await select(page, 'method', 'Occlusion');
    const r = await explain(page);
    assert.deepEqual(r.output.elements, ['the', ' cat', ' sat', ' on', ' the', ' mat']);
    assert.equal((await heatmapUnits(page)).length, 6);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it("copy-lm: each generated token's copied source is in the top 2 of its row (Occlusion, Saliency)", async () => {
    const { page, context, problems } = await openPage(browser!, `?model=copy-lm&device=webgpu&metrics=0`);
    await waitReady(page);
    await fill(page, 'text', 'red green blue yellow');
    // Greedy generation follows the copy rule, so every generated token has a known source.
    await page.locator('#target-generate').check();
    await fill(page, 'max-new-tokens', 4);
    for (const method of ['Occlusion', 'Saliency']) {
      await select(page, 'method', method);
      await select(page, 'opt-granularity', 'TOKEN');
      const r = await explain(page);
      const out = r.output;
      const positions = out.inputs.targetUnitTokens;
      assert.equal(out.attributions.length, 4, 'four generated tokens');
      const promptLength = out.inputs.promptLength!;
      out.inputs.inputIds.slice(promptLength).forEach((id, k) => {
        const p = promptLength + k;
        assert.equal(id, out.inputs.inputIds[p - 3], `generated token ${p} copies token ${p - 3}`);
      });
      out.attributions.forEach((row, i) => {
        const p = positions![i]![0]!;
        const source = p - 3;
        const ranked = row
          .map((v, c): [number, number] => [v, c])
          .filter(([v]) => !Number.isNaN(v))
          .sort((a, b) => b[0] - a[0])
          .map(([, c]) => c);
        assert.ok(
          ranked.slice(0, 2).includes(source),
          `${method} row ${i} (token ${p}): source ${source} not in top 2 of ${JSON.stringify(row)}`,
        );
      });
      assert.equal(r.device, 'webgpu');
    }
    await screenshot(page, 'copy-lm');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
