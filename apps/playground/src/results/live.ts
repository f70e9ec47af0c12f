/**
 * Anytime results: while a sampling method runs, the worker forwards its current estimate (core `onProgress`
 * partials, `output.sampling`); the page shows it with how far sampling got, and a "Stop here" button that ends
 * sampling and keeps that estimate as the result (core `stopWhen.signal`).
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { AttributionOutput } from '@interpreto-js/core';

/** "120 / 1,000 samples, convergence 0.012" (convergence once two estimates exist). */
export function samplingProgressText(sampling: NonNullable<AttributionOutput['sampling']>): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const c = sampling.convergence;
  const conv = c !== undefined && Number.isFinite(c) ? `, convergence ${c.toPrecision(2)}` : '';
  return `${n(sampling.samplesUsed)} / ${n(sampling.budget)} samples${conv}`;
}

/** The live estimate: `view` is the heatmap element the page keeps up to date with each partial. */
export function renderLiveEstimate(
  partial: AttributionOutput | null,
  view: HTMLElement | null,
  stopping: boolean,
  onStop: () => void,
): TemplateResult | typeof nothing {
  const s = partial?.sampling;
  if (!partial || !s || !view) return nothing;
  return html`<section id="live" data-samples=${s.samplesUsed} data-budget=${s.budget}>
    <h2>Current estimate</h2>
    <p class="live-status">
      <span id="live-samples" role="status">${samplingProgressText(s)}</span>
      <button id="stop-here" type="button" ?disabled=${stopping} @click=${onStop} title="End sampling now and keep this estimate as the result">
        ${stopping ? 'Stopping…' : 'Stop here'}
      </button>
    </p>
    <div id="live-heatmap">${view}</div>
  </section>`;
}
