/**
 * A small SentencePiece-style tokenizer (Metaspace pre-tokenizer and decoder, Unigram model, <s> ... </s>
 * template), built in memory for the granularity tests: no SentencePiece fixture ships with the repo.
 *
 * Exports:
 * - `SP_ALPHABET`: every character the vocabulary covers on its own (random strings drawn from it never hit <unk>).
 * - `sentencePieceTokenizerJSON()`: the tokenizer.json object.
 * - `sentencePieceTokenizerConfig()`: the matching tokenizer_config.json object.
 *
 * Vocabulary: whole words ("▁the", "▁movie", ...), subwords ("▁un", "character", "istic", "ally", ...) and every
 * single character with and without "▁", scored so that longer pieces win (log-probability-like scores).
 */

export const SP_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?\'"()-';

const WORDS = [
  'this',
  'This',
  'is',
  'the',
  'The',
  'best',
  'movie',
  'I',
  'have',
  'ever',
  'seen',
  'was',
  'cinema',
  'tography',
  'breath',
  'taking',
  'and',
  'a',
  'of',
  'to',
  'it',
  'in',
  'Dr',
  'Mr',
  'e',
  'g',
  'i',
  'U',
  'S',
  'good',
  'bad',
  'film',
  'great',
  'not',
  'very',
  'story',
];
const SUBWORDS = ['un', 'character', 'istic', 'ally', 'ing', 'ed', 's', 'ly', 'cinema', 'tography', 'taking'];

export function sentencePieceTokenizerJSON(): Record<string, unknown> {
  const specials = ['<unk>', '<s>', '</s>', '<pad>'];
  const vocab: [string, number][] = specials.map((s) => [s, 0]);
  const seen = new Set<string>(specials);
  const add = (piece: string, score: number): void => {
    if (seen.has(piece)) return;
    seen.add(piece);
    vocab.push([piece, score]);
  };
  add('\u2581', -3);
  for (const w of WORDS) add(`\u2581${w}`, -2 - 1 / w.length);
  for (const s of SUBWORDS) {
    add(s, -4 - 1 / s.length);
    add(`\u2581${s}`, -4 - 1 / s.length);
  }
  for (const ch of SP_ALPHABET) {
    add(ch, -10);
    add(`\u2581${ch}`, -9);
  }
  const metaspace = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: {
        '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: false },
  };
}

export function sentencePieceTokenizerConfig(): Record<string, unknown> {
  return {
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    clean_up_tokenization_spaces: false,
    add_bos_token: true,
    add_eos_token: true,
    model_max_length: 512,
  };
}
