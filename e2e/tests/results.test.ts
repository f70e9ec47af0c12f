/**
 * How results read (issue 10, items 3, 4, 5 and the layout of 7): the colour bar and its bound, one-sided
 * scales for unsigned methods, numbers in cells and a sortable table, the dominant class visible without
 * hovering, curve colours that match it, the generation matrix, every method's heatmap aligned by unit, stale
 * results marked, options kept across methods, a 390 px layout and the dark theme. Screenshots of each view
 * (desktop, 390 px, dark) go to e2e/output/results-*.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { baseURL, isolationSettled, launch, screenshot } from '../browser.ts';
import { CLASSIFIER, GENERATOR, clickRun, explain, fill, select, waitReady, type PageResult } from '../playground.ts';
import { CLASS_COLORS, hexString } from '../../packages/elements/src/color.ts';
import { formatCompact, sortUnits } from '../../packages/elements/src/scale.ts';

/** A page in its own context (viewport, colour scheme), refusing any request that leaves the test server. */
async function open(browser: Browser, path: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/\[W:onnxruntime:/.test(m.text())) errors.push(m.text());
  });
  const origin = new URL(baseURL()).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    errors.push(`offsite request ${url}`);
    return route.abort('internetdisconnected');
  });
  await page.goto(new URL(path, baseURL()).href);
  await isolationSettled(page);
  await waitReady(page);
  return { context, page, errors };
}

const view = '#heatmap-view';

async function bar(page: Page) {
  return page.locator(`${view} [part="colour-bar"]`).evaluate((el: HTMLElement) => ({
    bound: Number(el.dataset.bound),
    unsigned: el.dataset.unsigned,
    text: el.textContent?.replace(/\s+/g, ''),
  }));
}

