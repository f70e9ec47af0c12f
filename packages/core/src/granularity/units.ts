/**
 * Unit membership at each granularity (spec section 3), rebuilt from token strings because transformers.js
 * gives no offsets or word ids.
 *
 * Exports:
 * - `computeUnits(tokenizer, ids, granularity, { continues? }) -> { units; elements; spaceBefore }`
 *   - ALL_TOKENS: one unit per position, special tokens included.
 *   - TOKEN: one unit per non-special token.
 *   - WORD: the pre-tokenizer's words. WordPiece: a token starting with the continuation prefix ("##")
 *     continues the word, any other opens one (BERT's pre-tokenizer already splits punctuation into tokens of
 *     their own). Byte-level BPE: exactly the pre-tokenizer's words: the tokens' bytes are decoded, split by
 *     the tokenizer's own pre-tokenizer (GPT-2's regex when it exposes none) and mapped back by byte offsets,
 *     so " mat" tokenised "Ġ|m|at" is one word, "seen" "." and "Who" "'s" are two. Where that cannot be done
 *     (bytes that are not valid UTF-8) a token-local rule stands in: a space byte or a change between
 *     letters, digits and other characters opens a word, except after a token ending in a lone space. Metaspace (SentencePiece): "▁" opens a word.
 *     Other tokenizers: a decoded leading space opens a word.
 *   - SENTENCE: split after a token ending in ".", "?" or "!" (closing quotes/brackets allowed after it) that is
 *     followed by whitespace and does not end an abbreviation (Mr., Dr., e.g., i.e., U.S., Ph.D., etc., single
 *     initials). WordPiece drops whitespace, so there "followed by whitespace" means: the next token opens a
 *     word, is not punctuation, and the mark is not between two digits (3.14).
 *   - PART_SENTENCE: also splits after ",", ";" and ":" under the same whitespace rule.
 *   Special tokens belong to no unit (unitOfToken -1) except at ALL_TOKENS, and a special token in the middle
 *   always closes the unit before it. Units are contiguous and numbered left to right.
 * - Element texts: `tokenizer.decode(unit ids)`: GPT-2 units keep their leading space; WordPiece words decode
 *   without "##"; SentencePiece units lose the leading "▁" as the Metaspace decoder does.
 * - `spaceBefore[u]`: whitespace separates unit u from the unit before it (its first token's spacing, see
 *   spacing.ts; an approximation for WordPiece, whose normaliser drops whitespace). False for the first unit
 *   unless `continues` is set.
 */

import { Granularity, type UnitMembership } from '../types.ts';
import { byteLevelWordStarts } from './byte-level.ts';
import { BYTE_LEVEL_SPACES, tokenSpaceBefore } from './spacing.ts';
import { tokenizerInfo, type TokenizerInfo, type TokenizerLike } from './tokens.ts';

export interface UnitsResult {
  units: UnitMembership;
  elements: string[];
  /** Per unit: whitespace separates it from the unit before (see spacing.ts for each tokenizer family). */
  spaceBefore: boolean[];
}

export interface UnitsOptions {
  /**
   * The ids continue text that came before them (generation targets after their prompt): the first unit's
   * `spaceBefore` then says whether whitespace precedes it, instead of being false.
   */
  continues?: boolean;
}

type CharClass = 'letter' | 'number' | 'space' | 'other' | 'partial';

function charClass(ch: string | undefined): CharClass {
  if (ch === undefined || ch === '\uFFFD') return 'partial';
  if (/\p{L}|\p{M}/u.test(ch)) return 'letter';
  if (/\p{N}/u.test(ch)) return 'number';
  if (/\s/u.test(ch)) return 'space';
  return 'other';
}


