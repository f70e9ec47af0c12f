/**
 * Custom units and perturbation baselines through the UI (issue 11, item 4). Known answers, in LOG_SOFTMAX mode,
 * where Occlusion's score of a unit is log p(target | x) - log p(target | x without the unit):
 * - classifier: "[not bad]" as one unit, replaced by the named token "the": the score equals log p(positive | the
 *   text) minus log p(positive | "... was the the at all."), the second read from the page's own class
 *   probabilities for that text;
 * - language model: "[Roses are red]" deleted: the score equals log p(" blue" | the prompt) minus
 *   log p(" blue" | ", the sky is"), both read from the step scores the page shows.
 * The Units field and the Baseline menu stay in the link; a marking that does not match the text is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, GENERATOR, clickRun, explain, fill, heatmapUnits, select, waitReady } from '../playground.ts';

describe('custom units and baselines', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('classification: a bracketed phrase is one unit, replaced by a named token', async () => {
    const positive = 2;
    const url = `?model=${CLASSIFIER}&device=wasm&metrics=0&method=Occlusion&o.inferenceMode=LOG_SOFTMAX&target=classes&classes=${positive}`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    const text = 'The movie was not bad at all.';
    await fill(page, 'text', text);
    await page.locator('#units-copy').click();
    assert.equal(await page.locator('#units').inputValue(), text, 'the button copies the input text');
    await fill(page, 'units', 'The movie was [not bad] at all.');
    await select(page, 'baseline', 'token');
    await fill(page, 'baseline-token', 'the');
    assert.match(page.url(), /baseline=token&baselineToken=the/);
    assert.match(page.url(), /units=The\+movie\+was\+%5Bnot\+bad%5D\+at\+all\./);
    const grouped = await explain(page);
    const o = grouped.output;
    assert.equal(o.customUnits, true);
    assert.equal(o.baseline, 'token');
    assert.deepEqual(o.elements, ['the', 'movie', 'was', 'not bad', 'at', 'all', '.']);
    assert.ok(
      (await heatmapUnits(page)).some((u) => u.includes('not bad')),
      'the heatmap shows the unit',
    );
    await screenshot(page, 'units-baseline-classification');
    // Known answer: the same page, on the text the unit's removal gives (each of its tokens -> "the").
    const shared = page.url();
    await fill(page, 'units', '');
    await select(page, 'baseline', 'replacement');
    await fill(page, 'text', 'The movie was the the at all.');
    const replaced = await explain(page);
    const lp = (p: number[] | undefined) => Math.log(p![positive]!);
    const expected = lp(o.classProbabilities) - lp(replaced.output.classProbabilities);
    assert.ok(Math.abs(o.attributions[0]![3]! - expected) < 1e-4, `${o.attributions[0]![3]} vs ${expected}`);
    // The link brings the units and the baseline back.
    await page.goto(shared);
    await waitReady(page);
    assert.equal(await page.locator('#units').inputValue(), 'The movie was [not bad] at all.');
    assert.equal(await page.locator('#baseline').inputValue(), 'token');
    assert.equal(await page.locator('#baseline-token').inputValue(), 'the');
    // A marking that is not the input text is refused with the fix.
    await fill(page, 'text', 'The film was not bad at all.');
    await page.locator('#explain').click();
    assert.match(await page.locator('#error').innerText(), /must read exactly as the input text/);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('generation: deleting a bracketed clause of the prompt', async () => {
    const url = `?model=${GENERATOR}&device=wasm&metrics=0&method=Occlusion&o.inferenceMode=LOG_SOFTMAX`;
    const { page, context, problems } = await openPage(browser!, url);
    await waitReady(page);
    await fill(page, 'text', 'Roses are red, the sky is');
    await page.locator('#target-continuation').check();
    await fill(page, 'continuation', ' blue');
    await fill(page, 'units', '[Roses are red], the sky is');
    await select(page, 'baseline', 'delete');
    const deleted = await explain(page);
    const o = deleted.output;
    assert.equal(o.baseline, 'delete');
    assert.equal(o.elements[0], 'Roses are red');
    assert.equal(o.targets.length, 1, '" blue" is one token');
    await screenshot(page, 'units-baseline-generation');
    // Known answer: the prompt without the clause, explained plainly; its step score is log p(" blue" | rest).
    await fill(page, 'units', '');
    await select(page, 'baseline', 'replacement');
    await fill(page, 'text', ', the sky is');
    const rest = await explain(page);
    const expected = o.stepScores![0]!.logProbability - rest.output.stepScores![0]!.logProbability;
    assert.ok(Math.abs(o.attributions[0]![0]! - expected) < 1e-4, `${o.attributions[0]![0]} vs ${expected}`);
    // Delete is offered to language models only; a gradient method shows no baseline menu.
    await select(page, 'method', 'Saliency');
    assert.equal(await page.locator('#baseline').count(), 0);
    const { error } = await clickRun(page);
    assert.equal(error, null);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
