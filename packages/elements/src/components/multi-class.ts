import { html, nothing } from 'lit';
import { classMap } from 'lit/directives/class-map.js';
import { classColor, rgbString } from '../color.ts';
import type { ExportOptions } from '../export.ts';
import { className, dominantRows, spaceBefore } from '../view-model.ts';
import { defineOnce } from './base.ts';
import { InterpretoRowSelectBase } from './row-select.ts';

export interface ClassSelectDetail {
  /** Selected row, or null when the selection was cleared (back to the dominant view). */
  row: number | null;
  classId: number | null;
  className: string | null;
}

/**
 * `<interpreto-multi-class>`: one button per explained class. With nothing selected each unit is
 * coloured by its dominant class (largest positive attribution; units with no positive class stay
 * uncoloured). Hovering a class button previews that class; clicking selects it (clicking it
 * again clears the selection). One selection at a time, and hover never overrides a selection.
 *
 * Events: `interpreto-select` {row, classId, className} on click; `interpreto-preview` {row} when
 * the hovered class changes (row null when the pointer leaves).
 *
 * @customElement interpreto-multi-class
 * @event {CustomEvent<{ row: number | null; classId: number | null; className: string | null }>} interpreto-select - A class button was clicked (row null: selection cleared).
 * @event {CustomEvent<{ row: number | null }>} interpreto-preview - The hovered class changed (null when the pointer leaves).
 * @csspart class-button - One class button.
 */
export class InterpretoMultiClass extends InterpretoRowSelectBase<ClassSelectDetail> {
  protected exportOptions(): ExportOptions {
    return { row: this.activeRow ?? 'dominant' };
  }

  protected selectDetail(row: number | null): ClassSelectDetail {
    const out = this.output!;
    return {
      row,
      classId: row === null ? null : (out.targets[row] ?? null),
      className: row === null ? null : className(out, row, this.classesNames),
    };
  }

  /** Clicking: select the class, or clear the selection when it is already selected. */
  toggleClass(row: number): void {
    this.toggleRow(row);
  }

  override render() {
    const problem = this.renderError();
    if (problem !== nothing) return problem;
    const out = this.output!;
    const scales = this.scales();
    const names = out.attributions.map((_, r) => className(out, r, this.classesNames));
    const active = this.activeRow;
    const dom = active === null ? dominantRows(out, this.noiseFloor) : null;
    const title =
      active === null ? 'Dominant class' : `Class: ${names[active]}${this.selectedRow === null ? ' (preview)' : ''}`;
    const chips = names.map(
      (name, r) =>
        html`<button type="button" part="class-button" class=${classMap({ chip: true, previewed: this.hoveredRow === r })} data-group="classes" data-index=${r} tabindex=${(this._focus.classes ?? 0) === r ? '0' : '-1'} aria-pressed=${String(this.selectedRow === r)} @click=${() => this.toggleClass(r)} @mouseenter=${() => this.hoverRow(r)} @mouseleave=${() => this.hoverRow(null)}><span class="swatch" style=${`background:${rgbString(classColor(r))}`}></span>${name}</button>`,
    );
    const units = out.elements.map((text, c) => {
      const sp = spaceBefore(out, c);
      if (dom) {
        const r = dom[c]!;
        return r < 0
          ? this.renderUnit({
              group: 'units',
              index: c,
              text,
              spaceBefore: sp,
              value: Number.NaN,
              bound: 0,
              note: 'no positive class',
            })
          : this.renderUnit({
              group: 'units',
              index: c,
              text,
              spaceBefore: sp,
              value: out.attributions[r]![c]!,
              bound: scales[r]!.bound,
              unsigned: true,
              hue: classColor(r),
              note: `dominant: ${names[r]}`,
            });
      }
      return this.renderUnit({
        group: 'units',
        index: c,
        text,
        spaceBefore: sp,
        value: out.attributions[active!]![c]!,
        bound: scales[active!]!.bound,
        unsigned: scales[active!]!.unsigned,
        note: names[active!],
      });
    });
    return html`<div class="header" part="header"><span class="title" part="title" aria-live="polite">${title}</span>${this.renderSampling()}${this.renderExportButtons()}</div><div class="header" part="header" role="toolbar" aria-label="Classes" @keydown=${this._onNavKey}>${chips}</div><div class="units" part="units" role="group" aria-label="Attributions" @keydown=${this._onNavKey}>${units}</div>${active === null ? this.renderClassLegend(names.map((name, r) => ({ name, hue: classColor(r) }))) : this.renderLegend(scales[active]!, active)}`;
  }
}

defineOnce('interpreto-multi-class', InterpretoMultiClass);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-multi-class': InterpretoMultiClass;
  }
}
