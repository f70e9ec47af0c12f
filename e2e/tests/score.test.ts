/**
 * The "Score" menu (core `explain(..., { attributedFunction })`): attribute the entropy of the output distribution,
 * or its KL divergence from the unperturbed input's distribution, instead of the target's score.
 * Known answers: Saliency of KL is 0 (the input is KL's minimum: p = p_ref there; up to float32 rounding); Occlusion of entropy
 * is H(x) - H(x without the unit), so every score lies in [H(x) - log C, H(x)], H(x) from the class
 * probabilities the page shows. The score stays in the link; a contrast and a score exclude each other.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, GENERATOR, explain, fill, maxAbs, select, waitReady } from '../playground.ts';

describe('score menu: attributed functions', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('classification: entropy with Occlusion (bounded by H(x)), KL with Saliency (0 up to rounding), in the link', async () => {
    const url = `?model=${CLASSIFIER}&device=wasm&metrics=1&method=Occlusion`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    assert.equal(await page.locator('#opt-inferenceMode').isDisabled(), false);
    await select(page, 'score', 'entropy');
    assert.match(page.url(), /score=entropy/);
    // The score replaces the target's score: the inference mode has nothing to act on, and the form says so.
    assert.equal(await page.locator('#opt-inferenceMode').isDisabled(), true);
    assert.match(await page.locator('label.option', { has: page.locator('#opt-inferenceMode') }).innerText(), /unused/);
    const h = await explain(page);
    assert.equal(h.output.attributedFunction, 'entropy');
    const p = h.output.classProbabilities!;
    const H = -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
    const row = h.output.attributions[0]!;
    for (const v of row) assert.ok(v <= H + 1e-5 && v >= H - Math.log(p.length) - 1e-5, `${v} outside the bounds`);
    assert.ok(
      row.some((v) => Math.abs(v) > 1e-3),
      'some word changes the entropy',
    );
    assert.match(await page.locator('#score-info').innerText(), /entropy of the output distribution/);
    assert.match(await page.locator('#metrics-note').innerText(), /not the entropy/);
    await screenshot(page, 'score-entropy-classification');
    // The same link opens with the score chosen.
    const shared = page.url();
    await page.goto(shared);
    await waitReady(page);
    assert.equal(await page.locator('#score').inputValue(), 'entropy');
    // KL to the unperturbed distribution: 0 at the input, so Saliency's gradient is 0 everywhere.
    await select(page, 'method', 'Saliency');
    await select(page, 'score', 'klToReference');
    const kl = await explain(page);
    assert.equal(kl.output.attributedFunction, 'klToReference');
    // 0 up to float32 rounding (the seed p - p_ref is formed from two float32 softmaxes of the same logits).
    assert.ok(maxAbs(kl.output.attributions) < 1e-7, `Saliency of KL ${maxAbs(kl.output.attributions)} is not ~0`);
    // A contrast clears the score, and the score clears the contrast.
    await select(page, 'contrast-class', '0');
    assert.equal(await page.locator('#score').inputValue(), '');
    assert.doesNotMatch(page.url(), /score=/);
    await select(page, 'score', 'entropy');
    assert.equal(await page.locator('#contrast-class').inputValue(), '');
    assert.doesNotMatch(page.url(), /contrastClass/);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('generation: the entropy of each generated step, one row per generated token', async () => {
    const url = `?model=${GENERATOR}&device=wasm&metrics=0&method=IntegratedGradients&o.granularity=TOKEN`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    await fill(page, 'text', 'Roses are red, the sky is');
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', ' blue and');
    await select(page, 'score', 'entropy');
    const o = (await explain(page)).output;
    assert.equal(o.attributedFunction, 'entropy');
    assert.ok(o.attributions.length >= 2, 'one row per generated token');
    const finite = o.attributions.flat().filter((v) => !Number.isNaN(v));
    assert.ok(finite.every(Number.isFinite) && finite.some((v) => Math.abs(v) > 1e-6));
    assert.match(await page.locator('#score-info').innerText(), /entropy/);
    await screenshot(page, 'score-entropy-generation');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
