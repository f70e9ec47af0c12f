/**
 * Launches the system Chromium (never a downloaded one) headless with WebGPU enabled, and opens
 * pages that record console errors, page errors and any request leaving localhost.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from '../fixtures/chromium.ts';

export { CHROMIUM };

export const OUTPUT_DIR = new URL('./output/', import.meta.url).pathname;

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
}

export function baseURL(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set: run the suite through `node e2e/run.mjs`.');
  return url;
}

/**
 * New page with problem tracking: `problems.console` (console errors), `problems.page` (uncaught),
 * `problems.ortWarnings` (onnxruntime warnings), `problems.offsite` (requests to hosts other than the test server), `problems.dialogs` (alert() etc.).
 */
export interface Problems {
  console: string[];
  ortWarnings: string[];
  page: string[];
  offsite: string[];
  dialogs: string[];
}

export interface Session {
  context: BrowserContext;
  page: Page;
  problems: Problems;
}

/**
 * `base`: the server (default: the suite's). `contextOptions`: added to the new context's. Returns once the page
 * has settled its cross-origin isolation (on a host without COOP/COEP the playground's service worker reloads the
 * page once first: driving it before would lose the work).
 */
export async function openPage(
  browser: Browser,
  path = '',
  base = baseURL(),
  contextOptions: BrowserContextOptions = {},
): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const origin = new URL(base).origin;
  const problems: Problems = { console: [], ortWarnings: [], page: [], offsite: [], dialogs: [] };
  page.on('console', (msg) => {
    // onnxruntime-web prints its own *warnings* ("[W:onnxruntime:...]", e.g. shape ops kept on the CPU
    // beside WebGPU) through console.error; they are recorded apart, real errors fail the tests.
    if (msg.type() !== 'error') return;
    if (/\[W:onnxruntime:/.test(msg.text())) problems.ortWarnings.push(msg.text());
    else problems.console.push(msg.text());
  });
  page.on('pageerror', (err) => problems.page.push(String(err)));
  page.on('dialog', (d) => {
    problems.dialogs.push(d.message());
    void d.dismiss();
  });
  // Workers' requests go through the context too; anything not on our origin is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.offsite.push(url);
    return route.abort('internetdisconnected');
  });
  await page.goto(new URL(path, base).href);
  await isolationSettled(page);
  return { context, page, problems };
}

/** Waits until the playground has settled cross-origin isolation (src/main.ts sets `<html data-isolation>`). */
export async function isolationSettled(page: Page): Promise<void> {
  await page.locator('html[data-isolation]').waitFor({ state: 'attached', timeout: 60_000 });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}
