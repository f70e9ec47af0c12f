/**
 * SVG of a generation output's matrix (the `mode="matrix"` view, Inseq-style): one row per prompt and generated
 * unit, one column per generated unit, each cell painted on its scale with its score printed, undefined cells (a
 * unit at or after the step) hatched, the model's probability of each generated unit as the last row, a bound
 * row when each column has its own bound, and the colour bar. Pure string building (PNG rasterises it).
 */
import type { AttributionOutput } from '@interpreto-js/core';
import { colorBarStops, paletteFor, rgbString, type Theme } from './color.ts';
import { formatCompact } from './scale.ts';
import { escapeXML, monospaceCells, svgVisibleText } from './text.ts';
import {
  type BlockOptions,
  generationCellValue,
  generationLayout,
  generationStepCells,
  outputColumn,
  outputScales,
  paintCell,
  stepCellText,
} from './view-model.ts';

const FONT = 12;
const CHAR_W = FONT * 0.6;
const PAD = 6;
const ROW_H = 22;
const MARGIN = 16;
const TITLE_H = 28;
const BAR_W = 160;
const BAR_H = 10;
const LEGEND_H = 48;
/** Advance of the legend's 11 px sans-serif text, generously (so the picture is never narrower than it). */
const LEGEND_CHAR_W = 6.4;

export interface MatrixSVGOptions extends BlockOptions {
  theme?: Theme;
  title: string;
  /** Print each cell's score (default true); the colours stay either way. */
  values?: boolean;
}

const textWidth = (s: string) => monospaceCells(s) * CHAR_W;

export function renderMatrixSVG(
  output: AttributionOutput,
  options: MatrixSVGOptions,
): { svg: string; width: number; height: number } {
  if (output.modelTask !== 'generation')
    throw new RangeError(`layout 'matrix' draws generation outputs; this output is ${output.modelTask}.`);
  const theme = options.theme ?? 'light';
  const values = options.values ?? true;
  const pal = paletteFor(theme);
  const fg = rgbString(pal.foreground);
  const grid = theme === 'dark' ? 'rgb(82,82,91)' : 'rgb(190,190,190)';
  const layout = generationLayout(output);
  const scales = outputScales(output, options);
  const steps = generationStepCells(output);
  const perColumn = (options.scaleMode ?? 'output') === 'row' && scales.length > 1;
  const cols = output.attributions.map((_, r) => r);
  const colLabels = cols.map((r) => svgVisibleText(output.elements[outputColumn(layout, r)]!));
  const rowLabels = output.elements.map((t) => svgVisibleText(t));
  const extraRows: { label: string; cells: string[]; note: string }[] = [];
  if (steps)
    extraRows.push({
      label: 'p(unit)',
      cells: steps.map((s) => stepCellText(s)),
      note: "the model's probability of each generated unit",
    });
  if (perColumn) extraRows.push({ label: 'bound', cells: scales.map((s) => formatCompact(s.bound)), note: 'bound' });
  const corner = 'units ↓ generated →';
  const labelW =
    Math.max(...[...rowLabels, ...extraRows.map((e) => e.label)].map(textWidth), textWidth(corner)) + 2 * PAD;
  const colW = cols.map((r) => {
    const cellTexts = values ? output.elements.map((_, c) => formatCompact(generationCellValue(output, r, c))) : [];
    const extra = extraRows.map((e) => e.cells[r] ?? '');
    return (
      Math.max(textWidth(colLabels[r]!), ...cellTexts.map(textWidth), ...extra.map(textWidth), 3 * CHAR_W) + 2 * PAD
    );
  });
  const tableW = labelW + colW.reduce((a, b) => a + b, 0);
  const nRows = 1 + output.elements.length + extraRows.length;
  const top = MARGIN + TITLE_H;
  const legendY = top + nRows * ROW_H + 12;
  const legend = matrixLegendText(scales[0], perColumn);
  const width = Math.ceil(Math.max(tableW + 2 * MARGIN, legend.length * LEGEND_CHAR_W + 2 * MARGIN));
  const height = Math.ceil(legendY + LEGEND_H + MARGIN);
  const colX = cols.map((r) => labelW + MARGIN + colW.slice(0, r).reduce((a, b) => a + b, 0));
  const text = (x: number, y: number, s: string, attrs = '') =>
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" fill="${fg}" ${attrs} xml:space="preserve" style="white-space:pre">${escapeXML(s)}</text>`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${FONT}">`,
    `<defs><pattern id="interpreto-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${grid}" stroke-width="1.5"/></pattern></defs>`,
    `<rect width="100%" height="100%" fill="${rgbString(pal.background)}"/>`,
    text(
      MARGIN,
      MARGIN + FONT + 2,
      options.title,
      'font-family="system-ui, sans-serif" font-weight="bold" font-size="14"',
    ),
    `<g class="matrix">`,
  ];
  // Header: the corner, then one label per generated unit.
  const baseline = (row: number) => top + row * ROW_H + ROW_H / 2 + FONT * 0.35;
  parts.push(
    text(MARGIN + PAD, baseline(0), corner, 'class="corner" font-family="system-ui, sans-serif" font-size="11"'),
  );
  cols.forEach((r) => {
    parts.push(
      text(
        colX[r]! + colW[r]! - PAD,
        baseline(0),
        colLabels[r]!,
        `class="col-label" data-col="${r}" font-weight="bold" text-anchor="end"`,
      ),
    );
  });
  output.elements.forEach((_, c) => {
    const row = 1 + c;
    const y = top + row * ROW_H;
    const generated = c >= layout.nPrompt;
    parts.push(
      text(
        MARGIN + PAD,
        baseline(row),
        rowLabels[c]!,
        `class="row-label" data-row="${c}"${generated ? ' font-style="italic"' : ''}`,
      ),
    );
    cols.forEach((r) => {
      const v = generationCellValue(output, r, c);
      const x = colX[r]!;
      const w = colW[r]!;
      const box = `x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW_H}"`;
      if (Number.isNaN(v)) {
        parts.push(
          `<g class="cell nan" data-row="${c}" data-col="${r}"><title>undefined: this unit is generated at or after this step</title><rect ${box} fill="url(#interpreto-hatch)" stroke="${grid}" stroke-width="0.5"/></g>`,
        );
        return;
      }
      const s = scales[r]!;
      const paint = paintCell(
        { text: '', value: v, bound: s.bound, unsigned: s.unsigned, noiseFloor: s.noiseFloor },
        theme,
      );
      const fill = paint.background ? rgbString(paint.painted) : 'none';
      const label = values
        ? `<text x="${(x + w - PAD).toFixed(1)}" y="${baseline(row).toFixed(1)}" text-anchor="end" fill="${paint.color}">${escapeXML(formatCompact(v))}</text>`
        : '';
      parts.push(
        `<g class="cell" data-row="${c}" data-col="${r}" data-value="${v}"><title>${escapeXML(`${JSON.stringify(output.elements[c])} → ${JSON.stringify(output.elements[outputColumn(layout, r)])}: ${v}`)}</title><rect ${box} fill="${fill}" stroke="${grid}" stroke-width="0.5"/>${label}</g>`,
      );
    });
  });
  extraRows.forEach((e, k) => {
    const row = 1 + output.elements.length + k;
    parts.push(
      text(MARGIN + PAD, baseline(row), e.label, `class="row-label extra" font-family="system-ui, sans-serif"`),
    );
    cols.forEach((r) => {
      parts.push(
        `<g class="${e.label === 'bound' ? 'bound' : 'step'}" data-col="${r}"><title>${escapeXML(e.note)}</title>${text(colX[r]! + colW[r]! - PAD, baseline(row), e.cells[r] ?? '', 'text-anchor="end"')}</g>`,
      );
    });
  });
  // The line under the header and above the extra rows.
  const lineY = (row: number) => top + row * ROW_H;
  parts.push(
    `<line x1="${MARGIN}" x2="${MARGIN + tableW}" y1="${lineY(1)}" y2="${lineY(1)}" stroke="${fg}" stroke-width="1"/>`,
  );
  if (extraRows.length) {
    const y = lineY(1 + output.elements.length);
    parts.push(`<line x1="${MARGIN}" x2="${MARGIN + tableW}" y1="${y}" y2="${y}" stroke="${fg}" stroke-width="1"/>`);
  }
  parts.push('</g>');
  parts.push(matrixLegend(scales[0], perColumn, legendY, theme, legend));
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

