/**
 * Export of an attribution view as SVG, standalone HTML, JSON (pure string builders, usable in
 * Node) and PNG (the SVG drawn on a canvas: browser only).
 */
import type { AttributionOutput } from '@interpreto-js/core';
import { colorBarStops, formatValue, paletteFor, rgbString, type Theme } from './color.ts';
import { checkNoiseFloor, formatCompact, type ScaleMode, SCALE_MODES } from './scale.ts';
import { escapeXML, monospaceCells, svgVisibleText } from './text.ts';
import { renderMatrixSVG } from './export-matrix.ts';
import {
  type Block,
  type BlockScale,
  buildBlocks,
  type Cell,
  type ClassNames,
  paintCell,
  type RowChoice,
  validateOutput,
} from './view-model.ts';

export type ExportFormat = 'png' | 'svg' | 'html' | 'json';

export interface ExportOptions {
  classesNames?: ClassNames;
  theme?: Theme;
  /** Rows to draw: 'all' (default for multi-class and generation), a row index, or 'dominant' (multi-class). */
  row?: RowChoice;
  /** SVG/PNG width in CSS pixels (lines wrap to it; a single longer unit widens the picture). Default 800. */
  width?: number;
  /** PNG pixel ratio. Default 2. */
  scale?: number;
  /** Heading drawn above the lines; default from the method, granularity and inference mode. */
  title?: string;
  /** Which cells share a colour bound: 'row' (per class / generated unit), 'output', or 'shared' (with sharedBound). */
  scaleMode?: ScaleMode;
  /** The bound of scaleMode 'shared' (sharedBound(outputs)). */
  sharedBound?: number;
  /** Scores with |value| under it are drawn as 0. Default DEFAULT_NOISE_FLOOR (1e-6). */
  noiseFloor?: number;
  /** Print each cell's score under its text (SVG, PNG) or after it (HTML). Default true. */
  values?: boolean;
  /** Contrastive generation: the contrast continuation's text, named in the legend (else its token ids). */
  contrastText?: string;
  /**
   * SVG and PNG: 'lines' (default), the units as wrapped lines of text; 'matrix' (generation outputs), the matrix
   * view as a table: units x generated units, a number in each cell, row and column labels, the colour bar.
   */
  layout?: 'lines' | 'matrix';
}

const OPTION_NAMES = new Set([
  'classesNames',
  'theme',
  'row',
  'width',
  'scale',
  'title',
  'scaleMode',
  'sharedBound',
  'noiseFloor',
  'values',
  'contrastText',
  'layout',
]);

/**
 * Checks every export option before anything is written into markup: a wrong type or range is a clear error,
 * never text pasted into an attribute (a `width` of '"><script>' once went into the SVG as is).
 */
export function validateExportOptions(options: unknown): asserts options is ExportOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`Export options must be an object, got ${options === null ? 'null' : typeof options}.`);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!OPTION_NAMES.has(k)) {
      throw new TypeError(`Unknown export option ${JSON.stringify(k)}: use ${[...OPTION_NAMES].join(', ')}.`);
    }
  }
  const num = (k: string, lo: number, hi: number) => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      throw new RangeError(
        `Export option ${k} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v) ?? String(v)}.`,
      );
    }
  };
  num('width', 200, 20000);
  if (o.layout !== undefined && o.layout !== 'lines' && o.layout !== 'matrix') {
    throw new RangeError(
      `Export option layout must be 'lines' or 'matrix', got ${JSON.stringify(o.layout) ?? String(o.layout)}.`,
    );
  }
  num('scale', 0.1, 8);
  if (o.theme !== undefined) paletteFor(o.theme as Theme);
  if (o.title !== undefined && typeof o.title !== 'string') {
    throw new TypeError(`Export option title must be a string, got ${typeof o.title}.`);
  }
  if (o.contrastText !== undefined && typeof o.contrastText !== 'string') {
    throw new TypeError(`Export option contrastText must be a string, got ${typeof o.contrastText}.`);
  }
  if (o.values !== undefined && typeof o.values !== 'boolean') {
    throw new TypeError(`Export option values must be true or false, got ${JSON.stringify(o.values)}.`);
  }
  if (o.row !== undefined && o.row !== 'all' && o.row !== 'dominant' && !Number.isInteger(o.row)) {
    throw new TypeError(`Export option row must be 'all', 'dominant' or a row index, got ${JSON.stringify(o.row)}.`);
  }
  if (o.scaleMode !== undefined && !SCALE_MODES.includes(o.scaleMode as ScaleMode)) {
    throw new RangeError(
      `Export option scaleMode must be one of ${SCALE_MODES.join(', ')}, got ${JSON.stringify(o.scaleMode)}.`,
    );
  }
  if (o.noiseFloor !== undefined) checkNoiseFloor(o.noiseFloor);
  num('sharedBound', 0, Number.MAX_VALUE);
  const names = o.classesNames;
  if (names !== undefined) {
    if (names === null || typeof names !== 'object' || Object.values(names).some((n) => typeof n !== 'string')) {
      throw new TypeError(
        'Export option classesNames must be an array of strings or an object of strings by class id.',
      );
    }
  }
}

