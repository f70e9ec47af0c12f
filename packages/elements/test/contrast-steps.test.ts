// @vitest-environment happy-dom
/**
 * Contrastive outputs (core `explain(..., { contrast })`, `output.contrast`): the views name both targets, red
 * towards the target and blue towards the contrast. Step scores: a generated unit's probability cell shows the
 * model's top-k alternatives on hover or focus, and a click (a tap on touch screens) pins them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AttributionOutput } from '@interpreto-js/core';
import { contrastLegend, plotAttributions, toSVG, type PlotOptions } from '../src/index.ts';
import { generation, generationWithSteps, multiClass, singleClass } from './fixtures.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

async function shown(o: AttributionOutput, options: PlotOptions = {}) {
  const el = plotAttributions(o, options) as HTMLElement & { updateComplete: Promise<boolean> };
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

describe('contrastive legend', () => {
  it('contrastLegend names the row class and its contrast class, signed unless the scores are magnitudes', () => {
    const o = { ...singleClass(), classes: ['negative', 'positive'], contrast: [0] };
    expect(contrastLegend(o, 0)).toEqual({
      target: 'positive',
      contrast: 'negative',
      signed: true,
      text: 'Why "positive" rather than "negative"? Red pushes towards "positive", blue towards "negative".',
    });
    expect(contrastLegend({ ...o, unsigned: true }, 0)!.text).toMatch(/Magnitudes only/);
    expect(contrastLegend(singleClass(), 0)).toBeNull();
    // Rows of a multi-class output each have their own contrast.
    const multi = { ...multiClass(), contrast: [2, 0, 1] };
    expect(contrastLegend(multi, 1)).toMatchObject({ target: 'pos', contrast: 'neg' });
    expect(contrastLegend(multi, 1, ['A', 'B', 'C'])).toMatchObject({ target: 'B', contrast: 'A' });
  });

  it('generation: the generated text against the contrast text, or its ids when the text is not given', () => {
    const o = { ...generation(), contrast: [13, 262, 6766] };
    expect(contrastLegend(o, 0, undefined, '. the sky')).toMatchObject({ target: ', the sky', contrast: '. the sky' });
    expect(contrastLegend(o, 0)!.contrast).toBe('token ids 13, 262, 6766');
  });

  it('the single-class view shows both targets with the colours that push towards them; none without contrast', async () => {
    const el = await shown({ ...singleClass(), classes: ['negative', 'positive'], contrast: [0] });
    const legend = part(el, 'contrast')!;
    expect(legend.dataset).toMatchObject({ target: 'positive', contrast: 'negative', signed: 'true' });
    expect(legend.textContent).toContain('Why "positive" rather than "negative"?');
    const keys = [...legend.querySelectorAll('.class-key')].map((k) => k.textContent);
    expect(keys).toEqual(['towards "positive"', 'towards "negative"']);
    const swatches = [...legend.querySelectorAll<HTMLElement>('.swatch')].map((s) => s.style.background);
    expect(swatches[0]).toMatch(/220, 38, 38/); // the light palette's positive (red)
    expect(swatches[1]).toMatch(/37, 99, 235/); // its negative (blue)
    // The scale stays signed: -bound .. +bound.
    expect(part(el, 'colour-bar')!.dataset.unsigned).toBe('false');
    // The colour bar's words say the same (not "red: positive", which reads as the class here).
    expect(part(el, 'legend')!.textContent).toContain('red: towards "positive", blue: towards "negative"');
    document.body.innerHTML = '';
    expect(part(await shown(singleClass()), 'contrast')).toBeNull();
  });

  it('the generation view names the contrast text given through plotAttributions', async () => {
    const el = await shown({ ...generation(), contrast: [13, 262, 6766] }, { contrastText: '. the sky' });
    expect(part(el, 'contrast')!.textContent).toContain('Why ", the sky" rather than ". the sky"?');
  });
});

describe('step scores: top-k alternatives', () => {
  it('hover shows them, leaving hides them; a click pins them until clicked again (touch)', async () => {
    const el = await shown(generationWithSteps());
    const steps = [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="step"]')];
    expect(steps.map((s) => s.textContent)).toEqual(['50.0%', '25.0%', '80.0%']);
    expect(part(el, 'step-detail')).toBeNull();
    const update = () => (el as unknown as { updateComplete: Promise<boolean> }).updateComplete;
    steps[1]!.dispatchEvent(new MouseEvent('mouseenter'));
    await update();
    const detail = part(el, 'step-detail')!;
    expect(detail.dataset.row).toBe('1');
    expect(detail.textContent).toContain('" the": 25.0%');
    expect(detail.textContent).toContain('rank 2');
    const alts = [...detail.querySelectorAll('li')].map((li) => li.textContent);
    expect(alts).toEqual(['" a" 50.0%', '" the" 25.0%']);
    expect(detail.querySelector('li.chosen')!.textContent).toContain('" the"');
    steps[1]!.dispatchEvent(new MouseEvent('mouseleave'));
    await update();
    expect(part(el, 'step-detail')).toBeNull();
    // A tap: pinned, hovering another cell does not move it, a second tap closes it.
    steps[2]!.click();
    await update();
    expect(part(el, 'step-detail')!.dataset.row).toBe('2');
    expect(steps[2]!.getAttribute('aria-pressed')).toBe('true');
    steps[0]!.dispatchEvent(new MouseEvent('mouseenter'));
    await update();
    expect(part(el, 'step-detail')!.dataset.row).toBe('2');
    expect([...part(el, 'step-detail')!.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      '" sky" 80.0%',
      '" sea" 10.0%',
    ]);
    steps[2]!.click();
    await update();
    expect(part(el, 'step-detail')).toBeNull();
  });

  it('keyboard: focus shows them, Enter pins them', async () => {
    const el = await shown(generationWithSteps());
    const step = el.shadowRoot!.querySelectorAll<HTMLElement>('[part="step"]')[0]!;
    const update = () => (el as unknown as { updateComplete: Promise<boolean> }).updateComplete;
    step.dispatchEvent(new FocusEvent('focus'));
    await update();
    expect(part(el, 'step-detail')!.dataset.row).toBe('0');
    step.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    step.dispatchEvent(new FocusEvent('blur'));
    await update();
    expect(part(el, 'step-detail')!.dataset.row).toBe('0');
  });
});

describe('attributed functions', () => {
  it("the single-class view and the export's class line name the function the row attributes", async () => {
    const o = { ...singleClass(), classes: ['negative', 'positive'], attributedFunction: 'entropy' };
    const el = await shown(o);
    expect(part(el, 'title')!.textContent).toBe('entropy · Class: positive');
    expect(part(await shown(singleClass()), 'title')!.textContent).not.toContain('entropy');
    expect(toSVG(o)).toContain('>entropy · Class: positive</text>');
  });
});
