/**
 * The same explanations in Node (onnxruntime-node, CPU) and in headless Chromium (onnxruntime-web on WebGPU via
 * SwiftShader, and on WASM) agree within a stated tolerance, for all ten methods, on a BERT classifier and a
 * GPT-2 generator (tiny generated fixtures, fixed seeds, the same options: cases.ts).
 *
 * The browser runs the real core and transformers.js bundled by Vite from page.ts, served on localhost with
 * models under /models/ and onnxruntime-web's wasm under /ort/; any request leaving localhost fails the test.
 *
 * Tolerances, for each row (one class, or one generated unit) of each output, on max |browser - node| over its cells:
 * - Both sides run float32 kernels that differ only in summation order and fused/vectorised arithmetic, so the
 *   logits agree to a few float32 ulps of their own magnitude (O(1) here: ~1e-6 absolute, ~1e-7 relative).
 * - Perturbation methods read those logits only, through the same JS float64 estimators with the same seeded masks.
 *   Their rows are differences/regressions of logits, so the backend noise they carry is absolute in logit units,
 *   even when a row is much smaller than the logits (a weakly affected class); Sobol divides by the variance of the
 *   scores, which scales both the indices and their noise. Hence
 *     |diff| <= PERTURBATION_TOL * max(row max |node value|, 1)   with PERTURBATION_TOL = 5e-5
 *   (1 = the logit scale of these fixtures). Measured: <= ~5e-6 in that unit, so ~10x margin.
 * - Gradient methods go through the backward graph (softmax, layer-norm, GELU gradients, long reductions over
 *   hidden and sequence) and WebGPU's shaders order those reductions differently; as the issue asks,
 *     |diff| <= GRADIENT_TOL * row max |node value|                with GRADIENT_TOL = 1e-4.
 *   Measured: <= ~3e-6 relative (VarGrad, a variance of small scores, is the worst), so > 30x margin.
 * The measured deviations are printed so the margin stays visible in CI logs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as core from '../../src/index.ts';
import { loadFolder } from '../helpers.ts';
import { ensureFixture } from '../../../onnx-grad/test/fixtures/index.ts';
import { REPO_ROOT } from '../../../../fixtures/index.ts';
import { CHROMIUM } from '../../../../fixtures/chromium.ts';
import { FIXTURE_CASES, GRADIENT_METHODS, METHOD_CASES, runCases, type CaseResult } from './cases.ts';
import { rowDeviation } from './compare.ts';
import { buildSite } from './site.ts';

const PERTURBATION_TOL = 5e-5;
/** The logits' own scale in these fixtures: the floor of a perturbation row's scale (see above). */
const LOGIT_SCALE = 1;
const GRADIENT_TOL = 1e-4;

const hasChromium = existsSync(CHROMIUM);
const repoRoot = REPO_ROOT;

// The playground e2e suite's helpers, loaded only when Chromium is there.
type ServeModule = typeof import('../../../../e2e/serve.ts');
type BrowserModule = typeof import('../../../../e2e/browser.ts');
const importHelper = <T>(file: string): Promise<T> =>
  import(/* @vite-ignore */ join(repoRoot, 'e2e', file)) as Promise<T>;

type Device = 'webgpu' | 'wasm';

