/**
 * The "rather than" control of a contrastive explanation (core `explain(..., { contrast })`): a class for a
 * classifier, an alternative continuation for a language model. The contrast lives in the URL state apart from the
 * target; `fitContrast` keeps only the kind the model's task reads.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ContrastSpec } from '../url-state.ts';

type Task = 'classification' | 'generation';

/** The contrast to send for this task (a class contrast means nothing to a language model, and the reverse). */
export function fitContrast(contrast: ContrastSpec | undefined, task: Task | null): ContrastSpec | undefined {
  if (!contrast || task === null) return undefined;
  if (task === 'classification') return contrast.kind === 'class' ? contrast : undefined;
  return contrast.kind === 'text' ? contrast : undefined;
}

/** The control under the targets; `onChange(undefined)` clears the contrast. */
export function renderContrastControl(
  task: Task,
  labels: readonly string[],
  contrast: ContrastSpec | undefined,
  onChange: (c: ContrastSpec | undefined) => void,
): TemplateResult | typeof nothing {
  if (task === 'classification') {
    if (!labels.length) return nothing;
    const value = contrast?.kind === 'class' ? String(contrast.class) : '';
    return html`<label class="contrast" title="Explain why the model prefers the target class to this one: each score is score(target) - score(this class)"
      >rather than
      <select id="contrast-class" .value=${live(value)} @change=${(e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        onChange(v === '' ? undefined : { kind: 'class', class: Number(v) });
      }}>
        <option value="">(no contrast)</option>
        ${labels.map((name, c) => html`<option value=${c} ?selected=${value === String(c)}>${c}: ${name}</option>`)}
      </select></label
    >`;
  }
  const text = contrast?.kind === 'text' ? contrast.text : '';
  return html`<label class="contrast" title="Explain why the model generates its continuation rather than this alternative: same number of tokens, compared token by token"
    >rather than (an alternative of the same token length)
    <input id="contrast-text" type="text" placeholder="e.g.  red" .value=${live(text)} @change=${(e: Event) => {
      const v = (e.target as HTMLInputElement).value;
      onChange(v === '' ? undefined : { kind: 'text', text: v });
    }}
  /></label>`;
}
