/**
 * Counterfactual editing (pure): where each explained unit sits in the input text, the text with one unit
 * removed or replaced, and the prediction before and after, for the "remove / replace this unit" menu.
 *
 * Units come back in the tokenizer's normalisation (BERT uncased: lower-cased, accents stripped; GPT-2: with
 * their leading space; a sentence's inner spacing may differ), so a unit is found by matching case-, accent- and
 * whitespace-insensitively, left to right. A unit that cannot be found (a special token, a [UNK] the decoder
 * could not map back) has no span and cannot be edited.
 */

export interface Span {
  start: number;
  end: number;
}

/** One character's comparable form: lower-cased, accents removed; '' for whitespace (ignored in matching). */
function fold(ch: string): string {
  if (/\s/u.test(ch)) return '';
  return ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The text's comparable form, and for each of its characters the index of the text's character it came from. */
function folded(text: string): { s: string; from: number[] } {
  let s = '';
  const from: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const f = fold(ch);
    for (let k = 0; k < f.length; k++) from.push(i);
    s += f;
    i += ch.length;
  }
  return { s, from };
}

/** Each unit's [start, end) in `text`, in order; null for a unit not found after the previous one. */
export function locateUnits(text: string, units: readonly string[]): (Span | null)[] {
  const t = folded(text);
  let cursor = 0;
  return units.map((unit) => {
    const u = folded(unit).s;
    if (!u) return null;
    const at = t.s.indexOf(u, cursor);
    if (at < 0) return null;
    cursor = at + u.length;
    const lastFrom = t.from[at + u.length - 1]!;
    const lastLen = String.fromCodePoint(text.codePointAt(lastFrom)!).length;
    return { start: t.from[at]!, end: lastFrom + lastLen };
  });
}

export type Edit = { kind: 'remove' } | { kind: 'replace'; with: string };

/**
 * The text with the span removed or replaced. Removing also drops one side's whitespace, so that no double
 * space (or a space before the punctuation that followed) is left: "the best movie" -> "the movie".
 */
export function editText(text: string, span: Span, edit: Edit): string {
  if (edit.kind === 'replace') return text.slice(0, span.start) + edit.with + text.slice(span.end);
  let { start, end } = span;
  const before = text.slice(0, start);
  const after = text.slice(end);
  const spaceBefore = /\s+$/u.exec(before)?.[0].length ?? 0;
  const spaceAfter = /^\s+/u.exec(after)?.[0].length ?? 0;
  if (spaceBefore && (spaceAfter || after === '' || /^[\p{P}]/u.test(after))) start -= spaceBefore;
  else if (spaceAfter && before === '') end += spaceAfter;
  return text.slice(0, start) + text.slice(end);
}

/** What the model predicts for one text: class probabilities, or a language model's greedy continuation. */
export interface Prediction {
  probabilities?: number[];
  /** Generation: the greedy continuation, and the most probable next tokens with their probabilities. */
  continuation?: string;
  nextTokens?: { token: string; p: number }[];
}

export interface ClassChange {
  c: number;
  name: string;
  before: number;
  after: number;
}

/** Every class's probability before and after, the class predicted before first, then by the new probability. */
export function classChanges(
  before: readonly number[],
  after: readonly number[],
  names?: readonly string[],
): ClassChange[] {
  if (before.length !== after.length)
    throw new Error(`the two predictions have ${before.length} and ${after.length} classes`);
  const top = before.indexOf(Math.max(...before));
  return before
    .map((b, c) => ({ c, name: names?.[c] ?? `class ${c}`, before: b, after: after[c]! }))
    .sort((x, y) => (x.c === top ? -1 : y.c === top ? 1 : y.after - x.after));
}

/** Probabilities from logits (max subtracted first, so large logits do not overflow). */
export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** The index of the most probable class. */
export function argmax(p: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}
