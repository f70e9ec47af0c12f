/**
 * The "Score" control: what each row attributes. By default the target's score (its probability, logit or
 * log-probability, per the inference mode); or a function of the whole output distribution (core
 * `explain(..., { attributedFunction })`): its entropy, or its KL divergence from the unperturbed input's
 * distribution. A score and a contrast exclude each other (the core refuses both): picking one clears the other.
 */
import { html, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { SCORE_NAMES, SCORE_SPECS, type ScoreSpec } from '../url-state.ts';

/** The words for an output's `attributedFunction` (a user function's own name otherwise). */
export function scoreName(name: string): string {
  return (SCORE_NAMES as Record<string, string>)[name] ?? name;
}

const HINTS: Readonly<Record<ScoreSpec, string>> = {
  entropy: 'Which units make the model more or less sure: each row attributes the entropy (nats) of its distribution',
  klToReference:
    "Which units move the prediction, whatever the class: KL(p(input) || p(perturbed)), 0 on the input itself (so Saliency's is 0: use a path or perturbation method)",
};

export function renderScoreControl(
  score: ScoreSpec | undefined,
  onChange: (s: ScoreSpec | undefined) => void,
): TemplateResult {
  const value = score ?? '';
  return html`<label class="score" title=${score ? HINTS[score] : "Each row attributes the target's score after the inference mode"}
    >Score
    <select id="score" .value=${live(value)} @change=${(e: Event) => {
      const v = (e.target as HTMLSelectElement).value;
      onChange(v === '' ? undefined : (v as ScoreSpec));
    }}>
      <option value="" ?selected=${value === ''}>target probability / logit (inference mode)</option>
      ${SCORE_SPECS.map((s) => html`<option value=${s} ?selected=${value === s}>${SCORE_NAMES[s]}</option>`)}
    </select></label
  >`;
}
