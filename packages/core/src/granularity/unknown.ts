/**
 * The piece of text each unknown token ([UNK], <unk>) stands for. transformers.js gives no offsets, so the
 * text is run again through the tokenizer's own pipeline (added-token split, normaliser, pre-tokenizer) with
 * the model called one pre-tokenized word at a time, which tells which word each model token came from; the
 * unknown token's piece is what its word holds between the pieces of the known tokens around it.
 *
 * Exports `unknownPieces(tokenizer, info, ids, text) -> (string | undefined)[] | undefined`: per position of
 * `ids`, the piece an unknown token stands for, in the pre-tokenizer's form (normalised: BERT uncased
 * lower-cases and strips accents; Metaspace words keep their "▁"); undefined elsewhere. The whole result is
 * undefined when the pipeline is not reachable (another tokenizer library) or `ids` are not the encoding of
 * `text` (their non-special tokens must be the model's tokens of `text`, in order, or those cut at the start
 * or at the end as truncation does).
 */

import type { TokenizerInfo, TokenizerLike } from './tokens.ts';

interface WordTokens {
  word: string;
  tokens: string[];
}

/** The tokenizer's own pipeline up to the model (added-token split, normaliser, pre-tokenizer, model). */
interface Pipeline {
  model?: unknown;
  encode_text?: (this: Pipeline, text: string) => string[] | null;
}

/** Runs the tokenizer's pipeline on `text`, recording the model's tokens of each pre-tokenized word. */
function wordsOf(tokenizer: TokenizerLike, text: string): WordTokens[] | undefined {
  const t = tokenizer._tokenizer as Pipeline | undefined;
  const model = t?.model as ((pieces: string[]) => string[]) | undefined;
  if (!t || typeof t.encode_text !== 'function' || typeof model !== 'function') return undefined;
  const words: WordTokens[] = [];
  const recording = (pieces: string[]): string[] =>
    pieces.flatMap((word) => {
      const tokens = model([word]);
      words.push({ word, tokens });
      return tokens;
    });
  // encode_text reads the model from `this`: a view of the tokenizer whose model records what it is asked.
  const shadow = Object.create(t, { model: { value: recording } }) as typeof t;
  try {
    t.encode_text.call(shadow, text);
  } catch {
    return undefined;
  }
  return words;
}

/**
 * Pieces of the unknown tokens of one word. A model that returns the unknown text itself (Unigram: "🎬",
 * fused runs) names its piece; for one that returns the unknown token ("[UNK]": WordPiece, BPE) the piece is
 * the word's text left between the known tokens' pieces.
 */
function piecesInWord(
  info: TokenizerInfo,
  isUnknown: (tok: string) => boolean,
  { word, tokens }: WordTokens,
): (string | undefined)[] {
  const out = new Array<string | undefined>(tokens.length).fill(undefined);
  const surface = (tok: string, k: number) =>
    info.scheme === 'wordpiece' && k > 0 && tok.startsWith(info.continuingPrefix)
      ? tok.slice(info.continuingPrefix.length)
      : tok;
  let at = 0;
  let k = 0;
  while (k < tokens.length) {
    const tok = tokens[k] as string;
    if (tok !== info.unknownToken) {
      const s = surface(tok, k);
      if (!word.startsWith(s, at)) return out.fill(undefined); // not a substring model: give up on this word
      if (isUnknown(tok)) out[k] = tok;
      at += s.length;
      k++;
      continue;
    }
    let end = k;
    while (end < tokens.length && tokens[end] === info.unknownToken) end++;
    const next = end < tokens.length ? word.indexOf(surface(tokens[end] as string, end), at + 1) : word.length;
    if (next < 0) return out.fill(undefined);
    // Several unknown tokens in a row (a model that does not fuse them): one character each, the last the rest.
    const chars = [...word.slice(at, next)];
    for (let j = k; j < end; j++) out[j] = j < end - 1 ? (chars.shift() ?? '') : chars.join('');
    at = next;
    k = end;
  }
  return out;
}

export function unknownPieces(
  tokenizer: TokenizerLike,
  info: TokenizerInfo,
  ids: readonly number[],
  text: string,
): (string | undefined)[] | undefined {
  if (info.unknownId === undefined || !ids.includes(info.unknownId)) return undefined;
  const words = wordsOf(tokenizer, text);
  const toId = tokenizer._tokenizer?.token_to_id?.bind(tokenizer._tokenizer);
  if (!words || !toId) return undefined;
  const idOf = (tok: string) => toId(tok) ?? info.unknownId;
  const isUnknown = (tok: string) => idOf(tok) === info.unknownId;
  const flat = words.flatMap((w) => {
    const pieces = piecesInWord(info, isUnknown, w);
    return w.tokens.map((token, k) => ({ id: idOf(token), piece: pieces[k] }));
  });
  // The ids may be cut at the end (classification) or at the start (generation prompts): try both windows.
  const positions = ids.flatMap((id, i) => (info.special.has(id) || info.addedNonSpecial.has(id) ? [] : [i]));
  for (const offset of new Set([0, flat.length - positions.length])) {
    if (offset < 0) continue;
    const matches = positions.every((p, k) => flat[offset + k]?.id === ids[p]);
    if (!matches) continue;
    const out = new Array<string | undefined>(ids.length).fill(undefined);
    positions.forEach((p, k) => {
      if (ids[p] === info.unknownId) out[p] = flat[offset + k]?.piece;
    });
    return out;
  }
  return undefined;
}
