/**
 * Whether whitespace separates each token from the text before it, so that a renderer can put back the spaces
 * that element texts do not carry (WordPiece and SentencePiece units decode without their separating space).
 *
 * Exports `tokenSpaceBefore(info, tokens) -> boolean[]` (one per token):
 * - Byte-level BPE: the token starts with a whitespace byte ("Ġ", "Ċ", ...); the unit's text then starts with
 *   that whitespace too. Special tokens: false.
 * - Metaspace (SentencePiece): the token starts with "▁". Special tokens: false.
 * - WordPiece: BERT's normaliser and pre-tokenizer drop whitespace, so this is an approximation in the spirit of
 *   `clean_up_tokenization`: a token that opens a word (no "##") is preceded by a space, except closing
 *   punctuation (. , ; : ! ? ) ] } % ' …), the token after an opening bracket, after an apostrophe ("it's"),
 *   around "-" and "/" ("well-known", "and/or"), and digits after "." or "," that follows a digit ("3.14").
 *   Special tokens: true ("[CLS] this [SEP]", as BERT's decode writes them).
 * - Other tokenizers: the decoded token starts with whitespace.
 */

import type { TokenizerInfo } from './tokens.ts';

export interface SpacingToken {
  id: number;
  /** Vocabulary string ("Ġm", "##ing", "▁the"). */
  raw: string;
  /** Decoded text of the token alone. */
  text: string;
}

/** GPT-2's byte-to-unicode map sends whitespace bytes (space, \t, \n, \r, ...) to these characters. */
export const BYTE_LEVEL_SPACES = new Set(['\u0120', '\u0109', '\u010a', '\u010b', '\u010c', '\u010d', '\u00a0']);

const CLOSING = /^[.,;:!?)\]}%'\u2019\u201d\u2026]/u;
const OPENING = /^[([{\u2018\u201c]$/u;
const JOINERS = /^['\u2019\-/]$/u;

function wordPieceSpace(info: TokenizerInfo, tokens: SpacingToken[], i: number): boolean {
  const t = tokens[i] as SpacingToken;
  if (info.special.has(t.id)) return true;
  if (t.raw.startsWith(info.continuingPrefix)) return false;
  const prev = tokens[i - 1];
  if (!prev || info.special.has(prev.id)) return true;
  if (CLOSING.test(t.text) || JOINERS.test(t.text)) return false;
  if (OPENING.test(prev.text) || JOINERS.test(prev.text)) return false;
  const before = tokens[i - 2];
  if (/^[.,]$/.test(prev.text) && before && /\p{N}$/u.test(before.text) && /^\p{N}/u.test(t.text)) return false;
  return true;
}

export function tokenSpaceBefore(info: TokenizerInfo, tokens: SpacingToken[]): boolean[] {
  return tokens.map((t, i) => {
    switch (info.scheme) {
      case 'wordpiece':
        return wordPieceSpace(info, tokens, i);
      case 'byte-level':
        return !info.special.has(t.id) && BYTE_LEVEL_SPACES.has(t.raw[0] ?? '');
      case 'metaspace':
        return !info.special.has(t.id) && t.raw.startsWith(info.metaspace);
      default:
        return !info.special.has(t.id) && /^\s/u.test(t.text);
    }
  });
}
