import { describe, expect, it } from 'vitest';
import { argmax, classChanges, editText, locateUnits, softmax } from '../src/results/counterfactual.ts';

describe('counterfactual edits: units located in the text', () => {
  const text = 'This is the best movie I have ever seen.';

  it('finds BERT-uncased word units in the original text, case-insensitively and in order', () => {
    const units = ['this', 'is', 'the', 'best', 'movie', 'i', 'have', 'ever', 'seen', '.'];
    const spans = locateUnits(text, units);
    expect(spans.map((s) => (s ? text.slice(s.start, s.end) : null))).toEqual([
      'This',
      'is',
      'the',
      'best',
      'movie',
      'I',
      'have',
      'ever',
      'seen',
      '.',
    ]);
  });

  it('takes the next occurrence, not the first: the second "the" is the second unit', () => {
    const t = 'the cat and the dog';
    const spans = locateUnits(t, ['the', 'cat', 'and', 'the', 'dog']);
    expect(spans[3]).toEqual({ start: 12, end: 15 });
  });

  it('matches accents stripped by the tokenizer, GPT-2 leading spaces and sentence units with other spacing', () => {
    expect(locateUnits('Un café noir', ['un', 'cafe', 'noir'])[1]).toEqual({ start: 3, end: 7 });
    expect(locateUnits('Roses are red', ['Roses', ' are', ' red'])[2]).toEqual({ start: 10, end: 13 });
    const s = locateUnits('It is good. It is bad.', ['it is good .', 'it is bad .']);
    expect(s).toEqual([
      { start: 0, end: 11 },
      { start: 12, end: 22 },
    ]);
  });

  it('gives null for a unit not in the text (a special token) without losing the place of the next ones', () => {
    const spans = locateUnits('good film', ['[CLS]', 'good', 'film', '[SEP]']);
    expect(spans).toEqual([null, { start: 0, end: 4 }, { start: 5, end: 9 }, null]);
  });
});

describe('counterfactual edits: the edited text', () => {
  const text = 'This is the best movie I have ever seen.';
  const span = (unit: string) => ({ start: text.indexOf(unit), end: text.indexOf(unit) + unit.length });

  it('removes a word with one of its spaces', () => {
    expect(editText(text, span('best'), { kind: 'remove' })).toBe('This is the movie I have ever seen.');
    expect(editText(text, span('This'), { kind: 'remove' })).toBe('is the best movie I have ever seen.');
    expect(editText(text, span('seen'), { kind: 'remove' })).toBe('This is the best movie I have ever.');
    expect(editText(text, span('.'), { kind: 'remove' })).toBe('This is the best movie I have ever seen');
  });

  it('replaces the unit only', () => {
    expect(editText(text, span('best'), { kind: 'replace', with: 'worst' })).toBe(
      'This is the worst movie I have ever seen.',
    );
  });
});

describe('counterfactual edits: the prediction before and after', () => {
  it('softmax sums to 1 and survives large logits', () => {
    const p = softmax([1000, 1001]);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
    expect(p[1]! / p[0]!).toBeCloseTo(Math.E, 9);
  });

  it('lists the class predicted before first, then by the new probability, and names them', () => {
    const changes = classChanges([0.07, 0.93, 0], [0.59, 0.41, 0], ['negative', 'positive', 'neutral']);
    expect(changes.map((c) => [c.name, c.before, c.after])).toEqual([
      ['positive', 0.93, 0.41],
      ['negative', 0.07, 0.59],
      ['neutral', 0, 0],
    ]);
    expect(argmax([0.07, 0.93])).toBe(1);
    expect(() => classChanges([0.5, 0.5], [1])).toThrow(/2 and 1 classes/);
  });
});
