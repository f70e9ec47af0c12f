/**
 * Unit membership at each granularity (docs/spec.md §3), rebuilt from token strings because transformers.js
 * gives no offsets or word ids.
 *
 * Exports:
 * - `computeUnits(tokenizer, ids, granularity, { continues?, text? }) -> { units; elements; spaceBefore }`
 *   - ALL_TOKENS: one unit per position, special tokens included.
 *   - TOKEN: one unit per non-special token, except that units never split a character: tokens carrying raw
 *     bytes (byte-level BPE, byte-fallback "<0xE8>" pieces) are grouped until their bytes end on a character
 *     boundary, so "电" spread over "çĶ" and "µ" is one unit of two tokens. Such a unit's attribution is its
 *     tokens' scores reduced by the explainer's aggregation strategy, as for a word of several tokens.
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
 *   The unknown token ([UNK], <unk>) is not special: it is a unit (or part of one) where the text had
 *   something the vocabulary cannot spell (BERT: "🎬", most CJK characters). Given `text` (what `ids`
 *   encode), it shows the piece of the text it stands for (unknown.ts), normalised as the tokenizer
 *   normalises (BERT uncased: lower-cased, accents stripped); without `text` it shows the token ("[UNK]").
 * - Element texts: `tokenizer.decode(unit ids)`, unknown tokens replaced by their pieces: GPT-2 units keep
 *   their leading space; WordPiece words decode without "##"; SentencePiece units lose the leading "▁" as
 *   the Metaspace decoder does. Only WordPiece applies the tokenizer's clean-up of spaces (" ." -> "."); the
 *   other families' tokens carry their whitespace, which clean-up would lose. Byte-level units (and
 *   SentencePiece units holding byte-fallback pieces) decode their bytes together; a byte that is not part
 *   of a whole character in its unit is written "<0xE8>" rather than U+FFFD. That happens at ALL_TOKENS,
 *   where each token of "电" ("çĶ" | "µ") is its own unit and shows "<0xE7><0x94>" | "<0xB5>" (the raw
 *   bytes, in SentencePiece's byte-fallback notation), and for a character cut by the end of a generated
 *   sequence. A lone UTF-16 surrogate in the input reads U+FFFD where the tokenizer encodes text as UTF-8
 *   (byte-level, byte fallback): that is the text the model saw.
 * - `spaceBefore[u]`: whitespace separates unit u from the unit before it (its first token's spacing, see
 *   spacing.ts; an approximation for WordPiece, whose normaliser drops whitespace). False for the first unit
 *   unless `continues` is set.
 */

import { Granularity, type UnitMembership } from '../types.ts';
import { byteLevelBytes, byteLevelWordStarts } from './byte-level.ts';
import { characterGroups, decodeBytes } from './characters.ts';
import { BYTE_LEVEL_SPACES, tokenSpaceBefore } from './spacing.ts';
import { tokenizerInfo, type TokenizerInfo, type TokenizerLike } from './tokens.ts';
import { unknownPieces } from './unknown.ts';

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
  /**
   * The text `ids` are the encoding of (special tokens added or not, possibly truncated): unknown tokens then
   * show the piece of it they stand for instead of "[UNK]".
   */
  text?: string;
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
  /** Vocabulary string; for an unknown token whose piece is known, that piece (pre-tokenizer form). */
  raw: string;
  /** Decoded text of the token alone (an unknown token's piece as it reads in the text). */
  text: string;
  opensWithSpace: boolean;
  /** Raw UTF-8 bytes the token stands for (byte-level and byte-fallback tokens); undefined for whole text. */
  bytes: number[] | undefined;
  /** An unknown token whose piece of text is known. */
  unknownPiece: boolean;
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

function tokenBytes(info: TokenizerInfo, id: number, raw: string): number[] | undefined {
  if (info.special.has(id) || info.addedNonSpecial.has(id) || id === info.unknownId) return undefined;
  if (info.scheme === 'byte-level') return byteLevelBytes(raw);
  const m = info.byteFallback ? BYTE_PIECE.exec(raw) : null;
  return m ? [Number.parseInt(m[1] as string, 16)] : undefined;
}

/** How a piece of pre-tokenized text reads in the decoded text. */
function pieceText(info: TokenizerInfo, piece: string): string {
  if (info.scheme === 'metaspace') return piece.replaceAll(info.metaspace, ' ');
  if (info.scheme === 'byte-level') {
    const bytes = byteLevelBytes(piece);
    if (bytes) return decodeBytes(bytes);
  }
  return piece;
}

function viewTokens(tokenizer: TokenizerLike, info: TokenizerInfo, ids: number[], text?: string): TokenView[] {
  const pieces = text === undefined ? undefined : unknownPieces(tokenizer, info, ids, text);
  return ids.map((id, i) => {
    const piece = pieces?.[i];
    const raw = piece ?? info.idToToken(id);
    const text =
      piece !== undefined
        ? pieceText(info, piece)
        : tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
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
    return { id, raw, text, opensWithSpace, bytes: tokenBytes(info, id, raw), unknownPiece: piece !== undefined };
  });
}

