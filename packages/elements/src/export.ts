/**
 * Export of an attribution view as SVG, standalone HTML, JSON (pure string builders, usable in
 * Node) and PNG (the SVG drawn on a canvas: browser only).
 */
import type { AttributionOutput } from '@interpreto-js/core';
import { cellColor, formatValue, paletteFor, rgbString, type Theme } from './color.ts';
import { escapeXML, monospaceCells, svgVisibleText } from './text.ts';
import { buildBlocks, validateOutput, type Block, type Cell, type ClassNames, type RowChoice } from './view-model.ts';

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
}

export const EXPORT_MIME: Readonly<Record<ExportFormat, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  html: 'text/html',
  json: 'application/json',
};

export function defaultTitle(output: AttributionOutput): string {
  return [output.method ?? 'Attributions', output.granularity, output.inferenceMode].filter(Boolean).join(' · ');
}

/** Tooltip text of a cell: the value to 3 decimals, plus its note. */
export function cellTooltip(cell: Pick<Cell, 'value' | 'note'>): string {
  return cell.note ? `${formatValue(cell.value)} (${cell.note})` : formatValue(cell.value);
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
): { placed: { block: Block; titleY: number; cells: PlacedCell[] }[]; width: number; height: number } {
  let y = MARGIN + TITLE_H;
  let widest = width;
  const right = width - MARGIN;
  const placed = blocks.map((block) => {
    const titleY = y + FONT_SIZE;
    y += LINE_H;
    let x = MARGIN;
    const cells: PlacedCell[] = [];
    for (const cell of block.cells) {
      const shown = svgVisibleText(cell.text);
      const w = monospaceCells(shown) * CHAR_W + 2 * CELL_PAD;
      // The separating space, uncoloured, between cells (none at the start of a line).
      const gap = cell.spaceBefore && x > MARGIN ? CHAR_W : 0;
      if (x + gap + w > right && x > MARGIN) {
        x = MARGIN;
        y += LINE_H;
      } else {
        x += gap;
      }
      cells.push({ cell, shown, x, y, w });
      x += w;
      // A unit longer than a whole line is not clipped: the picture widens to hold it.
      widest = Math.max(widest, x + MARGIN);
      if (/[\r\n]/.test(cell.text)) {
        x = MARGIN;
        y += LINE_H;
      }
    }
    y += LINE_H + BLOCK_GAP;
    return { block, titleY, cells };
  });
  return { placed, width: Math.ceil(widest), height: y - BLOCK_GAP + MARGIN };
}

export interface SVGResult {
  svg: string;
  width: number;
  height: number;
}

/** Builds the SVG and its size (the size is what PNG export rasterises at). */
export function renderSVG(output: AttributionOutput, options: ExportOptions = {}): SVGResult {
  const theme = options.theme ?? 'light';
  const pal = paletteFor(theme);
  const wanted = options.width ?? 800;
  if (!(wanted >= 200)) throw new RangeError(`width ${wanted} is too small for an SVG export: use 200 or more.`);
  const blocks = buildBlocks(output, options);
  const { placed, width, height } = layoutBlocks(blocks, wanted);
  const fg = rgbString(pal.foreground);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${FONT_SIZE}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="${rgbString(pal.background)}"/>`);
  parts.push(
    `<text x="${MARGIN}" y="${MARGIN + FONT_SIZE}" fill="${fg}" font-family="system-ui, sans-serif" font-weight="bold" font-size="${FONT_SIZE + 2}">${escapeXML(options.title ?? defaultTitle(output))}</text>`,
  );
  for (const { block, titleY, cells } of placed) {
    parts.push(
      `<text x="${MARGIN}" y="${titleY}" fill="${fg}" font-family="system-ui, sans-serif" font-weight="bold">${escapeXML(block.title)}</text>`,
    );
    for (const p of cells) {
      const c = cellColor(p.cell.value, p.cell.bound, theme);
      const top = p.y;
      const rect = c.background
        ? `<rect x="${p.x}" y="${top}" width="${p.w.toFixed(1)}" height="${LINE_H - 4}" rx="3" fill="${rgbString(c.painted)}"/>`
        : '';
      const outline = p.cell.target
        ? `<rect x="${p.x}" y="${top}" width="${p.w.toFixed(1)}" height="${LINE_H - 4}" rx="3" fill="none" stroke="${fg}" stroke-width="1.5"/>`
        : '';
      parts.push(
        `<g><title>${escapeXML(cellLabel(p.cell))}</title>${rect}${outline}<text x="${p.x + CELL_PAD}" y="${top + FONT_SIZE + 1}" fill="${c.color}" xml:space="preserve" style="white-space:pre">${escapeXML(p.shown)}</text></g>`,
      );
    }
  }
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

export function toSVG(output: AttributionOutput, options: ExportOptions = {}): string {
  return renderSVG(output, options).svg;
}

// ---------------------------------------------------------------- HTML

/** A standalone page (inline styles, no script) showing the same lines as the SVG. */
export function toHTML(output: AttributionOutput, options: ExportOptions = {}): string {
  const theme = options.theme ?? 'light';
  const pal = paletteFor(theme);
  const blocks = buildBlocks(output, options);
  const title = escapeXML(options.title ?? defaultTitle(output));
  const body = blocks
    .map((block) => {
      const spans = block.cells
        .map((cell) => {
          const c = cellColor(cell.value, cell.bound, theme);
          const style = [
            c.background ? `background-color:${c.background}` : '',
            `color:${c.color}`,
            'border-radius:3px',
            'padding:1px 0',
            cell.target ? `outline:1.5px solid ${rgbString(pal.foreground)}` : '',
          ]
            .filter(Boolean)
            .join(';');
          return `${cell.spaceBefore ? ' ' : ''}<span title="${escapeXML(cellTooltip(cell))}" aria-label="${escapeXML(cellLabel(cell))}" style="${style}">${escapeXML(cell.text)}</span>`;
        })
        .join('');
      return `<section><h2 style="font-size:1rem;margin:1em 0 .4em">${escapeXML(block.title)}</h2><p style="white-space:pre-wrap;line-height:1.9;font-family:ui-monospace,Menlo,Consolas,monospace;margin:0">${spans}</p></section>`;
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
