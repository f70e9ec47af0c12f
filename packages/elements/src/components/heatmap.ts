import { css, html, LitElement, type PropertyValues } from 'lit';
import type { AttributionOutput } from '@interpreto-js/core';
import type { Theme } from '../color.ts';
import { parseClassesNames, resolveOutput } from '../heatmap-input.ts';
import { plotAttributions } from '../plot.ts';
import type { ClassNames } from '../view-model.ts';
import { defineOnce, type InterpretoViewBase } from './base.ts';

/** The parts of the inner views, forwarded so that a page can style them through the heatmap. */
const VIEW_PARTS =
  'header, title, sampling, units, unit, class-button, steps, step, step-detail, top-k, export, legend, contrast, colour-bar, flat, value, mode, matrix, error: view-error';

/**
 * `<interpreto-heatmap>`: shows one AttributionOutput, for pages without a build step. It reads the
 * output from the `output` property (an object), the `output` attribute (its JSON) or a JSON file
 * at `src`, and shows the view `plotAttributions` picks (single-class, multi-class or generation).
 * Nulls in the attributions read as NaN (JSON writes NaN as null). A malformed output, bad JSON or
 * a failed fetch shows a visible alert that says what is wrong instead of the view.
 *
 * `output` and `src`: the one set last is shown (a `src` fetch still under way is dropped when
 * `output` is set).
 *
 * @customElement interpreto-heatmap
 * @attr {string} output - The AttributionOutput as JSON text, as saved by `exportView(output, 'json')`.
 * @attr {string} src - URL of a JSON file holding the AttributionOutput, fetched when set.
 * @attr {string} classes-names - Class names as JSON: `["negative", "positive"]` or `{"0": "negative", "1": "positive"}`.
 * @attr {'light' | 'dark'} theme - Colour theme.
 * @event {CustomEvent<{ output: AttributionOutput; view: HTMLElement }>} interpreto-load - A new output is shown (from `output` or `src`).
 * @event {CustomEvent<{ error: Error }>} interpreto-error - The output cannot be shown (bad JSON, invalid output, failed fetch, bad `classes-names`); also re-emitted from the view when an export fails.
 * @event {CustomEvent} interpreto-select - From the inner view: a class or generated unit was clicked (see the views).
 * @event {CustomEvent<{ row: number | null }>} interpreto-preview - From the inner view: the hovered class or generated unit changed.
 * @event {CustomEvent<{ index: number; text: string; value: number }>} interpreto-unit-select - From the inner view: a unit was activated.
 * @event {CustomEvent<{ format: string; blob: Blob; filename: string }>} interpreto-export - From the inner view: an export button was used (cancelable).
 * @csspart view - The inner view element (`interpreto-single-class`, `interpreto-multi-class` or `interpreto-generation`).
 * @csspart error - The alert shown when the output cannot be shown.
 * @csspart status - The "loading" / "nothing set" line.
 * @csspart header - Forwarded from the view: a header row.
 * @csspart title - Forwarded from the view: the title.
 * @csspart sampling - Forwarded from the view: the sampling mark of a partial (in progress) or early-stopped result.
 * @csspart units - Forwarded from the view: a group of units.
 * @csspart unit - Forwarded from the view: one unit.
 * @csspart class-button - Forwarded from the multi-class view: one class button.
 * @csspart steps - Forwarded from the generation view: the row of the model's probabilities.
 * @csspart step - Forwarded from the generation view: one probability cell.
 * @csspart step-detail - Forwarded from the generation view: the shown cell's rank and top-k alternatives.
 * @csspart top-k - Forwarded from the generation view: the list of alternatives.
 * @csspart contrast - Forwarded from the view: the contrastive legend ("why A rather than B?").
 * @csspart export - Forwarded from the view: the export buttons.
 * @csspart legend - Forwarded from the view: the legend.
 * @csspart colour-bar - Forwarded from the view: the colour bar of the scale.
 * @csspart flat - Forwarded from the view: the notice of a flat row.
 * @csspart value - Forwarded from the view: a score printed in its cell.
 * @csspart mode - Forwarded from the generation view: the Tokens / Matrix switch.
 * @csspart matrix - Forwarded from the generation view: the matrix table.
 * @csspart view-error - Forwarded from the view: its own alert (e.g. an unknown theme).
 * @cssprop --interpreto-error-fg - Text and border colour of the error alert.
 * @cssprop --interpreto-error-bg - Background of the error alert.
 */
export class InterpretoHeatmap extends LitElement {
  static override styles = css`
    :host {
      display: block;
      --interpreto-error-fg: #b3261e;
      --interpreto-error-bg: #fdecea;
    }
    :host([theme='dark']) {
      --interpreto-error-fg: #f2b8b5;
      --interpreto-error-bg: #410e0b;
    }
    .error {
      margin: 0;
      padding: 8px 12px;
      border: 1px solid var(--interpreto-error-fg);
      border-radius: 6px;
      background: var(--interpreto-error-bg);
      color: var(--interpreto-error-fg);
      font-family: var(--interpreto-font, system-ui, sans-serif);
      white-space: pre-wrap;
    }
    .status {
      margin: 0;
      font-family: var(--interpreto-font, system-ui, sans-serif);
      font-size: 0.9em;
      opacity: 0.75;
    }
  `;