/** TOKEN units: one per non-special token, tokens that share a character grouped (see characters.ts). */
function tokenUnits(info: TokenizerInfo, views: TokenView[]): number[] {
  const group = characterGroups(views.map((v) => v.bytes));
  let n = -1;
  return views.map((v, i) => {
    if (info.special.has(v.id)) return -1;
    if (i === 0 || group[i] !== group[i - 1] || info.special.has((views[i - 1] as TokenView).id)) n++;
    return n;
  });
}

/** The tokens' texts in order, each run of byte tokens decoded together ("<0xE8>" for a stray byte). */
function joinWithBytes(vs: TokenView[], textOf: (v: TokenView) => string): string {
  let out = '';
  let bytes: number[] = [];
  for (const v of vs) {
    if (v.bytes) {
      bytes.push(...v.bytes);
      continue;
    }
    out += decodeBytes(bytes) + textOf(v);
    bytes = [];
  }
  return out + decodeBytes(bytes);
}

/** Display text of the tokens at `positions` (one unit), see the module doc. */
function unitText(tokenizer: TokenizerLike, info: TokenizerInfo, views: TokenView[], positions: number[]): string {
  const vs = positions.map((p) => views[p] as TokenView);
  // Other tokens (special, added, unknown) read as they do alone.
  if (info.scheme === 'byte-level') return joinWithBytes(vs, (v) => v.text);
  if (info.scheme === 'metaspace' && vs.some((v) => v.bytes)) {
    // Byte-fallback pieces decoded here (the decoder drops a BOM and writes U+FFFD for a stray byte), "▁"
    // read as a space, and the unit's leading space dropped as the Metaspace decoder does.
    const ordinary = (v: TokenView) => !v.unknownPiece && !info.special.has(v.id) && !info.addedNonSpecial.has(v.id);
    return joinWithBytes(vs, (v) => (ordinary(v) ? v.raw.replaceAll(info.metaspace, ' ') : v.text)).replace(/^ /, '');
  }
  let text = tokenizer.decode(
    vs.map((v) => v.id),
    {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: info.scheme === 'wordpiece' ? undefined : false,
    },
  );
  const unknown = vs.filter((v) => v.unknownPiece);
  if (unknown.length > 0 && info.unknownToken) {
    const parts = text.split(info.unknownToken);
    if (parts.length === unknown.length + 1) {
      // The Metaspace decoder drops the space a unit's first token opens with; an unknown piece's too.
      const shown = unknown.map((v, k) =>
        k === 0 && vs[0] === v && info.scheme === 'metaspace' ? v.text.replace(/^ /, '') : v.text,
      );
      text = parts.map((p, k) => p + (shown[k] ?? '')).join('');
    }
  }
  return text;
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
    const starts = byteLevelWordStarts(
      views.slice(a, b).map((v) => v.raw),
      preTokenize,
    );
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
    throw new Error(
      'computeUnits expects ids as an array of non-negative integers (one sequence, no batch dimension).',
    );
  }
  const info = tokenizerInfo(tokenizer);
  const views = viewTokens(tokenizer, info, ids, options.text);
  let unitOfToken: number[];
  switch (granularity) {
    case Granularity.ALL_TOKENS:
      unitOfToken = ids.map((_, i) => i);
      break;
    case Granularity.TOKEN:
      unitOfToken = tokenUnits(info, views);
      break;
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
      throw new Error(
        `Unknown granularity ${String(granularity)}; use one of ${Object.values(Granularity).join(', ')}.`,
      );
  }
  return {
    units: { unitOfToken, nUnits: unitOfToken.reduce((m, u) => Math.max(m, u + 1), 0) },
    ...describe(tokenizer, info, views, unitOfToken, options),
  };
}

/**
 * Element texts and spacing of any unit membership over `ids` (units numbered 0..n-1, -1 outside every unit), as
 * `computeUnits` gives them for its own: custom units (custom-units.ts) read like built-in ones.
 */
export function describeUnits(
  tokenizer: TokenizerLike,
  ids: number[],
  unitOfToken: readonly number[],
  options: UnitsOptions = {},
): Omit<UnitsResult, 'units'> {
  const info = tokenizerInfo(tokenizer);
  return describe(tokenizer, info, viewTokens(tokenizer, info, ids, options.text), unitOfToken, options);
}

function describe(
  tokenizer: TokenizerLike,
  info: TokenizerInfo,
  views: TokenView[],
  unitOfToken: readonly number[],
  options: UnitsOptions,
): Omit<UnitsResult, 'units'> {
  const nUnits = unitOfToken.reduce((m, u) => Math.max(m, u + 1), 0);
  const groups: number[][] = Array.from({ length: nUnits }, () => []);
  unitOfToken.forEach((u, i) => {
    if (u >= 0) (groups[u] as number[]).push(i);
  });
  const elements = groups.map((g) => unitText(tokenizer, info, views, g));
  const tokenSpace = tokenSpaceBefore(info, views);
  // A unit's first token says (custom token groups need not be contiguous).
  const spaceBefore = groups.map((g) => (g.length > 0 ? (tokenSpace[g[0] as number] as boolean) : false));
  if (nUnits > 0 && !options.continues) spaceBefore[0] = false; // nothing before the first unit
  return { elements, spaceBefore };
}
