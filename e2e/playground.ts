/** Drives the playground page the way a user does (select, type, click) and reads what it shows. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
// The registry's plain data (no model runtime): the method list is the core's, not a copy.
import { METHOD_NAMES, METHOD_SCHEMAS, type MethodName } from '../packages/core/src/registry/data.ts';
import type { AttributionOutput } from '../packages/core/src/types.ts';
import type { Problems } from './browser.ts';

export const METHODS: readonly MethodName[] = METHOD_NAMES;
export { METHOD_SCHEMAS, type MethodName };

/** What the page holds after a run (`ip-playground`'s `result`; apps/playground/src/protocol.ts ExplainResult). */
export interface PageResult {
  method: MethodName;
  device: string;
  webgpuEp?: boolean;
  explainMs: number;
  output: AttributionOutput;
  insertion?: { auc: number; detailedScores: number[][][] };
  deletion?: { auc: number; detailedScores: number[][][] };
}

/** The playground's committed default models (trained; see public/models/README.md). */
export const CLASSIFIER = process.env.E2E_CLASSIFIER ?? 'bert-tiny-sentiment';
export const GENERATOR = process.env.E2E_GENERATOR ?? 'gpt2-tiny-colours';

/** Waits until the worker is up (WebGPU status known, Explain enabled). */
export async function waitReady(page: Page): Promise<void> {
  await page.locator('#webgpu-status:not([data-available="unknown"])').waitFor({ timeout: 60_000 });
  await page.locator('#explain:enabled').waitFor({ timeout: 60_000 });
}

export async function runCount(page: Page): Promise<number> {
  return Number(await page.locator('#run-count').textContent());
}

export async function select(page: Page, id: string, value: string): Promise<void> {
  await page.locator(`#${id}`).selectOption(value);
}

/** Types into an input/textarea and commits it (change event), as a user leaving the field does. */
export async function fill(page: Page, id: string, value: string | number): Promise<void> {
  const el = page.locator(`#${id}`);
  await el.fill(String(value));
  await el.dispatchEvent('change');
}

/**
 * Clicks a run button and waits for the run to end; returns { error, notice }. `timeout` bounds a
 * single run (tiny models: seconds).
 */
export async function clickRun(
  page: Page,
  button = 'explain',
  timeout = 120_000,
): Promise<{ error: string | null; notice: string | null }> {
  const before = await runCount(page);
  await page.locator(`#${button}`).click();
  await page.waitForFunction((n: number) => Number(document.querySelector('#run-count')?.textContent) > n, before, {
    timeout,
  });
  const error = (await page.locator('#error').count()) ? await page.locator('#error').innerText() : null;
  const notice = (await page.locator('#notice').count()) ? await page.locator('#notice').innerText() : null;
  return { error, notice };
}

/** Runs Explain and returns the result the page holds (method, device, output, metrics). */
export async function explain(page: Page, timeout?: number): Promise<PageResult> {
  const { error } = await clickRun(page, 'explain', timeout);
  assert.equal(error, null, `the run failed: ${error}`);
  return page.evaluate(() => (document.querySelector('ip-playground') as unknown as { result: PageResult }).result);
}

/** Heatmap units rendered by @interpreto-js/elements (Playwright CSS pierces open shadow roots). */
export async function heatmapUnits(page: Page): Promise<string[]> {
  return page.locator('#heatmap button.unit').allInnerTexts();
}

/** Largest |a - b| over the finite cells; NaN cells must match. */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length, 'same number of rows');
  let m = 0;
  for (let r = 0; r < a.length; r++) {
    assert.equal(a[r]!.length, b[r]!.length, 'same number of columns');
    for (let c = 0; c < a[r]!.length; c++) {
      const x = a[r]![c]!;
      const y = b[r]![c]!;
      assert.equal(Number.isNaN(x), Number.isNaN(y), `cell (${r}, ${c}) is NaN in one run only`);
      if (!Number.isNaN(x)) m = Math.max(m, Math.abs(x - y));
    }
  }
  return m;
}

export function maxAbs(a: number[][]): number {
  return Math.max(
    0,
    ...a
      .flat()
      .filter((v) => !Number.isNaN(v))
      .map(Math.abs),
  );
}

/** Console errors that only mean "a request we refused on purpose failed". */
export function unexpectedConsoleErrors(problems: Problems): string[] {
  return problems.console.filter((t) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(t));
}
