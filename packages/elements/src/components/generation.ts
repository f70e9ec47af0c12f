import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { classMap } from 'lit/directives/class-map.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { ExportOptions } from '../export.ts';
import { formatCompact } from '../scale.ts';
import {
  generationCellValue,
  generationLayout,
  generationStepCells,
  outputColumn,
  paintCell,
  spaceBefore,
  type StepCell,
  stepCellText,
  stepPercent,
  type BlockScale,
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
 * `mode="matrix"` (or the Tokens / Matrix switch) shows the whole matrix instead, as Inseq does: one row per
 * prompt and generated unit, one column per generated unit, the score printed in each cell, undefined cells
 * (a unit at or after the step) marked, and the model's probability of each generated unit as the last row.
 *
 * Events: `interpreto-select` {row, text} on click; `interpreto-preview` {row} on hover changes;
 * `interpreto-unit-select` {index, text, value} when a prompt unit is activated.
 *
 * @customElement interpreto-generation
 * @attr {'tokens' | 'matrix'} mode - 'tokens' (default): click a generated unit to see what it depends on; 'matrix': every score at once.
 * @csspart mode - The Tokens / Matrix switch.
 * @csspart matrix - The matrix table (mode 'matrix').
 * @csspart steps - The row of the model's probabilities of the generated units.
 * @csspart step - One probability cell (its title lists rank and top-k alternatives); hover, focus or a click/tap
 * (which pins it) shows them in `step-detail`.
 * @csspart step-detail - The shown cell's tokens: probability, rank and the model's top-k alternatives (`top-k`).
 * @csspart top-k - The list of alternatives in `step-detail`, most probable first.
 * @event {CustomEvent<{ row: number | null; text: string | null }>} interpreto-select - A generated unit was clicked (row null: selection cleared).
 * @event {CustomEvent<{ row: number | null }>} interpreto-preview - The hovered generated unit changed (null when the pointer leaves).
 */
export class InterpretoGeneration extends InterpretoRowSelectBase<OutputSelectDetail> {
  static override properties: PropertyDeclarations = {
    mode: { reflect: true },
    _step: { state: true },
    _stepPinned: { state: true },
  };
  /** 'tokens' (click a generated unit) or 'matrix' (every score at once). */
  declare mode: 'tokens' | 'matrix';
  /** The probability cell whose top-k alternatives are shown (hover, focus or a click/tap, which pins it). */
  declare private _step: number | null;
  declare private _stepPinned: boolean;

  constructor() {
    super();
    this.mode = 'tokens';
    this._step = null;
    this._stepPinned = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('output')) {
      this._step = null;
      this._stepPinned = false;
    }
  }

  /** Hover and focus show a step's alternatives until they leave; a click (a tap on touch) pins or unpins it. */
  private showStep(j: number | null, how: 'enter' | 'leave' | 'click'): void {
    if (how === 'click') {
      const unpin = this._stepPinned && this._step === j;
      this._stepPinned = !unpin;
      this._step = unpin ? null : j;
    } else if (!this._stepPinned) this._step = how === 'enter' ? j : null;
  }

  /** The shown step's tokens with their probability, rank and the model's top-k alternatives. */
  private renderStepDetail(cells: StepCell[]): TemplateResult | typeof nothing {
    const j = this._step;
    const cell = j === null ? undefined : cells[j];
    if (!cell) return nothing;
    const out = this.output!;
    const unit = out.elements[outputColumn(generationLayout(out), j!)];
    return html`<div class="step-detail" part="step-detail" data-row=${j} role="status" aria-live="polite"><span class="step-detail-title">${JSON.stringify(unit)}: ${stepCellText(cell)}${this._stepPinned ? ' (pinned: click or tap it again to close)' : ''}</span>${cell.tokens.map(
      (t) =>
        html`<div class="step-token">${cell.tokens.length > 1 ? html`${JSON.stringify(t.text)} ${stepPercent(t.probability)}, ` : nothing}rank ${t.rank}${
          t.topK.length
            ? html`; the model's top ${t.topK.length}: <ol class="top-k" part="top-k">${t.topK.map(
                (a) =>
                  html`<li class=${a.text === t.text ? 'chosen' : ''}><span class="alt-text">${JSON.stringify(a.text)}</span> <span class="alt-p">${stepPercent(a.probability)}</span></li>`,
              )}</ol>`
            : nothing
        }</div>`,
    )}</div>`;
  }

  protected exportOptions(): ExportOptions {
    // The matrix view exports as the table it shows (SVG, PNG); the lines' HTML is the same in both views.
    return { row: this.activeRow ?? 'all', ...(this.mode === 'matrix' ? { layout: 'matrix' as const } : {}) };
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
    const scales = this.scales();
    const active = this.activeRow;
    const cells = generationStepCells(out);
    const modes = html`<span class="mode" part="mode" role="group" aria-label="View">${(
      ['tokens', 'matrix'] as const
    ).map(
      (m) =>
        html`<button type="button" data-mode=${m} aria-pressed=${String(this.mode === m)} @click=${() => (this.mode = m)}>${m === 'tokens' ? 'Tokens' : 'Matrix'}</button>`,
    )}</span>`;
    if (this.mode === 'matrix') {
      return html`<div class="header" part="header"><span class="title" part="title">Every generated unit (columns) and what it depends on (rows)</span>${modes}${this.renderExportButtons()}</div>${this.renderMatrix(scales, cells)}${this.renderLegend(scales[active ?? 0]!)}`;
    }
    const bound = active === null ? 0 : scales[active]!.bound;
    const unsigned = scales[0]!.unsigned;
    const value = (c: number) => (active === null ? Number.NaN : generationCellValue(out, active, c));
    const prompt = out.elements.slice(0, layout.nPrompt).map((text, c) =>
      this.renderUnit({
        group: 'prompt',
        index: c,
        text,
        spaceBefore: spaceBefore(out, c),
        value: value(c),
        bound,
        unsigned,
      }),
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
        unsigned,
        output: true,
        target: active === j,
        pressed: this.selectedRow === j,
        note: active === j ? 'explained unit' : undefined,
        onClick: () => this.toggleOutput(j),
        onEnter: () => this.hoverRow(j),
        onLeave: () => this.hoverRow(null),
      });
    });
    const steps = cells
      ? html`<div class="section-label">Model probability</div><div class="units steps" part="steps" role="group" aria-label="The model's probability of each generated unit">${cells.map(
          (cell, j) =>
            html`<span class="step${cell.ranks.some((r) => r > 1) ? ' not-greedy' : ''}${active === j ? ' target' : ''}" part="step" data-row=${j} tabindex="0" role="button" aria-pressed=${String(this._stepPinned && this._step === j)} title=${cell.detail} aria-label=${`${out.elements[outputColumn(layout, j)]}: ${cell.detail}`} @mouseenter=${() => {
              this.hoverRow(j);
              this.showStep(j, 'enter');
            }} @mouseleave=${() => {
              this.hoverRow(null);
              this.showStep(null, 'leave');
            }} @focus=${() => this.showStep(j, 'enter')} @blur=${() => this.showStep(null, 'leave')} @click=${() => this.showStep(j, 'click')} @keydown=${(
              e: KeyboardEvent,
            ) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                this.showStep(j, 'click');
              }
            }}>${stepCellText(cell)}</span>`,
        )}</div>${this.renderStepDetail(cells)}`
      : nothing;
    const title =
      active === null
        ? 'Hover or click a generated unit'
        : `Output ${active + 1}: ${JSON.stringify(out.elements[outputColumn(layout, active)])}${this.selectedRow === null ? ' (preview)' : ''}`;
    return html`<div class="header" part="header"><span class="title" part="title" aria-live="polite">${title}</span>${this.renderSampling()}${modes}${this.renderExportButtons()}</div><div class="section-label">Prompt</div><div class="units" part="units" role="group" aria-label="Prompt units" @keydown=${this._onNavKey}>${prompt}</div><div class="section-label">Generated</div><div class="units" part="units" role="toolbar" aria-label="Generated units: choose one to see what it depends on" @keydown=${this._onNavKey}>${outputs}</div>${steps}${this.renderLegend(scales[active ?? 0]!)}`;
  }

  /** The Inseq-style matrix: rows = prompt and generated units, columns = generated units, a number per cell. */
  private renderMatrix(scales: BlockScale[], steps: StepCell[] | null): TemplateResult {
    const out = this.output!;
    const layout = generationLayout(out);
    const cols = out.attributions.map((_, r) => r);
    const head = cols.map(
      (r) =>
        html`<th scope="col" class="gen" title=${`Generated unit ${r + 1}`}>${out.elements[outputColumn(layout, r)]}</th>`,
    );
    const body = out.elements.map((text, c) => {
      const cellsOfRow = cols.map((r) => {
        const v = generationCellValue(out, r, c);
        if (Number.isNaN(v)) {
          return html`<td class="nan" title="undefined: this unit is generated at or after this step" aria-label="undefined">·</td>`;
        }
        const s = scales[r]!;
        const paint = paintCell(
          { text, value: v, bound: s.bound, unsigned: s.unsigned, noiseFloor: s.noiseFloor },
          this.theme,
        );
        return html`<td style=${styleMap({ 'background-color': paint.background ?? 'transparent', color: paint.color })} data-value=${v} title=${`${JSON.stringify(text)} → ${JSON.stringify(out.elements[outputColumn(layout, r)])}: ${v}`}>${formatCompact(v)}</td>`;
      });
      return html`<tr class=${classMap({ generated: c >= layout.nPrompt })}><th scope="row">${text}</th>${cellsOfRow}</tr>`;
    });
    const prob = steps
      ? html`<tr class="prob-row"><th scope="row" title="The model's probability of each generated unit">p(unit)</th>${steps.map(
          (cell) =>
            html`<td class="step${cell.ranks.some((k) => k > 1) ? ' not-greedy' : ''}" title=${cell.detail}>${stepCellText(cell)}</td>`,
        )}</tr>`
      : nothing;
    const perColumn = this.scaleMode === 'row';
    const boundRow = perColumn
      ? html`<tr class="bound-row"><th scope="row">bound</th>${scales.map((s) => html`<td>${formatCompact(s.bound)}</td>`)}</tr>`
      : nothing;
    return html`<div class="matrix-wrap"><table class="matrix" part="matrix"><thead><tr><th scope="col" class="corner">units ↓ generated →</th>${head}</tr></thead><tbody>${body}</tbody><tfoot>${prob}${boundRow}</tfoot></table></div>`;
  }
}

defineOnce('interpreto-generation', InterpretoGeneration);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-generation': InterpretoGeneration;
  }
}