  static override properties = {
    output: {},
    src: { type: String },
    classesNames: { attribute: 'classes-names' },
    theme: { reflect: true },
    _view: { state: true },
    _error: { state: true },
    _loading: { state: true },
  };

  /** The AttributionOutput: an object, or its JSON text (what the `output` attribute gives). */
  declare output: AttributionOutput | string | undefined;
  /** URL of a JSON file holding the AttributionOutput, fetched when set. */
  declare src: string | undefined;
  /** Class names indexed by class id (array or object), or their JSON text (the `classes-names` attribute). */
  declare classesNames: ClassNames | string | undefined;
  /** Colour theme: 'light' or 'dark'. */
  declare theme: Theme;
  declare private _view: InterpretoViewBase | null;
  declare private _error: Error | null;
  declare private _loading: boolean;

  /** What to show: the `output` value or the text fetched from `src`, and where it came from. */
  private _data: unknown = undefined;
  private _source = 'the output attribute';
  /** Bumped on each new `output` / `src`, so a late fetch of an older `src` is ignored. */
  private _generation = 0;
  private _abort: AbortController | null = null;
  private _announce = false;

  constructor() {
    super();
    this.theme = 'light';
    this._view = null;
    this._error = null;
    this._loading = false;
  }

  /** The inner view element, once an output is shown. */
  get view(): InterpretoViewBase | null {
    return this._view;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Moved or re-inserted while its src was loading: that fetch was dropped, start it again.
    if (this._loading && this.src && !this._abort) void this._fetch(this.src);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._cancelFetch();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('src') && this.src) {
      void this._fetch(this.src);
    } else if (changed.has('output') || changed.has('src')) {
      this._cancelFetch();
      this._loading = false;
      this._data = this.output;
      this._source = 'the output attribute';
      this._show(true);
    } else if (changed.has('classesNames') || changed.has('theme')) {
      this._show(false);
    }
  }

  protected override updated(): void {
    if (this._announce && this._view) {
      this._announce = false;
      this.dispatchEvent(
        new CustomEvent('interpreto-load', {
          detail: { output: this._view.output, view: this._view },
          bubbles: true,
          composed: true,
        }),
      );
    }
  }

  private _cancelFetch(): void {
    this._generation++;
    this._abort?.abort();
    this._abort = null;
  }

  private async _fetch(src: string): Promise<void> {
    this._cancelFetch();
    const generation = this._generation;
    const abort = (this._abort = new AbortController());
    this._loading = true;
    this._error = null;
    this._view = null;
    let text: string | null = null;
    let error: Error | null = null;
    try {
      const response = await fetch(src, { signal: abort.signal });
      if (!response.ok)
        throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      text = await response.text();
    } catch (e) {
      error = e as Error;
    }
    if (generation !== this._generation) return; // a newer output or src replaced this one
    this._abort = null;
    this._loading = false;
    if (error) {
      this._fail(
        new Error(
          `Could not load attributions from "${src}": ${error.message}. Check the src URL (and that the page may fetch it).`,
        ),
      );
      return;
    }
    this._data = text;
    this._source = `"${src}"`;
    this._show(true);
  }

  /** Builds the view (a new one when the output changed; else the names and theme go to the current one). */
  private _show(newOutput: boolean): void {
    if (this._loading) return;
    try {
      const classesNames = parseClassesNames(this.classesNames);
      if (!newOutput && this._view) {
        this._error = null;
        Object.assign(this._view, { classesNames, theme: this.theme });
        return;
      }
      const output = resolveOutput(this._data, this._source);
      this._error = null;
      if (!output) {
        this._view = null;
        return;
      }
      const view = plotAttributions(output, { classesNames, theme: this.theme });
      view.setAttribute('part', 'view');
      view.setAttribute('exportparts', VIEW_PARTS);
      this._view = view;
      this._announce = true;
    } catch (e) {
      this._fail(e as Error);
    }
  }

  private _fail(error: Error): void {
    this._view = null;
    this._error = error;
    this.dispatchEvent(new CustomEvent('interpreto-error', { detail: { error }, bubbles: true, composed: true }));
  }

  override render() {
    if (this._error) {
      return html`<p class="error" part="error" role="alert">Cannot show these attributions: ${this._error.message}</p>`;
    }
    if (this._loading)
      return html`<p class="status" part="status" role="status">Loading attributions from ${this.src}…</p>`;
    if (!this._view) {
      return html`<p class="status" part="status">No attributions set: give the <code>output</code> property or attribute (JSON), or a <code>src</code> URL.</p>`;
    }
    return this._view;
  }
}

defineOnce('interpreto-heatmap', InterpretoHeatmap);

declare global {
  interface HTMLElementTagNameMap {
    'interpreto-heatmap': InterpretoHeatmap;
  }
}