export const EXPORT_MIME: Readonly<Record<ExportFormat, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  html: 'text/html',
  json: 'application/json',
};

export function defaultTitle(output: AttributionOutput): string {
  // An attributed function replaces the target's score: its name, not the (unused) inference mode.
  const score = output.attributedFunction ? `score: ${output.attributedFunction}` : output.inferenceMode;
  return [output.method ?? 'Attributions', output.granularity, score].filter(Boolean).join(' · ');
}

/** Tooltip text of a cell: the value (3 decimals, or compact when tiny), plus its note. */
export function cellTooltip(cell: Pick<Cell, 'value' | 'note'>): string {
  const v = cell.value;
  // 3 decimals read "0.000" for a score of 2e-5: show such small values with an exponent.
  const shown = Number.isFinite(v) && v !== 0 && Math.abs(v) < 5e-4 ? formatCompact(v) : formatValue(v);
  return cell.note ? `${shown} (${cell.note})` : shown;
}

/**
 * The legend of a scale in words: what the colours mean, where the bound comes from, and a flat row. `sides`: a
 * contrastive row, whose red and blue mean "towards the target" and "towards the contrast".
 */
export function scaleLegend(scale: BlockScale, sides?: { target: string; contrast: string }): string {
  if (scale.flat) {
    return `Flat: every score is within ±${formatCompact(scale.noiseFloor)} of 0 (float error), drawn as 0; nothing to show.`;
  }
  const meaning = scale.unsigned
    ? 'one-sided: this method gives magnitudes, not signs (darker = larger)'
    : sides
      ? `red: towards ${JSON.stringify(sides.target)}, blue: towards ${JSON.stringify(sides.contrast)}`
      : 'red: positive, blue: negative';
  return `${meaning}; full colour at ${scale.unsigned ? '' : '±'}${formatCompact(scale.bound)} (${scale.scope})`;
}

/** Accessible label of a cell: its text and value. */
export function cellLabel(cell: Pick<Cell, 'text' | 'value' | 'note'>): string {
  return `${JSON.stringify(cell.text)}: ${cellTooltip(cell)}`;
}

// ---------------------------------------------------------------- SVG

const FONT_SIZE = 14;
const CHAR_W = FONT_SIZE * 0.6; // monospace advance; the SVG asks for a monospace font
const CELL_PAD = 2;
const LINE_H = 24;
const MARGIN = 16;
const TITLE_H = 28;
const BLOCK_GAP = 12;
const VALUE_FONT = 10;
const VALUE_H = 12;
const BAR_W = 160;
const BAR_H = 10;
const LEGEND_H = 34;
/** The "why A rather than B?" line of a contrastive block, above its colour bar. */
const CONTRAST_H = 18;

interface PlacedCell {
  cell: Cell;
  shown: string;
  x: number;
  y: number;
  w: number;
}