describe.skipIf(!hasChromium)('core explainers agree between Node and headless Chromium (WebGPU, WASM)', () => {
  let node: CaseResult[] = [];
  let server: { url: string; close(): Promise<void> } | undefined;
  let site: { root: string; dispose(): void } | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const folders = Object.fromEntries(
      await Promise.all(FIXTURE_CASES.map(async (f) => [f.name, await ensureFixture(f.name)] as const)),
    );
    // The Vite build and the Node reference are independent: run them side by side.
    const [built, reference] = await Promise.all([
      buildSite(folders),
      (async () => {
        const out: CaseResult[] = [];
        for (const f of FIXTURE_CASES)
          out.push(...(await runCases(core, f, await loadFolder(folders[f.name]!, f.task))));
        return out;
      })(),
    ]);
    site = built;
    node = reference;
    const { serveStatic } = await importHelper<ServeModule>('serve.ts');
    const { launch } = await importHelper<BrowserModule>('browser.ts');
    server = await serveStatic(site.root);
    browser = await launch();
    context = await browser.newContext();
    const origin = new URL(server.url).origin;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      offsite.push(url);
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => 'agreement' in globalThis, undefined, { timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    site?.dispose();
  });

  test('the Node reference covers every method on both fixtures', () => {
    expect(node.map((r) => `${r.fixture}/${r.method}`)).toEqual(
      FIXTURE_CASES.flatMap((f) => METHOD_CASES.map((m) => `${f.name}/${m.method}`)),
    );
    for (const r of node) {
      expect(r.output.device).toBe('cpu');
      // A row of zeros would make "agreement" vacuous.
      r.output.attributions.forEach((row) =>
        expect(
          Math.max(...row.filter((v) => !Number.isNaN(v)).map(Math.abs)),
          `${r.fixture}/${r.method}`,
        ).toBeGreaterThan(0),
      );
    }
  });

  const check = async (device: Device) => {
    if (device === 'webgpu') {
      const adapter = await page.evaluate(() =>
        (globalThis as unknown as { agreement: { adapter(): Promise<string | null> } }).agreement.adapter(),
      );
      expect(
        adapter,
        'Chromium gives no WebGPU adapter: is --enable-unsafe-webgpu set and SwiftShader (Vulkan) available?',
      ).not.toBeNull();
    }
    const got = await page.evaluate(
      (d) => (globalThis as unknown as { agreement: { run(d: string): Promise<CaseResult[]> } }).agreement.run(d),
      device,
    );
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    expect(got.length).toBe(node.length);
    const report: string[] = [];
    const failures: string[] = [];
    got.forEach((b, i) => {
      const n = node[i]!;
      const label = `${device} ${b.fixture}/${b.method}`;
      expect(`${b.fixture}/${b.method}`).toBe(`${n.fixture}/${n.method}`);
      expect(b.output.device, label).toBe(device);
      expect(b.output.elements, label).toEqual(n.output.elements);
      expect(b.output.targets, label).toEqual(n.output.targets);
      expect(b.output.inputs.inputIds, label).toEqual(n.output.inputs.inputIds);
      expect(
        b.output.attributions.map((r) => r.length),
        label,
      ).toEqual(n.output.attributions.map((r) => r.length));
      const gradient = (GRADIENT_METHODS as readonly string[]).includes(b.method);
      const dev = rowDeviation(b.output.attributions, n.output.attributions);
      // The measure each tolerance bounds: |diff| over the row's scale (floored at the logit scale for perturbation rows).
      const measure = dev.map((d) => d.maxAbsDiff / (gradient ? d.scale : Math.max(d.scale, LOGIT_SCALE)));
      const tol = gradient ? GRADIENT_TOL : PERTURBATION_TOL;
      const worst = Math.max(...measure);
      report.push(
        `${label.padEnd(44)} ${worst.toExponential(2)} (tol ${tol.toExponential(0)}; worst |diff| ${Math.max(...dev.map((d) => d.maxAbsDiff)).toExponential(2)})`,
      );
      dev.forEach((d, r) => {
        if (d.nanMismatch) failures.push(`${label} row ${r}: ${d.nanMismatch} NaN cells differ`);
        if (!(measure[r]! <= tol))
          failures.push(
            `${label} row ${r}: max |diff| ${d.maxAbsDiff.toExponential(3)} with row max ${d.scale.toExponential(3)} exceeds tolerance ${tol}`,
          );
      });
    });
    console.log(report.join('\n'));
    expect(failures).toEqual([]);
  };

  test('WebGPU (SwiftShader) agrees with Node, device "webgpu"', () => check('webgpu'), 240_000);
  test('WASM agrees with Node, device "wasm"', () => check('wasm'), 240_000);
});

if (!hasChromium) {
  describe('core explainers agree between Node and headless Chromium', () => {
    test.skip(`skipped: no Chromium at ${CHROMIUM} (CI installs it: apt-get install chromium)`, () => {});
  });
}
