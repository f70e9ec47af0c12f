import { html, nothing, type PropertyValues } from 'lit';
import { matrixBound } from '../color.ts';
import type { ExportOptions } from '../export.ts';
import { generationCellValue, generationLayout, outputColumn } from '../view-model.ts';
import { defineOnce, InterpretoViewBase } from './base.ts';

export interface OutputSelectDetail {
  /** Selected generated unit (row), or null when the selection was cleared. */
  row: number | null;
  text: string | null;
}

/**
 * `<interpreto-generation>`: prompt units and generated units as buttons. Hovering or clicking
 * generated unit i colours the prompt and the generated units before i with row i (bound = max
 * |value| over the whole matrix); unit i is outlined, later units and NaN cells stay uncoloured.
 * As in the multi-class view, a click selects (again to clear) and hover never overrides it.
 *
 * Events: `interpreto-select` {row, text} on click; `interpreto-preview` {row} on hover changes;
 * `interpreto-unit-select` {index, text, value} when a prompt unit is activated.
 */
export class InterpretoGeneration extends InterpretoViewBase {
  static override properties = {
    selectedRow: { attribute: false },
    hoveredRow: { state: true },
  };
  declare selectedRow: number | null;
  declare hoveredRow: number | null;

  constructor() {
    super();
    this.selectedRow = null;
    this.hoveredRow = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('output') && changed.get('output') !== undefined) {
      this.selectedRow = null;
      this.hoveredRow = null;
    }
    const n = this.output?.attributions?.length ?? 0;
    if (this.selectedRow !== null && !(this.selectedRow >= 0 && this.selectedRow < n)) this.selectedRow = null;
  }

  /** The generated unit whose row is shown: the selection, else the hovered one, else null. */
  get activeRow(): number | null {
    return this.selectedRow ?? this.hoveredRow;
  }

  protected exportOptions(): ExportOptions {
    return { row: this.activeRow ?? 'all' };
  }

  /** Clicking a generated unit: select it, or clear the selection when it is already selected. */
  toggleOutput(row: number): void {
    this.selectedRow = this.selectedRow === row ? null : row;
    const out = this.output!;
    const text = this.selectedRow === null ? null : out.elements[outputColumn(generationLayout(out), this.selectedRow)];
    this.emit<OutputSelectDetail>('interpreto-select', { row: this.selectedRow, text });
  }

  private _hover(row: number | null): void {
    if (this.hoveredRow === row) return;
    this.hoveredRow = row;
    this.emit('interpreto-preview', { row });
  }

  override render() {
    const problem = this.renderError();
    if (problem !== nothing) return problem;
    const out = this.output!;
    const layout = generationLayout(out);
    const bound = matrixBound(out.attributions);
    const active = this.activeRow;
    const value = (c: number) => (active === null ? Number.NaN : generationCellValue(out, active, c));
    const prompt = out.elements
      .slice(0, layout.nPrompt)
      .map((text, c) => this.renderUnit({ group: 'prompt', index: c, text, value: value(c), bound }));
    const outputs = out.elements.slice(layout.nPrompt).map((text, j) => {
      const c = outputColumn(layout, j);
      return this.renderUnit({
        group: 'outputs',
        index: j,
        text,
        value: value(c),
        bound,
        output: true,
        target: active === j,
        pressed: this.selectedRow === j,
        note: active === j ? 'explained unit' : undefined,
        onClick: () => this.toggleOutput(j),
        onEnter: () => this._hover(j),
        onLeave: () => this._hover(null),
      });
    });
    const title =
      active === null
        ? 'Hover or click a generated unit'
        : `Output ${active + 1}: ${JSON.stringify(out.elements[outputColumn(layout, active)])}${this.selectedRow === null ? ' (preview)' : ''}`;
    return html`<div class="header"><span class="title" aria-live="polite">${title}</span>${this.renderExportButtons()}</div><div class="section-label">Prompt</div><div class="units" role="group" aria-label="Prompt units" @keydown=${this._onNavKey}>${prompt}</div><div class="section-label">Generated</div><div class="units" role="toolbar" aria-label="Generated units: choose one to see what it depends on" @keydown=${this._onNavKey}>${outputs}</div>${this.renderLegend(bound, 'whole matrix')}`;
  }
}

defineOnce('interpreto-generation', InterpretoGeneration);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-generation': InterpretoGeneration;
  }
}