/** Flow layout of the cells, wrapping at `width`; also breaks after a cell holding a newline. */
function layoutBlocks(
  blocks: Block[],
  width: number,
  values: boolean,
): { placed: { block: Block; titleY: number; legendY: number; cells: PlacedCell[] }[]; width: number; height: number } {
  let y = MARGIN + TITLE_H;
  let widest = width;
  const right = width - MARGIN;
  const lineH = values ? LINE_H + VALUE_H : LINE_H;
  const placed = blocks.map((block) => {
    const titleY = y + FONT_SIZE;
    y += LINE_H;
    let x = MARGIN;
    const cells: PlacedCell[] = [];
    for (const cell of block.cells) {
      const shown = svgVisibleText(cell.text);
      const valueW = values ? formatCompact(cell.value).length * VALUE_FONT * 0.6 : 0;
      const w = Math.max(monospaceCells(shown) * CHAR_W, valueW) + 2 * CELL_PAD;
      // The separating space, uncoloured, between cells (none at the start of a line).
      const gap = cell.spaceBefore && x > MARGIN ? CHAR_W : 0;
      if (x + gap + w > right && x > MARGIN) {
        x = MARGIN;
        y += lineH;
      } else {
        x += gap;
      }
      cells.push({ cell, shown, x, y, w });
      x += w;
      // A unit longer than a whole line is not clipped: the picture widens to hold it.
      widest = Math.max(widest, x + MARGIN);
      if (/[\r\n]/.test(cell.text)) {
        x = MARGIN;
        y += lineH;
      }
    }
    y += lineH;
    if (block.contrast) y += CONTRAST_H;
    const legendY = y;
    y += LEGEND_H + BLOCK_GAP;
    return { block, titleY, legendY, cells };
  });
  return { placed, width: Math.ceil(widest), height: y - BLOCK_GAP + MARGIN };
}

/** The colour bar (gradient, 0 and bound marks) and the legend in words, or the class swatches of a dominant line. */
function svgLegend(block: Block, y: number, theme: Theme, id: string): string {
  const pal = paletteFor(theme);
  const fg = rgbString(pal.foreground);
  const small = `font-family="system-ui, sans-serif" font-size="11" fill="${fg}"`;
  if (block.classes) {
    let x = MARGIN;
    const parts = [`<text x="${x}" y="${y + 10}" ${small}>Each unit in its dominant class's colour:</text>`];
    x += 230;
    for (const c of block.classes) {
      const name = escapeXML(c.name);
      parts.push(`<rect x="${x}" y="${y + 1}" width="12" height="12" rx="2" fill="${rgbString(c.hue)}"/>`);
      parts.push(`<text x="${x + 16}" y="${y + 11}" ${small}>${name}</text>`);
      x += 28 + monospaceCells(svgVisibleText(c.name)) * 6.6;
    }
    return parts.join('');
  }
  const scale = block.scale;
  if (!scale) return '';
  // Contrastive: "why A rather than B?" on its own line, red towards A, blue towards B (as the views say it).
  const why = block.contrast
    ? `<text class="contrast" x="${MARGIN}" y="${y - CONTRAST_H + 10}" ${small} font-weight="bold">${escapeXML(block.contrast.text)}</text>`
    : '';
  const stops = colorBarStops(theme, scale.unsigned)
    .map((s) => `<stop offset="${s.offset}" stop-color="${rgbString(s.color)}"/>`)
    .join('');
  const b = formatCompact(scale.bound);
  const labels = scale.unsigned
    ? `<text x="${MARGIN}" y="${y + BAR_H + 12}" ${small}>0</text><text x="${MARGIN + BAR_W}" y="${y + BAR_H + 12}" text-anchor="end" ${small}>${b}</text>`
    : `<text x="${MARGIN}" y="${y + BAR_H + 12}" ${small}>-${b}</text><text x="${MARGIN + BAR_W / 2}" y="${y + BAR_H + 12}" text-anchor="middle" ${small}>0</text><text x="${MARGIN + BAR_W}" y="${y + BAR_H + 12}" text-anchor="end" ${small}>+${b}</text>`;
  return `${why}<g class="colour-bar"><defs><linearGradient id="${id}">${stops}</linearGradient></defs><rect x="${MARGIN}" y="${y}" width="${BAR_W}" height="${BAR_H}" fill="url(#${id})" stroke="${fg}" stroke-width="0.5"/>${labels}<text x="${MARGIN + BAR_W + 10}" y="${y + BAR_H}" ${small}>${escapeXML(scaleLegend(scale, block.contrast))}</text></g>`;
}

export interface SVGResult {
  svg: string;
  width: number;
  height: number;
}

