import { describe, expect, it } from 'vitest';
import { cellColor, classColor, rgbString } from '../src/color.ts';
import { exportBlob, exportView, renderSVG, toHTML, toJSON, toSVG } from '../src/export.ts';
import { monospaceCells } from '../src/text.ts';
import { attributionOutputFromJSON } from '../src/view-model.ts';
import { generation, gpt2Spaced, multiClass, singleClass, wordPiece, XSS } from './fixtures.ts';

const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';

/** The <g> groups of the SVG cells: their tooltip title, fill (if coloured), text and printed value. */
function svgCells(svg: string) {
  return [
    ...svg.matchAll(
      /<g><title>([^<]*)<\/title>(?:<rect [^>]*fill="([^"]+)"\/>)?(<rect [^>]*fill="none"[^>]*\/>)?<text [^>]*>([^<]*)<\/text>(?:<text class="value"[^>]*>([^<]*)<\/text>)?<\/g>/g,
    ),
  ].map((m) => ({
    title: m[1],
    fill: m[2] ?? null,
    outlined: !!m[3],
    text: m[4],
    value: m[5] ?? null,
  }));
}

describe('SVG export', () => {
  it('draws one cell per element, coloured as cellColor says, with the token escaped', () => {
    const svg = toSVG(singleClass());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toContain(XSS);
    expect(svg).not.toMatch(/<img/);
    const cells = svgCells(svg);
    expect(cells.map((c) => c.text)).toEqual(['I', ' love', ` ${ESCAPED}`, ' it']);
    // bound 2: 0.5 -> alpha .25, 2 -> 1, -1 -> .5 (blue), 0 -> alpha 0
    expect(cells[1]!.fill).toBe(rgbString(cellColor(2, 2).painted));
    expect(cells[1]!.fill).toBe('rgb(220, 38, 38)');
    expect(cells[2]!.fill).toBe(rgbString(cellColor(-1, 2).painted));
    expect(cells[2]!.title).toBe(`&quot; ${ESCAPED}&quot;: -1.000`);
    expect(cells[0]!.title).toBe('&quot;I&quot;: 0.500');
    // leading spaces survive in SVG text
    expect(svg).toContain('xml:space="preserve" style="white-space:pre"> love</text>');
  });

  it('multi-class: all rows by default, dominant view on request', () => {
    const all = svgCells(toSVG(multiClass(), { classesNames: ['negative', 'positive', 'neutral'] }));
    expect(all).toHaveLength(12);
    expect(toSVG(multiClass(), { classesNames: { 1: 'POS' } })).toContain('Class: POS');
    const dom = svgCells(toSVG(multiClass(), { row: 'dominant' }));
    expect(dom).toHaveLength(4);
    expect(dom.map((c) => c.title)).toEqual([
      '&quot;good&quot;: 4.000 (dominant: neg)',
      '&quot; bad&quot;: 1.000 (dominant: pos)',
      `&quot; ${ESCAPED}&quot;: 0.250 (dominant: neutral)`,
      '&quot; movie&quot;: n/a (no positive class)',
    ]);
    // unit 2 is coloured with row 2's bound (0.5): alpha 0.5
    expect(dom[2]!.fill).toBe(rgbString(cellColor(0.25, 0.5, 'light', { unsigned: true, hue: classColor(2) }).painted));
    expect(dom[3]!.fill).toBeNull();
  });

  it('generation: line r colours the prompt and earlier outputs only, and outlines output r', () => {
    const cells = svgCells(toSVG(generation(), { row: 1 }));
    expect(cells).toHaveLength(6);
    expect(cells.map((c) => c.fill !== null)).toEqual([true, true, true, true, false, false]);
    expect(cells.map((c) => c.outlined)).toEqual([false, false, false, false, true, false]);
    // matrix bound 8: value 3 has alpha 3/8
    expect(cells[3]!.fill).toBe(rgbString(cellColor(3, 8).painted));
    expect(svgCells(toSVG(generation()))).toHaveLength(18);
  });

  it('wraps lines within the width, and widens only for a unit longer than a line', () => {
    const out = singleClass();
    out.elements = Array.from({ length: 40 }, (_, i) => ` word${i}`);
    out.attributions = [out.elements.map((_, i) => i - 20)];
    const { svg, width, height } = renderSVG(out, { width: 300 });
    expect(width).toBe(300);
    expect(svg).toContain(`width="300" height="${height}"`);
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="20"/g)].map((m) => ({
      right: Number(m[1]) + Number(m[3]),
      y: Number(m[2]),
    }));
    expect(rects).toHaveLength(40); // value 0 is a real cell (alpha 0), only NaN cells have no rect
    expect(Math.max(...rects.map((r) => r.right))).toBeLessThanOrEqual(300 - 16);
    expect(new Set(rects.map((r) => r.y)).size).toBeGreaterThan(3);
    const long = singleClass();
    long.elements[1] = 'x'.repeat(100);
    expect(renderSVG(long, { width: 300 }).width).toBe(Math.ceil(16 + 2 * 2 + 100 * 14 * 0.6 + 16));
  });

  it('shows control characters (invalid in XML) as control pictures and newlines as ↵', () => {
    const out = singleClass();
    out.elements[0] = 'a\u0001b\nc\u001b';
    out.elements[3] = 'x\ud800y'; // a lone surrogate: no character to show, XML cannot hold it
    const svg = toSVG(out);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test checks these control characters are gone
    expect(svg).not.toMatch(/[\u0001\u001b\ud800]/);
    expect(svg).toContain('a\u2401b↵c\u241b');
    expect(svg).toContain('x\uFFFDy');
  });

  it('draws CJK, emoji sequences, RTL and combining text as given, sized by grapheme', () => {
    // Elements as core builds them for "I loved it 🎬 这部电影 👨‍👩‍👧 שלום é’" (GPT-2, TOKEN granularity).
    const out = singleClass();
    const elements = ['I', ' loved', ' 🎬', '这', '部', ' 👨\u200d👩\u200d👧', ' שלום', ' e\u0301’'];
    Object.assign(out, {
      elements,
      attributions: [elements.map((_, i) => i / 4 - 0.5)],
      inputs: {
        ...out.inputs,
        inputIds: elements.map((_, i) => i),
        attentionMask: elements.map(() => 1),
        units: { unitOfToken: elements.map((_, i) => i), nUnits: elements.length },
      },
    });
    const svg = toSVG(out);
    expect(svg).not.toContain('\uFFFD');
    const texts = [...svg.matchAll(/<text x="[\d.]+"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const e of elements) expect(texts).toContain(e);
    expect(monospaceCells('👨\u200d👩\u200d👧')).toBe(2);
    expect(monospaceCells('e\u0301')).toBe(1);
    expect(monospaceCells('这部')).toBe(4);
    expect(monospaceCells('שלום')).toBe(4);
  });

  it('rejects a bad row choice with a clear error', () => {
    expect(() => toSVG(singleClass(), { row: 3 })).toThrow(/row 3 does not exist: this output has rows 0..0/);
    expect(() => toSVG(singleClass(), { row: 'dominant' })).toThrow(/only applies to multi-class/);
  });
});

