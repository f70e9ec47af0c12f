import type { PropertyDeclarations, PropertyValues } from 'lit';
import { InterpretoViewBase } from './base.ts';

/**
 * A view with one selectable row at a time (multi-class: a class; generation: a generated unit).
 * A click selects a row (clicking it again clears the selection); hovering previews a row but never
 * overrides a selection. A new output (not the first one) drops both, and a selection past the
 * output's rows is cleared.
 *
 * Events: `interpreto-select` with the subclass's detail on click; `interpreto-preview` {row} when
 * the hovered row changes (row null when the pointer leaves).
 */
export abstract class InterpretoRowSelectBase<SelectDetail> extends InterpretoViewBase {
  static override properties: PropertyDeclarations = {
    selectedRow: { attribute: false },
    hoveredRow: { state: true },
  };
  /** The selected row (class or generated unit), or null. */
  declare selectedRow: number | null;
  /** The row under the pointer, or null. */
  declare protected hoveredRow: number | null;

  constructor() {
    super();
    this.selectedRow = null;
    this.hoveredRow = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // A new output (not the first one) may have other rows: drop the old selection.
    if (changed.has('output') && changed.get('output') !== undefined) {
      this.selectedRow = null;
      this.hoveredRow = null;
    }
    const n = this.output?.attributions?.length ?? 0;
    if (this.selectedRow !== null && !(this.selectedRow >= 0 && this.selectedRow < n)) this.selectedRow = null;
  }

  /** The row whose values are shown: the selection, else the hovered row, else null. */
  get activeRow(): number | null {
    return this.selectedRow ?? this.hoveredRow;
  }

  /** The `interpreto-select` detail for a selection (row null: cleared). */
  protected abstract selectDetail(row: number | null): SelectDetail;

  /** Clicking a row: select it, or clear the selection when it is already selected. */
  protected toggleRow(row: number): void {
    this.selectedRow = this.selectedRow === row ? null : row;
    this.emit<SelectDetail>('interpreto-select', this.selectDetail(this.selectedRow));
  }

  protected hoverRow(row: number | null): void {
    if (this.hoveredRow === row) return;
    this.hoveredRow = row;
    this.emit('interpreto-preview', { row });
  }
}
