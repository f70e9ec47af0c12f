/**
 * Custom units and the perturbation baseline in the form (core `explain(..., { units })` and the perturbation
 * methods' `baseline` option):
 * - Units: the user copies the input text into the "Units" field and puts brackets around the spans that are to be
 *   units of their own: "This is [the best] movie". Without the brackets the field must read as the input text;
 *   `parseMarkedUnits` gives the spans as character ranges of the input (what the core takes). Empty: no custom units.
 * - Baseline: what a removed unit becomes for Occlusion, Lime, KernelShap and Sobol: the replacement token (default),
 *   a token chosen by its text, the pad / unk / eos token, zero embeddings, or (language models) deleting the unit.
 *   `fitBaseline` keeps it only where the method and the model's task read it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { BASELINE_KINDS, type BaselineKind, type BaselineSpec } from '../url-state.ts';

type Task = 'classification' | 'generation';

export interface CharSpan {
  start: number;
  end: number;
}

/** The spans marked with brackets in `marked`, as character ranges of `text`; or why they cannot be read. */
export function parseMarkedUnits(marked: string, text: string): { spans: CharSpan[] } | { error: string } {
  const spans: CharSpan[] = [];
  let plain = '';
  let open: number | undefined;
  for (const ch of marked) {
    if (ch === '[') {
      if (open !== undefined) return { error: 'Units: a "[" opens inside another unit; close the first with "]".' };
      open = plain.length;
    } else if (ch === ']') {
      if (open === undefined) return { error: 'Units: a "]" closes no unit; open it with "[".' };
      if (plain.length === open) return { error: 'Units: "[]" marks an empty unit; put text between the brackets.' };
      spans.push({ start: open, end: plain.length });
      open = undefined;
    } else plain += ch;
  }
  if (open !== undefined) return { error: 'Units: a "[" is never closed; add the "]".' };
  if (plain !== text) {
    return {
      error:
        'Units: without its brackets the Units field must read exactly as the input text; copy the text again ' +
        '("copy the input text") and put the brackets back.',
    };
  }
  return { spans };
}

const LABELS: Record<BaselineKind, string> = {
  replacement: 'replacement token (default)',
  token: 'a token, by its text',
  pad: 'pad token',
  unk: 'unk token',
  eos: 'eos token',
  'zero-embedding': 'zero embedding',
  delete: 'delete the unit (language models)',
};

/** The core's `baseline` option for this method and task, or undefined (the default, or one it does not read). */
export function fitBaseline(
  baseline: BaselineSpec | undefined,
  family: 'perturbation' | 'gradient',
  task: Task | null,
): string | { kind: 'token'; token: string } | undefined {
  if (!baseline || family !== 'perturbation' || baseline.kind === 'replacement') return undefined;
  if (baseline.kind === 'delete' && task !== 'generation') return undefined;
  if (baseline.kind === 'token') return { kind: 'token', token: baseline.token ?? '' };
  return baseline.kind;
}

/** The Units field (any method) and, for perturbation methods, the Baseline menu. */
export function renderUnitsAndBaseline(opts: {
  task: Task | null;
  family: 'perturbation' | 'gradient';
  text: string;
  units: string | undefined;
  baseline: BaselineSpec | undefined;
  onUnits: (units: string | undefined) => void;
  onBaseline: (baseline: BaselineSpec | undefined) => void;
}): TemplateResult {
  const b = opts.baseline ?? { kind: 'replacement' };
  const kinds = BASELINE_KINDS.filter((k) => k !== 'delete' || opts.task === 'generation');
  const setKind = (kind: BaselineKind) =>
    opts.onBaseline(kind === 'replacement' ? undefined : kind === 'token' ? { kind, token: b.token ?? '' } : { kind });
  return html`<fieldset id="units-baseline">
    <legend>Units and baseline</legend>
    <label class="units" title="Copy the input text here and put [brackets] around spans that are one unit each; the other tokens keep the granularity's units. Empty: the granularity alone."
      >Units
      <span class="units-row">
        <input id="units" type="text" placeholder="e.g. This is [the best] movie" .value=${live(opts.units ?? '')}
          @change=${(e: Event) => {
            const v = (e.target as HTMLInputElement).value;
            opts.onUnits(v.trim() === '' ? undefined : v);
          }} />
        <button id="units-copy" type="button" @click=${() => opts.onUnits(opts.text)}>copy the input text</button>
      </span>
    </label>
    ${
      opts.family === 'perturbation'
        ? html`<label title="What a removed unit becomes: the replacement token ([MASK] for BERT), a token you name, the pad / unk / eos token, zero input embeddings (runs the gradient model), or, for language models, nothing at all (a shorter prompt)"
            >Baseline
            <select id="baseline" .value=${live(kinds.includes(b.kind) ? b.kind : 'replacement')} @change=${(e: Event) => setKind((e.target as HTMLSelectElement).value as BaselineKind)}>
              ${kinds.map((k) => html`<option value=${k} ?selected=${k === b.kind}>${LABELS[k]}</option>`)}
            </select>
            ${
              b.kind === 'token'
                ? html`<input id="baseline-token" type="text" placeholder="e.g. the" .value=${live(b.token ?? '')}
                    @change=${(e: Event) => opts.onBaseline({ kind: 'token', token: (e.target as HTMLInputElement).value })} />`
                : nothing
            }</label
          >`
        : nothing
    }
  </fieldset>`;
}
