import { describe, expect, it } from 'vitest';
import { cellColor, rgbString } from '../src/color.ts';
import { renderSVG, toSVG } from '../src/export.ts';
import { formatCompact } from '../src/scale.ts';
import { generation, generationWithSteps, singleClass, XSS } from './fixtures.ts';

/** The painted cells of the matrix SVG: row (unit), column (generated unit), fill and printed number. */
function matrixCells(svg: string) {
  return [
    ...svg.matchAll(
      /<g class="cell" data-row="(\d+)" data-col="(\d+)" data-value="([^"]+)"><title>[^<]*<\/title><rect [^>]*fill="([^"]+)"[^>]*\/>(?:<text [^>]*>([^<]*)<\/text>)?<\/g>/g,
    ),
  ].map((m) => ({ row: Number(m[1]), col: Number(m[2]), value: Number(m[3]), fill: m[4], text: m[5] ?? null }));
}

const labels = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text [^>]*class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]);

describe('matrix export (generation, layout "matrix")', () => {
  it('draws every defined cell with its colour and number, on the output bound, and hatches the rest', () => {
    const out = generation();
    const svg = toSVG(out, { layout: 'matrix' });
    const cells = matrixCells(svg);
    // 6 units x 3 generated units = 18 cells, 6 of them undefined (a unit at or after its step).
    expect(cells).toHaveLength(12);
    expect([...svg.matchAll(/<g class="cell nan"/g)]).toHaveLength(6);
    expect(svg).toContain('fill="url(#interpreto-hatch)"');
    for (const c of cells) {
      // Cell (unit c, generated r) is attributions[r][c]; the default generation scale is the whole matrix: 8.
      expect(c.value).toBe(out.attributions[c.col]![c.row]);
      expect(c.text).toBe(formatCompact(c.value));
      const paint = cellColor(c.value, 8, 'light');
      expect(c.fill).toBe(paint.background ? rgbString(paint.painted) : 'none');
    }
    // The strongest cell (-8, unit 0 -> generated 2) is full blue; a 0 is the background.
    expect(cells.find((c) => c.row === 0 && c.col === 2)!.fill).toBe(rgbString(cellColor(-8, 8).painted));
    expect(cells.find((c) => c.row === 2 && c.col === 2)!.fill).toBe(rgbString(cellColor(0, 8).painted));
  });

  it('labels rows with every unit and columns with the generated units, and draws the colour bar', () => {
    const svg = toSVG(generation(), { layout: 'matrix' });
    expect(labels(svg, 'row-label')).toEqual(['Roses', ' are', ' red', ',', ' the', ' sky']);
    expect(labels(svg, 'col-label')).toEqual([',', ' the', ' sky']);
    const bar = /<g class="colour-bar" data-bound="8">(.*?)<\/g>/s.exec(svg)?.[1] ?? '';
    expect(bar).toContain('<linearGradient id="interpreto-matrix-bar">');
    expect(bar).toContain('>-8<');
    expect(bar).toContain('>+8<');
    expect(bar).toMatch(/red: positive, blue: negative; full colour at ±8/);
    // A table, not lines of text: no <g> cell groups of the line layout.
    expect(svg).not.toMatch(/<g><title>/);
  });

  it('per-column bounds: a bound row and a bar that says so; the probability row from the step scores', () => {
    const out = generationWithSteps();
    const svg = toSVG(out, { layout: 'matrix', scaleMode: 'row' });
    const bounds = [...svg.matchAll(/<g class="bound" data-col="(\d)">.*?>([^<]*)<\/text><\/g>/g)].map((m) => m[2]);
    expect(bounds).toEqual(['4', '3', '8']);
    // Column 0 (generated ',') on its own bound 4: its cell 4 is full red.
    const cells = matrixCells(svg);
    expect(cells.find((c) => c.row === 2 && c.col === 0)!.fill).toBe(rgbString(cellColor(4, 4).painted));
    expect(svg).toMatch(/each column on its own bound \(bound row\)/);
    const probs = [...svg.matchAll(/<g class="step" data-col="(\d)">.*?>([^<]*)<\/text><\/g>/g)].map((m) => m[2]);
    expect(probs).toHaveLength(3);
    expect(probs[0]).toMatch(/50/);
    expect(labels(svg, 'row-label extra')).toEqual(['p(unit)', 'bound']);
  });

  it('sizes the picture to the table, escapes labels, follows the theme, and refuses a classifier', () => {
    const out = generation();
    out.elements = [XSS, ...out.elements.slice(1)];
    const { svg, width, height } = renderSVG(out, { layout: 'matrix', theme: 'dark' });
    expect(svg).not.toContain('<img');
    expect(svg).toContain(`width="${width}" height="${height}"`);
    expect(height).toBeGreaterThan(8 * 22);
    expect(svg).toContain('fill="rgb(24, 24, 27)"');
    expect(() => toSVG(singleClass(), { layout: 'matrix' })).toThrow(/generation outputs/);
    expect(() => toSVG(generation(), { layout: 'grid' as never })).toThrow(/'lines' or 'matrix'/);
  });
});
