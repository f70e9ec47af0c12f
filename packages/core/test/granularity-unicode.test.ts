/**
 * Granularity on text in every script: units never split a character, unknown tokens keep their place and
 * show the text they stand for, and the elements give back the text on BERT WordPiece, GPT-2 byte-level BPE
 * and SentencePiece (Unigram) at every granularity.
 *
 * What the property compares, per tokenizer (the reference is the text after the tokenizer's own
 * normalisation):
 * - GPT-2 (no normaliser; UTF-8 encoding turns a lone surrogate into U+FFFD): its elements carry their own
 *   whitespace, so `elements.join('')` must equal the text exactly, at every granularity (no special token is
 *   added). At ALL_TOKENS the "<0xE8>" byte notation is read back into bytes first.
 * - SentencePiece, Unigram and Llama-style BPE with byte fallback (no normaliser; the Metaspace decoder drops
 *   the space the text starts with, as `decode(encode(text))` does; byte fallback encodes a lone surrogate as
 *   U+FFFD, Unigram keeps it as an unknown piece): elements joined with a space where `spaceBefore` is set equal the text. ALL_TOKENS: the same over
 *   the positions that are not the added <s> and </s>, byte pieces read back into bytes.
 * - BERT uncased (its normaliser lower-cases, strips accents, drops control characters and puts spaces around
 *   CJK characters; its pre-tokenizer then drops all whitespace, and `spaceBefore` is an approximation there):
 *   the elements joined, "##" marks removed at TOKEN and ALL_TOKENS (a lone continuation piece shows its
 *   "##"), equal the normaliser's output, both with whitespace removed. ALL_TOKENS: positions other than
 *   [CLS] and [SEP].
 * Everywhere: no element holds U+FFFD unless the reference does, and only ALL_TOKENS shows byte notation.
 */
import { readFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { characterGroups, decodeBytes } from '../src/granularity/characters.ts';
import { computeUnits, specialTokenMask } from '../src/granularity/index.ts';
import { Granularity } from '../src/types.ts';
import { sentencePieceTokenizerConfig, sentencePieceTokenizerJSON } from './support/tokenizers/sentencepiece.ts';
import { sentencePieceBpeTokenizer } from '../../onnx-grad/test/fixtures/tokenizers.ts';
import { ENGLISH_WORDS } from '../../onnx-grad/test/fixtures/words.ts';
import { thirdParty } from '../../../fixtures/index.ts';

const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(thirdParty(p), 'utf8'));

const bert = new PreTrainedTokenizer(json('bert-uncased-tokenizer/tokenizer.json'), {});
const gpt2 = new PreTrainedTokenizer(
  json('ortgenai-tiny-gpt2-fused/tokenizer.json'),
  json('ortgenai-tiny-gpt2-fused/tokenizer_config.json'),
);
const sp = new PreTrainedTokenizer(sentencePieceTokenizerJSON(), sentencePieceTokenizerConfig());
// Llama style: Metaspace + BPE with byte fallback ("<0xE8>" pieces for characters it has no token for).
const llamaFiles = sentencePieceBpeTokenizer(ENGLISH_WORDS, { merges: 300 });
const llama = new PreTrainedTokenizer(llamaFiles.tokenizer, llamaFiles.tokenizerConfig);

const ALL = [
  Granularity.ALL_TOKENS,
  Granularity.TOKEN,
  Granularity.WORD,
  Granularity.SENTENCE,
  Granularity.PART_SENTENCE,
];
const FFFD = '\uFFFD';
const MARKER = /<0x[0-9A-F]{2}>/;

function units(tok: PreTrainedTokenizer, text: string, g: Granularity, withText = true) {
  const ids = tok.encode(text);
  return { ids, ...computeUnits(tok, ids, g, withText ? { text } : {}) };
}

