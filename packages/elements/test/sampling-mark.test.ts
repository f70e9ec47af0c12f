// @vitest-environment happy-dom
/**
 * Partial results of the sampling methods (core `onProgress` partials, `output.sampling`): every view shows an
 * "in progress: n / budget samples" mark in its header while the estimate is partial, "stopped early" when stopWhen
 * stopped it, and nothing for a full budget or a method that does not sample.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AttributionOutput } from '@interpreto-js/core';
import { InterpretoHeatmap, plotAttributions, samplingMark } from '../src/index.ts';
import { generation, multiClass, singleClass } from './fixtures.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

const sampled = (o: AttributionOutput, s: Partial<NonNullable<AttributionOutput['sampling']>>): AttributionOutput => ({
  ...o,
  sampling: { samplesUsed: 120, budget: 1000, convergenceMeasure: 'coefficientChange', stoppedEarly: false, ...s },
});

async function shown(o: AttributionOutput) {
  const el = plotAttributions(o) as HTMLElement & { updateComplete: Promise<boolean> };
  document.body.append(el);
  await el.updateComplete;
  return el.shadowRoot!.querySelector<HTMLElement>('[part="sampling"]');
}

describe('sampling mark', () => {
  it('samplingMark says in progress, stopped early, or nothing', () => {
    expect(samplingMark(sampled(singleClass(), { inProgress: true }))).toEqual({
      state: 'in-progress',
      text: 'in progress: 120 / 1,000 samples',
    });
    expect(samplingMark(sampled(singleClass(), { stoppedEarly: true }))).toEqual({
      state: 'stopped-early',
      text: 'stopped early: 120 / 1,000 samples',
    });
    // The convergence, when tracked, says how much the estimate still moves.
    expect(samplingMark(sampled(singleClass(), { inProgress: true, convergence: 0.0123 }))?.text).toBe(
      'in progress: 120 / 1,000 samples, convergence 0.012',
    );
    expect(samplingMark(sampled(singleClass(), { samplesUsed: 1000 }))).toBeNull();
    expect(samplingMark(singleClass())).toBeNull();
  });

  it.each([
    ['single class', singleClass],
    ['multi-class', multiClass],
    ['generation', generation],
  ])('the %s view marks a partial result in its header, and a full one not', async (_name, make) => {
    const mark = await shown(sampled(make(), { inProgress: true }));
    expect(mark?.textContent).toBe('in progress: 120 / 1,000 samples');
    expect(mark?.dataset.state).toBe('in-progress');
    expect(mark?.closest('[part="header"]')).not.toBeNull();
    document.body.innerHTML = '';
    expect(await shown(sampled(make(), { samplesUsed: 1000 }))).toBeNull();
    document.body.innerHTML = '';
    expect((await shown(sampled(make(), { stoppedEarly: true })))?.dataset.state).toBe('stopped-early');
  });

  it('<interpreto-heatmap> shows it from JSON and forwards the part', async () => {
    const el = new InterpretoHeatmap();
    el.setAttribute('output', JSON.stringify(sampled(singleClass(), { inProgress: true })));
    document.body.append(el);
    await el.updateComplete;
    const view = el.shadowRoot!.querySelector<HTMLElement & { updateComplete: Promise<boolean> }>('[part="view"]')!;
    await view.updateComplete;
    expect(view.getAttribute('exportparts')).toContain('sampling');
    expect(view.shadowRoot!.querySelector('[part="sampling"]')?.textContent).toBe('in progress: 120 / 1,000 samples');
  });
});