const TERMINATOR = /[.?!]["'\u201d\u2019)\]]*$/;
const PART_TERMINATOR = /[.?!,;:]["'\u201d\u2019)\]]*$/;
// Matched against the lower-cased decoded sentence so far; WordPiece decodes "e.g." as "e. g.", hence \s?.
const ABBREVIATION =
  /(?:^|[\s("'[])(?:mr|mrs|ms|dr|prof|sr|jr|st|mt|vs|etc|inc|ltd|co|corp|no|fig|al|approx|dept|est|gen|gov|sen|rep|e\.\s?g|i\.\s?e|u\.\s?s|u\.\s?k|ph\.\s?d|a\.\s?m|p\.\s?m|[a-z])\s?\.$/;
const PUNCTUATION_ONLY = /^[\p{P}\p{S}]+$/u;

interface TokenView {
  id: number;
  raw: string;
  /** Decoded text of the token alone. */
  text: string;
  opensWithSpace: boolean;
}

function viewTokens(tokenizer: TokenizerLike, info: TokenizerInfo, ids: number[]): TokenView[] {
  return ids.map((id) => {
    const raw = info.idToToken(id);
    const text = tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    let opensWithSpace: boolean;
    switch (info.scheme) {
      case 'byte-level':
        opensWithSpace = BYTE_LEVEL_SPACES.has(raw[0] ?? '');
        break;
      case 'metaspace':
        opensWithSpace = raw.startsWith(info.metaspace);
        break;
      case 'wordpiece':
        opensWithSpace = !raw.startsWith(info.continuingPrefix);
        break;
      default:
        opensWithSpace = /^\s/u.test(text);
    }
    return { id, raw, text, opensWithSpace };
  });
}

/** Token-local word rule; for byte-level BPE only the fallback of `byteLevelWordStarts` (see its doc). */
function opensWord(info: TokenizerInfo, prev: TokenView, cur: TokenView): boolean {
  if (info.addedNonSpecial.has(cur.id) || info.addedNonSpecial.has(prev.id)) return true;
  if (info.scheme === 'byte-level') {
    if (cur.opensWithSpace) return true;
    const a = charClass([...prev.text].at(-1));
    const b = charClass([...cur.text][0]);
    if (a === 'partial' || b === 'partial') return false; // a multi-byte character split across tokens
    // GPT-2's regex gives a single space before a non-space to the word that follows (" ?\p{L}+", ...).
    if (/^\s+$/u.test(prev.text) && prev.text.endsWith(' ') && b !== 'space') return false;
    return a !== b;
  }
  return cur.opensWithSpace;
}

/**
 * Whether each token opens a word (meaningful for non-special tokens). Byte-level BPE: the pre-tokenizer's
 * words over each stretch of ordinary tokens (special and added tokens split the text before pre-tokenizing).
 */
function wordStarts(tokenizer: TokenizerLike, info: TokenizerInfo, views: TokenView[]): boolean[] {
  const opens = views.map((v, i) => i === 0 || opensWord(info, views[i - 1] as TokenView, v));
  if (info.scheme !== 'byte-level') return opens;
  const pre = tokenizer._tokenizer?.pre_tokenizer;
  const preTokenize = pre && typeof pre.pre_tokenize === 'function' ? (t: string) => pre.pre_tokenize(t) : undefined;
  const ordinary = (v: TokenView) => !info.special.has(v.id) && !info.addedNonSpecial.has(v.id);
  for (let a = 0; a < views.length; ) {
    if (!ordinary(views[a] as TokenView)) {
      a++;
      continue;
    }
    let b = a;
    while (b < views.length && ordinary(views[b] as TokenView)) b++;
    const starts = byteLevelWordStarts(views.slice(a, b).map((v) => v.raw), preTokenize);
    // The run's first token follows a special or added token, which already ends the word before it.
    starts?.forEach((o, j) => {
      if (j > 0) opens[a + j] = o;
    });
    a = b;
  }
  return opens;
}

/** Word units over the non-special tokens; returns unit id per position (-1 for specials). */
function wordUnits(tokenizer: TokenizerLike, info: TokenizerInfo, views: TokenView[]): number[] {
  const opens = wordStarts(tokenizer, info, views);
  const unit = new Array<number>(views.length).fill(-1);
  let n = -1;
  let prev = -1;
  views.forEach((v, i) => {
    if (info.special.has(v.id)) return;
    if (prev !== i - 1 || prev < 0 || opens[i]) n++;
    unit[i] = n;
    prev = i;
  });
  return unit;
}

function followedByWhitespace(info: TokenizerInfo, views: TokenView[], i: number): boolean {
  const next = views[i + 1];
  if (!next || info.special.has(next.id)) return false;
  if (info.scheme !== 'wordpiece') return next.opensWithSpace;
  if (!next.opensWithSpace || PUNCTUATION_ONLY.test(next.text)) return false;
  const before = views[i - 1];
  const isDigitEnd = (s: string | undefined) => s !== undefined && /\p{N}$/u.test(s);
  return !(isDigitEnd(before?.text) && /^\p{N}/u.test(next.text));
}

function sentenceUnits(
  tokenizer: TokenizerLike,
  info: TokenizerInfo,
  views: TokenView[],
  terminator: RegExp,
): number[] {
  const unit = new Array<number>(views.length).fill(-1);
  let n = -1;
  let open = false; // whether unit n is still accepting tokens
  let sentenceStart = 0;
  views.forEach((v, i) => {
    if (info.special.has(v.id)) {
      open = false;
      return;
    }
    if (!open) {
      n++;
      open = true;
      sentenceStart = i;
    }
    unit[i] = n;
    if (!terminator.test(v.text) || !followedByWhitespace(info, views, i)) return;
    if (/\.["'\u201d\u2019)\]]*$/.test(v.text)) {
      const soFar = tokenizer
        .decode(
          views.slice(sentenceStart, i + 1).map((t) => t.id),
          { skip_special_tokens: true },
        )
        .toLowerCase()
        .trimEnd();
      if (ABBREVIATION.test(soFar)) return;
    }
    open = false;
  });
  return unit;
}

export function computeUnits(
  tokenizer: TokenizerLike,
  ids: number[],
  granularity: Granularity,
  options: UnitsOptions = {},
): UnitsResult {
  if (!Array.isArray(ids) || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new Error('computeUnits expects ids as an array of non-negative integers (one sequence, no batch dimension).');
  }
  const info = tokenizerInfo(tokenizer);
  const views = viewTokens(tokenizer, info, ids);
  let unitOfToken: number[];
  switch (granularity) {
    case Granularity.ALL_TOKENS:
      unitOfToken = ids.map((_, i) => i);
      break;
    case Granularity.TOKEN: {
      let n = 0;
      unitOfToken = ids.map((id) => (info.special.has(id) ? -1 : n++));
      break;
    }
    case Granularity.WORD:
      unitOfToken = wordUnits(tokenizer, info, views);
      break;
    case Granularity.SENTENCE:
      unitOfToken = sentenceUnits(tokenizer, info, views, TERMINATOR);
      break;
    case Granularity.PART_SENTENCE:
      unitOfToken = sentenceUnits(tokenizer, info, views, PART_TERMINATOR);
      break;
    default:
      throw new Error(`Unknown granularity ${String(granularity)}; use one of ${Object.values(Granularity).join(', ')}.`);
  }
  const nUnits = unitOfToken.reduce((m, u) => Math.max(m, u + 1), 0);
  const groups: number[][] = Array.from({ length: nUnits }, () => []);
  unitOfToken.forEach((u, i) => {
    if (u >= 0) (groups[u] as number[]).push(ids[i] as number);
  });
  const elements = groups.map((g) => tokenizer.decode(g, { skip_special_tokens: false }));
  const tokenSpace = tokenSpaceBefore(info, views);
  const spaceBefore = new Array<boolean>(nUnits).fill(false);
  unitOfToken.forEach((u, i) => {
    if (u >= 0 && (i === 0 || unitOfToken[i - 1] !== u)) spaceBefore[u] = tokenSpace[i] as boolean;
  });
  if (nUnits > 0 && !options.continues) spaceBefore[0] = false; // nothing before the first unit
  return { units: { unitOfToken, nUnits }, elements, spaceBefore };
}