describe('results: numbers and honest colours', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('a colour bar with the bound, numbers in the cells, a sortable table, an export with both', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=0`);
    await fill(page, 'text', 'This movie is great, the actors were awful.');
    await select(page, 'method', 'Occlusion');
    const r = await explain(page);
    const row = r.output.attributions[0]!;
    const bound = Math.max(...row.map(Math.abs));
    const b = await bar(page);
    assert.equal(b.unsigned, 'false', 'Occlusion is signed');
    assert.ok(Math.abs(b.bound - bound) < 1e-12, `the bar's bound ${b.bound} is the row's max |score| ${bound}`);
    assert.equal(b.text, `-${formatCompact(bound)}+${formatCompact(bound)}`);
    assert.match(await page.locator(`${view} .legend-text`).innerText(), /red: positive, blue: negative/);
    // Numbers in the cells, each the unit's score.
    await page.locator('#show-values').check();
    const values = await page.locator(`${view} [part="value"]`).allInnerTexts();
    assert.deepEqual(values, row.map(formatCompact));
    // The table, sorted by the class column: largest first, then reversed.
    await page.locator('#show-table').check();
    const table = page.locator('#score-table');
    await table.locator('thead th').nth(2).locator('button').click();
    const order = await table.locator('tbody td.text').allInnerTexts();
    assert.deepEqual(
      order,
      sortUnits(r.output, 0, 'descending').map((c) => r.output.elements[c]),
    );
    await table.locator('thead th').nth(2).locator('button').click();
    assert.deepEqual(
      await table.locator('tbody td.text').allInnerTexts(),
      sortUnits(r.output, 0, 'ascending').map((c) => r.output.elements[c]),
    );
    await screenshot(page, 'results-numbers-desktop');
    // The SVG export carries the colour bar and the numbers.
    const svg = await page.evaluate(async (sel) => {
      const el = document.querySelector(sel) as unknown as { exportAs(f: string): Promise<Blob> };
      return (await el.exportAs('svg')).text();
    }, view);
    assert.match(svg, /<g class="colour-bar">/);
    assert.ok(svg.includes(`+${formatCompact(bound)}</text>`), 'the bound is written on the bar');
    for (const v of row) assert.ok(svg.includes(`>${formatCompact(v)}</text>`), `the score ${v} is printed`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('an unsigned method (Saliency, |g x|) gets a one-sided scale and a legend that says so', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=0`);
    await select(page, 'method', 'Saliency');
    const r = await explain(page);
    assert.equal(r.output.unsigned, true, 'the core marks the output unsigned');
    const b = await bar(page);
    assert.equal(b.unsigned, 'true');
    assert.ok(b.text?.startsWith('0'), `a one-sided bar from 0: ${b.text}`);
    const legend = await page.locator(`${view} .legend-text`).innerText();
    assert.match(legend, /one-sided: this method gives magnitudes, not signs/);
    assert.doesNotMatch(legend, /red/);
    // Every coloured unit in the magnitude hue (violet), none red or blue.
    const hues = await page
      .locator(`${view} button.unit`)
      .evaluateAll((bs) => bs.map((b) => (b as HTMLElement).style.backgroundColor));
    for (const h of hues) assert.match(h, /^rgba?\(109, 40, 217/, `magnitude hue, got ${h}`);
    await screenshot(page, 'results-unsigned-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the dominant class of each unit is visible without hovering, and the curves use the same colours', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=1`);
    await fill(page, 'text', 'The best movie, I hate the ending.');
    await select(page, 'method', 'Occlusion');
    for (const c of [0, 1]) await page.locator(`.class-target[data-class="${c}"]`).check();
    const r = await explain(page, 400_000);
    assert.equal(r.output.attributions.length, 2);
    const keys = await page.locator(`${view} .class-key`).allInnerTexts();
    const names = r.output.targets.map((c) => r.output.classes?.[c] ?? `#${c}`);
    assert.deepEqual(
      keys.map((k) => k.trim()),
      names,
    );
    // Each unit in its dominant class's hue: the two classes both appear, so not "every unit red".
    const dominant = r.output.elements.map((_, c) => {
      const v = r.output.attributions.map((row) => row[c]!);
      const best = Math.max(...v);
      return best >= 1e-6 ? v.indexOf(best) : -1;
    });
    const hues = await page
      .locator(`${view} button.unit`)
      .evaluateAll((bs) => bs.map((b) => (b as HTMLElement).style.backgroundColor));
    dominant.forEach((d, c) => {
      if (d < 0) return;
      assert.ok(
        hues[c]!.startsWith(`rgba(${CLASS_COLORS[d]!.join(', ')}`) ||
          hues[c]!.startsWith(`rgb(${CLASS_COLORS[d]!.join(', ')}`),
        `unit ${c} (${r.output.elements[c]}) in class ${d}'s hue, got ${hues[c]}`,
      );
    });
    assert.ok(new Set(dominant.filter((d) => d >= 0)).size === 2, 'each class dominates some unit in this sentence');
    // Curve row i is drawn in the colour class i has in the heatmap.
    const strokes = await page
      .locator('#insertion-curve polyline.curve')
      .evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke')));
    assert.deepEqual(strokes, [hexString(CLASS_COLORS[0]!), hexString(CLASS_COLORS[1]!)]);
    await screenshot(page, 'results-dominant-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('generation as a matrix: every prompt and generated unit against every generated unit, NaN cells marked', async () => {
    const { page, context, errors } = await open(browser!, `?model=${GENERATOR}&device=wasm&metrics=0`);
    await fill(page, 'text', 'Roses are red, the sky is');
    await page.locator('#target-generate').check();
    await fill(page, 'max-new-tokens', 3);
    await select(page, 'method', 'Occlusion');
    await select(page, 'opt-granularity', 'TOKEN');
    const r = await explain(page);
    const t = r.output.attributions.length;
    await select(page, 'generation-view', 'matrix');
    const matrix = page.locator(`${view} table[part="matrix"]`);
    await matrix.waitFor();
    const head = await matrix.locator('thead th').allInnerTexts();
    assert.equal(head.length, t + 1, 'a column per generated unit');
    const rows = await matrix
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.equal(rows.length, r.output.elements.length, 'a row per prompt and generated unit');
    rows.forEach((cells, c) =>
      cells.forEach((text, j) => {
        const v = r.output.attributions[j]![c]!;
        assert.equal(text, Number.isNaN(v) ? '·' : formatCompact(v), `cell (${c}, ${j})`);
      }),
    );
    assert.equal(await matrix.locator('td.nan').count(), (t * (t + 1)) / 2, 'the undefined cells are marked');
    const probs = await matrix.locator('tfoot tr.prob-row td').allInnerTexts();
    assert.equal(probs.length, t, "the model's probability of each generated unit");
    for (const p of probs) assert.match(p, /^\d+\.\d+%$/);
    await screenshot(page, 'results-matrix-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("compare-all shows each method's heatmap as a row, aligned by unit, on its own or a shared bound", async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm`);
    await fill(page, 'text', 'A great film.');
    const { error } = await clickRun(page, 'compare-all', 300_000);
    assert.equal(error, null);
    const outputs = await page.evaluate(() =>
      (
        document.querySelector('ip-playground') as unknown as {
          compareRows: { method: string; output?: PageResult['output'] }[];
        }
      ).compareRows.flatMap((r) => (r.output ? [{ method: r.method, output: r.output }] : [])),
    );
    assert.ok(outputs.length >= 8, `most methods ran (${outputs.length})`);
    const cmp = page.locator('#compare-view');
    const header = await cmp.locator('thead th').allInnerTexts();
    // method, the units, then each method's own bound (the default scale)
    assert.deepEqual(header.slice(1, -1), outputs[0]!.output.elements, 'the units as columns');
    assert.equal(header.at(-1), 'bound');
    const shown = await cmp.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        method: tr.getAttribute('data-method'),
        values: [...tr.querySelectorAll('td')].map((td) => Number(td.getAttribute('data-value'))),
      })),
    );
    assert.deepEqual(
      shown.map((s) => s.method),
      outputs.map((o) => o.method),
    );
    // Each method on its own bound by default (methods score in different units), listed in the last column.
    assert.equal(await page.locator('#compare-scale').inputValue(), 'row');
    shown.forEach((s, i) => {
      const row = outputs[i]!.output.attributions[0]!;
      assert.deepEqual(s.values.slice(0, -1), row, `${s.method}'s row`);
    });
    const bounds = await cmp.locator('tbody td.bound').allInnerTexts();
    assert.deepEqual(
      bounds,
      outputs.map((o) => formatCompact(Math.max(...o.output.attributions[0]!.map(Math.abs)))),
    );
    await screenshot(page, 'results-compare-own-desktop');
    await select(page, 'compare-scale', 'shared');
    const sharedValues = await cmp
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.getAttribute('data-value'))));
    assert.ok(
      sharedValues.every((r) => r.length === outputs[0]!.output.elements.length),
      'no bound column when shared',
    );
    assert.deepEqual((await cmp.locator('thead th').allInnerTexts()).slice(1), outputs[0]!.output.elements);
    const shared = Math.max(...outputs.flatMap((o) => o.output.attributions[0]!.map(Math.abs)));
    const bound = Number(await cmp.locator('[part="colour-bar"]').first().getAttribute('data-bound'));
    assert.ok(Math.abs(bound - shared) < 1e-9, `one bound for every method: ${bound} vs ${shared}`);
    await screenshot(page, 'results-compare-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('results: layout, theme, stale results, options', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('marks a result stale when the form changes, and keeps options when switching method', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=0`);
    await select(page, 'method', 'Occlusion');
    await select(page, 'opt-granularity', 'WORD');
    await explain(page);
    assert.equal(await page.locator('#result').getAttribute('data-stale'), 'false');
    assert.equal(await page.locator('#stale-result').count(), 0);
    await fill(page, 'text', 'Something else entirely.');
    assert.equal(await page.locator('#result').getAttribute('data-stale'), 'true');
    assert.match(await page.locator('#stale-result').innerText(), /form has changed since this result/);
    await screenshot(page, 'results-stale-desktop');
    await explain(page);
    assert.equal(await page.locator('#stale-result').count(), 0, 'a new run clears the mark');
    // Switching method keeps what still applies, and a method's own options come back.
    await select(page, 'method', 'Lime');
    assert.equal(await page.locator('#opt-granularity').inputValue(), 'WORD');
    await fill(page, 'opt-nPerturbations', 40);
    await select(page, 'method', 'Occlusion');
    assert.equal(await page.locator('#opt-granularity').inputValue(), 'WORD');
    await select(page, 'method', 'Lime');
    assert.equal(await page.locator('#opt-nPerturbations').inputValue(), '40');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('works at 390 px: nothing wider than the screen, curves stacked', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=1`, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
    });
    await select(page, 'method', 'Occlusion');
    await explain(page);
    await page.locator('#show-values').check();
    await page.locator('#show-table').check();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide at a 390 px viewport`);
    const ins = await page.locator('#insertion-curve').boundingBox();
    const del = await page.locator('#deletion-curve').boundingBox();
    assert.ok(ins && del && del.y >= ins.y + ins.height - 1, 'the deletion curve is under the insertion curve');
    await screenshot(page, 'results-numbers-390');
    const { error } = await clickRun(page, 'compare-all', 300_000);
    assert.equal(error, null);
    const width2 = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width2 <= 390, `with the comparison the page is ${width2} px wide`);
    await screenshot(page, 'results-compare-390');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('follows prefers-color-scheme (dark), with a toggle, and the elements follow the page', async () => {
    const { page, context, errors } = await open(browser!, `?model=${CLASSIFIER}&device=wasm&metrics=1`, {
      colorScheme: 'dark',
    });
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await select(page, 'method', 'Occlusion');
    await explain(page);
    assert.equal(await page.locator(view).getAttribute('theme'), 'dark');
    assert.equal(await page.locator('#insertion-curve').getAttribute('theme'), 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(17, 17, 19)');
    await page.locator('#show-values').check();
    await screenshot(page, 'results-numbers-dark');
    await page.locator('#theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
    assert.equal(await page.locator(view).getAttribute('theme'), 'light');
    await page.locator('#theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark', 'back to following the system');
    // Generation matrix and comparison in dark at 390 px too.
    await page.setViewportSize({ width: 390, height: 844 });
    await select(page, 'model', GENERATOR);
    await page.locator('#target-generate').check();
    await fill(page, 'max-new-tokens', 3);
    await explain(page);
    await select(page, 'generation-view', 'matrix');
    await page.locator(`${view} table[part="matrix"]`).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the matrix scrolls inside its box: the page is ${width} px wide`);
    await screenshot(page, 'results-matrix-dark-390');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
