/**
 * Smoke: the built page loads from a plain static server, the browser gives a WebGPU adapter
 * (fail loudly if not: every other e2e result would be about WASM only), onnxruntime-web's wasm
 * is served from our origin, and nothing is fetched from elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { baseURL, launch, openPage, screenshot } from '../browser.ts';

describe('smoke', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('has a WebGPU adapter in this browser', async () => {
    const { page, context } = await openPage(browser!);
    const gpu = await page.evaluate(async () => {
      // The DOM lib has no WebGPU types: the little read here, typed by hand.
      type Adapter = { info?: { vendor?: string; architecture?: string; description?: string } };
      const webgpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
      if (!webgpu) return { ok: false, why: 'navigator.gpu is undefined' };
      const adapter = await webgpu.requestAdapter();
      if (!adapter) return { ok: false, why: 'requestAdapter() returned null' };
      return { ok: true, info: `${adapter.info?.vendor} ${adapter.info?.architecture} ${adapter.info?.description}` };
    });
    assert.ok(
      gpu.ok,
      `WebGPU is NOT available in ${browser!.version()} (${gpu.why}); the WebGPU e2e checks cannot run. Check the --enable-unsafe-webgpu flag and that pages are served from localhost.`,
    );
    await context.close();
  });

  it('loads the page, starts the worker and reports WebGPU', async () => {
    const { page, context, problems } = await openPage(browser!);
    await page.locator('#webgpu-status[data-available="true"]').waitFor({ timeout: 60_000 });
    assert.match(await page.locator('#webgpu-status').innerText(), /WebGPU available/);
    assert.equal((await page.locator('#model option').count()) > 1, true, 'the model picker lists the embedded models');
    await screenshot(page, 'smoke-start');
    // The worker loads onnxruntime-web's JSPI build where the browser has JSPI, else asyncify, and says which.
    const jspi = await page.evaluate(() => {
      const w = WebAssembly as unknown as { Suspending?: unknown; promising?: unknown };
      return typeof w.Suspending === 'function' && typeof w.promising === 'function';
    });
    const [build, other] = jspi ? ['jspi', 'asyncify'] : ['asyncify', 'jspi'];
    const shown = page.locator('#ort-build');
    assert.equal(await shown.getAttribute('data-build'), build);
    assert.match(await shown.innerText(), new RegExp(`${build} build`, 'i'));
    // ...and fetches that build's binary alone (its warm-up session starts at once): seen on a fresh start.
    const wasm: string[] = [];
    context.on('request', (r) => {
      if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.split('/').pop()!);
    });
    await page.reload();
    await page.locator('#ort-build').waitFor({ timeout: 60_000 });
    for (let i = 0; i < 300 && !wasm.length; i++) await page.waitForTimeout(100);
    assert.deepEqual(wasm, [`ort-wasm-simd-threaded.${build}.wasm`], `wasm fetched, expected ${build} not ${other}`);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });

  it("serves onnxruntime-web's wasm from our own origin", async () => {
    const { page, context } = await openPage(browser!);
    const files = ['jspi', 'asyncify'].flatMap((b) => [
      `ort-wasm-simd-threaded.${b}.wasm`,
      `ort-wasm-simd-threaded.${b}.mjs`,
    ]);
    for (const file of files) {
      const res = await page.request.get(new URL(`ort/${file}`, baseURL()).href);
      assert.equal(res.status(), 200, `${file} is served`);
      if (file.endsWith('.wasm')) {
        const body = await res.body();
        assert.deepEqual([...body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a WebAssembly binary');
        assert.equal(res.headers()['content-type'], 'application/wasm');
      }
    }
    await context.close();
  });
});
