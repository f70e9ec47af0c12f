/** Drives the playground page the way a user does (select, type, click) and reads what it shows. */
import assert from 'node:assert/strict';

export const METHODS = [
  'Occlusion',
  'Lime',
  'KernelShap',
  'Sobol',
  'Saliency',
  'IntegratedGradients',
  'SmoothGrad',
  'SquareGrad',
  'VarGrad',
  'GradientShap',
];

/** The playground's committed default models (trained; see public/models/README.md). */
export const CLASSIFIER = process.env.E2E_CLASSIFIER ?? 'bert-tiny-sentiment';
export const GENERATOR = process.env.E2E_GENERATOR ?? 'gpt2-tiny-colours';

/** Waits until the worker is up (WebGPU status known, Explain enabled). */
export async function waitReady(page) {
  await page.locator('#webgpu-status:not([data-available="unknown"])').waitFor({ timeout: 60_000 });
  await page.locator('#explain:enabled').waitFor({ timeout: 60_000 });
}

export async function runCount(page) {
  return Number(await page.locator('#run-count').textContent());
}

export async function select(page, id, value) {
  await page.locator(`#${id}`).selectOption(value);
}

/** Types into an input/textarea and commits it (change event), as a user leaving the field does. */
export async function fill(page, id, value) {
  const el = page.locator(`#${id}`);
  await el.fill(String(value));
  await el.dispatchEvent('change');
}

/**
 * Clicks a run button and waits for the run to end; returns { error, notice }. `timeout` bounds a
 * single run (tiny models: seconds).
 */
export async function clickRun(page, button = 'explain', timeout = 120_000) {
  const before = await runCount(page);
  await page.locator(`#${button}`).click();
  await page.waitForFunction((n) => Number(document.querySelector('#run-count')?.textContent) > n, before, { timeout });
  const error = (await page.locator('#error').count()) ? await page.locator('#error').innerText() : null;
  const notice = (await page.locator('#notice').count()) ? await page.locator('#notice').innerText() : null;
  return { error, notice };
}

/** Runs Explain and returns the result the page holds (method, device, output, metrics). */
export async function explain(page, timeout) {
  const { error } = await clickRun(page, 'explain', timeout);
  assert.equal(error, null, `the run failed: ${error}`);
  return page.evaluate(() => document.querySelector('ip-playground').result);
}

/** Heatmap units rendered by @interpreto-js/elements (Playwright CSS pierces open shadow roots). */
export async function heatmapUnits(page) {
  return page.locator('#heatmap button.unit').allInnerTexts();
}

/** Largest |a - b| over the finite cells; NaN cells must match. */
export function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length, 'same number of rows');
  let m = 0;
  for (let r = 0; r < a.length; r++) {
    assert.equal(a[r].length, b[r].length, 'same number of columns');
    for (let c = 0; c < a[r].length; c++) {
      const x = a[r][c];
      const y = b[r][c];
      assert.equal(Number.isNaN(x), Number.isNaN(y), `cell (${r}, ${c}) is NaN in one run only`);
      if (!Number.isNaN(x)) m = Math.max(m, Math.abs(x - y));
    }
  }
  return m;
}

export function maxAbs(a) {
  return Math.max(0, ...a.flat().filter((v) => !Number.isNaN(v)).map(Math.abs));
}

/** Console errors that only mean "a request we refused on purpose failed". */
export function unexpectedConsoleErrors(problems) {
  return problems.console.filter((t) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(t));
}