describe('spaceBefore in the exports', () => {
  /** Text x of each SVG cell and its text. */
  const xs = (svg: string) =>
    [
      ...svg.matchAll(
        /<g><title>[^<]*<\/title>(?:<rect [^>]*\/>)*<text x="([\d.]+)"[^>]*>([^<]*)<\/text>(?:<text class="value"[^>]*>[^<]*<\/text>)?<\/g>/g,
      ),
    ].map((m) => ({
      x: Number(m[1]),
      text: m[2]!,
    }));
  const CHAR_W = 14 * 0.6;

  it('SVG: a space-wide gap before WordPiece words, none added to GPT-2 units that carry their space', () => {
    const wp = xs(toSVG(wordPiece()));
    expect(wp.map((c) => c.text)).toEqual(['this', 'is', 'the', 'best']);
    for (let i = 1; i < wp.length; i++) {
      // advance = previous text + its padding + one space
      expect(wp[i]!.x - wp[i - 1]!.x).toBeCloseTo(wp[i - 1]!.text.length * CHAR_W + 4 + CHAR_W, 6);
    }
    const g = xs(toSVG(gpt2Spaced()));
    const plain = xs(toSVG(singleClass()));
    expect(g.map((c) => c.x)).toEqual(plain.map((c) => c.x));
  });

  it('HTML: WordPiece reads "this is the best"; GPT-2 text is not doubled-spaced; no field = as before', () => {
    const visible = (html: string) =>
      html
        .match(/<p [^>]*>(.*?)<\/p>/)![1]!
        .replace(/<sub[^>]*>[^<]*<\/sub>/g, '')
        .replace(/<[^>]+>/g, '');
    expect(visible(toHTML(wordPiece()))).toBe('this is the best');
    expect(visible(toHTML(gpt2Spaced()))).toBe(`I love ${ESCAPED} it`);
    expect(toHTML(gpt2Spaced())).toBe(toHTML(singleClass()));
    expect(visible(toHTML({ ...wordPiece(), spaceBefore: undefined }))).toBe('thisisthebest');
  });

  it('refuses a spaceBefore of the wrong length with advice', () => {
    expect(() => toHTML({ ...wordPiece(), spaceBefore: [true] })).toThrow(/one boolean per element \(4\)/);
  });
});

