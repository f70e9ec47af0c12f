import { html, LitElement, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { classMap } from 'lit/directives/class-map.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { AttributionOutput } from '@interpreto-js/core';
import { colorBarCSS, paletteFor, type RGB, rgbString, type Theme } from '../color.ts';
import { cellLabel, cellTooltip, exportBlob, type ExportFormat, type ExportOptions, scaleLegend } from '../export.ts';
import { checkNoiseFloor, DEFAULT_NOISE_FLOOR, formatCompact, SCALE_MODES, type ScaleMode } from '../scale.ts';
import {
  type BlockScale,
  type ClassNames,
  contrastLegend,
  outputScales,
  paintCell,
  samplingMark,
  validateOutput,
} from '../view-model.ts';
import { baseStyles } from './styles.ts';

/** Registers a custom element unless the name is taken already (the module may be loaded twice). */
export function defineOnce(name: string, ctor: CustomElementConstructor): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name)) customElements.define(name, ctor);
}

/** Saves a Blob as a file through a temporary link. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export interface UnitOptions {
  group: string;
  index: number;
  text: string;
  /** Put a space before the unit (view-model `spaceBefore`). */
  spaceBefore?: boolean;
  value: number;
  bound: number;
  note?: string;
  /** Outlined: the generated unit being explained. */
  target?: boolean;
  /** One-sided scale (magnitudes). */
  unsigned?: boolean;
  /** A hue whatever the sign (dominant class). */
  hue?: RGB;
  /** Clickable output unit (generation). */
  output?: boolean;
  pressed?: boolean;
  onClick?: () => void;
  onEnter?: () => void;
  onLeave?: () => void;
}

export interface ExportEventDetail {
  format: ExportFormat;
  blob: Blob;
  filename: string;
}

const FORMATS: ExportFormat[] = ['png', 'svg', 'html', 'json'];

/**
 * What every attribution view shares: the `output`, `classesNames` and `theme` properties, the
 * unit rendering (text binding, colours, tooltip, aria-label), roving-focus arrow-key navigation
 * and the export toolbar.
 *
 * Events (bubbling, composed): `interpreto-unit-select` {index, text, value} when a unit is
 * activated; `interpreto-export` {format, blob, filename} before a download (cancel it with
 * preventDefault to handle the Blob yourself); `interpreto-error` {error} when an export fails.
 *
 * @attr {'light' | 'dark'} theme - Colour theme (reflected).
 * @attr {'row' | 'output' | 'shared'} scale-mode - Which cells share a colour bound: each row (class / generated unit), the whole output, or `shared-bound` (default: per class for classification, the whole matrix for generation).
 * @attr {number} shared-bound - The bound of scale-mode 'shared', e.g. `sharedBound(outputs)` over several methods' outputs.
 * @attr {number} noise-floor - Scores with |value| under it are drawn as 0 (float error); default 1e-6, 0 keeps every value.
 * @attr {boolean} show-values - Print each unit's score in its cell.
 * @attr {string} contrast-text - Contrastive generation: the contrast continuation's text, named in the legend.
 * @event {CustomEvent<{ index: number; text: string; value: number }>} interpreto-unit-select - A unit (not a clickable generated unit) was activated.
 * @event {CustomEvent<{ format: 'png' | 'svg' | 'html' | 'json'; blob: Blob; filename: string }>} interpreto-export - An export button was used; cancelable: `preventDefault()` to handle the Blob instead of the download.
 * @event {CustomEvent<{ error: unknown }>} interpreto-error - An export failed (e.g. PNG outside a browser).
 * @csspart header - A header row (title and export buttons; the class buttons in the multi-class view).
 * @csspart title - The title.
 * @csspart sampling - Sampling methods: the mark after the title, "in progress: n / budget samples" on a partial
 * result (`data-state="in-progress"`) or "stopped early: ..." (`data-state="stopped-early"`).
 * @csspart units - A group of units.
 * @csspart unit - One unit (a button).
 * @csspart export - The export buttons.
 * @csspart legend - The legend under the units.
 * @csspart contrast - Contrastive outputs: "why <target> rather than <contrast>?", red towards the target, blue
 * towards the contrast (`data-target`, `data-contrast`).
 * @csspart colour-bar - The colour bar of the scale (gradient and its bound).
 * @csspart flat - The notice shown when every score of a row is within the noise floor of 0.
 * @csspart value - A score printed in its cell (show-values).
 * @csspart error - The alert shown instead of the view when the output or theme is invalid.
 * @cssprop [--interpreto-bg=#ffffff] - Background (dark: #18181b).
 * @cssprop [--interpreto-fg=#111111] - Text colour (dark: #f4f4f5).
 * @cssprop [--interpreto-muted=#5f6368] - Legend and section labels.
 * @cssprop [--interpreto-border=#c9ccd1] - Button borders.
 * @cssprop [--interpreto-button-bg=#f3f4f6] - Button background.
 * @cssprop [--interpreto-active-bg=#111111] - Background of the selected class button.
 * @cssprop [--interpreto-active-fg=#ffffff] - Text of the selected class button.
 * @cssprop [--interpreto-focus=#1a73e8] - Focus ring.
 * @cssprop --interpreto-font - Font of the chrome.
 * @cssprop --interpreto-token-font - Font of the units (monospace by default).
 */
