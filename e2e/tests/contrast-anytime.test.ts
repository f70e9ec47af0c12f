/**
 * Contrastive explanations, anytime results and step scores through the UI (issue 11, item 7):
 * - "rather than": a class (classifier) or an alternative continuation (language model); Occlusion in LOGITS mode
 *   is linear in the score, so the contrastive row equals the target's row minus the contrast's row, the known
 *   answer checked here; the legend names both sides and the contrast stays in the link.
 * - a sampling method shows its current estimate live ("n / budget samples, convergence x"), and "Stop here"
 *   ends sampling with that estimate as the result.
 * - each generated token's probability, and its top-5 alternatives on hover, focus or a click (touch).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, GENERATOR, clickRun, explain, fill, maxAbsDiff, select, waitReady } from '../playground.ts';

describe('contrast, anytime results and step scores', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('classification: why positive rather than negative = positive row minus negative row, kept in the link', async () => {
    const url = `?model=${CLASSIFIER}&device=wasm&metrics=0&method=Occlusion&target=classes&classes=2`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    await select(page, 'contrast-class', '0');
    assert.match(page.url(), /contrastClass=0/);
    const why = await explain(page);
    assert.deepEqual(why.output.targets, [2]);
    assert.deepEqual(why.output.contrast, [0]);
    const legend = page.locator('#heatmap [part~="contrast"]');
    assert.equal(await legend.getAttribute('data-target'), 'positive');
    assert.equal(await legend.getAttribute('data-contrast'), 'negative');
    assert.match(await legend.innerText(), /Why "positive" rather than "negative"\?/);
    assert.equal(await page.locator('#heatmap [part~="colour-bar"]').getAttribute('data-unsigned'), 'false');
    await screenshot(page, 'contrast-classification');
    // The same link opens with the contrast chosen.
    const shared = page.url();
    // Known answer: the plain rows of both classes, subtracted.
    await select(page, 'contrast-class', '');
    assert.doesNotMatch(page.url(), /contrastClass/);
    await page.locator('.class-target[data-class="0"]').check();
    const plain = await explain(page);
    assert.deepEqual(plain.output.targets, [0, 2]);
    const diff = [plain.output.attributions[1]!.map((v, i) => v - plain.output.attributions[0]![i]!)];
    assert.ok(maxAbsDiff(why.output.attributions, diff) < 1e-4, 'contrastive row = positive row - negative row');
    await page.goto(shared);
    await waitReady(page);
    assert.equal(await page.locator('#contrast-class').inputValue(), '0');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('generation: why " blue" rather than " red", from the alternative continuation field', async () => {
    const url = `?model=${GENERATOR}&device=wasm&method=Occlusion&o.granularity=TOKEN`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    await fill(page, 'text', 'Roses are red, the sky is');
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', ' blue');
    await fill(page, 'contrast-text', ' red');
    assert.match(page.url(), /contrastText=\+red/);
    const why = await explain(page);
    assert.equal(why.output.contrast?.length, 1);
    assert.match(
      await page.locator('#heatmap [part~="contrast"]').innerText(),
      /Why " blue" rather than " red"\?/,
      'the legend names the typed alternative',
    );
    // The curves score the target alone: the page says why they are missing.
    assert.match(await page.locator('#metrics-note').innerText(), /not computed for a contrastive explanation/);
    await screenshot(page, 'contrast-generation');
    await fill(page, 'contrast-text', '');
    const blue = await explain(page);
    await fill(page, 'continuation', ' red');
    const red = await explain(page);
    const diff = [blue.output.attributions[0]!.map((v, i) => v - red.output.attributions[0]![i]!)];
    assert.ok(maxAbsDiff(why.output.attributions, diff) < 1e-4, 'contrastive row = " blue" row - " red" row');
    // A contrast of another token length is refused with the reason.
    await fill(page, 'continuation', ' blue');
    await fill(page, 'contrast-text', ' red red red');
    const { error } = await clickRun(page);
    assert.match(error ?? '', /same token length/);
    assert.deepEqual(problems.page, []);
    await context.close();
  });

  it('anytime: Lime shows its estimate live, and "Stop here" keeps it as the result', async () => {
    const budget = 200_000;
    // A shared link that runs on opening (run=explain): no default explanation first, which Lime would make long.
    const url = `?model=${CLASSIFIER}&device=wasm&metrics=0&method=Lime&o.nPerturbations=${budget}&o.batchSize=8&run=explain`;
    const { page, context, problems } = await openPage(browser!, url);
    // Two estimates give a convergence value.
    await page.locator('#live-samples', { hasText: 'convergence' }).waitFor({ timeout: 120_000 });
    const live = await page.locator('#live-samples').innerText();
    assert.match(live, /^[\d,]+ \/ 200,000 samples, convergence [\d.e+-]+$/);
    assert.ok((await page.locator('#live-heatmap button.unit').count()) > 0, 'the estimate is drawn');
    assert.match(await page.locator('#live-heatmap [part~="sampling"]').innerText(), /in progress/);
    await screenshot(page, 'anytime-live');
    const before = Number(await page.locator('#run-count').textContent());
    assert.equal(before, 0, 'the run is still going');
    await page.locator('#stop-here').click();
    await page.waitForFunction((n) => Number(document.querySelector('#run-count')?.textContent) > n, before, {
      timeout: 60_000,
    });
    assert.equal(await page.locator('#error').count(), 0);
    assert.equal(await page.locator('#live').count(), 0, 'the live view gives way to the result');
    const r = await page.evaluate(
      () =>
        (
          document.querySelector('ip-playground') as unknown as {
            result: { output: { sampling: { samplesUsed: number; budget: number; stoppedEarly: boolean } } };
          }
        ).result,
    );
    assert.equal(r.output.sampling.stoppedEarly, true);
    assert.equal(r.output.sampling.budget, budget);
    assert.ok(r.output.sampling.samplesUsed < budget / 2, `stopped at ${r.output.sampling.samplesUsed} samples`);
    assert.match(await page.locator('#heatmap [part~="sampling"]').innerText(), /stopped early/);
    await screenshot(page, 'anytime-stopped');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it("step scores: each generated token's probability, its top-5 on hover, pinned by a tap", async () => {
    const url = `?model=${GENERATOR}&device=wasm&metrics=0&method=Occlusion&target=generate&maxNewTokens=2`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    await fill(page, 'text', 'Roses are red, the sky is');
    const r = await explain(page);
    const steps = page.locator('#heatmap [part~="step"]');
    assert.equal(await steps.count(), 2);
    const p0 = r.output.stepScores![0]!.probability;
    assert.equal(await steps.nth(0).innerText(), `${(100 * p0).toFixed(1)}%`);
    await steps.nth(0).hover();
    const detail = page.locator('#heatmap [part~="step-detail"]');
    await detail.waitFor();
    const alts = await detail.locator('li').allInnerTexts();
    assert.equal(alts.length, 5, 'the top-5 alternatives');
    // Greedy generation: the generated token is the model's first choice.
    assert.match(
      alts[0]!,
      new RegExp(`^${JSON.stringify(r.output.stepScores![0]!.text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.match(await detail.innerText(), /rank 1/);
    await page.mouse.move(0, 0);
    await detail.waitFor({ state: 'detached' });
    // Touch: a tap pins the alternatives of the second token.
    await steps.nth(1).click();
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-row'), '1');
    await page.mouse.move(0, 0);
    assert.equal(await detail.getAttribute('data-row'), '1', 'pinned: still shown when the pointer leaves');
    await screenshot(page, 'step-scores-top-k');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
