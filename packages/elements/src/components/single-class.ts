import { html, nothing } from 'lit';
import type { ExportOptions } from '../export.ts';
import { className, scoreTitle, spaceBefore } from '../view-model.ts';
import { defineOnce, InterpretoViewBase } from './base.ts';

/**
 * `<interpreto-single-class>`: the units of one classification row coloured by their attribution
 * (bound = max |value| of the row, or as `scale-mode` says), with a colour bar. Set `row` to show a row other
 * than the first.
 *
 * @customElement interpreto-single-class
 * @attr {number} row - The row of `output.attributions` to show (default 0).
 */
export class InterpretoSingleClass extends InterpretoViewBase {
  static override properties = { row: { type: Number } };
  /** The row of `output.attributions` to show. */
  declare row: number;

  constructor() {
    super();
    this.row = 0;
  }

  protected exportOptions(): ExportOptions {
    return { row: this.row };
  }

  override render() {
    const problem = this.renderError();
    if (problem !== nothing) return problem;
    const out = this.output!;
    const values = out.attributions[this.row];
    if (!values)
      return html`<p part="error" role="alert">Row ${this.row} does not exist: this output has ${out.attributions.length} row(s).</p>`;
    const scale = this.scales()[this.row]!;
    const name = className(out, this.row, this.classesNames);
    return html`<div class="header" part="header"><span class="title" part="title">${scoreTitle(out)}Class: ${name}</span>${this.renderSampling()}${this.renderExportButtons()}</div><div class="units" part="units" role="group" aria-label=${`Attributions for class ${name}`} @keydown=${this._onNavKey}>${out.elements.map((text, i) => this.renderUnit({ group: 'units', index: i, text, spaceBefore: spaceBefore(out, i), value: values[i]!, bound: scale.bound, unsigned: scale.unsigned }))}</div>${this.renderLegend(scale, this.row)}`;
  }
}

defineOnce('interpreto-single-class', InterpretoSingleClass);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-single-class': InterpretoSingleClass;
  }
}
