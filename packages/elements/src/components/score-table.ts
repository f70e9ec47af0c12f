import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { AttributionOutput } from '@interpreto-js/core';
import { type Theme, paletteFor } from '../color.ts';
import {
  checkNoiseFloor,
  DEFAULT_NOISE_FLOOR,
  formatCompact,
  type ScaleMode,
  type SortDirection,
  type SortKey,
  sortUnits,
} from '../scale.ts';
import {
  type ClassNames,
  className,
  generationLayout,
  outputColumn,
  outputScales,
  paintCell,
  validateOutput,
} from '../view-model.ts';
import { defineOnce } from './base.ts';
import { baseStyles } from './styles.ts';

/**
 * `<interpreto-score-table>`: the units of an output with their scores as numbers, one column per row (class or
 * generated unit), each cell coloured as in the heatmap. Click a column header to sort by it (again to reverse);
 * undefined cells (NaN) sort last. Works on touch screens, where tooltips do not.
 *
 * @customElement interpreto-score-table
 * @attr {'light' | 'dark'} theme - Colour theme (reflected).
 * @attr {'row' | 'output' | 'shared'} scale-mode - Which cells share a colour bound (as the views).
 * @attr {number} shared-bound - The bound of scale-mode 'shared'.
 * @attr {number} noise-floor - Scores with |value| under it are drawn as 0; default 1e-6.
 * @event {CustomEvent<{ key: 'position' | 'text' | number; direction: 'ascending' | 'descending' }>} interpreto-sort - A column header was clicked (the new order).
 * @csspart table - The table.
 * @csspart error - The alert shown when the output cannot be shown.
 * @cssprop [--interpreto-bg=#ffffff] - Background (dark: #18181b).
 * @cssprop [--interpreto-fg=#111111] - Text colour (dark: #f4f4f5).
 * @cssprop [--interpreto-muted=#5f6368] - Secondary text.
 * @cssprop [--interpreto-border=#c9ccd1] - Cell borders.
 * @cssprop [--interpreto-button-bg=#f3f4f6] - (shared theme)
 * @cssprop [--interpreto-active-bg=#111111] - (shared theme)
 * @cssprop [--interpreto-active-fg=#ffffff] - (shared theme)
 * @cssprop [--interpreto-focus=#1a73e8] - Focus ring.
 * @cssprop --interpreto-font - Font.
 * @cssprop --interpreto-token-font - Font of the units.
 */
export class InterpretoScoreTable extends LitElement {
  static override styles = baseStyles;
  static override properties = {
    output: { attribute: false },
    classesNames: { attribute: false },
    theme: { reflect: true },
    scaleMode: { attribute: 'scale-mode' },
    sharedBound: { type: Number, attribute: 'shared-bound' },
    noiseFloor: { type: Number, attribute: 'noise-floor' },
    sortKey: { attribute: false },
    sortDirection: { attribute: false },
  };
  /** The AttributionOutput to list. */
  declare output: AttributionOutput | undefined;
  /** Class names indexed by class id. */
  declare classesNames: ClassNames | undefined;
  /** Colour theme: 'light' or 'dark'. */
  declare theme: Theme;
  /** Which cells share a colour bound. */
  declare scaleMode: ScaleMode | undefined;
  /** The bound of scaleMode 'shared'. */
  declare sharedBound: number | undefined;
  /** Scores with |value| under it are drawn as 0. */
  declare noiseFloor: number;
  /** The column the rows are sorted by: 'position', 'text' or a row index. */
  declare sortKey: SortKey;
  /** 'ascending' or 'descending'. */
  declare sortDirection: SortDirection;

  constructor() {
    super();
    this.theme = 'light';
    this.noiseFloor = DEFAULT_NOISE_FLOOR;
    this.sortKey = 'position';
    this.sortDirection = 'ascending';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A new output may have fewer rows: sort by position again.
    if (changed.has('output') && typeof this.sortKey === 'number' && !this.output?.attributions?.[this.sortKey]) {
      this.sortKey = 'position';
      this.sortDirection = 'ascending';
    }
  }

  /** Clicking a header: sort by it (scores largest first), or reverse when it is already the key. */
  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDirection = this.sortDirection === 'ascending' ? 'descending' : 'ascending';
    else {
      this.sortKey = key;
      this.sortDirection = typeof key === 'number' ? 'descending' : 'ascending';
    }
    this.dispatchEvent(
      new CustomEvent('interpreto-sort', {
        detail: { key: this.sortKey, direction: this.sortDirection },
        bubbles: true,
        composed: true,
      }),
    );
  }

  override render() {
    if (!this.output) return html`<p class="legend">No attributions set.</p>`;
    const out = this.output;
    let scales: ReturnType<typeof outputScales>;
    let order: number[];
    try {
      paletteFor(this.theme);
      checkNoiseFloor(this.noiseFloor);
      validateOutput(out);
      scales = outputScales(out, {
        scaleMode: this.scaleMode,
        sharedBound: this.sharedBound,
        noiseFloor: this.noiseFloor,
      });
      order = sortUnits(out, this.sortKey, this.sortDirection);
    } catch (e) {
      return html`<p part="error" role="alert">Cannot list these scores: ${(e as Error).message}</p>`;
    }
    const generation = out.modelTask === 'generation';
    const layout = generation ? generationLayout(out) : null;
    const rowName = (r: number) =>
      layout ? `→ ${out.elements[outputColumn(layout, r)]}` : className(out, r, this.classesNames);
    const sorted = (key: SortKey) =>
      this.sortKey === key ? (this.sortDirection === 'ascending' ? 'ascending' : 'descending') : 'none';
    const header = (key: SortKey, label: string) =>
      html`<th scope="col" aria-sort=${sorted(key)} data-key=${String(key)}><button type="button" @click=${() => this.sortBy(key)}>${label}${this.sortKey === key ? (this.sortDirection === 'ascending' ? ' ▲' : ' ▼') : ''}</button></th>`;
    const rows = order.map(
      (c) =>
        html`<tr data-index=${c}><td>${c + 1}</td><td class="text">${out.elements[c]}</td>${out.attributions.map(
          (row, r) => {
            const v = row[c]!;
            if (Number.isNaN(v)) return html`<td class="nan" title="undefined">·</td>`;
            const s = scales[r]!;
            const p = paintCell(
              { text: '', value: v, bound: s.bound, unsigned: s.unsigned, noiseFloor: s.noiseFloor },
              this.theme,
            );
            return html`<td data-value=${v} title=${String(v)} style=${styleMap({ 'background-color': p.background ?? 'transparent', color: p.color })}>${formatCompact(v)}</td>`;
          },
        )}</tr>`,
    );
    return html`<div class="matrix-wrap"><table class="scores" part="table"><thead><tr>${header('position', '#')}${header('text', 'unit')}${out.attributions.map((_, r) => header(r, rowName(r)))}</tr></thead><tbody>${rows}</tbody></table></div>${
      scales.some((s) => s.flat)
        ? html`<p class="legend flat">Some columns are flat: every score within ±${formatCompact(this.noiseFloor)} of 0.</p>`
        : nothing
    }`;
  }
}

defineOnce('interpreto-score-table', InterpretoScoreTable);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-score-table': InterpretoScoreTable;
  }
}