describe('HTML export', () => {
  it('is a standalone page with inline styles, escaped tokens and 3-decimal tooltips', () => {
    const html = toHTML(singleClass(), { theme: 'dark', values: false });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img|<script|<link|<style/i);
    const spans = [...html.matchAll(/<span title="([^"]*)" aria-label="([^"]*)" style="([^"]*)">([^<]*)<\/span>/g)];
    expect(spans).toHaveLength(4);
    expect(spans[2]![4]).toBe(` ${ESCAPED}`);
    expect(spans[2]![1]).toBe('-1.000');
    expect(spans[2]![2]).toBe(`&quot; ${ESCAPED}&quot;: -1.000`);
    expect(spans[1]![3]).toContain(`background-color:${cellColor(2, 2, 'dark').background}`);
    expect(html).toContain('white-space:pre-wrap');
    expect(html).toContain('background:rgb(24, 24, 27)');
  });
});

describe('JSON export', () => {
  it('round-trips, NaN cells written as null and restored', () => {
    const out = generation();
    const json = toJSON(out);
    expect(JSON.parse(json).attributions[0]).toEqual([1, 2, 4, null, null, null]);
    const back = attributionOutputFromJSON(json);
    expect(back.attributions[2]![5]).toBeNaN();
    expect(back.attributions[2]!.slice(0, 5)).toEqual([-8, 1, 0, 2, 6]);
    expect(back.elements).toEqual(out.elements);
  });
  it('a plain JSON.parse result (nulls) is refused by the views with advice', () => {
    const raw = JSON.parse(toJSON(generation()));
    expect(() => toSVG(raw)).toThrow(/attributions\[0\]\[3\] is null, not a number.*attributionOutputFromJSON/);
  });
});

describe('exportView', () => {
  it('dispatches on the format', async () => {
    expect(exportView(singleClass(), 'svg')).toBe(toSVG(singleClass()));
    expect(exportView(singleClass(), 'html')).toBe(toHTML(singleClass()));
    expect(exportView(singleClass(), 'json')).toBe(toJSON(singleClass()));
    const blob = await exportBlob(singleClass(), 'svg');
    expect(blob.type).toBe('image/svg+xml;charset=utf-8');
    expect(await blob.text()).toBe(toSVG(singleClass()));
    expect(() => exportView(singleClass(), 'pdf' as 'svg')).toThrow(/Unknown export format "pdf"/);
  });
  it('PNG needs a browser and says so', async () => {
    await expect(exportView(singleClass(), 'png')).rejects.toThrow(/needs a browser/);
  });
  it('malformed outputs get an error naming the problem', () => {
    const bad = singleClass();
    bad.attributions = [[1, 2]];
    expect(() => toSVG(bad)).toThrow(/attributions\[0\] has 2 cells but there are 4 elements/);
  });
});

