/**
 * Custom units (`explain(..., { units })`): spans given by the user replace the granularity's units where they lie.
 *
 * A span is a character range `{ start, end }` of the input text (end exclusive, as `String.slice`) or a token
 * index group `{ tokens: [...] }` (positions in the explained ids, special tokens included, as
 * `output.inputs.inputIds`). Rules, each refused with an InputError naming the span and the fix:
 * - a character range must cover whole tokens: one that starts or ends inside a token's text is refused, with the
 *   token-aligned ranges around it (nothing is snapped silently: the unit would not be the one asked for). The
 *   whitespace a token carries (GPT-2's " world") belongs to no span: "world" covers the token " world";
 * - a span must cover at least one token; spans must not share a token; special tokens are never in a unit;
 * - character ranges need the input as text, and an input that was not truncated.
 * Tokens no span covers keep their granularity unit (cut where a span interrupts it, so every such unit is
 * contiguous): the text still reads whole, and the spans only say which tokens go together. Units are numbered left
 * to right by their first token. A character span's element is its text (`text.slice(start, end)`); other units'
 * elements are decoded as at the granularity (units.ts).
 *
 * Token characters: transformers.js gives no offsets, so each token-level unit's decoded text (unknown tokens and
 * split characters resolved by units.ts) is found in the input text, both compared without whitespace, case,
 * accents and compatibility forms (BERT uncased normalises so). A token found nowhere has no range: no character
 * span covers it (it keeps its granularity unit; a token group can take it), and a span that then covers no token
 * is refused with a pointer to token index groups.
 *
 * Exports: `UnitSpan`, `UnitsOption`, `spansPerInput(option, n)`, `applyCustomUnits(tokenizer, ids, base, spans,
 * context)`, `tokenCharRanges(tokenizer, ids, text)`.
 */
import { InputError } from '../errors.ts';
import { Granularity, type UnitMembership } from '../types.ts';
import { tokenizerInfo, type TokenizerLike } from './tokens.ts';
import { computeUnits, describeUnits, type UnitsResult } from './units.ts';

/** A character range of the input text (end exclusive), or a group of token positions. */
export type UnitSpan = { start: number; end: number } | { tokens: number[] };
/** One list of spans per input; a single input may give its list alone. */
export type UnitsOption = UnitSpan[] | UnitSpan[][];

function isSpan(x: unknown): x is UnitSpan {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  return ('start' in x && 'end' in x) || 'tokens' in x;
}

/** The spans of each input, checked for form only (what they cover is checked per input). */
export function spansPerInput(option: unknown, n: number): UnitSpan[][] {
  const form =
    'units is one list of spans per input ({ start, end } character ranges or { tokens: [...] } token index groups), ' +
    'or, for a single input, its list alone';
  if (!Array.isArray(option)) throw new InputError(`${form}.`);
  if (option.length === 0) return Array.from({ length: n }, () => []);
  const perInput = option.length > 0 && option.every(isSpan) ? [option as UnitSpan[]] : option;
  if (!perInput.every((l) => Array.isArray(l) && l.every(isSpan))) {
    throw new InputError(`${form}; got ${JSON.stringify(option).slice(0, 120)}.`);
  }
  if (perInput.length !== n) {
    throw new InputError(`Got units for ${perInput.length} input(s) but ${n} input(s): ${form}.`);
  }
  return perInput as UnitSpan[][];
}

export interface CustomUnitsContext {
  /** The input's index, for messages. */
  input: number;
  /** The text the ids encode (character spans need it). */
  text?: string;
  /** The ids were cut to the model's positions (character spans are then refused). */
  truncated: boolean;
  isSpecial(id: number): boolean;
}

const strip = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Per token, the character range [start, end) its text spans in `text`, leading and trailing whitespace excluded;
 * undefined for special tokens, whitespace-only tokens and tokens not found (see the module doc).
 */
