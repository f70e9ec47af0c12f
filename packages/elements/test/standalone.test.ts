/**
 * The standalone bundle in a real browser, the way a page without a bundler uses it: build it with
 * the package's own script, serve plain HTML pages and the bundle from a bare Node HTTP server
 * (no Vite, no import map), load it with one <script type="module" src>, and render
 * <interpreto-heatmap> from saved AttributionOutputs (real explanations of the embedded models,
 * test/standalone/*.json, written by scripts/saved-outputs.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../fixtures/chromium.ts';

const pkg = join(import.meta.dirname, '..');
const BUNDLE = join(pkg, 'dist', 'standalone', 'interpreto-elements.js');
const saved = (name: string) => readFileSync(join(pkg, 'test', 'standalone', name), 'utf8');
const attr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

const page = (body: string) => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>interpreto-heatmap, no bundler</title></head>
  <body>
    ${body}
    <script type="module" src="/dist/standalone/interpreto-elements.js"></script>
  </body>
</html>`;

/** The pages the server knows; anything else is a 404. */
const routes: Record<string, () => { type: string; body: string | Buffer }> = {
  '/inline.html': () => ({
    type: 'text/html',
    body: page(`
    <interpreto-heatmap id="classification" classes-names='["negative", "neutral", "positive"]' output="${attr(saved('classification.json'))}"></interpreto-heatmap>
    <interpreto-heatmap id="generation" theme="dark" output="${attr(saved('generation.json'))}"></interpreto-heatmap>
    <interpreto-heatmap id="malformed" output='{"elements": ["a", '></interpreto-heatmap>
    <interpreto-heatmap id="invalid" output='{"elements": ["a", "b"], "attributions": [[1, 2]], "modelTask": "regression"}'></interpreto-heatmap>`),
  }),
  '/src.html': () => ({
    type: 'text/html',
    body: page(`
    <interpreto-heatmap id="fetched" src="/data/generation.json"></interpreto-heatmap>
    <interpreto-heatmap id="missing" src="/data/missing.json"></interpreto-heatmap>`),
  }),
  '/data/generation.json': () => ({ type: 'application/json', body: saved('generation.json') }),
  '/dist/standalone/interpreto-elements.js': () => ({ type: 'text/javascript', body: readFileSync(BUNDLE) }),
};

