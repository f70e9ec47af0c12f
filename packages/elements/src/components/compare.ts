import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { AttributionOutput } from '@interpreto-js/core';
import { colorBarCSS, paletteFor, type Theme } from '../color.ts';
import {
  checkNoiseFloor,
  DEFAULT_NOISE_FLOOR,
  formatCompact,
  flooredBound,
  isFlat,
  isUnsigned,
  sharedBound,
} from '../scale.ts';
import {
  type ClassNames,
  className,
  generationLayout,
  outputColumn,
  paintCell,
  validateOutput,
} from '../view-model.ts';
import { defineOnce } from './base.ts';
import { baseStyles } from './styles.ts';

/** Checks that several outputs explain the same units, so their columns line up. */
export function checkAligned(outputs: readonly AttributionOutput[]): void {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new TypeError('outputs must be a non-empty array of AttributionOutputs (one per method).');
  }
  outputs.forEach((o, i) => {
    validateOutput(o);
    const first = outputs[0]!;
    if (o.elements.length !== first.elements.length || o.elements.some((e, c) => e !== first.elements[c])) {
      throw new RangeError(
        `outputs[${i}] (${o.method ?? 'unnamed'}) has other units than outputs[0] (${first.method ?? 'unnamed'}): compare outputs of the same text at the same granularity.`,
      );
    }
  });
}

