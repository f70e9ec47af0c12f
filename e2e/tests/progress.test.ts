/**
 * How long things take, as the page tells it: the opening view (prediction and first explanation of the default
 * model on WASM; the time from navigation to it is printed, never asserted), and a single run's progress in model
 * calls with the time left once two batches are done.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER } from '../playground.ts';

describe('progress and time', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('shows the default model’s prediction and an explanation on load (time printed)', async () => {
    const { page, context, problems } = await openPage(browser!, '?device=wasm');
    await page.locator('#result').waitFor({ timeout: 120_000 });
    // Marks the page sets itself (performance.now() here would add the test's polling delay).
    await page.waitForFunction(() => performance.getEntriesByName('interpreto:first-explanation').length > 0);
    // No named inner function: tsx would wrap it in a __name() helper the page lacks.
    const t = await page.evaluate(() => {
      const marks: Record<string, number> = {};
      for (const name of [
        'interpreto:first-explanation',
        'interpreto:worker-ready',
        'interpreto:first-request',
        'interpreto:first-reply',
      ])
        marks[name] = performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const app = document.querySelector('ip-playground') as unknown as {
        info: { loadMs: number };
        result: { explainMs: number };
      };
      return {
        shown: marks['interpreto:first-explanation']!,
        ready: marks['interpreto:worker-ready']!,
        request: marks['interpreto:first-request']!,
        reply: marks['interpreto:first-reply']!,
        domReady: nav?.domContentLoadedEventEnd ?? Number.NaN,
        load: app.info.loadMs,
        explain: app.result.explainMs,
      };
    });
    const r = (v: number) => Math.round(v);
    console.log(
      `navigation to first explanation shown (WASM): ${r(t.shown)} ms ` +
        `(page parsed ${r(t.domReady)} ms, worker ready ${r(t.ready)} ms, request sent ${r(t.request)} ms, ` +
        `reply ${r(t.reply)} ms: model load ${r(t.load)} ms + Occlusion ${r(t.explain)} ms in it)`,
    );
    assert.ok(t.ready < t.shown, 'the worker is ready before the first explanation');
    assert.ok((await page.locator('#prediction .prob').count()) >= 2, 'every class with its probability');
    assert.equal(await page.locator('#result').getAttribute('data-device'), 'wasm');
    assert.ok((await page.locator('#heatmap button.unit').count()) > 0, 'the explanation is drawn');
    assert.equal(new URL(page.url()).searchParams.get('run'), null, 'the opening run is not put in the link');
    await screenshot(page, 'byom-prediction-on-load');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });

  it('a single run shows model calls done / total, then the time left once two batches are done', async () => {
    const budget = 200_000;
    // A run long enough to read (cancelled below); run=explain: no default explanation first.
    const url = `?model=${CLASSIFIER}&device=wasm&metrics=0&method=Lime&o.nPerturbations=${budget}&o.batchSize=8&run=explain`;
    const { page, context, problems } = await openPage(browser!, url);
    await page.locator('#time-left').waitFor({ timeout: 120_000 });
    const count = await page.locator('#progress-count').innerText();
    const m = /^([\d,]+) \/ ([\d,]+) model calls$/.exec(count);
    assert.ok(m, `progress reads "${count}"`);
    const [done, total] = [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))];
    assert.ok(total >= budget, `Lime's ${budget} samples are model calls (total ${total})`);
    assert.ok(done >= 16 && done < total, `two batches of 8 are done before the estimate shows (${done})`);
    assert.match(await page.locator('#time-left').innerText(), /^about (\d+ min )?\d+ s left$/);
    await screenshot(page, 'progress-time-left');
    await page.locator('#cancel').click();
    await page.locator('#progress-box').waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(problems.page, []);
    await context.close();
  });
});