/** Builds the SVG and its size (the size is what PNG export rasterises at). */
export function renderSVG(output: AttributionOutput, options: ExportOptions = {}): SVGResult {
  validateExportOptions(options);
  if (options.layout === 'matrix') {
    validateOutput(output);
    return renderMatrixSVG(output, { ...options, title: options.title ?? defaultTitle(output) });
  }
  const theme = options.theme ?? 'light';
  const pal = paletteFor(theme);
  const wanted = options.width ?? 800;
  const values = options.values ?? true;
  const blocks = buildBlocks(output, options);
  const { placed, width, height } = layoutBlocks(blocks, wanted, values);
  const fg = rgbString(pal.foreground);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${FONT_SIZE}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="${rgbString(pal.background)}"/>`);
  parts.push(
    `<text x="${MARGIN}" y="${MARGIN + FONT_SIZE}" fill="${fg}" font-family="system-ui, sans-serif" font-weight="bold" font-size="${FONT_SIZE + 2}">${escapeXML(options.title ?? defaultTitle(output))}</text>`,
  );
  placed.forEach(({ block, titleY, legendY, cells }, b) => {
    parts.push(
      `<text x="${MARGIN}" y="${titleY}" fill="${fg}" font-family="system-ui, sans-serif" font-weight="bold">${escapeXML(block.title)}</text>`,
    );
    for (const p of cells) {
      const c = paintCell(p.cell, theme);
      const top = p.y;
      const rect = c.background
        ? `<rect x="${p.x}" y="${top}" width="${p.w.toFixed(1)}" height="${LINE_H - 4}" rx="3" fill="${rgbString(c.painted)}"/>`
        : '';
      const outline = p.cell.target
        ? `<rect x="${p.x}" y="${top}" width="${p.w.toFixed(1)}" height="${LINE_H - 4}" rx="3" fill="none" stroke="${fg}" stroke-width="1.5"/>`
        : '';
      const value = values
        ? `<text class="value" x="${p.x + CELL_PAD}" y="${top + LINE_H - 4 + VALUE_FONT}" fill="${fg}" font-size="${VALUE_FONT}">${escapeXML(formatCompact(p.cell.value))}</text>`
        : '';
      parts.push(
        `<g><title>${escapeXML(cellLabel(p.cell))}</title>${rect}${outline}<text x="${p.x + CELL_PAD}" y="${top + FONT_SIZE + 1}" fill="${c.color}" xml:space="preserve" style="white-space:pre">${escapeXML(p.shown)}</text>${value}</g>`,
      );
    }
    parts.push(svgLegend(block, legendY, theme, `interpreto-bar-${b}`));
  });
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

export function toSVG(output: AttributionOutput, options: ExportOptions = {}): string {
  return renderSVG(output, options).svg;
}

// ---------------------------------------------------------------- HTML

/** A standalone page (inline styles, no script) showing the same lines as the SVG. */
export function toHTML(output: AttributionOutput, options: ExportOptions = {}): string {
  validateExportOptions(options);
  const theme = options.theme ?? 'light';
  const values = options.values ?? true;
  const pal = paletteFor(theme);
  const blocks = buildBlocks(output, options);
  const title = escapeXML(options.title ?? defaultTitle(output));
  const body = blocks
    .map((block) => {
      const spans = block.cells
        .map((cell) => {
          const c = paintCell(cell, theme);
          const style = [
            c.background ? `background-color:${c.background}` : '',
            `color:${c.color}`,
            'border-radius:3px',
            'padding:1px 0',
            cell.target ? `outline:1.5px solid ${rgbString(pal.foreground)}` : '',
          ]
            .filter(Boolean)
            .join(';');
          const value = values
            ? `<sub style="font-size:.65em;opacity:.8;margin-left:1px">${escapeXML(formatCompact(cell.value))}</sub>`
            : '';
          return `${cell.spaceBefore ? ' ' : ''}<span title="${escapeXML(cellTooltip(cell))}" aria-label="${escapeXML(cellLabel(cell))}" style="${style}">${escapeXML(cell.text)}${value}</span>`;
        })
        .join('');
      return `<section><h2 style="font-size:1rem;margin:1em 0 .4em">${escapeXML(block.title)}</h2><p style="white-space:pre-wrap;line-height:1.9;font-family:ui-monospace,Menlo,Consolas,monospace;margin:0">${spans}</p>${htmlLegend(block, theme)}</section>`;
    })
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>`,
    `<body style="margin:0;padding:16px;background:${rgbString(pal.background)};color:${rgbString(pal.foreground)};font-family:system-ui,sans-serif">`,
    `<h1 style="font-size:1.1rem;margin:0 0 .5em">${title}</h1>`,
    body,
    '</body>',
    '</html>',
  ].join('\n');
}