/** Elements of the units that are not special tokens, with the spaces `spaceBefore` puts back. */
function joined(r: ReturnType<typeof units>, special: boolean[], stripHashes = false): string {
  const firstToken = new Map<number, number>();
  r.units.unitOfToken.forEach((u, i) => {
    if (u >= 0 && !firstToken.has(u)) firstToken.set(u, i);
  });
  let out = '';
  let first = true;
  r.elements.forEach((e, u) => {
    if (special[firstToken.get(u) as number]) return;
    const text = stripHashes ? e.replace(/^##/, '') : e;
    out += (r.spaceBefore[u] && !first ? ' ' : '') + text;
    first = false;
  });
  return out;
}

/** Reads "<0xE8>" byte notation back into the bytes it stands for. */
function unmark(s: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (const part of s.split(/(<0x[0-9A-F]{2}>)/)) {
    const m = /^<0x([0-9A-F]{2})>$/.exec(part);
    if (m) bytes.push(Number.parseInt(m[1] as string, 16));
    else bytes.push(...enc.encode(part));
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(bytes));
}

const wellFormed = (s: string) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s));
const noSpace = (s: string) => s.replace(/\s+/gu, '');
const bertNormalize = (s: string) =>
  (bert as unknown as { _tokenizer: { normalizer(t: string): string } })._tokenizer.normalizer(s);

function checkText(tok: PreTrainedTokenizer, text: string): void {
  const ids = tok.encode(text);
  const special = specialTokenMask(tok, ids);
  for (const g of ALL) {
    const r = units(tok, text, g);
    const all = g === Granularity.ALL_TOKENS;
    let got: string;
    let want: string;
    if (tok === gpt2) {
      got = r.elements.join('');
      want = wellFormed(text);
      if (all) got = unmark(got);
    } else if (tok === sp || tok === llama) {
      got = joined(r, special);
      want = (tok === llama ? wellFormed(text) : text).replace(/^ /, '');
      if (all && tok === llama) got = unmark(got);
    } else {
      got = noSpace(joined(r, special, all || g === Granularity.TOKEN));
      want = noSpace(bertNormalize(text));
    }
    expect(got, `${g}: ${JSON.stringify(r.elements)}`).toBe(want);
    if (!want.includes(FFFD))
      expect(
        r.elements.some((e) => e.includes(FFFD)),
        `${g}: ${JSON.stringify(r.elements)}`,
      ).toBe(false);
    if (!all && !text.includes('<0x'))
      expect(
        r.elements.some((e) => MARKER.test(e)),
        `${g}: ${JSON.stringify(r.elements)}`,
      ).toBe(false);
    // every non-special token in exactly one unit, units contiguous and numbered left to right
    if (!all) r.units.unitOfToken.forEach((u, i) => expect(u === -1).toBe(special[i]));
    const seq = r.units.unitOfToken.filter((x) => x >= 0);
    for (let i = 1; i < seq.length; i++) expect((seq[i] as number) - (seq[i - 1] as number)).toBeOneOf([0, 1]);
  }
}

/** Random text in many scripts: CJK, RTL, emoji sequences, combining marks, lone surrogates, controls, ASCII. */
const piece = fc.oneof(
  fc.constantFrom('这部', '电影', '非常好看', '日本語', 'ひらがな', 'カタカナ', '한국어', '漢'),
  fc.constantFrom('مرحبا', 'بالعالم', 'שלום', 'עולם', '\u200f', '\u200e'),
  fc.constantFrom('🎬', '👨\u200d👩\u200d👧', '👍🏽', '🇫🇷', '❤️', '🙂'),
  fc.constantFrom('e\u0301', 'a\u0308', 'n\u0303', 'Ångström', 'café', 'naïve'),
  fc.constantFrom('\ud800', '\udfff', '\u0000', '\u0007', '\u001b', '\u200b', '\ufeff', '\u2028'),
  fc.constantFrom('’', '“', '”', '…', '—', '«', '»'),
  fc.constantFrom('the', 'movie', 'Good', "isn't", '3.14', 'U.S.', 'a', 'I', '.', ',', '!', '?'),
  fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u3000'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
);
const texts = fc.array(piece, { minLength: 1, maxLength: 14 }).map((p) => p.join(''));

