/**
 * How results are shown (not what is computed, so not in the URL): the colour scale, numbers in the cells, the
 * score table, and for generation the tokens or matrix view. Kept in localStorage; applied to the elements.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { AttributionOutput } from '@interpreto-js/core';
import type { ResolvedTheme } from './theme.ts';

export type ScaleChoice = 'default' | 'row' | 'output';

export interface DisplayOptions {
  /** 'default': per class for classification, whole matrix for generation. */
  scale: ScaleChoice;
  /** Print each score in its cell. */
  values: boolean;
  /** Show the sortable table of units and scores. */
  table: boolean;
  /** Generation: click-a-token view or the whole matrix. */
  generation: 'tokens' | 'matrix';
}

export const DISPLAY_KEY = 'interpreto-playground-display';
export const DEFAULT_DISPLAY: DisplayOptions = { scale: 'default', values: false, table: false, generation: 'tokens' };

/** Reads the saved options, keeping only known values (a hand-edited or old entry falls back to defaults). */
export function parseDisplay(text: string | null): DisplayOptions {
  let raw: Record<string, unknown> = {};
  try {
    const v = text ? (JSON.parse(text) as unknown) : {};
    if (v && typeof v === 'object') raw = v as Record<string, unknown>;
  } catch {
    // a broken entry: defaults
  }
  return {
    scale: raw.scale === 'row' || raw.scale === 'output' ? raw.scale : 'default',
    values: raw.values === true,
    table: raw.table === true,
    generation: raw.generation === 'matrix' ? 'matrix' : 'tokens',
  };
}

export function loadDisplay(): DisplayOptions {
  try {
    return parseDisplay(localStorage.getItem(DISPLAY_KEY));
  } catch {
    return { ...DEFAULT_DISPLAY };
  }
}

export function saveDisplay(d: DisplayOptions): void {
  try {
    localStorage.setItem(DISPLAY_KEY, JSON.stringify(d));
  } catch {
    // storage disabled: the options last for this page
  }
}

/** Applies the options and theme to a view made by plotAttributions (single-, multi-class or generation). */
export function applyDisplay(view: HTMLElement, d: DisplayOptions, theme: ResolvedTheme): void {
  Object.assign(view, {
    theme,
    scaleMode: d.scale === 'default' ? undefined : d.scale,
    showValues: d.values,
  });
  if (view.tagName === 'INTERPRETO-GENERATION') Object.assign(view, { mode: d.generation });
}

/** The display controls above the heatmap. */
export function renderDisplayControls(
  d: DisplayOptions,
  task: AttributionOutput['modelTask'],
  onChange: (d: DisplayOptions) => void,
): TemplateResult {
  const set = (patch: Partial<DisplayOptions>) => onChange({ ...d, ...patch });
  const perRow = task === 'classification' ? 'per class' : 'per generated unit';
  const whole = task === 'classification' ? 'one for all classes' : 'whole matrix';
  return html`<div class="display" id="display" role="group" aria-label="How results are shown">
    <label
      >Colour scale
      <select id="scale-mode" .value=${live(d.scale)} @change=${(e: Event) => set({ scale: (e.target as HTMLSelectElement).value as ScaleChoice })}>
        <option value="default">default (${task === 'classification' ? perRow : whole})</option>
        <option value="row">${perRow}</option>
        <option value="output">${whole}</option>
      </select></label
    >
    <label class="check"><input id="show-values" type="checkbox" .checked=${live(d.values)} @change=${(e: Event) => set({ values: (e.target as HTMLInputElement).checked })} /> numbers in cells</label>
    <label class="check"><input id="show-table" type="checkbox" .checked=${live(d.table)} @change=${(e: Event) => set({ table: (e.target as HTMLInputElement).checked })} /> score table</label>
    ${
      task === 'generation'
        ? html`<label
            >View
            <select id="generation-view" .value=${live(d.generation)} @change=${(e: Event) => set({ generation: (e.target as HTMLSelectElement).value as DisplayOptions['generation'] })}>
              <option value="tokens">click a token</option>
              <option value="matrix">matrix (every score)</option>
            </select></label
          >`
        : nothing
    }
  </div>`;
}

/** The sortable table of units and scores, with the same scale as the heatmap. */
export function renderScoreTable(
  output: AttributionOutput,
  names: readonly string[] | undefined,
  d: DisplayOptions,
  theme: ResolvedTheme,
): TemplateResult | typeof nothing {
  if (!d.table) return nothing;
  return html`<interpreto-score-table id="score-table" .output=${output} .classesNames=${names ? [...names] : undefined} .scaleMode=${d.scale === 'default' ? undefined : d.scale} theme=${theme}></interpreto-score-table>`;
}

/**
 * Each method's heatmap as one row, the units as columns (outputs of one compare run share the text and the
 * granularity), each method on its own bound (methods score in different units), or one bound shared by all.
 */
export function renderCompareHeatmaps(
  outputs: readonly AttributionOutput[],
  names: readonly string[] | undefined,
  d: DisplayOptions,
  theme: ResolvedTheme,
  state: { row: number; scale: 'shared' | 'row' },
  onChange: (s: { row: number; scale: 'shared' | 'row' }) => void,
): TemplateResult | typeof nothing {
  if (!outputs.length) return nothing;
  const first = outputs[0]!;
  const rows = first.attributions.map((_, r) =>
    first.modelTask === 'generation'
      ? first.elements[first.elements.length - first.attributions.length + r]!
      : (names?.[first.targets[r]!] ?? `class ${first.targets[r]}`),
  );
  return html`<div class="compare-heatmaps">
    <div class="display" role="group" aria-label="Comparison view">
      ${
        rows.length > 1
          ? html`<label
              >${first.modelTask === 'generation' ? 'Generated unit' : 'Class'}
              <select id="compare-row" .value=${live(String(state.row))} @change=${(e: Event) => onChange({ ...state, row: Number((e.target as HTMLSelectElement).value) })}>
                ${rows.map((name, r) => html`<option value=${r}>${JSON.stringify(name)}</option>`)}
              </select></label
            >`
          : nothing
      }
      <label
        >Scale
        <select id="compare-scale" .value=${live(state.scale)} @change=${(e: Event) => onChange({ ...state, scale: (e.target as HTMLSelectElement).value as 'shared' | 'row' })}>
          <option value="row">each method its own</option>
          <option value="shared">shared across methods</option>
        </select></label
      >
    </div>
    <interpreto-compare id="compare-view" .outputs=${[...outputs]} .classesNames=${names ? [...names] : undefined} .row=${state.row} .scaleMode=${state.scale} ?show-values=${d.values} theme=${theme}></interpreto-compare>
  </div>`;
}
