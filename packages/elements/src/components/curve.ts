import { html, LitElement, nothing, svg } from 'lit';
import { paletteFor, rgbString, type Theme } from '../color.ts';
import {
  CURVE_COLORS,
  curvePlot,
  curveToSVG,
  validateMetricResult,
  type MetricName,
  type MetricResult,
} from '../curve.ts';
import { svgToPNG } from '../export.ts';
import { defineOnce, downloadBlob } from './base.ts';
import { baseStyles } from './styles.ts';

type CurveFormat = 'png' | 'svg' | 'json';

/**
 * `<interpreto-curve>`: the Insertion or Deletion curves of one input of a metric result (one line
 * per target row), drawn as inline SVG, with the AUC. Set `result` to what `metric.evaluate()`
 * returns, `metric` to 'Insertion' or 'Deletion', and optionally `inputIndex` and `rowNames`.
 *
 * Events: `interpreto-export` {format, blob, filename} (cancelable) and `interpreto-error`.
 *
 * @customElement interpreto-curve
 * @attr {'Insertion' | 'Deletion'} metric - Which metric the result comes from (labels and "better" direction).
 * @attr {number} input-index - The input of the result to draw (default 0).
 * @attr {'light' | 'dark'} theme - Colour theme (reflected).
 * @event {CustomEvent<{ format: 'png' | 'svg' | 'json'; blob: Blob; filename: string }>} interpreto-export - An export button was used; cancelable: `preventDefault()` to handle the Blob instead of the download.
 * @event {CustomEvent<{ error: unknown }>} interpreto-error - An export failed (e.g. PNG outside a browser).
 * @csspart header - The header row (AUC and export buttons).
 * @csspart title - The AUC title.
 * @csspart export - The export buttons.
 * @csspart plot - The SVG plot.
 * @csspart legend - The per-row legend (several rows) or the "no result" line.
 * @csspart error - The alert shown when the result cannot be drawn.
 * @cssprop [--interpreto-bg=#ffffff] - Background (dark: #18181b).
 * @cssprop [--interpreto-fg=#111111] - Text and axes colour (dark: #f4f4f5).
 * @cssprop [--interpreto-muted=#5f6368] - Legend.
 * @cssprop [--interpreto-border=#c9ccd1] - Button borders.
 * @cssprop [--interpreto-button-bg=#f3f4f6] - Button background.
 * @cssprop [--interpreto-active-bg=#111111] - (shared theme; unused here)
 * @cssprop [--interpreto-active-fg=#ffffff] - (shared theme; unused here)
 * @cssprop [--interpreto-focus=#1a73e8] - Focus ring.
 * @cssprop --interpreto-font - Font.
 * @cssprop --interpreto-token-font - (shared theme; unused here)
 */
export class InterpretoCurve extends LitElement {
  static override styles = baseStyles;
  static override properties = {
    result: { attribute: false },
    metric: { type: String },
    inputIndex: { type: Number, attribute: 'input-index' },
    rowNames: { attribute: false },
    theme: { reflect: true },
  };
  /** What `metric.evaluate()` returned. */
  declare result: MetricResult | undefined;
  /** 'Insertion' or 'Deletion'. */
  declare metric: MetricName;
  /** The input of the result to draw. */
  declare inputIndex: number;
  /** A name per target row, for the legend. */
  declare rowNames: string[] | undefined;
  /** Colour theme: 'light' or 'dark'. */
  declare theme: Theme;

  constructor() {
    super();
    this.metric = 'Insertion';
    this.inputIndex = 0;
    this.theme = 'light';
  }

  private _svgOptions() {
    return { metric: this.metric, inputIndex: this.inputIndex, rowNames: this.rowNames, theme: this.theme };
  }

  /** The curve as a Blob in a given format (PNG needs a browser). */
  async exportAs(format: CurveFormat): Promise<Blob> {
    if (!this.result) throw new Error('Nothing to export: set the element\'s "result" property first.');
    if (format === 'json')
      return new Blob([JSON.stringify(this.result, null, 2)], { type: 'application/json;charset=utf-8' });
    const s = curveToSVG(this.result, this._svgOptions());
    if (format === 'svg') return new Blob([s], { type: 'image/svg+xml;charset=utf-8' });
    const g = curvePlot(this.result.detailedScores[this.inputIndex]!); // curveToSVG above rejected a missing input
    return svgToPNG(s, g.width, g.height);
  }

