/**
 * The pages the packaging test opens in headless Chromium, each served on localhost from a folder of the temporary
 * browser project (installed from the tarballs). Every page runs with all non-local requests refused; the test fails
 * on any such attempt, an uncaught error or a console error, then runs the page's own `check`.
 *
 * A page is a `PageSpec`: { name, root(ctx) -> folder to serve (build or write it there), path, ready(page),
 * check(page, ctx) }. To test another way of using the packages, append one entry here.
 *
 * Exports: `PAGES`, `readHeatmaps(page)`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { InterpretoHeatmap, InterpretoViewBase } from '../../packages/elements/src/index.ts';
import { readmeBlock } from './project.ts';
import { cleanEnv, ROOT } from './pack.ts';

/** What `root` gets. */
export interface RootContext {
  /** The browser project folder: its node_modules has the packed @interpreto-js/* packages, transformers.js, vite. */
  app: string;
  /** public/models of the repo. */
  models: string;
}

/** What `check` gets. */
export interface CheckContext {
  app: string;
  /** The URLs the page requested (all on localhost: the test refuses any other). */
  local: string[];
}

export interface PageSpec {
  name: string;
  /** Builds or writes the page's files; returns the folder to serve. */
  root(ctx: RootContext): string | Promise<string>;
  /** The page, relative to the served folder ('' = its index.html). */
  path: string;
  /** Resolves once the page shows what `check` reads. */
  ready(page: Page): Promise<unknown>;
  check(page: Page, ctx: CheckContext): Promise<void>;
}

export interface HeatmapUnit {
  text: string;
  /** Colour strength as painted: 0 = no colour, 1 = full colour. */
  heat: number;
}

export interface HeatmapView {
  tag: string;
  method: string | undefined;
  /** The class of the output's first target (classification). */
  className: string | undefined;
  device: string | undefined;
  units: HeatmapUnit[];
}

/**
 * Every rendered heatmap view in the page matching `selector` (an `<interpreto-heatmap>` stands for the view it
 * shows): its element, the output's method and explained class, and each unit's text with its colour strength as
 * the browser painted it.
 */
export function readHeatmaps(
  page: Page,
  selector = 'interpreto-single-class, interpreto-multi-class, interpreto-generation',
): Promise<HeatmapView[]> {
  // Runs in the page: no helper defined outside (or inside) the callback reaches it.
  return page.evaluate((selector) => {
    const found = [...document.querySelectorAll<InterpretoViewBase | InterpretoHeatmap>(selector)];
    return found.map((el) => {
      const view = 'view' in el ? el.view : el;
      const root = view?.shadowRoot;
      if (!view || !root) throw new Error(`<${el.localName}> shows no rendered view`);
      const units = [...root.querySelectorAll('button.unit')].map((b) => {
        const colour = getComputedStyle(b).backgroundColor;
        const [r, g, bl, a = 1] = colour.match(/[\d.]+/g)?.map(Number) ?? [];
        if (r === undefined || g === undefined || bl === undefined)
          throw new Error(`unit "${b.textContent}": unreadable background colour "${colour}"`);
        // Distance from white, scaled by alpha: how strongly the cell is coloured.
        return { text: (b.textContent ?? '').trim(), heat: (a * (765 - r - g - bl)) / 765 };
      });
      const out = view.output;
      const target = out?.targets[0];
      return {
        tag: view.localName,
        method: out?.method,
        className: target === undefined ? undefined : out?.classes?.[target],
        device: out?.device,
        units,
      };
    });
  }, selector);
}

