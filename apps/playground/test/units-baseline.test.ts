/** The Units field's bracket marking and the Baseline menu's fit to the method and the task (results/units-baseline.ts). */
import { describe, expect, it } from 'vitest';
import { parseState } from '../src/url-state.ts';
import { fitBaseline, parseMarkedUnits } from '../src/results/units-baseline.ts';

const TEXT = 'The movie was not bad at all.';

describe('Units field', () => {
  it('reads bracketed spans as character ranges of the input text', () => {
    const r = parseMarkedUnits('The movie was [not bad] [at all].', TEXT);
    expect(r).toEqual({
      spans: [
        { start: 14, end: 21 },
        { start: 22, end: 28 },
      ],
    });
    if ('spans' in r) expect(r.spans.map((s) => TEXT.slice(s.start, s.end))).toEqual(['not bad', 'at all']);
    expect(parseMarkedUnits(TEXT, TEXT)).toEqual({ spans: [] });
  });

  it('says what is wrong with a marking it cannot read', () => {
    expect(parseMarkedUnits('The [movie [was] not bad at all.', TEXT)).toEqual({
      error: expect.stringMatching(/opens inside another unit/),
    });
    expect(parseMarkedUnits('The movie] was not bad at all.', TEXT)).toEqual({
      error: expect.stringMatching(/closes no unit/),
    });
    expect(parseMarkedUnits('The []movie was not bad at all.', TEXT)).toEqual({
      error: expect.stringMatching(/empty unit/),
    });
    expect(parseMarkedUnits('The [movie was not bad at all.', TEXT)).toEqual({
      error: expect.stringMatching(/never closed/),
    });
    expect(parseMarkedUnits('The [film] was not bad at all.', TEXT)).toEqual({
      error: expect.stringMatching(/must read exactly as the input text/),
    });
  });
});

describe('Baseline menu', () => {
  it('is sent to perturbation methods only, and delete to language models only', () => {
    expect(fitBaseline({ kind: 'pad' }, 'perturbation', 'classification')).toBe('pad');
    expect(fitBaseline({ kind: 'pad' }, 'gradient', 'classification')).toBeUndefined();
    expect(fitBaseline({ kind: 'replacement' }, 'perturbation', 'generation')).toBeUndefined();
    expect(fitBaseline({ kind: 'delete' }, 'perturbation', 'generation')).toBe('delete');
    expect(fitBaseline({ kind: 'delete' }, 'perturbation', 'classification')).toBeUndefined();
    expect(fitBaseline({ kind: 'token', token: ' the' }, 'perturbation', 'generation')).toEqual({
      kind: 'token',
      token: ' the',
    });
  });

  it('an unknown baseline in a link falls back to the replacement token, with a warning', () => {
    const { state, warnings } = parseState('?baseline=zeros', 'bert-tiny-opset11');
    expect(state.baseline).toBeUndefined();
    expect(warnings.join(' ')).toMatch(/baseline "zeros" is not one of replacement, token/);
  });
});