function htmlLegend(block: Block, theme: Theme): string {
  const p = 'style="font-size:.8rem;margin:.4em 0 0;display:flex;gap:.5em;align-items:center;flex-wrap:wrap"';
  if (block.classes) {
    const chips = block.classes
      .map(
        (c) =>
          `<span><span style="display:inline-block;width:.8em;height:.8em;border-radius:2px;background:${rgbString(c.hue)}"></span> ${escapeXML(c.name)}</span>`,
      )
      .join(' ');
    return `<p ${p}>Each unit in its dominant class's colour: ${chips}</p>`;
  }
  if (!block.scale) return '';
  const s = block.scale;
  const why = block.contrast
    ? `<p class="contrast" style="font-size:.85rem;font-weight:bold;margin:.4em 0 0">${escapeXML(block.contrast.text)}</p>`
    : '';
  const b = formatCompact(s.bound);
  const stops = colorBarStops(theme, s.unsigned)
    .map((x) => `${rgbString(x.color)} ${Math.round(x.offset * 100)}%`)
    .join(', ');
  return `${why}<p ${p}><span>${s.unsigned ? '0' : `-${b}`}</span><span style="display:inline-block;width:10em;height:.7em;background:linear-gradient(to right, ${stops})"></span><span>${s.unsigned ? '' : '+'}${b}</span><span>${escapeXML(scaleLegend(s, block.contrast))}</span></p>`;
}

// ---------------------------------------------------------------- JSON

/** The AttributionOutput as JSON. JSON has no NaN: undefined cells become null (attributionOutputFromJSON restores them). */
export function toJSON(output: AttributionOutput): string {
  validateOutput(output);
  return JSON.stringify(output, null, 2);
}

// ---------------------------------------------------------------- PNG (browser)

/**
 * Rasterises an SVG string into a PNG Blob by drawing it on a canvas. Needs a browser (Image,
 * canvas 2D context, canvas.toBlob); in Node export SVG instead and rasterise it with a tool.
 */
export async function svgToPNG(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  if (typeof document === 'undefined' || typeof Image === 'undefined') {
    throw new Error(
      'PNG export needs a browser (it draws the SVG on a <canvas>); in Node, export "svg" and rasterise it.',
    );
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx || typeof canvas.toBlob !== 'function') {
    throw new Error(
      'PNG export needs a canvas 2D context, which this environment does not provide; export "svg" instead.',
    );
  }
  const img = new Image();
  img.width = width;
  img.height = height;
  // A data: URL (not a blob: URL) keeps the canvas untainted so toBlob is allowed.
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('PNG export: the browser could not load the generated SVG as an image.'));
  });
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('PNG export: canvas.toBlob returned no image.'))),
      'image/png',
    ),
  );
}

// ---------------------------------------------------------------- one entry point

/**
 * Exports a view: 'svg', 'html' and 'json' return the string at once; 'png' returns a Promise
 * of a Blob and needs a browser.
 */
export function exportView(output: AttributionOutput, format: 'png', options?: ExportOptions): Promise<Blob>;
export function exportView(output: AttributionOutput, format: 'svg' | 'html' | 'json', options?: ExportOptions): string;
export function exportView(
  output: AttributionOutput,
  format: ExportFormat,
  options?: ExportOptions,
): string | Promise<Blob>;
export function exportView(
  output: AttributionOutput,
  format: ExportFormat,
  options: ExportOptions = {},
): string | Promise<Blob> {
  switch (format) {
    case 'svg':
      return toSVG(output, options);
    case 'html':
      return toHTML(output, options);
    case 'json':
      return toJSON(output);
    case 'png': {
      validateExportOptions(options);
      const { svg, width, height } = renderSVG(output, options);
      return svgToPNG(svg, width, height, options.scale ?? 2);
    }
    default:
      throw new RangeError(`Unknown export format ${JSON.stringify(format)}: use 'png', 'svg', 'html' or 'json'.`);
  }
}

/** Any format as a Blob (what a download needs). */
export async function exportBlob(
  output: AttributionOutput,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Blob> {
  if (format === 'png') return exportView(output, 'png', options);
  return new Blob([exportView(output, format, options)], { type: `${EXPORT_MIME[format]};charset=utf-8` });
}
