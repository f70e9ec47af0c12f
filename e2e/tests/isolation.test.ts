/**
 * Cross-origin isolation on any host (issue 13, item 1): served with no COOP/COEP (GitHub Pages, this suite's
 * server), the playground's service worker isolates the page after exactly one reload and onnxruntime-web runs WASM
 * on several threads; served with the headers, no service worker and no reload; where the worker cannot isolate
 * the page, or the browser gives none, one thread, no second reload, and the page says why. Each case has its own
 * server (its own origin) and context, so no service worker outlives its test. Screenshots: e2e/output/isolation-*.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launch, isolationSettled, screenshot } from '../browser.ts';
import { serveStatic, type StaticServer } from '../serve.ts';

const DIST = new URL('../../dist/playground/', import.meta.url).pathname;

/** A page in its own context that counts its document loads (in session storage, which survives a reload). */
async function open(browser: Browser, base: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.addInitScript(() => {
    if (window !== window.top) return;
    sessionStorage.setItem('e2e-loads', String(Number(sessionStorage.getItem('e2e-loads') ?? 0) + 1));
  });
  const errors: string[] = [];
  const origin = new URL(base).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    errors.push(`offsite request ${url}`);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/\[W:onnxruntime:/.test(m.text())) errors.push(m.text());
  });
  await page.goto(base);
  await isolationSettled(page);
  return { context, page, errors };
}

/** What the page knows of its isolation, and what its worker reported (threads, the worker's own isolation). */
async function facts(page: Page) {
  const threads = page.locator('#wasm-threads');
  await threads.waitFor({ timeout: 60_000 });
  return {
    loads: await page.evaluate(() => Number(sessionStorage.getItem('e2e-loads'))),
    navigation: await page.evaluate(
      () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type,
    ),
    isolated: await page.evaluate(() => crossOriginIsolated),
    controller: await page.evaluate(() => navigator.serviceWorker?.controller?.scriptURL ?? null),
    cores: await page.evaluate(() => navigator.hardwareConcurrency),
    state: await page.locator('html').getAttribute('data-isolation'),
    threads: Number(await threads.getAttribute('data-threads')),
    workerIsolated: await threads.getAttribute('data-isolated'),
    text: await threads.innerText(),
  };
}

describe('cross-origin isolation', () => {
  let browser: Browser | undefined;
  let plain: StaticServer | undefined;
  let withHeaders: StaticServer | undefined;
  let inert: StaticServer | undefined;
  before(async () => {
    browser = await launch();
    plain = await serveStatic(DIST);
    withHeaders = await serveStatic(DIST, 0, { isolationHeaders: true });
    const worker = { type: 'text/javascript', body: "self.addEventListener('install', () => self.skipWaiting());" };
    inert = await serveStatic(DIST, 0, { replace: { '/coi-sw.js': worker } });
  });
  after(async () => {
    await browser?.close();
    await plain?.close();
    await withHeaders?.close();
    await inert?.close();
  });

  it('without COOP/COEP from the host: the service worker isolates the page after one reload, WASM on several threads', async () => {
    const { page, context, errors } = await open(browser!, plain!.url);
    const f = await facts(page);
    assert.ok(f.cores >= 2, `this browser reports ${f.cores} core(s): the test needs 2 or more to see threads`);
    assert.equal(f.loads, 2, 'the first load registers the worker and reloads once');
    assert.equal(f.navigation, 'reload');
    assert.equal(f.isolated, true, 'crossOriginIsolated in the page');
    assert.equal(f.controller, new URL('coi-sw.js', plain!.url).href);
    assert.equal(f.state, 'isolated');
    assert.equal(
      f.workerIsolated,
      'true',
      "the explainer worker is isolated too (its script got the worker's headers)",
    );
    assert.equal(f.threads, Math.min(4, f.cores), 'onnxruntime-web threads: every core up to 4');
    assert.match(f.text, /^WASM: \d threads \(cross-origin isolated by the playground's service worker/);
    // The opening run (default model, WASM on this software WebGPU adapter) works on the threaded runtime.
    await page.locator('#result').waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('#error').count(), 0);
    assert.equal(await page.locator('#result').getAttribute('data-device'), 'wasm');
    await screenshot(page, 'isolation-service-worker');
    // Later loads go through the installed worker: isolated at once, no second reload.
    await page.reload();
    await isolationSettled(page);
    const again = await facts(page);
    assert.equal(again.loads, 3);
    assert.equal(again.isolated, true);
    assert.equal(again.threads, f.threads);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('with COOP/COEP from the host: isolated by the headers, no service worker, no reload', async () => {
    const { page, context, errors } = await open(browser!, withHeaders!.url);
    const f = await facts(page);
    assert.equal(f.loads, 1);
    assert.equal(f.navigation, 'navigate');
    assert.equal(f.isolated, true);
    assert.equal(f.controller, null);
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
    assert.equal(f.threads, Math.min(4, f.cores));
    assert.match(f.text, /^WASM: \d threads \(cross-origin isolated by the host's COOP\/COEP headers\)$/);
    await screenshot(page, 'isolation-headers');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a service worker that does not isolate: one reload only, one thread, and the page says why', async () => {
    // Stands for a browser that ignores the headers a service worker adds: a worker that adds none.
    const { page, context, errors } = await open(browser!, inert!.url);
    const f = await facts(page);
    assert.equal(f.isolated, false);
    assert.equal(f.state, 'not-isolated');
    assert.equal(f.navigation, 'reload');
    assert.equal(f.threads, 1);
    assert.equal(f.workerIsolated, 'false');
    assert.match(
      f.text,
      /^WASM: 1 thread: this page is not cross-origin isolated \(the host sends no COOP\/COEP headers\), and still not after the playground's service worker was installed and the page reloaded/,
    );
    // The page stays: a loop would have reloaded it again by the time the worker reported.
    await page.locator('#result').waitFor({ timeout: 120_000 });
    assert.equal(await page.evaluate(() => Number(sessionStorage.getItem('e2e-loads'))), 2);
    await screenshot(page, 'isolation-not-isolated');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a browser that gives no service worker: no reload, one thread, and the page says why', async () => {
    const { page, context, errors } = await open(browser!, plain!.url, { serviceWorkers: 'block' });
    const f = await facts(page);
    assert.equal(f.loads, 1);
    assert.equal(f.isolated, false);
    assert.equal(f.threads, 1);
    assert.match(
      f.text,
      /^WASM: 1 thread: this page is not cross-origin isolated \(the host sends no COOP\/COEP headers\), and /,
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
});