export abstract class InterpretoViewBase extends LitElement {
  static override styles = baseStyles;
  static override properties: PropertyDeclarations = {
    output: { attribute: false },
    classesNames: { attribute: false },
    theme: { reflect: true },
    scaleMode: { attribute: 'scale-mode' },
    sharedBound: { type: Number, attribute: 'shared-bound' },
    noiseFloor: { type: Number, attribute: 'noise-floor' },
    showValues: { type: Boolean, attribute: 'show-values' },
    contrastText: { attribute: 'contrast-text' },
    _focus: { state: true },
  };

  /** The AttributionOutput to show (as returned by `explainer.explain(...)[i]`). */
  declare output: AttributionOutput | undefined;
  /** Class names indexed by class id: `['negative', 'positive']` or `{ 0: 'negative', 1: 'positive' }`. */
  declare classesNames: ClassNames | undefined;
  /** Colour theme: 'light' or 'dark'. */
  declare theme: Theme;
  /** Which cells share a colour bound; undefined: per class (classification) or the whole matrix (generation). */
  declare scaleMode: ScaleMode | undefined;
  /** The bound of scaleMode 'shared'. */
  declare sharedBound: number | undefined;
  /** Scores with |value| under it are drawn as 0. */
  declare noiseFloor: number;
  /** Print each unit's score in its cell. */
  declare showValues: boolean;
  /** Contrastive generation: the contrast continuation's text, for the legend (the output holds its token ids). */
  declare contrastText: string | undefined;
  /** Index of the unit holding tabindex=0 in each navigation group. */
  declare protected _focus: Record<string, number>;
  protected _error: Error | null = null;

  constructor() {
    super();
    this.theme = 'light';
    this.noiseFloor = DEFAULT_NOISE_FLOOR;
    this.showValues = false;
    this._focus = {};
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (
      changed.has('output') ||
      changed.has('theme') ||
      changed.has('scaleMode') ||
      changed.has('sharedBound') ||
      changed.has('noiseFloor')
    ) {
      if (changed.has('output')) this._focus = {};
      this._error = null;
      try {
        if (this.theme !== 'light' && this.theme !== 'dark') {
          throw new TypeError(`unknown theme "${String(this.theme)}": use 'light' or 'dark'.`);
        }
        if (this.scaleMode !== undefined && !SCALE_MODES.includes(this.scaleMode)) {
          throw new TypeError(`unknown scale-mode "${String(this.scaleMode)}": use 'row', 'output' or 'shared'.`);
        }
        checkNoiseFloor(this.noiseFloor);
        if (this.output !== undefined) {
          validateOutput(this.output);
          this.scales();
        }
      } catch (e) {
        this._error = e as Error;
      }
    }
  }