describe('colour bar and numbers in the exports', () => {
  it('SVG: each line has its colour bar with the bound, the legend in words, and each score under its cell', () => {
    const svg = toSVG(singleClass());
    expect(svgCells(svg).map((c) => c.value)).toEqual(['0.5', '2', '-1', '0']);
    expect(svg).toContain('<g class="colour-bar">');
    expect(svg).toMatch(/>-2<\/text>.*>0<\/text>.*>\+2<\/text>/s);
    expect(svg).toContain('red: positive, blue: negative; full colour at ±2 (bound per class)');
    expect(svgCells(toSVG(singleClass(), { values: false })).every((c) => c.value === null)).toBe(true);
  });

  it('unsigned outputs get a one-sided bar (0 to the bound) and a legend that says so', () => {
    const svg = toSVG({ ...singleClass(), attributions: [[0.5, 2, 1, 0]], unsigned: true });
    expect(svg).toContain('one-sided: this method gives magnitudes, not signs');
    expect(svg).not.toContain('red: positive');
    const html = toHTML({ ...singleClass(), attributions: [[0.5, 2, 1, 0]], unsigned: true });
    expect(html).toContain('one-sided');
  });

  it('a row within the noise floor is drawn uncoloured, with a notice that it is flat', () => {
    const flat = { ...singleClass(), attributions: [[9e-11, -4e-11, 1e-12, 0]] };
    const svg = toSVG(flat);
    expect(svgCells(svg).every((c) => c.fill === null || c.fill === 'rgb(255, 255, 255)')).toBe(true);
    expect(svg).toContain('Flat: every score is within ±1.0e-6 of 0 (float error)');
    // A floor of 0 shows the raw values again (and the notice goes).
    expect(toSVG(flat, { noiseFloor: 0 })).not.toContain('Flat:');
  });

  it('the dominant line lists each class with its hue', () => {
    const svg = toSVG(multiClass(), { row: 'dominant' });
    expect(svg).toContain("Each unit in its dominant class's colour:");
    expect(svg).toContain(`fill="${rgbString(classColor(1))}"/><text x=`);
  });

  it("scaleMode 'output' and 'shared' change the bound the colours use", () => {
    const cells = svgCells(toSVG(multiClass(), { row: 1, scaleMode: 'output' }));
    expect(cells[1]!.fill).toBe(rgbString(cellColor(1, 4).painted));
    const shared = svgCells(toSVG(singleClass(), { scaleMode: 'shared', sharedBound: 8 }));
    expect(shared[1]!.fill).toBe(rgbString(cellColor(2, 8).painted));
  });
});

describe('export options are validated and markup-safe (issue 14)', () => {
  const wellFormed = (svg: string) => {
    // XML 1.0 forbids these; a browser refuses the whole SVG (and PNG export with it) when one is present.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for them
    expect(svg).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(svg).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  };

  it('control characters in class names, titles and method names give a well-formed SVG and HTML', () => {
    const out = {
      ...multiClass(),
      method: 'Occ\u0000lusion\u0007\uD800',
      classes: ['n\u0001eg', 'p\u001Fos', 'x\uFFFF'],
    };
    const svg = toSVG(out, { title: 'T\u0008itle' });
    wellFormed(svg);
    expect(svg).toContain('T\u2408itle');
    expect(svg).toContain('Class: n\u2401eg');
    wellFormed(toSVG(out, { row: 'dominant' }));
    wellFormed(toSVG(out));
    wellFormed(toHTML(out, { classesNames: ['\u0002a', 'b', 'c'] }));
  });

  it('a non-number width, scale or noise floor is refused, never written into the markup', () => {
    const out = singleClass();
    for (const width of ['900"><script>alert(1)</script>', '1000', Number.NaN, 50, Number.POSITIVE_INFINITY]) {
      expect(() => toSVG(out, { width: width as never })).toThrow(/width must be a number in \[200, 20000\]/);
    }
    expect(() => exportView(out, 'png', { scale: '2' as never })).toThrow(/scale must be a number/);
    expect(() => toSVG(out, { noiseFloor: -1 })).toThrow(/noiseFloor/);
    expect(() => toSVG(out, { scaleMode: 'shared' })).toThrow(/sharedBound/);
    expect(() => toSVG(out, { scaleMode: 'wide' as never })).toThrow(/scaleMode must be one of row, output, shared/);
    expect(() => toSVG(out, { title: 5 as never })).toThrow(/title must be a string/);
    expect(() => toSVG(out, { row: '0' as never })).toThrow(/row must be 'all', 'dominant' or a row index/);
    expect(() => toSVG(out, { classesNames: [{}] as never })).toThrow(/classesNames must be/);
    expect(() => toSVG(out, { widht: 900 } as never)).toThrow(/Unknown export option "widht"/);
  });

  it("theme '__proto__' or 'constructor' is a clear error, not a TypeError from Object.prototype", () => {
    for (const theme of ['__proto__', 'constructor', 'toString']) {
      expect(() => toSVG(singleClass(), { theme: theme as never })).toThrow(
        /Unknown theme "[^"]+": use 'light' or 'dark'/,
      );
      expect(() => toHTML(singleClass(), { theme: theme as never })).toThrow(/Unknown theme/);
    }
  });
});

