import { html, nothing } from 'lit';
import { matrixBound } from '../color.ts';
import type { ExportOptions } from '../export.ts';
import {
  generationCellValue,
  generationLayout,
  generationStepCells,
  outputColumn,
  spaceBefore,
  stepCellText,
} from '../view-model.ts';
import { defineOnce } from './base.ts';
import { InterpretoRowSelectBase } from './row-select.ts';

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
 * When the output carries `stepScores`, a row under the generated units shows the model's probability of each
 * unit (product over its tokens); hovering a cell shows each token's rank and top-k alternatives.
 *
 * Events: `interpreto-select` {row, text} on click; `interpreto-preview` {row} on hover changes;
 * `interpreto-unit-select` {index, text, value} when a prompt unit is activated.
 *
 * @customElement interpreto-generation
 * @csspart steps - The row of the model's probabilities of the generated units.
 * @csspart step - One probability cell (its title lists rank and top-k alternatives).
 * @event {CustomEvent<{ row: number | null; text: string | null }>} interpreto-select - A generated unit was clicked (row null: selection cleared).
 * @event {CustomEvent<{ row: number | null }>} interpreto-preview - The hovered generated unit changed (null when the pointer leaves).
 */
export class InterpretoGeneration extends InterpretoRowSelectBase<OutputSelectDetail> {
  protected exportOptions(): ExportOptions {
    return { row: this.activeRow ?? 'all' };
  }

  protected selectDetail(row: number | null): OutputSelectDetail {
    const out = this.output!;
    return { row, text: row === null ? null : out.elements[outputColumn(generationLayout(out), row)]! };
  }

  /** Clicking a generated unit: select it, or clear the selection when it is already selected. */
  toggleOutput(row: number): void {
    this.toggleRow(row);
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
      .map((text, c) =>
        this.renderUnit({ group: 'prompt', index: c, text, spaceBefore: spaceBefore(out, c), value: value(c), bound }),
      );
    const outputs = out.elements.slice(layout.nPrompt).map((text, j) => {
      const c = outputColumn(layout, j);
      return this.renderUnit({
        group: 'outputs',
        index: j,
        text,
        // The generated units start a line of their own: no space before the first.
        spaceBefore: j > 0 && spaceBefore(out, c),
        value: value(c),
        bound,
        output: true,
        target: active === j,
        pressed: this.selectedRow === j,
        note: active === j ? 'explained unit' : undefined,
        onClick: () => this.toggleOutput(j),
        onEnter: () => this.hoverRow(j),
        onLeave: () => this.hoverRow(null),
      });
    });
    const cells = generationStepCells(out);
    const steps = cells
      ? html`<div class="section-label">Model probability</div><div class="units steps" part="steps" role="group" aria-label="The model's probability of each generated unit">${cells.map(
          (cell, j) =>
            html`<span class="step${cell.ranks.some((r) => r > 1) ? ' not-greedy' : ''}${active === j ? ' target' : ''}" part="step" data-row=${j} tabindex="0" title=${cell.detail} aria-label=${`${out.elements[outputColumn(layout, j)]}: ${cell.detail}`} @mouseenter=${() => this.hoverRow(j)} @mouseleave=${() => this.hoverRow(null)}>${stepCellText(cell)}</span>`,
        )}</div>`
      : nothing;
    const title =
      active === null
        ? 'Hover or click a generated unit'
        : `Output ${active + 1}: ${JSON.stringify(out.elements[outputColumn(layout, active)])}${this.selectedRow === null ? ' (preview)' : ''}`;
    return html`<div class="header" part="header"><span class="title" part="title" aria-live="polite">${title}</span>${this.renderSampling()}${this.renderExportButtons()}</div><div class="section-label">Prompt</div><div class="units" part="units" role="group" aria-label="Prompt units" @keydown=${this._onNavKey}>${prompt}</div><div class="section-label">Generated</div><div class="units" part="units" role="toolbar" aria-label="Generated units: choose one to see what it depends on" @keydown=${this._onNavKey}>${outputs}</div>${steps}${this.renderLegend(bound, 'whole matrix')}`;
  }
}

defineOnce('interpreto-generation', InterpretoGeneration);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-generation': InterpretoGeneration;
  }
}