  /** The scale of each row of the output, with this element's scale settings. */
  protected scales(): BlockScale[] {
    return outputScales(this.output!, {
      scaleMode: this.scaleMode,
      sharedBound: this.sharedBound,
      noiseFloor: this.noiseFloor,
    });
  }

  /** What the export buttons export: the current view state. */
  protected abstract exportOptions(): ExportOptions;

  /** The view as it stands, in a given format (PNG needs a browser). */
  exportAs(format: ExportFormat): Promise<Blob> {
    if (!this.output)
      return Promise.reject(new Error('Nothing to export: set the element\'s "output" property first.'));
    return exportBlob(this.output, format, {
      ...this.exportOptions(),
      theme: this.theme,
      classesNames: this.classesNames,
      scaleMode: this.scaleMode,
      sharedBound: this.sharedBound,
      noiseFloor: this.noiseFloor,
      ...(this.contrastText !== undefined ? { contrastText: this.contrastText } : {}),
    });
  }

  protected emit<T>(type: string, detail: T, cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  private async _export(format: ExportFormat): Promise<void> {
    try {
      const blob = await this.exportAs(format);
      const filename = `${(this.output?.method ?? 'attributions').toLowerCase()}.${format}`;
      if (this.emit<ExportEventDetail>('interpreto-export', { format, blob, filename }, true))
        downloadBlob(blob, filename);
    } catch (error) {
      this.emit('interpreto-error', { error });
    }
  }

  protected renderExportButtons(): TemplateResult {
    return html`<span class="export" part="export" role="group" aria-label="Export">${FORMATS.map(
      (f) =>
        html`<button type="button" data-export=${f} @click=${() => this._export(f)} aria-label=${`Export as ${f.toUpperCase()}`}>${f.toUpperCase()}</button>`,
    )}</span>`;
  }

  /** The header's sampling mark: a partial result (`in-progress`, samples used / budget) or an early stop. */
  protected renderSampling(): TemplateResult | typeof nothing {
    const mark = this.output ? samplingMark(this.output) : null;
    if (!mark) return nothing;
    return html`<span class=${`sampling ${mark.state}`} part="sampling" data-state=${mark.state} role="status">${mark.text}</span>`;
  }

  protected renderError(): TemplateResult | typeof nothing {
    if (this._error)
      return html`<p part="error" role="alert">Cannot show these attributions: ${this._error.message}</p>`;
    if (!this.output) return html`<p class="legend" part="legend">No attributions set.</p>`;
    return nothing;
  }

  /** Contrastive outputs: the two targets, each in the colour that pushes towards it. */
  protected renderContrast(row: number): TemplateResult | typeof nothing {
    const c = this.output ? contrastLegend(this.output, row, this.classesNames, this.contrastText) : null;
    if (!c) return nothing;
    const p = paletteFor(this.theme);
    const key = (hue: RGB, name: string) =>
      html`<span class="class-key"><span class="swatch" style=${`background:${rgbString(hue)}`}></span>${name}</span>`;
    return html`<div class="legend contrast" part="contrast" data-target=${c.target} data-contrast=${c.contrast} data-signed=${String(c.signed)}>${
      c.signed
        ? html`Why <strong>${JSON.stringify(c.target)}</strong> rather than <strong>${JSON.stringify(c.contrast)}</strong>? ${key(p.positive, `towards ${JSON.stringify(c.target)}`)} ${key(p.negative, `towards ${JSON.stringify(c.contrast)}`)}`
        : c.text
    }</div>`;
  }

  /** The colour bar (gradient between its bounds) and the legend in words; a notice instead when the row is flat. */
  protected renderLegend(scale: BlockScale, row = 0): TemplateResult {
    if (scale.flat) {
      return html`${this.renderContrast(row)}<div class="legend flat" part="flat" role="note">${scaleLegend(scale)}</div>`;
    }
    const b = formatCompact(scale.bound);
    const sides = this.output ? contrastLegend(this.output, row, this.classesNames, this.contrastText) : null;
    return html`${this.renderContrast(row)}<div class="legend" part="legend"><span class="colour-bar" part="colour-bar" data-bound=${scale.bound} data-unsigned=${String(scale.unsigned)}><span class="bar-min">${scale.unsigned ? '0' : `-${b}`}</span><span class="bar" style=${`background:${colorBarCSS(this.theme, scale.unsigned)}`}></span><span class="bar-max">${scale.unsigned ? '' : '+'}${b}</span></span> <span class="legend-text">${scaleLegend(scale, sides ?? undefined)}</span></div>`;
  }

  /** The dominant-class legend: each class's hue and name, visible without hovering. */
  protected renderClassLegend(classes: { name: string; hue: RGB }[]): TemplateResult {
    return html`<div class="legend" part="legend">Each unit in its dominant class's colour (darker = larger score):${classes.map((c) => html` <span class="class-key"><span class="swatch" style=${`background:${rgbString(c.hue)}`}></span>${c.name}</span>`)}</div>`;
  }

  /** One unit: a button whose content is a text binding (never HTML). */
  protected renderUnit(u: UnitOptions): TemplateResult {
    const c = paintCell(
      { text: u.text, value: u.value, bound: u.bound, unsigned: u.unsigned, hue: u.hue, noiseFloor: this.noiseFloor },
      this.theme,
    );
    // Both properties always set (never removed), so a cell that turns undefined loses its old colour.
    const style = { 'background-color': c.background ?? 'transparent', color: c.background ? c.color : 'inherit' };
    const cell = { text: u.text, value: u.value, note: u.note };
    const tabindex = (this._focus[u.group] ?? 0) === u.index ? '0' : '-1';
    return html`${u.spaceBefore ? ' ' : ''}<button type="button" part="unit" class=${classMap({ unit: true, target: !!u.target, output: !!u.output })} data-group=${u.group} data-index=${u.index} data-sign=${c.sign} tabindex=${tabindex} style=${styleMap(style)} title=${cellTooltip(cell)} aria-label=${cellLabel(cell)} aria-pressed=${ifDefined(u.pressed === undefined ? undefined : String(u.pressed))} @click=${u.onClick ?? (() => this.emit('interpreto-unit-select', { index: u.index, text: u.text, value: u.value }))} @mouseenter=${ifDefined(u.onEnter)} @mouseleave=${ifDefined(u.onLeave)} @focus=${() => this._setFocus(u.group, u.index)}>${u.text}${this.showValues && Number.isFinite(u.value) ? html`<span class="value" part="value" aria-hidden="true">${formatCompact(u.value)}</span>` : nothing}</button>`;
  }

  private _setFocus(group: string, index: number): void {
    if (this._focus[group] !== index) this._focus = { ...this._focus, [group]: index };
  }

  /** Arrow keys, Home and End move the focus within the group of the focused button. */
  protected _onNavKey = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement | null;
    const group = target?.dataset?.group;
    if (!target || !group) return;
    const buttons = [...this.renderRoot.querySelectorAll<HTMLElement>(`[data-group="${group}"]`)];
    const i = buttons.indexOf(target);
    if (i < 0) return;
    let j: number;
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        j = Math.min(buttons.length - 1, i + 1);
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        j = Math.max(0, i - 1);
        break;
      case 'Home':
        j = 0;
        break;
      case 'End':
        j = buttons.length - 1;
        break;
      default:
        return;
    }
    e.preventDefault();
    this._setFocus(group, j);
    buttons[j]!.focus();
  };
}
