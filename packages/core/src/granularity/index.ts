/**
 * Granularity: which tokens form each unit (ALL_TOKENS, TOKEN, WORD, SENTENCE, PART_SENTENCE) and the
 * decoded text of each unit, for transformers.js tokenizers (WordPiece, byte-level BPE, SentencePiece).
 * Exports `computeUnits` (unit membership, element texts, `spaceBefore`), `specialTokenMask`, `tokenizerInfo`
 * and their types; see units.ts / tokens.ts / spacing.ts.
 */

export { computeUnits, type UnitsOptions, type UnitsResult } from './units.ts';
export { specialTokenMask, tokenizerInfo, type TokenizerInfo, type TokenizerLike, type WordScheme } from './tokens.ts';
