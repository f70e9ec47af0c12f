/**
 * The components in a real browser (system Chromium through playwright-core, pages served by a Vite
 * dev server): what happy-dom cannot show — computed styles, keyboard activation of buttons, PNG
 * export through a canvas, and that a markup token never runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../fixtures/chromium.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

describe.skipIf(!existsSync(CHROMIUM))('elements in Chromium', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    server = await createServer({
      root: fileURLToPath(new URL('..', import.meta.url)),
      configFile: false,
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
      optimizeDeps: { noDiscovery: true },
    });
    await server.listen();
    const url = server.resolvedUrls!.local[0];
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
    page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}test/browser/index.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, null, {
      timeout: 60_000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders tokens as text with visible leading spaces; markup never runs', async () => {
    const r = await page.evaluate(async () => {
      const { elements, fixtures } = window as never as {
        elements: typeof import('../src/index.ts');
        fixtures: typeof import('./fixtures.ts');
      };
      const el = elements.plotAttributions(fixtures.singleClass());
      document.body.append(el);
      await el.updateComplete;
      const units = [...el.shadowRoot!.querySelectorAll<HTMLElement>('button.unit')];
      return {
        texts: units.map((u) => u.textContent),
        whiteSpace: getComputedStyle(units[1]!).whiteSpace,
        imgs: el.shadowRoot!.querySelectorAll('img').length + document.querySelectorAll('img').length,
        // ' love' is wider than 'love' would be: the leading space takes room
        loveWidth: units[1]!.getBoundingClientRect().width,
        iWidth: units[0]!.getBoundingClientRect().width,
        bg: getComputedStyle(units[1]!).backgroundColor,
        fg: getComputedStyle(units[1]!).color,
      };
    });
    expect(r.texts[2]).toBe(' <img src=x onerror=alert(1)>');
    expect(r.imgs).toBe(0);
    expect(r.whiteSpace).toBe('pre-wrap');
    expect(r.loveWidth).toBeGreaterThan(r.iWidth * 4.5); // 5 monospace cells vs 1
    expect(r.bg).toBe('rgb(220, 38, 38)');
    expect(r.fg).toBe('rgb(255, 255, 255)');
    await page.waitForTimeout(50);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('Enter and Space on a class button select and clear, arrows move focus', async () => {
    await page.evaluate(async () => {
      const { elements, fixtures } = window as never as {
        elements: typeof import('../src/index.ts');
        fixtures: typeof import('./fixtures.ts');
      };
      document.body.innerHTML = '';
      const el = elements.plotAttributions(fixtures.multiClass());
      document.body.append(el);
      await el.updateComplete;
    });
    const chips = page.locator('interpreto-multi-class button.chip');
    await chips.nth(0).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    const selected = () =>
      page.evaluate(
        () =>
          (document.querySelector('interpreto-multi-class') as unknown as { selectedRow: number | null }).selectedRow,
      );
    expect(await selected()).toBe(1);
    await page.keyboard.press('Space');
    expect(await selected()).toBeNull();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press(' ');
    expect(await selected()).toBe(2);
  });

  it('exports a PNG whose pixels show the coloured cells', async () => {
    const r = await page.evaluate(async () => {
      const { elements, fixtures } = window as never as {
        elements: typeof import('../src/index.ts');
        fixtures: typeof import('./fixtures.ts');
      };
      const out = fixtures.singleClass();
      const blob = await elements.exportView(out, 'png', { scale: 1 });
      const { width, height, svg } = elements.renderSVG(out);
      const bmp = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      // centre of the second cell's rect (the strongest, value 2 of bound 2)
      const m = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="20"/g)][1];
      const x = Number(m![1]) + Number(m![3]) - 3;
      const y = Number(m![2]) + 2;
      const px = [...ctx.getImageData(x, y, 1, 1).data];
      const corner = [...ctx.getImageData(2, 2, 1, 1).data];
      return { type: blob.type, w: bmp.width, h: bmp.height, width, height, px, corner };
    });
    expect(r.type).toBe('image/png');
    expect([r.w, r.h]).toEqual([r.width, r.height]);
    expect(r.px).toEqual([220, 38, 38, 255]);
    expect(r.corner).toEqual([255, 255, 255, 255]);
  });
  it('the matrix view exports the table it shows (SVG and PNG), not lines of text', async () => {
    const r = await page.evaluate(async () => {
      const { elements, fixtures } = window as never as {
        elements: typeof import('../src/index.ts');
        fixtures: typeof import('./fixtures.ts');
      };
      const el = elements.plotAttributions(fixtures.generation()) as unknown as HTMLElement & {
        mode: string;
        updateComplete: Promise<unknown>;
        exportAs(f: string): Promise<Blob>;
      };
      el.mode = 'matrix';
      document.body.append(el);
      await el.updateComplete;
      const svg = await (await el.exportAs('svg')).text();
      const bmp = await createImageBitmap(await el.exportAs('png'));
      const canvas = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      // The cell of unit 0 -> generated unit 2 (-8, the bound): its rect's left edge, a little inside.
      const m =
        /<g class="cell" data-row="0" data-col="2"[^>]*><title>[^<]*<\/title><rect x="([\d.]+)" y="([\d.]+)"/.exec(svg);
      const scale = bmp.width / Number(/width="(\d+)"/.exec(svg)![1]);
      const px = [...ctx.getImageData((Number(m![1]) + 3) * scale, (Number(m![2]) + 3) * scale, 1, 1).data];
      el.remove();
      const count = (re: RegExp) => (svg.match(re) ?? []).length;
      return {
        cells: count(/<g class="cell"/g),
        nan: count(/<g class="cell nan"/g),
        lines: /<g><title>/.test(svg),
        px,
      };
    });
    // 6 units x 3 generated units: 12 painted cells and 6 undefined ones (hatched).
    expect([r.cells, r.nan]).toEqual([12, 6]);
    expect(r.lines).toBe(false);
    expect(r.px).toEqual([37, 99, 235, 255]);
  });
});
