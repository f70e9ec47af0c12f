/**
 * One screenshot of each view of the playground in each of its forms: desktop (1280 px), 390 px and dark
 * (e2e/output/views-<view>-<desktop|390|dark>.png). Each view is computed once, then drawn at each size and
 * colour scheme. What the views show is checked by the other files; here: the page never gets wider than
 * the screen.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, GENERATOR, clickRun, fill, select } from '../playground.ts';

const VARIANTS = [
  { name: 'desktop', width: 1280, height: 900, scheme: 'light' },
  { name: '390', width: 390, height: 844, scheme: 'light' },
  { name: 'dark', width: 1280, height: 900, scheme: 'dark' },
] as const;

async function shots(page: Page, view: string): Promise<void> {
  for (const v of VARIANTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await page.emulateMedia({ colorScheme: v.scheme });
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= v.width, `${view} at ${v.name}: the page is ${width} px wide`);
    await screenshot(page, `views-${view}-${v.name}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('every view, at desktop, 390 px and dark', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('classifier: result, counterfactual edit, compare, several classes, contrast, live estimate; LM: tokens and matrix; Dataset tab', async () => {
    const { page, context, problems } = await openPage(browser!, '?device=wasm');
    await page.locator('#result').waitFor({ timeout: 120_000 });
    assert.equal((await clickRun(page, 'explain')).error, null);
    await shots(page, 'explain');

    const runs = Number(await page.locator('#run-count').textContent());
    await page.locator('#heatmap button.unit', { hasText: /^best$/ }).click();
    await page.locator('#unit-remove').click();
    await page.locator('#counterfactual[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n: number) => Number(document.querySelector('#run-count')?.textContent) > n, runs, {
      timeout: 120_000,
    });
    await shots(page, 'counterfactual');
    await page.locator('#undo-edit').click();

    assert.equal((await clickRun(page, 'compare-all', 600_000)).error, null);
    await shots(page, 'compare');

    // Several classes (dominant-class view), then "positive rather than negative".
    await page.locator('.class-target[data-class="0"]').check();
    await page.locator('.class-target[data-class="2"]').check();
    assert.equal((await clickRun(page, 'explain')).error, null);
    await shots(page, 'multi-class');
    await page.locator('.class-target[data-class="0"]').uncheck();
    await select(page, 'contrast-class', '0');
    assert.equal((await clickRun(page, 'explain')).error, null);
    await shots(page, 'contrast');
    await select(page, 'contrast-class', '');

    // A sampling method's live estimate, drawn while it runs, then "Stop here".
    await page.locator('.class-target[data-class="2"]').uncheck();
    await select(page, 'method', 'Lime');
    await fill(page, 'opt-nPerturbations', 200_000);
    await fill(page, 'opt-batchSize', 8);
    await page.locator('#explain').click();
    await page.locator('#live-samples', { hasText: 'convergence' }).waitFor({ timeout: 120_000 });
    await shots(page, 'live-estimate');
    const before = Number(await page.locator('#run-count').textContent());
    await page.locator('#stop-here').click();
    await page.waitForFunction((n: number) => Number(document.querySelector('#run-count')?.textContent) > n, before, {
      timeout: 120_000,
    });
    await select(page, 'method', 'Occlusion');

    await select(page, 'model', GENERATOR);
    await page.locator('#metrics').uncheck();
    await fill(page, 'max-new-tokens', 3);
    assert.equal((await clickRun(page, 'explain')).error, null);
    await shots(page, 'generation');
    await select(page, 'generation-view', 'matrix');
    await page.locator('#heatmap-view table[part="matrix"]').waitFor();
    await shots(page, 'matrix');

    // The Dataset tab runs the Explain tab's model: the sentiment set needs the classifier.
    await select(page, 'model', CLASSIFIER);
    await page.locator('#tab-dataset').click();
    await page.locator('#dataset-source[data-rows="128"]').waitFor({ timeout: 30_000 });
    await page.locator('#ds-limit').fill('4');
    await page.locator('#ds-limit').dispatchEvent('change');
    await page.locator('#ds-run').click();
    await page.locator('#ds-progress[data-outcome="done"]').waitFor({ timeout: 300_000 });
    assert.equal(await page.locator('#ds-progress').getAttribute('data-failed'), '0');
    await shots(page, 'dataset');
    assert.deepEqual(problems.page, []);
    await context.close();
  });
});
