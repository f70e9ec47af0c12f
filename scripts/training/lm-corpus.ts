/**
 * Short patterned sentences for the small causal language model: colours of things ("Roses are red, the sky is
 * blue."), counting and weekday lists, and copy patterns ("cat dog cat dog"). The colour facts are the knowledge the
 * model must learn; the held-out set asks for the same facts in pairings and a template that training never shows,
 * so getting them right means the model learnt the fact, not the sentence.
 *
 * Exports: `COLOUR_FACTS`, `ColourFact`, `LmExample`, `generateLmCorpus`, `heldOutFactPrompts`, `FactPrompt`.
 */
import type { Rng } from './rng.ts';

export interface ColourFact {
  /** The subject as it starts a clause ("roses", "the sky"), its verb, and its colour. */
  subject: string;
  verb: 'is' | 'are';
  colour: string;
}

const facts = `roses are red; the sky is blue; violets are blue; the grass is green; the sun is yellow; snow is white;
  coal is black; lemons are yellow; bananas are yellow; leaves are green; the sea is blue; blood is red;
  milk is white; oranges are orange; cherries are red; clouds are white; chocolate is brown; pumpkins are orange;
  tomatoes are red; limes are green; crows are black; the night is dark; carrots are orange; plums are purple;
  grapes are purple; frogs are green; salt is white; ink is black`;

export const COLOUR_FACTS: readonly ColourFact[] = facts.split(';').map((f) => {
  const m = /^\s*(.+) (is|are) (\w+)\s*$/.exec(f);
  if (!m) throw new Error(`COLOUR_FACTS: cannot parse "${f}".`);
  return { subject: m[1]!, verb: m[2] as 'is' | 'are', colour: m[3]! };
});

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const clause = (f: ColourFact) => `${f.subject} ${f.verb} ${f.colour}`;

export interface LmExample {
  text: string;
  kind: 'fact' | 'pair' | 'list' | 'copy';
}

/** Pairs of facts (by index) that training never puts together: the held-out pairings. */
function isHeldOutPair(i: number, j: number): boolean {
  return (i * 7 + j * 3) % 5 === 0 && i !== j;
}

const ROSES = COLOUR_FACTS.findIndex((f) => f.subject === 'roses');
const SKY = COLOUR_FACTS.findIndex((f) => f.subject === 'the sky');

const NUMBERS = 'one two three four five six seven eight nine ten'.split(' ');
const DAYS = 'monday tuesday wednesday thursday friday saturday sunday'.split(' ');
const LETTERS = 'a b c d e f g h i j'.split(' ');
const WORDS = 'cat dog bird fish tree house car book cup hat'.split(' ');

function list(rng: Rng): string {
  const seq = rng.pick([NUMBERS, DAYS, LETTERS]);
  const start = rng.int(0, seq.length - 4);
  const len = rng.int(3, seq.length - start);
  const items = seq.slice(start, start + len);
  // "one, two and three" half of the time: the only place training uses "and"
  const text = rng.chance(0.5) ? items.join(', ') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${cap(text)}.`;
}

function copy(rng: Rng): string {
  const a = rng.pick(WORDS);
  let b = rng.pick(WORDS);
  while (b === a) b = rng.pick(WORDS);
  const unit = rng.chance(0.5) ? [a, b] : [a, b, rng.pick(WORDS)];
  const reps = rng.int(2, 4);
  return `${cap(Array.from({ length: reps }, () => unit.join(' ')).join(' '))}.`;
}

/** Training sentences (the held-out pairings and the held-out template excluded). */
export function generateLmCorpus(rng: Rng, n: number): LmExample[] {
  const out: LmExample[] = [];
  for (let k = 0; k < n; k++) {
    const r = rng.float();
    if (r < 0.3) {
      const f = rng.pick(COLOUR_FACTS);
      const t = rng.int(0, 2);
      const text = t === 0 ? `${cap(clause(f))}.` : t === 1 ? `I know that ${clause(f)}.` : `Yes, ${clause(f)}.`;
      out.push({ text, kind: 'fact' });
    } else if (r < 0.65) {
      // the tutorial's sentence keeps a good share, the other training pairings the rest
      let i: number, j: number;
      if (rng.chance(0.1)) [i, j] = [ROSES, SKY];
      else {
        do {
          i = rng.int(0, COLOUR_FACTS.length - 1);
          j = rng.int(0, COLOUR_FACTS.length - 1);
        } while (i === j || isHeldOutPair(i, j));
      }
      out.push({ text: `${cap(clause(COLOUR_FACTS[i]!))}, ${clause(COLOUR_FACTS[j]!)}.`, kind: 'pair' });
    } else if (r < 0.85) out.push({ text: list(rng), kind: 'list' });
    else out.push({ text: copy(rng), kind: 'copy' });
  }
  return out;
}

export interface FactPrompt {
  prompt: string;
  /** The expected continuation, with its leading space (" blue"). */
  answer: string;
}

/**
 * Held-out prompts: every held-out pairing ("Snow is white, the grass is" -> " green"), and every fact in a template
 * that training never uses for facts ("Coal is black and the grass is" -> " green": training says "and" only in
 * lists).
 */
export function heldOutFactPrompts(): FactPrompt[] {
  const out: FactPrompt[] = [];
  COLOUR_FACTS.forEach((a, i) =>
    COLOUR_FACTS.forEach((b, j) => {
      if (isHeldOutPair(i, j))
        out.push({ prompt: `${cap(clause(a))}, ${b.subject} ${b.verb}`, answer: ` ${b.colour}` });
    }),
  );
  COLOUR_FACTS.forEach((f, j) => {
    const a = COLOUR_FACTS[(j + 5) % COLOUR_FACTS.length]!;
    out.push({ prompt: `${cap(clause(a))} and ${f.subject} ${f.verb}`, answer: ` ${f.colour}` });
  });
  return out;
}