  private async _export(format: CurveFormat): Promise<void> {
    try {
      const blob = await this.exportAs(format);
      const filename = `${this.metric.toLowerCase()}-curve.${format}`;
      const ev = new CustomEvent('interpreto-export', {
        detail: { format, blob, filename },
        bubbles: true,
        composed: true,
        cancelable: true,
      });
      if (this.dispatchEvent(ev)) downloadBlob(blob, filename);
    } catch (error) {
      this.dispatchEvent(new CustomEvent('interpreto-error', { detail: { error }, bubbles: true, composed: true }));
    }
  }

  override render() {
    if (!this.result) return html`<p class="legend" part="legend">No metric result set.</p>`;
    try {
      paletteFor(this.theme);
      validateMetricResult(this.result);
    } catch (e) {
      return html`<p part="error" role="alert">Cannot draw the curve: ${(e as Error).message}</p>`;
    }
    const curves = this.result.detailedScores[this.inputIndex];
    if (!curves)
      return html`<p part="error" role="alert">Input ${this.inputIndex} does not exist: the result has ${this.result.detailedScores.length} input(s).</p>`;
    const g = curvePlot(curves);
    const fg = rgbString(paletteFor(this.theme).foreground);
    const better = this.metric === 'Deletion' ? 'lower is better' : 'higher is better';
    const names = curves.map((_, i) => this.rowNames?.[i] ?? `row ${i}`);
    const label = `${this.metric} curve, AUC ${this.result.auc.toFixed(3)} (${better})`;
    const exportButtons = (['png', 'svg', 'json'] as const).map(
      (f) =>
        html`<button type="button" data-export=${f} @click=${() => this._export(f)} aria-label=${`Export as ${f.toUpperCase()}`}>${f.toUpperCase()}</button>`,
    );
    return html`<div class="header" part="header"><span class="title" part="title">${this.metric} AUC ${this.result.auc.toFixed(3)} <small>(${better})</small></span><span class="export" part="export" role="group" aria-label="Export">${exportButtons}</span></div>
      <svg part="plot" width=${g.width} height=${g.height} viewBox=${`0 0 ${g.width} ${g.height}`} role="img" aria-label=${label} font-size="11">
        ${svg`<path d=${`M${g.left},${g.top} V${g.bottom} H${g.right}`} fill="none" stroke=${fg}></path>
        <text x=${g.left - 4} y=${g.top + 4} text-anchor="end" fill=${fg}>${g.yMax.toFixed(1)}</text>
        <text x=${g.left - 4} y=${g.bottom} text-anchor="end" fill=${fg}>${g.yMin.toFixed(1)}</text>
        <text x=${g.left} y=${g.bottom + 14} fill=${fg}>0%</text>
        <text x=${g.right} y=${g.bottom + 14} text-anchor="end" fill=${fg}>100%</text>
        <text x=${(g.left + g.right) / 2} y=${g.bottom + 14} text-anchor="middle" fill=${fg}>${this.metric === 'Deletion' ? 'units removed' : 'units inserted'}</text>
        ${g.polylines.map(
          (pts, i) =>
            svg`<polyline class="curve" points=${pts} fill="none" stroke=${CURVE_COLORS[i % CURVE_COLORS.length]} stroke-width="2"><title>${`${names[i]}: AUC ${g.aucs[i]!.toFixed(3)}`}</title></polyline>`,
        )}`}
      </svg>
      ${
        curves.length > 1
          ? html`<ul class="legend" part="legend">${names.map((n, i) => html`<li style=${`color:${CURVE_COLORS[i % CURVE_COLORS.length]}`}>${n}: AUC ${g.aucs[i]!.toFixed(3)}</li>`)}</ul>`
          : nothing
      }`;
  }
}

defineOnce('interpreto-curve', InterpretoCurve);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-curve': InterpretoCurve;
  }
}