export function tokenCharRanges(
  tokenizer: TokenizerLike,
  ids: number[],
  text: string,
): ([number, number] | undefined)[] {
  // The text as a stream of comparable characters, each with the range of the original characters it comes from.
  const stream: string[] = [];
  const from: [number, number][] = [];
  for (let i = 0; i < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    for (const c of strip(ch).replace(/\s/gu, '')) {
      stream.push(c);
      from.push([i, i + ch.length]);
    }
    i += ch.length;
  }
  const tokenUnits = computeUnits(tokenizer, ids, Granularity.TOKEN, { text });
  const members: number[][] = tokenUnits.elements.map(() => []);
  tokenUnits.units.unitOfToken.forEach((u, t) => {
    if (u >= 0) members[u]!.push(t);
  });
  const info = tokenizerInfo(tokenizer);
  const out: ([number, number] | undefined)[] = ids.map(() => undefined);
  let at = 0;
  tokenUnits.elements.forEach((element, u) => {
    // A WordPiece continuation decodes alone with its "##".
    const bare =
      info.scheme === 'wordpiece' && element.startsWith(info.continuingPrefix)
        ? element.slice(info.continuingPrefix.length)
        : element;
    const wanted = [...strip(bare).replace(/\s/gu, '')];
    if (wanted.length === 0) return;
    const matchesAt = (p: number) => wanted.every((c, k) => stream[p + k] === c);
    let p = at;
    while (p + wanted.length <= stream.length && !matchesAt(p)) p++;
    if (p + wanted.length > stream.length) return;
    const range: [number, number] = [from[p]![0], from[p + wanted.length - 1]![1]];
    for (const t of members[u]!) out[t] = range;
    at = p + wanted.length;
  });
  return out;
}

function describeSpan(s: UnitSpan, k: number): string {
  return 'tokens' in s
    ? `units[${k}] { tokens: [${s.tokens.join(', ')}] }`
    : `units[${k}] { start: ${s.start}, end: ${s.end} }`;
}