describe('contrastive exports carry the "A rather than B" legend', () => {
  const q = (t: string) => `&quot;${t}&quot;`;
  it('SVG: each class line says why its class rather than its contrast, and the colour bar names both sides', () => {
    const o = { ...multiClass(), contrast: [2, 0, 1] };
    const svg = toSVG(o, { row: 'all' });
    const whys = [...svg.matchAll(/<text class="contrast"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(whys).toEqual([
      `Why ${q('neg')} rather than ${q('neutral')}? Red pushes towards ${q('neg')}, blue towards ${q('neutral')}.`,
      `Why ${q('pos')} rather than ${q('neg')}? Red pushes towards ${q('pos')}, blue towards ${q('neg')}.`,
      `Why ${q('neutral')} rather than ${q('pos')}? Red pushes towards ${q('neutral')}, blue towards ${q('pos')}.`,
    ]);
    expect(svg).toContain(`red: towards ${q('pos')}, blue: towards ${q('neg')}; full colour at`);
    // The legend line has its own room: the picture is taller than the same output without a contrast.
    expect(renderSVG(o, { row: 'all' }).height).toBeGreaterThan(renderSVG(multiClass(), { row: 'all' }).height);
    const plain = toSVG(multiClass(), { row: 'all' });
    expect(plain).not.toContain('rather than');
    expect(plain).toContain('red: positive, blue: negative');
  });

  it('SVG / PNG source: generation names the contrast text when given, its ids otherwise; magnitudes say so', () => {
    const o = { ...generation(), contrast: [13, 262, 6766] };
    expect(toSVG(o, { contrastText: '. the sky' })).toContain(`rather than ${q('. the sky')}?`);
    expect(toSVG(o)).toContain(`rather than ${q('token ids 13, 262, 6766')}?`);
    const unsigned = toSVG({ ...singleClass(), classes: ['negative', 'positive'], contrast: [0], unsigned: true });
    expect(unsigned).toContain(`Why ${q('positive')} rather than ${q('negative')}? Magnitudes only`);
    expect(() => toSVG(o, { contrastText: 3 as never })).toThrow(/contrastText must be a string/);
  });

  it('HTML: the same legend, escaped', () => {
    const o = { ...singleClass(), classes: ['<b>neg</b>', 'positive'], contrast: [0] };
    const html = toHTML(o);
    expect(html).toContain(
      `<p class="contrast" style="font-size:.85rem;font-weight:bold;margin:.4em 0 0">Why ${q('positive')} rather than ${q('&lt;b&gt;neg&lt;/b&gt;')}?`,
    );
    expect(html).not.toContain('<b>neg</b>');
    expect(toHTML(singleClass())).not.toContain('rather than');
  });
});

describe('attributed functions', () => {
  it("the default title names the output's attributed function instead of the unused inference mode", () => {
    expect(toSVG(singleClass())).not.toContain('score: entropy');
    const svg = toSVG({ ...singleClass(), attributedFunction: 'entropy' });
    expect(svg).toMatch(/font-size="16">[^<]* · score: entropy<\/text>/);
    expect(toHTML({ ...singleClass(), attributedFunction: 'klToReference' })).toContain(' · score: klToReference</h1>');
  });
});