/** The colour bar under the matrix: from -bound to +bound (0 to bound one-sided), or "each column its own bound". */
function matrixLegend(
  scale: ReturnType<typeof outputScales>[number] | undefined,
  perColumn: boolean,
  y: number,
  theme: Theme,
  words: string,
): string {
  if (!scale) return '';
  const fg = rgbString(paletteFor(theme).foreground);
  const small = `font-family="system-ui, sans-serif" font-size="11" fill="${fg}"`;
  const stops = colorBarStops(theme, scale.unsigned)
    .map((s) => `<stop offset="${s.offset}" stop-color="${rgbString(s.color)}"/>`)
    .join('');
  const b = perColumn ? 'bound' : formatCompact(scale.bound);
  const ends = scale.unsigned ? [`0`, b] : [`-${b}`, '0', `+${b}`];
  const xs = scale.unsigned ? [MARGIN, MARGIN + BAR_W] : [MARGIN, MARGIN + BAR_W / 2, MARGIN + BAR_W];
  const anchors = scale.unsigned ? ['start', 'end'] : ['start', 'middle', 'end'];
  const labels = ends
    .map(
      (t, i) => `<text x="${xs[i]}" y="${y + BAR_H + 12}" text-anchor="${anchors[i]}" ${small}>${escapeXML(t)}</text>`,
    )
    .join('');
  return `<g class="colour-bar" data-bound="${perColumn ? '' : scale.bound}"><defs><linearGradient id="interpreto-matrix-bar">${stops}</linearGradient></defs><rect x="${MARGIN}" y="${y}" width="${BAR_W}" height="${BAR_H}" fill="url(#interpreto-matrix-bar)" stroke="${fg}" stroke-width="0.5"/>${labels}<text class="legend-text" x="${MARGIN}" y="${y + BAR_H + 30}" ${small}>${escapeXML(words)}</text></g>`;
}

/** The legend in words: what the colours mean, where the bound comes from, and the hatching. */
function matrixLegendText(scale: ReturnType<typeof outputScales>[number] | undefined, perColumn: boolean): string {
  if (!scale) return '';
  const meaning = scale.unsigned ? 'one-sided: magnitudes (darker = larger)' : 'red: positive, blue: negative';
  const scope = perColumn
    ? 'each column on its own bound (bound row)'
    : `full colour at ${scale.unsigned ? '' : '±'}${formatCompact(scale.bound)} (${scale.scope})`;
  return `${meaning}; ${scope}; hatched: undefined`;
}