/** Which span covers each token (-1: none), every rule of the module doc checked. */
function coverage(
  tokenizer: TokenizerLike,
  ids: number[],
  spans: UnitSpan[],
  ctx: CustomUnitsContext,
): { spanOf: number[]; ranges?: ([number, number] | undefined)[] } {
  const where = `Input ${ctx.input}`;
  const spanOf = ids.map(() => -1);
  let ranges: ([number, number] | undefined)[] | undefined;
  const show = (a: number, b: number) => JSON.stringify(ctx.text!.slice(a, b));
  spans.forEach((span, k) => {
    const name = describeSpan(span, k);
    const covered: number[] = [];
    if ('tokens' in span) {
      if (!Array.isArray(span.tokens) || span.tokens.length === 0) {
        throw new InputError(`${where}: ${name} lists no token; give at least one token position.`);
      }
      for (const t of span.tokens) {
        if (!Number.isInteger(t) || t < 0 || t >= ids.length) {
          throw new InputError(
            `${where}: ${name}: ${String(t)} is not a token position; positions are 0..${ids.length - 1} ` +
              '(indices into output.inputs.inputIds, special tokens included).',
          );
        }
        if (ctx.isSpecial(ids[t]!)) {
          throw new InputError(
            `${where}: ${name}: token ${t} is a special token (${JSON.stringify(tokenizer.decode([ids[t]!]))}); ` +
              'special tokens are never in a unit: leave it out.',
          );
        }
        if (covered.includes(t)) throw new InputError(`${where}: ${name} lists token ${t} twice.`);
        covered.push(t);
      }
    } else {
      const { start, end } = span;
      if (ctx.text === undefined) {
        throw new InputError(
          `${where}: ${name} is a character range, but the input was given as token ids: give units as token ` +
            'index groups { tokens: [...] } instead.',
        );
      }
      if (ctx.truncated) {
        throw new InputError(
          `${where} was truncated to the model's positions, so its characters no longer match its tokens: give ` +
            'units as token index groups { tokens: [...] } over output.inputs.inputIds.',
        );
      }
      const L = ctx.text.length;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > L || start >= end) {
        throw new InputError(
          `${where}: ${name} is not a character range of the text: it needs integers 0 <= start < end <= ${L} ` +
            '(end exclusive, as String.slice).',
        );
      }
      ranges ??= tokenCharRanges(tokenizer, ids, ctx.text);
      for (let t = 0; t < ids.length; t++) {
        const r = ranges[t];
        if (r === undefined) continue;
        const [a, b] = r;
        if (b <= start || a >= end) continue;
        if (start <= a && b <= end) {
          covered.push(t);
          continue;
        }
        // Inside a token: say which token and the token-aligned ranges around the span.
        const inner = ranges.filter((x): x is [number, number] => !!x && x[0] >= start && x[1] <= end);
        const outerStart = Math.min(start, ...ranges.filter((x) => x && x[1] > start && x[0] < end).map((x) => x![0]));
        const outerEnd = Math.max(end, ...ranges.filter((x) => x && x[1] > start && x[0] < end).map((x) => x![1]));
        const fix = [`{ start: ${outerStart}, end: ${outerEnd} } (${show(outerStart, outerEnd)})`];
        if (inner.length > 0) {
          const s = Math.min(...inner.map((x) => x[0]));
          const e = Math.max(...inner.map((x) => x[1]));
          fix.unshift(`{ start: ${s}, end: ${e} } (${show(s, e)})`);
        }
        throw new InputError(
          `${where}: ${name} (${show(start, end)}) cuts the token ${show(a, b)} (characters ${a}..${b}): a unit ` +
            `holds whole tokens. Use ${fix.join(' or ')}.`,
        );
      }
      // Tokens found nowhere in the text may lie inside the span: their place is unknown.
      const unplaced = ids.some(
        (id, t) => ranges![t] === undefined && !ctx.isSpecial(id) && tokenizer.decode([id]).trim() !== '',
      );
      if (covered.length === 0) {
        throw new InputError(
          `${where}: ${name} (${show(start, end)}) covers no token` +
            (unplaced
              ? ' that could be located in the text; give units as token index groups { tokens: [...] }.'
              : '; it holds only whitespace.'),
        );
      }
    }
    for (const t of covered) {
      if (spanOf[t]! >= 0) {
        throw new InputError(
          `${where}: ${name} and ${describeSpan(spans[spanOf[t]!]!, spanOf[t]!)} both cover token ${t} ` +
            `(${JSON.stringify(tokenizer.decode([ids[t]!]))}); units must not overlap.`,
        );
      }
      spanOf[t] = k;
    }
  });
  return { spanOf, ranges };
}

/**
 * The units of one sequence once `spans` are applied over `base` (the granularity's units of the same ids): the
 * spans' tokens grouped, the rest kept in their granularity unit, numbered left to right (see the module doc).
 */
export function applyCustomUnits(
  tokenizer: TokenizerLike,
  ids: number[],
  base: UnitMembership,
  spans: UnitSpan[],
  ctx: CustomUnitsContext,
): UnitsResult {
  const { spanOf } = coverage(tokenizer, ids, spans, ctx);
  const unitOfToken = ids.map(() => -1);
  const unitOfSpan = spans.map(() => -1);
  let n = 0;
  for (let t = 0; t < ids.length; t++) {
    const k = spanOf[t]!;
    if (k >= 0) {
      if (unitOfSpan[k]! < 0) unitOfSpan[k] = n++;
      unitOfToken[t] = unitOfSpan[k]!;
      continue;
    }
    const u = base.unitOfToken[t]!;
    if (u < 0) continue;
    // Continues the run of its granularity unit when the token before is in the same one and uncovered.
    const continues = t > 0 && spanOf[t - 1] === -1 && base.unitOfToken[t - 1] === u;
    unitOfToken[t] = continues ? unitOfToken[t - 1]! : n++;
  }
  const described = describeUnits(tokenizer, ids, unitOfToken, { text: ctx.text });
  spans.forEach((s, k) => {
    if (!('tokens' in s)) described.elements[unitOfSpan[k]!] = ctx.text!.slice(s.start, s.end);
  });
  return { units: { unitOfToken, nUnits: n }, ...described };
}
