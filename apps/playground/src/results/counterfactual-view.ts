/**
 * The counterfactual parts of the result view: a unit's Remove / Replace menu, and the panel that shows the
 * prediction before and after the edit (with Undo) while the explanation reruns (logic in counterfactual.ts).
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { ExplainResult } from '../protocol.ts';
import { argmax, classChanges, type Edit, type Prediction, type Span } from './counterfactual.ts';

export interface EditStep {
  /** 'removed "best"', 'replaced "best" with "worst"'. */
  label: string;
  fromText: string;
  toText: string;
  /** The model's prediction on both texts, once the worker answers. */
  before?: Prediction;
  after?: Prediction;
  error?: string;
  /** What the page showed before the edit, put back by Undo. */
  snapshot: { result: ExplainResult; heatmap: HTMLElement | null; resultKey: string | null; resultText: string };
}

/** As the prediction line writes it: one decimal, "<0.1%" rather than a misleading 0.0%. */
const pct = (p: number) => (p > 0 && p < 0.0005 ? '<0.1%' : `${(100 * p).toFixed(1)}%`);

export function renderUnitMenu(
  menu: { index: number; unit: string; span: Span | null; problem?: string } | null,
  on: { onEdit: (edit: Edit) => void; onClose: () => void },
): TemplateResult | typeof nothing {
  if (!menu) return nothing;
  const replace = (form: HTMLFormElement) => {
    const value = (form.elements.namedItem('replacement') as HTMLInputElement).value;
    on.onEdit({ kind: 'replace', with: value });
  };
  return html`<form id="unit-menu" role="dialog" aria-label=${`Edit "${menu.unit}"`} data-index=${menu.index}
    @keydown=${(e: KeyboardEvent) => {
      if (e.key === 'Escape') on.onClose();
    }}
    @submit=${(e: Event) => {
      e.preventDefault();
      replace(e.target as HTMLFormElement);
    }}>
    <strong class="unit-menu-unit">"${menu.unit}"</strong>
    <button id="unit-remove" type="button" ?disabled=${!menu.span} @click=${() => on.onEdit({ kind: 'remove' })}>Remove</button>
    <label>Replace with <input id="unit-replacement" name="replacement" type="text" ?disabled=${!menu.span} /></label>
    <button id="unit-replace" type="submit" ?disabled=${!menu.span}>Replace</button>
    <button id="unit-menu-close" type="button" aria-label="Close" @click=${on.onClose}>✕</button>
    ${menu.problem ? html`<p id="unit-menu-problem" class="field-error" role="alert">${menu.problem}</p>` : nothing}
  </form>`;
}

export function renderCounterfactual(
  step: EditStep,
  opts: { names: readonly string[] | undefined; rerunning: boolean; onUndo: () => void },
): TemplateResult {
  const { before, after } = step;
  let body: TemplateResult | string = 'Predicting…';
  if (step.error) body = html`<span class="error">${step.error}</span>`;
  else if (before?.probabilities && after?.probabilities) {
    const changes = classChanges(before.probabilities, after.probabilities, opts.names);
    const flipped = argmax(before.probabilities) !== argmax(after.probabilities);
    body = html`Prediction:
      ${changes.map(
        (c) =>
          html`<span class="cf-class" data-class=${c.c} data-before=${c.before} data-after=${c.after}
            >${c.name} <strong>${pct(c.before)} → ${pct(c.after)}</strong></span
          >`,
      )}
      ${flipped ? html`<span class="cf-flip">the predicted class changed</span>` : nothing}`;
  } else if (before?.continuation !== undefined && after?.continuation !== undefined) {
    const next = (p: Prediction) => p.nextTokens?.map((t) => `"${t.token}" ${pct(t.p)}`).join(', ') ?? '';
    body = html`<span id="cf-continuation" data-before=${before.continuation} data-after=${after.continuation}
        >Continuation: <q>${before.continuation}</q> → <q><strong>${after.continuation}</strong></q></span
      ><br /><span id="cf-next" class="muted">Next token: ${next(before)} → ${next(after)}</span>`;
  }
  return html`<section id="counterfactual" aria-live="polite" data-ready=${String(Boolean(after || step.error))}>
    <p>
      Edited: ${step.label}
      <button id="undo-edit" type="button" @click=${opts.onUndo}>Undo</button>
    </p>
    <p id="cf-prediction">${body}</p>
    ${opts.rerunning ? html`<p id="cf-rerunning" class="muted">The explanation is rerunning for the edited text…</p>` : nothing}
  </section>`;
}