describe.skipIf(!existsSync(CHROMIUM))('standalone bundle in a plain HTML page', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  const served: string[] = [];

  beforeAll(async () => {
    execFileSync('pnpm', ['run', '--silent', 'build:standalone'], { cwd: pkg, stdio: 'pipe' });
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      served.push(path);
      const route = routes[path];
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const { type, body } = route();
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Opens a page, recording every request it makes and every script error. */
  async function open(path: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const p = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    p.on('request', (r) => requests.push(r.url()));
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`${origin}${path}`);
    await p.waitForFunction(() => customElements.get('interpreto-heatmap') !== undefined, null, { timeout: 30_000 });
    return { page: p, requests, errors };
  }

  it('is one lean file with no import left in it and nothing of core, transformers.js or onnxruntime', () => {
    const code = readFileSync(BUNDLE, 'utf8');
    // no static import (`import{a}from"x"`, `import*as`, `import"x"`), no dynamic import()
    expect(code).not.toMatch(/\bimport\s*(?:[{*"'(]|[\w$]+\s*from\b)/);
    expect(code).not.toMatch(/onnxruntime|@huggingface|transformers|@interpreto-js\/core/);
    expect(code).toContain('interpreto-heatmap');
    expect(code).not.toContain('Lit is in dev mode'); // Lit's production build
    // 74 KB today: Lit (production) and the elements (views, matrix, score table, comparison, curves, exports)
    expect(statSync(BUNDLE).size).toBeLessThan(85_000);
  });

  it('renders the saved classification and generation from the output attribute, and shows errors', async () => {
    const { page: p, requests, errors } = await open('/inline.html');
    const r = await p.evaluate(async () => {
      const get = (id: string) =>
        document.getElementById(id) as HTMLElement & {
          updateComplete: Promise<boolean>;
          view: (HTMLElement & { updateComplete: Promise<boolean> }) | null;
        };
      const all = ['classification', 'generation', 'malformed', 'invalid'].map(get);
      for (const el of all) await el.updateComplete;
      for (const el of all) await el.view?.updateComplete;
      const cls = get('classification').view!;
      const units = (v: HTMLElement, sel = 'button.unit') => [...v.shadowRoot!.querySelectorAll<HTMLElement>(sel)];
      const style = (b: HTMLElement) => ({
        text: b.textContent,
        bg: getComputedStyle(b).backgroundColor,
        fg: getComputedStyle(b).color,
      });
      const dominant = units(cls).map(style);
      const buttons = [...cls.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[part="class-button"]')];
      buttons[1]!.click(); // neutral: 'best' is strongly negative there
      await cls.updateComplete;
      const neutral = units(cls).map(style);
      const gen = get('generation').view!;
      const outputs = units(gen, 'button.unit[data-group="outputs"]');
      outputs[2]!.click(); // ' the': row 2, whose first cell (0.435) is the largest |value| of the matrix
      await gen.updateComplete;
      const alert = (id: string) => {
        const a = get(id).shadowRoot!.querySelector<HTMLElement>('[role="alert"]')!;
        const box = a.getBoundingClientRect();
        return { text: a.textContent, color: getComputedStyle(a).color, visible: box.width > 0 && box.height > 0 };
      };
      return {
        tags: all.map((el) => el.shadowRoot!.firstElementChild!.tagName.toLowerCase()),
        clsText: cls.shadowRoot!.querySelector('.units')!.textContent,
        buttons: buttons.map((b) => ({ text: b.textContent, pressed: b.getAttribute('aria-pressed') })),
        dominant,
        neutral,
        prompt: units(gen, 'button.unit[data-group="prompt"]').map(style),
        outputs: units(gen, 'button.unit[data-group="outputs"]').map(style),
        genBg: getComputedStyle(gen).backgroundColor,
        malformed: alert('malformed'),
        invalid: alert('invalid'),
      };
    });
    expect(r.tags).toEqual(['interpreto-multi-class', 'interpreto-generation', 'p', 'p']);

    // classification: the units, the class buttons from classes-names
    expect(r.clsText).toBe('this is the best movie i have ever seen.');
    expect(r.buttons.map((b) => b.text)).toEqual(['negative', 'neutral', 'positive']);
    // dominant view: 'best' is coloured by 'positive' (7.01, its row's bound): full colour in the hue of
    // 'positive' (row 2, CLASS_COLORS[2]), white text; it is the only strong cell
    const best = r.dominant.find((u) => u.text === ' best' || u.text === 'best')!;
    expect(best).toEqual({ text: 'best', bg: 'rgb(192, 38, 211)', fg: 'rgb(255, 255, 255)' });
    expect(r.dominant.filter((u) => u.fg === 'rgb(255, 255, 255)').map((u) => u.text)).toEqual(['best']);
    // neutral selected: 'best' is -12.38 of bound 12.38: full blue
    expect(r.neutral.find((u) => u.text === 'best')).toEqual({
      text: 'best',
      bg: 'rgb(37, 99, 235)',
      fg: 'rgb(255, 255, 255)',
    });

    // generation (dark theme): prompt and generated units; row 2 shown; 'Roses' (0.435) is the dark
    // theme's full red, with near-black text (contrast 5.0 against 3.8 for white)
    expect(r.prompt.map((u) => u.text)).toEqual(['Roses', ' are', ' red', ',', ' the', ' sky', ' is']);
    expect(r.outputs.map((u) => u.text)).toEqual([' blue', ' and', ' the', ' grass', ' is', ' green', '.']);
    expect(r.genBg).toBe('rgb(24, 24, 27)');
    expect(r.prompt[0]).toEqual({ text: 'Roses', bg: 'rgb(239, 68, 68)', fg: 'rgb(17, 17, 17)' });
    expect(r.prompt.slice(1).every((u) => u.bg !== 'rgb(239, 68, 68)')).toBe(true);
    // units from the explained one on are NaN for row 2: uncoloured
    expect(r.outputs.slice(2).map((u) => u.bg)).toEqual(Array(5).fill('rgba(0, 0, 0, 0)'));

    // errors: visible alerts that say what is wrong
    expect(r.malformed.visible).toBe(true);
    expect(r.malformed.text).toMatch(
      /^Cannot show these attributions: the output attribute is not valid JSON \(.+\)\. Give the AttributionOutput/,
    );
    expect(r.malformed.color).toBe('rgb(179, 38, 30)');
    expect(r.invalid.visible).toBe(true);
    expect(r.invalid.text).toBe(
      "Cannot show these attributions: AttributionOutput.modelTask must be 'classification' or 'generation', got \"regression\".",
    );

    // only the page and the bundle were requested, both from this server
    expect(requests).toEqual([`${origin}/inline.html`, `${origin}/dist/standalone/interpreto-elements.js`]);
    expect(errors).toEqual([]);
    await p.close();
  });

  it('fetches src, and shows a visible error when the file is missing', async () => {
    const { page: p, requests, errors } = await open('/src.html');
    await p.waitForFunction(
      () => {
        const ok = document.getElementById('fetched') as HTMLElement & { view: HTMLElement | null };
        const bad = document.getElementById('missing')!;
        return ok.view?.shadowRoot?.querySelector('button.unit') && bad.shadowRoot?.querySelector('[role="alert"]');
      },
      null,
      { timeout: 30_000 },
    );
    const r = await p.evaluate(() => ({
      fetched: (
        document.getElementById('fetched') as HTMLElement & { view: HTMLElement }
      ).view.shadowRoot!.querySelector('[data-group="outputs"]')!.textContent,
      missing: document.getElementById('missing')!.shadowRoot!.querySelector('[role="alert"]')!.textContent,
    }));
    expect(r.fetched).toBe(' blue');
    expect(r.missing).toBe(
      'Cannot show these attributions: Could not load attributions from "/data/missing.json": HTTP 404 Not Found. Check the src URL (and that the page may fetch it).',
    );
    expect(requests.sort()).toEqual(
      ['/src.html', '/dist/standalone/interpreto-elements.js', '/data/generation.json', '/data/missing.json']
        .map((x) => `${origin}${x}`)
        .sort(),
    );
    expect(errors).toEqual([]);
    await p.close();
  });
});