describe('elements give back the text in every script (seeded property tests)', () => {
  it('GPT-2 byte-level BPE', () => {
    fc.assert(
      fc.property(texts, (t) => checkText(gpt2, t)),
      { numRuns: 150, seed: 41 },
    );
  });
  it('BERT WordPiece (uncased)', () => {
    fc.assert(
      fc.property(texts, (t) => checkText(bert, t)),
      { numRuns: 150, seed: 42 },
    );
  });
  it('SentencePiece (Metaspace + Unigram)', () => {
    fc.assert(
      fc.property(texts, (t) => checkText(sp, t)),
      { numRuns: 150, seed: 43 },
    );
  });
  it('SentencePiece BPE with byte fallback (Llama style)', () => {
    fc.assert(
      fc.property(texts, (t) => checkText(llama, t)),
      { numRuns: 150, seed: 44 },
    );
  });
});

describe('characters are never split', () => {
  const CJK = '这部电影非常好看';

  it('GPT-2: a character spread over several tokens is one TOKEN unit; ALL_TOKENS shows the bytes', () => {
    const tok = units(gpt2, CJK, Granularity.TOKEN);
    expect(tok.ids.length).toBe(17); // 24 bytes in 17 byte-level tokens
    expect(tok.elements).toEqual([...CJK]);
    expect(tok.units.unitOfToken).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 7]);
    expect(units(gpt2, CJK, Granularity.WORD).elements).toEqual([CJK]);
    const all = units(gpt2, CJK, Granularity.ALL_TOKENS);
    expect(all.elements.slice(0, 4)).toEqual(['<0xE8><0xBF>', '<0x99>', '<0xE9><0x83>', '<0xA8>']);
    expect(all.elements.every((e) => /^(<0x[0-9A-F]{2}>)+$/.test(e))).toBe(true);
  });

  it('GPT-2: "I loved it 🎬’" keeps 🎬 and ’', () => {
    const text = 'I loved it 🎬’';
    expect(units(gpt2, text, Granularity.TOKEN).elements).toEqual(['I', ' loved', ' it', ' 🎬', '’']);
    expect(units(gpt2, text, Granularity.WORD).elements).toEqual(['I', ' loved', ' it', ' 🎬’']);
  });

  it('GPT-2: a character cut by the end of a generated sequence shows its bytes, not U+FFFD', () => {
    expect(gpt2.tokenize(' mat 🎬')).toEqual(['Ġmat', 'ĠðŁ', 'İ', '¬']);
    const ids = gpt2.encode(' mat 🎬').slice(0, -1); // F0 9F 8E, the last byte (AC) cut
    for (const g of ALL) expect(computeUnits(gpt2, ids, g).elements.join('')).toBe(' mat <0xF0><0x9F><0x8E>');
    expect(computeUnits(gpt2, ids, Granularity.TOKEN).elements).toEqual([' mat', ' <0xF0><0x9F><0x8E>']);
  });

  it('byte-fallback pieces: one TOKEN unit per character, ALL_TOKENS shows each piece', () => {
    const text = '电影 Ça';
    expect(llama.tokenize(text)).toEqual([
      '▁',
      '<0xE7>',
      '<0x94>',
      '<0xB5>',
      '<0xE5>',
      '<0xBD>',
      '<0xB1>',
      '▁',
      '<0xC3>',
      '<0x87>',
      'a',
    ]);
    expect(units(llama, text, Granularity.TOKEN).elements).toEqual(['', '电', '影', '', 'Ç', 'a']);
    expect(units(llama, text, Granularity.WORD).elements).toEqual(['电影', 'Ça']);
    expect(units(llama, text, Granularity.ALL_TOKENS).elements.slice(1, 5)).toEqual(['', '<0xE7>', '<0x94>', '<0xB5>']);
  });

  it('characterGroups closes a group only on a character boundary', () => {
    // "电" = E7 94 B5 over two tokens, then "a", then a cut "🙂" (F0 9F) and a whole-text token.
    expect(characterGroups([[0xe7, 0x94], [0xb5, 0x61], [0x62], [0xf0], [0x9f], undefined, [0x63]])).toEqual([
      0, 0, 1, 2, 2, 3, 4,
    ]);
    // A stray continuation byte owes nothing; a new lead byte after a cut character starts a new one.
    expect(characterGroups([[0x80], [0x61], [0xe7], [0x61]])).toEqual([0, 1, 2, 2]);
    expect(decodeBytes([0xe7, 0x94, 0xb5, 0x61, 0xf0, 0x9f, 0x80])).toBe('电a<0xF0><0x9F><0x80>');
    expect(decodeBytes([0xc0, 0xaf, 0xed, 0xa0, 0x80])).toBe('<0xC0><0xAF><0xED><0xA0><0x80>'); // overlong, surrogate
  });
});