export const PAGES: PageSpec[] = [
  {
    name: "Vite app: the core README's browser example (Occlusion, Saliency, plotAttributions)",
    root({ app, models }) {
      // The app: index.html + main.js (the README block verbatim) + the embedded model in public/; no vite config.
      writeFileSync(join(app, 'main.js'), readmeBlock(join(ROOT, 'packages/core/README.md'), 'browser-example'));
      writeFileSync(
        join(app, 'index.html'),
        '<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n<title>consumer</title>\n<script type="module" src="/main.js"></script>\n</html>\n',
      );
      mkdirSync(join(app, 'public', 'models'), { recursive: true });
      cpSync(join(models, 'bert-tiny-sentiment'), join(app, 'public', 'models', 'bert-tiny-sentiment'), {
        recursive: true,
      });
      execFileSync(
        process.execPath,
        [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
        { cwd: app, stdio: 'pipe', env: cleanEnv() },
      );
      return join(app, 'dist');
    },
    path: '',
    ready: (page) =>
      page.waitForFunction(() => document.querySelectorAll('interpreto-single-class').length === 2, undefined, {
        timeout: 120_000,
      }),
    async check(page, { local }) {
      // One binary, from localhost: the JSPI build where the browser has JSPI (the core's bundled copy), else
      // onnxruntime-web's asyncify default (Vite's copies are named <name>-<hash>.wasm).
      const jspi = await page.evaluate(() => {
        const w = WebAssembly as unknown as { Suspending?: unknown; promising?: unknown };
        return typeof w.Suspending === 'function' && typeof w.promising === 'function';
      });
      const wasm = local.filter((u) => u.endsWith('.wasm')).map((u) => u.split('/').pop()!);
      assert.ok(
        wasm.length === 1 && wasm[0]!.startsWith(`ort-wasm-simd-threaded.${jspi ? 'jspi' : 'asyncify'}-`),
        `onnxruntime-web's ${jspi ? 'JSPI' : 'asyncify'} wasm came from localhost (requests: ${local.join(', ')})`,
      );
      const views = await readHeatmaps(page);
      assert.deepEqual(
        views.map((v) => v.method),
        ['Occlusion', 'Saliency'],
      );
      for (const v of views) {
        assert.equal(v.className, 'positive', `${v.method} explains the predicted class`);
        assert.deepEqual(
          v.units.map((u) => u.text),
          ['this', 'is', 'the', 'best', 'movie', 'i', 'have', 'ever', 'seen', '.'],
        );
        const top = v.units.reduce((a, b) => (b.heat > a.heat ? b : a));
        assert.equal(top.text, 'best', `${v.method}: the most coloured unit (${JSON.stringify(v.units)})`);
        assert.ok(top.heat > 0.3, `${v.method}: "best" is painted in full colour (${top.heat})`);
        assert.ok(
          v.units.every((u) => u === top || u.heat < top.heat),
          `${v.method}: no other unit as strong`,
        );
      }
    },
  },
  {
    name: 'plain HTML page: the standalone elements bundle from the tarball, no bundler, no import map',
    root({ app }) {
      // The bundle as the packed @interpreto-js/elements ships it, and a saved real explanation of the embedded model.
      const dir = join(app, 'standalone');
      mkdirSync(dir, { recursive: true });
      cpSync(
        join(app, 'node_modules', '@interpreto-js', 'elements', 'dist', 'standalone', 'interpreto-elements.js'),
        join(dir, 'interpreto-elements.js'),
      );
      cpSync(join(ROOT, 'packages', 'elements', 'test', 'standalone', 'classification.json'), join(dir, 'output.json'));
      writeFileSync(
        join(dir, 'index.html'),
        '<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n<title>standalone</title>\n' +
          '<interpreto-heatmap src="output.json" classes-names=\'["negative", "neutral", "positive"]\'></interpreto-heatmap>\n' +
          '<script type="module" src="interpreto-elements.js"></script>\n</html>\n',
      );
      return dir;
    },
    path: '',
    ready: (page) =>
      page.waitForFunction(
        () => document.querySelector('interpreto-heatmap')?.view?.shadowRoot?.querySelector('button.unit'),
        undefined,
        { timeout: 60_000 },
      ),
    async check(page, { local }) {
      assert.ok(
        local.some((u) => u.endsWith('/interpreto-elements.js')),
        `the bundle came from localhost (requests: ${local.join(', ')})`,
      );
      const views = await readHeatmaps(page, 'interpreto-heatmap');
      assert.deepEqual(
        views.map((v) => [v.tag, v.method]),
        [['interpreto-multi-class', 'Occlusion']],
      );
      const units = views[0]!.units;
      assert.deepEqual(
        units.map((u) => u.text),
        ['this', 'is', 'the', 'best', 'movie', 'i', 'have', 'ever', 'seen', '.'],
      );
      // The saved Occlusion output's predicted class is "positive", where "best" is by far the strongest unit.
      const top = units.reduce((a, b) => (b.heat > a.heat ? b : a));
      assert.equal(top.text, 'best', `the most coloured unit (${JSON.stringify(units)})`);
      assert.ok(top.heat > 0.3, `"best" is painted in full colour (${top.heat})`);
    },
  },
];
