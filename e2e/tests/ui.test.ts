/**
 * Playground behaviour beyond the method matrix: Cancel, text safety, Hub errors, shared URLs and
 * the method x metric comparison table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { OptionSpec } from '../../packages/core/src/registry/data.ts';
import { launch, openPage, screenshot } from '../browser.ts';
import {
  CLASSIFIER,
  METHODS,
  METHOD_SCHEMAS,
  clickRun,
  explain,
  fill,
  heatmapUnits,
  select,
  unexpectedConsoleErrors,
  waitReady,
  type PageResult,
} from '../playground.ts';

describe('playground UI', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it("draws each method's option form from the core registry and refuses what the core refuses", async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    for (const method of METHODS) {
      await select(page, 'method', method);
      const shown = await page.locator('label.option :is(input, select)').evaluateAll((els) => els.map((el) => el.id));
      const options = Object.entries(METHOD_SCHEMAS[method].options as Record<string, OptionSpec>);
      // Every option that changes this method's result and has a form control; none other. The replacement token
      // is chosen by its text in the Baseline menu, not as a raw id here.
      const expected = options.filter(
        ([name, spec]) => !spec.inert && spec.type !== 'custom' && name !== 'replaceTokenId',
      );
      assert.equal(await page.locator('#opt-replaceTokenId').count(), 0, `${method}: no raw token id field`);
      assert.deepEqual(
        shown,
        expected.map(([name]) => `opt-${name}`),
        `${method}: the form's fields`,
      );
      for (const [name, spec] of expected) {
        if (spec.type !== 'number') continue;
        const field = page.locator(`#opt-${name}`);
        assert.equal(
          await field.getAttribute('min'),
          spec.min === undefined ? null : String(spec.min.value),
          `${method}.${name} min`,
        );
        assert.equal(
          await field.getAttribute('max'),
          spec.max === undefined ? null : String(spec.max.value),
          `${method}.${name} max`,
        );
        assert.equal(
          await field.getAttribute('placeholder'),
          spec.default === undefined ? 'default' : String(spec.default),
          `${method}.${name} default`,
        );
      }
    }
    // Lime's probability is open at both ends: the form once took 0 and 1, the core refuses them.
    await select(page, 'method', 'Lime');
    for (const bad of ['0', '1']) {
      await fill(page, 'opt-perturbProbability', bad);
      assert.match(
        await page.locator('.field-error').innerText(),
        /perturbProbability must be a finite number in \(0, 1\)/,
      );
    }
    await fill(page, 'opt-perturbProbability', '0.25');
    assert.equal(await page.locator('.field-error').count(), 0);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('Cancel stops a long run through the AbortSignal and the page stays usable', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&device=webgpu&metrics=0`);
    await waitReady(page);
    await select(page, 'method', 'Lime');
    await fill(page, 'opt-nPerturbations', 5000);
    await fill(page, 'opt-batchSize', 1);
    await page.locator('#explain').click();
    // Wait until the explainer itself reports progress, so the cancel lands mid-run.
    await page.waitForFunction(
      () => {
        const p = document.querySelector<HTMLProgressElement>('#progress');
        return p && p.value > 0 && /Lime/.test(document.querySelector('#stage')?.textContent ?? '');
      },
      undefined,
      { timeout: 60_000 },
    );
    // The work is in the worker: the page still takes input mid-run.
    await fill(page, 'text', 'typed while it runs');
    assert.equal(await page.locator('#text').inputValue(), 'typed while it runs');
    assert.equal(await page.locator('#explain').isDisabled(), true, 'one run at a time');
    await page.locator('#cancel').click();
    await page.locator('#notice').waitFor({ timeout: 30_000 });
    assert.equal(
      await page.locator('#notice').innerText(),
      'Cancelled.',
      'stopped by the signal, not by killing the worker',
    );
    // (the result shown is the one the page opened with, never a Lime one)
    assert.equal(await page.locator('#result[data-method="Lime"]').count(), 0, 'no result from the cancelled run');
    await screenshot(page, 'cancelled');
    await select(page, 'method', 'Occlusion');
    const r = await explain(page);
    assert.equal(r.method, 'Occlusion');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('explains the chosen classes (multi-class view)', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    await fill(page, 'text', 'I do not know if this is the best or the worst movie ever.');
    await select(page, 'method', 'KernelShap');
    await page.locator('.class-target[data-class="0"]').check();
    await page.locator('.class-target[data-class="1"]').check();
    assert.equal(new URL(page.url()).searchParams.get('classes'), '0,1');
    const r = await explain(page);
    assert.deepEqual(r.output.targets, [0, 1]);
    assert.equal(r.output.attributions.length, 2);
    // One row per class, and they are not copies of each other.
    assert.notDeepEqual(r.output.attributions[0], r.output.attributions[1]);
    assert.equal(await page.locator('#heatmap interpreto-multi-class').count(), 1, 'the multi-class view');
    await screenshot(page, 'multi-class');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('renders markup in the input as text', async () => {
    const payload = '<img src=x onerror=alert(1)> <b>bold</b>';
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    await fill(page, 'text', payload);
    await select(page, 'method', 'Occlusion');
    await select(page, 'opt-granularity', 'TOKEN');
    const r = await explain(page);
    const units = await heatmapUnits(page);
    assert.equal(units.length, r.output.elements.length);
    assert.ok(units.join('').includes('<'), 'the "<" characters are shown as text');
    const injected = await page.evaluate(() => {
      // A loop, not a named inner function: tsx (esbuild keepNames) would wrap one in a __name() helper that
      // does not exist in the page.
      const found: string[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      for (let root = roots.pop(); root; root = roots.pop()) {
        for (const el of root.querySelectorAll('*')) {
          if (el.tagName === 'IMG' || el.tagName === 'B') found.push(el.tagName);
          if (el.shadowRoot) roots.push(el.shadowRoot);
        }
      }
      return found;
    });
    assert.deepEqual(injected, [], 'no element was created from the input text');
    // The payload also survives the URL round trip as text.
    assert.equal(new URL(page.url()).searchParams.get('text'), payload);
    await screenshot(page, 'markup-as-text');
    assert.deepEqual(problems.dialogs, [], 'no script ran');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('explains what happened when a Hub model cannot be loaded, and stays usable', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    await select(page, 'model', '__hub__');
    // A malformed id is refused before any request.
    await fill(page, 'hub-id', '<img src=x onerror=alert(1)>');
    await page.locator('#load').click();
    assert.match(await page.locator('#error').innerText(), /is not a Hub model id/);
    // A well-formed id: the Hub is unreachable here (the test refuses every off-site request).
    await fill(page, 'hub-id', 'Xenova/distilbert-base-uncased-finetuned-sst-2-english');
    await clickRun(page, 'load');
    const message = await page.locator('#error').innerText();
    assert.match(message, /Could not reach the Hugging Face Hub/);
    assert.match(message, /embedded models/);
    assert.ok(
      problems.offsite.some((u) => u.includes('Xenova/distilbert')),
      'the load did try the Hub',
    );
    await screenshot(page, 'hub-unreachable');
    // Back to an embedded model: runs fine.
    await select(page, 'model', CLASSIFIER);
    const r = await explain(page);
    assert.equal(r.method, 'Occlusion');
    assert.equal(await page.locator('#error').count(), 0);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(unexpectedConsoleErrors(problems), []);
    await context.close();
  });

  it('a shared URL restores the settings and reruns the same explanation', async () => {
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&metrics=0`);
    await waitReady(page);
    await fill(page, 'text', 'What a dull and boring film.');
    await select(page, 'method', 'Lime');
    await fill(page, 'opt-nPerturbations', 40);
    await fill(page, 'opt-seed', 7);
    await select(page, 'opt-distanceFunction', 'HAMMING');
    await select(page, 'opt-granularity', 'TOKEN');
    const first = await explain(page);
    const shared = page.url();
    const params = new URL(shared).searchParams;
    assert.equal(params.get('method'), 'Lime');
    assert.equal(params.get('o.nPerturbations'), '40');
    assert.equal(params.get('run'), 'explain');

    const other = await context.newPage();
    await other.goto(shared);
    await other.locator('#result').waitFor({ timeout: 120_000 });
    assert.equal(await other.locator('#text').inputValue(), 'What a dull and boring film.');
    assert.equal(await other.locator('#method').inputValue(), 'Lime');
    assert.equal(await other.locator('#opt-nPerturbations').inputValue(), '40');
    assert.equal(await other.locator('#opt-distanceFunction').inputValue(), 'HAMMING');
    const again = await other.evaluate(
      () => (document.querySelector('ip-playground') as unknown as { result: PageResult }).result,
    );
    assert.deepEqual(again.output.elements, first.output.elements);
    // Same seed, same device: the same numbers.
    assert.deepEqual(again.output.attributions, first.output.attributions);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('compares every method with Insertion and Deletion on one input', async () => {
    // On WebGPU (asked for: "auto" takes WASM on the e2e's software adapter).
    const { page, context, problems } = await openPage(browser!, `?model=${CLASSIFIER}&device=webgpu`);
    await waitReady(page);
    await fill(page, 'text', 'This movie is great!');
    await select(page, 'method', 'Occlusion');
    await fill(page, 'opt-batchSize', 16);
    const { error } = await clickRun(page, 'compare-all', 300_000);
    assert.equal(error, null);
    const rows = page.locator('#compare-table tbody tr');
    assert.equal(await rows.count(), METHODS.length);
    for (const method of METHODS) {
      const cells = await page.locator(`#compare-table tr[data-method="${method}"] td`).allInnerTexts();
      assert.equal(cells.length, 4, `${method}: ${cells.join(' | ')}`);
      for (const auc of cells.slice(0, 2).map(Number)) {
        assert.ok(auc >= 0 && auc <= 1, `${method}: AUC ${auc} is a probability area in [0, 1]`);
      }
      assert.equal(cells[2], 'WebGPU');
    }
    // The highlighted "best" cells of a column are every row showing the best value (ties included), and none
    // when every row shows the same value.
    for (const [column, better] of [
      [1, (a: number, b: number) => a > b],
      [2, (a: number, b: number) => a < b],
    ] as const) {
      const cells = page.locator(`#compare-table tbody tr td:nth-of-type(${column})`);
      const shown = (await cells.allInnerTexts()).map(Number);
      const marked = await cells.evaluateAll((tds) => tds.map((td) => td.classList.contains('best')));
      const best = shown.reduce((a, b) => (better(b, a) ? b : a));
      const expected = new Set(shown).size > 1 ? shown.map((v) => v === best) : shown.map(() => false);
      assert.deepEqual(marked, expected, `column ${column}: ${shown.join(', ')}`);
    }
    await screenshot(page, 'compare');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });
});