describe('unknown tokens keep their place', () => {
  it('BERT: "这部电影非常好看" is eight units, the [UNK]s showing their characters', () => {
    const r = units(bert, '这部电影非常好看', Granularity.WORD);
    expect(bert.tokenize('这部电影非常好看').filter((t) => t === '[UNK]')).toHaveLength(7);
    expect(r.elements).toEqual(['这', '部', '电', '影', '非', '常', '好', '看']);
    expect(r.units.unitOfToken).toEqual([-1, 0, 1, 2, 3, 4, 5, 6, 7, -1]);
    expect(units(bert, '这部电影非常好看', Granularity.SENTENCE).elements).toEqual(['这 部 电 影 非 常 好 看']);
    // Without the text the units are the same and show the token.
    expect(units(bert, '这部电影非常好看', Granularity.WORD, false).elements).toEqual([
      '[UNK]',
      '部',
      '[UNK]',
      '[UNK]',
      '[UNK]',
      '[UNK]',
      '[UNK]',
      '[UNK]',
    ]);
  });

  it('BERT: "I loved it 🎬’" keeps 🎬 and ’ at WORD and TOKEN', () => {
    for (const g of [Granularity.WORD, Granularity.TOKEN]) {
      expect(units(bert, 'I loved it 🎬’', g).elements).toEqual(['i', 'loved', 'it', '🎬', '’']);
    }
    expect(units(bert, 'Ça  va 🎬! Très bien', Granularity.SENTENCE).elements).toEqual(['ca va 🎬!', 'tres bien']);
  });

  it('an input made only of unknown pieces is units, not nothing', () => {
    const r = units(bert, '🎬 🙂🙂', Granularity.WORD);
    expect(r.elements).toEqual(['🎬', '🙂🙂']);
    expect(specialTokenMask(bert, r.ids)).toEqual([true, false, false, true]);
    const s = units(sp, '🎬 日本', Granularity.TOKEN);
    expect(s.elements).toEqual(['', '🎬', '', '日本']); // "▁" | <unk> | "▁" | <unk> (fused)
    expect(units(sp, '🎬 日本', Granularity.WORD).elements).toEqual(['🎬', '日本']);
  });

  it('the pieces survive truncation at either end', () => {
    const ids = bert.encode('good 🎬 film 🙂');
    const cutEnd = [...ids.slice(0, 3), ids.at(-1) as number]; // [CLS] good [UNK] [SEP]
    expect(computeUnits(bert, cutEnd, Granularity.WORD, { text: 'good 🎬 film 🙂' }).elements).toEqual(['good', '🎬']);
    const cutStart = [ids[0] as number, ...ids.slice(3)]; // [CLS] film [UNK] [SEP]
    expect(computeUnits(bert, cutStart, Granularity.WORD, { text: 'good 🎬 film 🙂' }).elements).toEqual([
      'film',
      '🙂',
    ]);
    // ids that are not the text's encoding: the token is shown, nothing is guessed
    expect(computeUnits(bert, bert.encode('a 🎬'), Granularity.WORD, { text: 'b 🙂' }).elements).toEqual([
      'a',
      '[UNK]',
    ]);
  });

  it("GPT-2's <|endoftext|> (also named its unknown token) stays special", () => {
    const eos = gpt2.eos_token_id as number;
    expect(specialTokenMask(gpt2, [eos])).toEqual([true]);
  });
});
