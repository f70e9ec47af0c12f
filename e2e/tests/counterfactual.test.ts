/**
 * Counterfactual editing (issue 10, item 6): a unit of the result is removed or replaced from its menu; the
 * prediction on the edited text shows at once, before and after; the explanation reruns behind it (the old one
 * marked as updating) and Undo puts back the text and the result. Screenshots e2e/output/counterfactual-*.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { GENERATOR, heatmapUnits, runCount, type PageResult } from '../playground.ts';

const pageResult = (page: Page) =>
  page.evaluate(() => (document.querySelector('ip-playground') as unknown as { result: PageResult }).result);

/** Records whether the result was ever marked "rerunning" (the rerun of a tiny model can end between two polls). */
async function watchUpdating(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { sawUpdating: boolean };
    w.sawUpdating = false;
    // An inline callback, not a named one: tsx would wrap a named function in a __name() helper the page lacks.
    new MutationObserver(() => {
      if (document.querySelector('#result[data-stale="true"] #stale-result[data-updating="true"]'))
        w.sawUpdating = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

async function classChange(page: Page, c: number): Promise<{ before: number; after: number }> {
  const el = page.locator(`#counterfactual .cf-class[data-class="${c}"]`);
  return { before: Number(await el.getAttribute('data-before')), after: Number(await el.getAttribute('data-after')) };
}

describe('counterfactual editing', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('removing the sentiment word of the default classifier’s input drops "positive"; the explanation reruns; Undo', async () => {
    const { page, context, problems } = await openPage(browser!, '?device=wasm');
    await page.locator('#result').waitFor({ timeout: 120_000 });
    const first = await pageResult(page);
    const positive = first.output.classes!.indexOf('positive');
    const p0 = first.output.classProbabilities!;
    assert.equal(p0.indexOf(Math.max(...p0)), positive, `the default text reads positive (${p0.join(', ')})`);
    assert.ok((await heatmapUnits(page)).includes('best'));

    // The unit's menu opens from the keyboard as well as a click.
    await page.locator('#heatmap button.unit', { hasText: /^best$/ }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#unit-menu').waitFor();
    assert.match(await page.locator('#unit-menu').innerText(), /"best"/);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#unit-menu').count(), 0, 'Escape closes the menu');
    await page.locator('#heatmap button.unit', { hasText: /^best$/ }).click();
    await screenshot(page, 'counterfactual-menu-desktop');

    await watchUpdating(page);
    const runs = await runCount(page);
    await page.locator('#unit-remove').click();
    assert.equal(await page.locator('#text').inputValue(), 'This is the movie I have ever seen.');
    await page.locator('#counterfactual[data-ready="true"]').waitFor({ timeout: 60_000 });
    const change = await classChange(page, positive);
    assert.ok(Math.abs(change.before - p0[positive]!) < 1e-4, `"before" is the shown prediction (${change.before})`);
    assert.ok(
      change.after < change.before - 0.2,
      `without "best", "positive" drops: ${change.before.toFixed(3)} -> ${change.after.toFixed(3)}`,
    );
    console.log(`counterfactual: positive ${change.before.toFixed(3)} -> ${change.after.toFixed(3)} without "best"`);

    // The explanation reran on the edited text; until then the old one was marked as being updated.
    await page.waitForFunction((n: number) => Number(document.querySelector('#run-count')?.textContent) > n, runs, {
      timeout: 120_000,
    });
    assert.equal(await page.evaluate(() => (window as unknown as { sawUpdating: boolean }).sawUpdating), true);
    assert.equal(await page.locator('#result').getAttribute('data-stale'), 'false');
    const rerun = await pageResult(page);
    assert.ok(!rerun.output.elements.includes('best'), `the new units: ${rerun.output.elements.join(' ')}`);
    assert.ok(
      Math.abs(rerun.output.classProbabilities![positive]! - change.after) < 1e-4,
      'the rerun explains the prediction the panel showed',
    );
    await screenshot(page, 'counterfactual-removed-desktop');

    // Replace: "best" put back by hand reads positive again.
    await page.locator('#heatmap button.unit', { hasText: /^movie$/ }).click();
    await page.locator('#unit-replacement').fill('best movie');
    await page.locator('#unit-replace').click();
    assert.equal(await page.locator('#text').inputValue(), 'This is the best movie I have ever seen.');
    await page.locator('#counterfactual[data-ready="true"]').waitFor({ timeout: 60_000 });
    const back = await classChange(page, positive);
    assert.ok(Math.abs(back.after - p0[positive]!) < 1e-4, `replaced back: ${back.after} vs ${p0[positive]}`);

    // Undo twice: the text and the first result come back, not stale, with no run.
    await page.locator('#explain:enabled').waitFor({ timeout: 120_000 });
    await page.locator('#undo-edit').click();
    assert.equal(await page.locator('#text').inputValue(), 'This is the movie I have ever seen.');
    await page.locator('#undo-edit').click();
    assert.equal(await page.locator('#text').inputValue(), 'This is the best movie I have ever seen.');
    assert.equal(await page.locator('#result').getAttribute('data-stale'), 'false');
    assert.deepEqual((await pageResult(page)).output.attributions, first.output.attributions);
    assert.equal(await page.locator('#counterfactual').count(), 0);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('390 px and dark: the menu and the before/after panel fit', async () => {
    for (const [name, options] of [
      ['390', { viewport: { width: 390, height: 844 } }],
      ['dark', { colorScheme: 'dark' as const }],
    ] as const) {
      const { page, context } = await openPage(browser!, '?device=wasm');
      if (options.viewport) await page.setViewportSize(options.viewport);
      if ('colorScheme' in options) await page.emulateMedia({ colorScheme: options.colorScheme });
      await page.locator('#result').waitFor({ timeout: 120_000 });
      await page.locator('#heatmap button.unit', { hasText: /^best$/ }).click();
      await page.locator('#unit-replacement').fill('worst');
      await page.locator('#unit-replace').click();
      await page.locator('#counterfactual[data-ready="true"]').waitFor({ timeout: 60_000 });
      await page.locator('#result[data-stale="false"]').waitFor({ timeout: 120_000 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= (options.viewport?.width ?? 1280), `no horizontal scroll (${width} px)`);
      await screenshot(page, `counterfactual-replaced-${name}`);
      await context.close();
    }
  });

  it('generation: replacing a prompt word changes the continuation to the known one', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${GENERATOR}&device=wasm&method=Occlusion`);
    await page.locator('#explain:enabled').waitFor({ timeout: 120_000 });
    await page.locator('#metrics').uncheck();
    await page.locator('#explain').click();
    await page.locator('#result').waitFor({ timeout: 120_000 });
    const prompt = await page.locator('#text').inputValue();
    // The trained LM completes "the sky is" with " blue." and "the grass is" with " green" (public/models/README.md).
    await page.locator('#heatmap button.unit', { hasText: /^\s*sky$/ }).click();
    await page.locator('#unit-replacement').fill('grass');
    await page.locator('#unit-replace').click();
    assert.equal(await page.locator('#text').inputValue(), prompt.replace('sky', 'grass'));
    await page.locator('#counterfactual[data-ready="true"]').waitFor({ timeout: 60_000 });
    const cont = page.locator('#cf-continuation');
    const before = await cont.getAttribute('data-before');
    const afterText = await cont.getAttribute('data-after');
    console.log(`counterfactual (LM): "${prompt}" -> "${before}"; with "grass" -> "${afterText}"`);
    assert.match(before ?? '', /^ blue/);
    assert.match(afterText ?? '', /^ green/);
    await page.locator('#result[data-stale="false"]').waitFor({ timeout: 120_000 });
    const rerun = await pageResult(page);
    assert.ok(
      rerun.output.elements.some((e) => e.trim() === 'grass'),
      rerun.output.elements.join('|'),
    );
    await screenshot(page, 'counterfactual-generation-desktop');
    assert.deepEqual(problems.page, []);
    await context.close();
  });
});