/**
 * `<interpreto-compare>`: several outputs of the same input (e.g. one per method) as aligned heatmap rows: one
 * row per output, the same units as columns, so disagreement shows at a glance. By default every row shares
 * one bound (`scale-mode="shared"`), so colours compare across methods; `scale-mode="row"` gives each its own.
 * Methods whose scores are magnitudes (`unsigned`) are drawn on the one-sided scale.
 *
 * @customElement interpreto-compare
 * @attr {'light' | 'dark'} theme - Colour theme (reflected).
 * @attr {number} row - Which row of each output to show (class or generated unit; default 0).
 * @attr {'shared' | 'row'} scale-mode - One bound for every row (default) or each row its own.
 * @attr {number} noise-floor - Scores with |value| under it are drawn as 0; default 1e-6.
 * @attr {boolean} show-values - Print each score in its cell.
 * @event {CustomEvent<{ error: Error }>} interpreto-error - The outputs cannot be compared (the alert says why).
 * @csspart table - The table (rows: outputs, columns: units).
 * @csspart colour-bar - The colour bar of the shared scale.
 * @csspart legend - The legend under the table.
 * @csspart error - The alert shown when the outputs cannot be compared.
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
export class InterpretoCompare extends LitElement {
  static override styles = baseStyles;
  static override properties = {
    outputs: { attribute: false },
    classesNames: { attribute: false },
    theme: { reflect: true },
    row: { type: Number },
    scaleMode: { attribute: 'scale-mode' },
    noiseFloor: { type: Number, attribute: 'noise-floor' },
    showValues: { type: Boolean, attribute: 'show-values' },
  };
  /** The outputs to compare (same text, same granularity), e.g. one per method. */
  declare outputs: AttributionOutput[] | undefined;
  /** Class names indexed by class id. */
  declare classesNames: ClassNames | undefined;
  /** Colour theme: 'light' or 'dark'. */
  declare theme: Theme;
  /** Which row of each output to show. */
  declare row: number;
  /** 'shared' (one bound for every output) or 'row' (each its own). */
  declare scaleMode: 'shared' | 'row';
  /** Scores with |value| under it are drawn as 0. */
  declare noiseFloor: number;
  /** Print each score in its cell. */
  declare showValues: boolean;

  constructor() {
    super();
    this.theme = 'light';
    this.row = 0;
    this.scaleMode = 'shared';
    this.noiseFloor = DEFAULT_NOISE_FLOOR;
    this.showValues = false;
  }

  private _problem: Error | null = null;

  protected override willUpdate(_changed: PropertyValues<this>): void {
    const before = this._problem?.message;
    this._problem = null;
    if (this.outputs) {
      try {
        this._check(this.outputs);
      } catch (e) {
        this._problem = e as Error;
      }
    }
    if (this._problem && this._problem.message !== before) {
      this.dispatchEvent(
        new CustomEvent('interpreto-error', { detail: { error: this._problem }, bubbles: true, composed: true }),
      );
    }
  }

  private _check(outs: AttributionOutput[]): void {
    paletteFor(this.theme);
    checkNoiseFloor(this.noiseFloor);
    checkAligned(outs);
    if (this.scaleMode !== 'shared' && this.scaleMode !== 'row') {
      throw new TypeError(`unknown scale-mode "${String(this.scaleMode)}": use 'shared' or 'row'.`);
    }
    for (const o of outs) {
      if (!o.attributions[this.row]) {
        throw new RangeError(
          `row ${this.row} does not exist in ${o.method ?? 'an output'} (${o.attributions.length} rows).`,
        );
      }
    }
  }

  override render() {
    const outs = this.outputs;
    if (!outs) return html`<p class="legend" part="legend">No outputs set.</p>`;
    if (this._problem) {
      return html`<p part="error" role="alert">Cannot compare these outputs: ${this._problem.message}</p>`;
    }
    const first = outs[0]!;
    const floor = this.noiseFloor;
    const shared = sharedBound(outs, { row: this.row, noiseFloor: floor });
    const what =
      first.modelTask === 'generation'
        ? `generated unit ${JSON.stringify(first.elements[outputColumn(generationLayout(first), this.row)])}`
        : `class ${className(first, this.row, this.classesNames)}`;
    const rows = outs.map((o, i) => {
      const values = o.attributions[this.row]!;
      const bound = this.scaleMode === 'shared' ? shared : flooredBound(values, floor);
      const unsigned = isUnsigned(o);
      const flat = isFlat(values, floor);
      return html`<tr data-method=${o.method ?? `output ${i + 1}`}><th scope="row" class="method">${o.method ?? `output ${i + 1}`}${unsigned ? html` <small title="magnitudes, no sign">|·|</small>` : nothing}${flat ? html` <small class="flat-mark" title=${`every score within ±${formatCompact(floor)} of 0`}>flat</small>` : nothing}</th>${values.map(
        (v, c) => {
          if (Number.isNaN(v)) return html`<td class="nan" title="undefined">·</td>`;
          const p = paintCell({ text: '', value: v, bound, unsigned, noiseFloor: floor }, this.theme);
          return html`<td data-value=${v} title=${`${JSON.stringify(first.elements[c])}: ${v}`} style=${styleMap({ 'background-color': p.background ?? 'transparent', color: p.color })}>${this.showValues ? formatCompact(v) : ''}</td>`;
        },
      )}${this.scaleMode === 'row' ? html`<td class="bound">${formatCompact(bound)}</td>` : nothing}</tr>`;
    });
    const anySigned = outs.some((o) => !isUnsigned(o));
    const anyUnsigned = outs.some((o) => isUnsigned(o));
    const b = formatCompact(shared);
    const bar = (unsigned: boolean) =>
      html`<span class="colour-bar" part="colour-bar" data-bound=${this.scaleMode === 'shared' ? shared : ''} data-unsigned=${String(unsigned)}><span class="bar-min">${unsigned ? '0' : this.scaleMode === 'shared' ? `-${b}` : '-bound'}</span><span class="bar" style=${`background:${colorBarCSS(this.theme, unsigned)}`}></span><span class="bar-max">${this.scaleMode === 'shared' ? `${unsigned ? '' : '+'}${b}` : 'bound'}</span></span> `;
    return html`<div class="matrix-wrap"><table class="matrix compare" part="table"><caption class="legend">Scores for ${what}; rows: methods, columns: units</caption><thead><tr><th scope="col" class="corner">method</th>${first.elements.map((e) => html`<th scope="col">${e}</th>`)}${this.scaleMode === 'row' ? html`<th scope="col" class="corner">bound</th>` : nothing}</tr></thead><tbody>${rows}</tbody></table></div><div class="legend" part="legend">${anySigned ? html`${bar(false)}red: positive, blue: negative. ` : nothing}${anyUnsigned ? html`${bar(true)}|·|: magnitudes only (no sign). ` : nothing}${this.scaleMode === 'shared' ? 'One bound shared by every method, so colours compare across rows.' : 'Each method on its own bound (last column).'}</div>`;
  }
}

defineOnce('interpreto-compare', InterpretoCompare);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-compare': InterpretoCompare;
  }
}
