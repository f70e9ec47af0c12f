import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeUnits, specialTokenMask, tokenizerInfo } from '../src/granularity/index.ts';
import { Granularity } from '../src/types.ts';
import {
  SP_ALPHABET,
  sentencePieceTokenizerConfig,
  sentencePieceTokenizerJSON,
} from './support/tokenizers/sentencepiece.ts';
import { repoFile, thirdParty } from '../../../fixtures/index.ts';

const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(thirdParty(p), 'utf8'));

const bert = new PreTrainedTokenizer(json('bert-uncased-tokenizer/tokenizer.json'), {});
const gpt2 = new PreTrainedTokenizer(
  json('ortgenai-tiny-gpt2-fused/tokenizer.json'),
  json('ortgenai-tiny-gpt2-fused/tokenizer_config.json'),
);
const sp = new PreTrainedTokenizer(sentencePieceTokenizerJSON(), sentencePieceTokenizerConfig());
// The committed trained GPT-2 (584-entry byte-level BPE): " mat" comes out as "Ġ|m|at".
const COLOURS = repoFile('public/models/gpt2-tiny-colours');
const colours = new PreTrainedTokenizer(
  JSON.parse(readFileSync(resolve(COLOURS, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(resolve(COLOURS, 'tokenizer_config.json'), 'utf8')),
);
/** GPT-2's pre-tokenizer regex, written out here as the reference for WORD units. */
const GPT2_WORDS = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const rawTokens = (tok: PreTrainedTokenizer, text: string) => tok.tokenize(text);

const REVIEW = 'This is the best movie I have ever seen. The cinematography was uncharacteristically breathtaking.';

function units(tok: PreTrainedTokenizer, text: string, g: Granularity) {
  const ids = tok.encode(text);
  return { ids, ...computeUnits(tok, ids, g) };
}

describe('tokenizer detection', () => {
  it('recognises the three families and their special tokens', () => {
    expect(tokenizerInfo(bert).scheme).toBe('wordpiece');
    expect(tokenizerInfo(gpt2).scheme).toBe('byte-level');
    expect(tokenizerInfo(sp).scheme).toBe('metaspace');
    const ids = bert.encode('hello world');
    expect(specialTokenMask(bert, ids)).toEqual([true, false, false, true]);
    expect(specialTokenMask(sp, sp.encode('the movie'))).toEqual([true, false, false, true]);
  });

  it('rejects ids that are not a flat list of token ids', () => {
    expect(() => computeUnits(bert, [[1, 2]] as unknown as number[], Granularity.WORD)).toThrow(
      /array of non-negative integers/,
    );
  });
});

describe('BERT WordPiece', () => {
  it('builds every granularity of the review', () => {
    const all = units(bert, REVIEW, Granularity.ALL_TOKENS);
    expect(all.units.nUnits).toBe(all.ids.length);
    expect(all.elements[0]).toBe('[CLS]');
    const tok = units(bert, REVIEW, Granularity.TOKEN);
    expect(tok.units.nUnits).toBe(tok.ids.length - 2);
    expect(tok.units.unitOfToken[0]).toBe(-1);
    expect(tok.units.unitOfToken.at(-1)).toBe(-1);
    const word = units(bert, REVIEW, Granularity.WORD);
    expect(word.elements).toEqual([
      'this',
      'is',
      'the',
      'best',
      'movie',
      'i',
      'have',
      'ever',
      'seen',
      '.',
      'the',
      'cinematography',
      'was',
      'uncharacteristically',
      'breathtaking',
      '.',
    ]);
    // "uncharacteristically" is several WordPiece tokens but one word.
    expect(tok.units.nUnits).toBeGreaterThan(word.units.nUnits);
    expect(units(bert, REVIEW, Granularity.SENTENCE).elements).toEqual([
      'this is the best movie i have ever seen.',
      'the cinematography was uncharacteristically breathtaking.',
    ]);
  });

  it('keeps abbreviations and decimals inside a sentence and splits parts on , ; :', () => {
    const text = 'Dr. Smith paid 3.14 dollars, e.g. a lot. Then he left; fine: ok';
    expect(units(bert, text, Granularity.SENTENCE).elements).toEqual([
      'dr. smith paid 3. 14 dollars, e. g. a lot.',
      'then he left ; fine : ok',
    ]);
    expect(units(bert, text, Granularity.PART_SENTENCE).units.nUnits).toBe(5);
  });
});

describe('GPT-2 byte-level BPE', () => {
  it('builds every granularity of the review, keeping leading spaces', () => {
    const word = units(gpt2, REVIEW, Granularity.WORD);
    expect(word.elements).toEqual([
      'This',
      ' is',
      ' the',
      ' best',
      ' movie',
      ' I',
      ' have',
      ' ever',
      ' seen',
      '.',
      ' The',
      ' cinematography',
      ' was',
      ' uncharacteristically',
      ' breathtaking',
      '.',
    ]);
    expect(units(gpt2, REVIEW, Granularity.TOKEN).units.nUnits).toBe(gpt2.encode(REVIEW).length);
    expect(units(gpt2, REVIEW, Granularity.SENTENCE).elements).toEqual([
      'This is the best movie I have ever seen.',
      ' The cinematography was uncharacteristically breathtaking.',
    ]);
    expect(units(gpt2, REVIEW, Granularity.ALL_TOKENS).elements.join('')).toBe(REVIEW);
  });

  it('follows the pre-tokenizer on contractions and abbreviations', () => {
    const text = "Mr. Who's here? Yes! The U.S. team won, i.e. big: 3.5 goals.";
    expect(units(gpt2, text, Granularity.SENTENCE).elements).toEqual([
      "Mr. Who's here?",
      ' Yes!',
      ' The U.S. team won, i.e. big: 3.5 goals.',
    ]);
    expect(units(gpt2, text, Granularity.PART_SENTENCE).elements).toEqual([
      "Mr. Who's here?",
      ' Yes!',
      ' The U.S. team won,',
      ' i.e. big:',
      ' 3.5 goals.',
    ]);
    expect(units(gpt2, "Who's", Granularity.WORD).elements).toEqual(['Who', "'s"]);
  });

  it('excludes a special token in the middle and starts a new unit after it', () => {
    const eos = gpt2.eos_token_id;
    const ids = [...gpt2.encode('good film'), eos, ...gpt2.encode(' bad film')];
    const r = computeUnits(gpt2, ids, Granularity.SENTENCE);
    expect(r.elements).toEqual(['good film', ' bad film']);
    expect(r.units.unitOfToken[ids.indexOf(eos)]).toBe(-1);
    expect(computeUnits(gpt2, ids, Granularity.ALL_TOKENS).units.unitOfToken[ids.indexOf(eos)]).toBe(ids.indexOf(eos));
  });
});

describe('GPT-2 WORD units follow the pre-tokenizer', () => {
  it('keeps a lone "Ġ" token with the letters after it (" mat" = Ġ|m|at is one word)', () => {
    const text = ' the cat sat on the mat.';
    expect(rawTokens(colours, text)).toEqual(['Ġthe', 'Ġcat', 'Ġs', 'at', 'Ġo', 'n', 'Ġthe', 'Ġ', 'm', 'at', '.']);
    const word = units(colours, text, Granularity.WORD);
    expect(word.elements).toEqual([' the', ' cat', ' sat', ' on', ' the', ' mat', '.']);
    expect(word.units.unitOfToken).toEqual([0, 1, 2, 2, 3, 3, 4, 5, 5, 5, 6]);
  });

  it('matches the regex on multiple spaces, newlines, punctuation, digits and contractions', () => {
    const text = "I can't, won't   go  home!! 123abc 3.14 you're x\n\n y. We'll see; it's 2024?";
    expect(rawTokens(colours, text)).toContain('Ġ'); // lone space tokens are really exercised
    const word = units(colours, text, Granularity.WORD);
    expect(word.elements).toEqual(text.match(GPT2_WORDS));
    expect(word.elements.slice(0, 9)).toEqual(['I', ' can', "'t", ',', ' won', "'t", '  ', ' go', ' ']);
    expect(units(gpt2, "We'll see; it's 3.14, you're 2024th!", Granularity.WORD).elements).toEqual([
      'We',
      "'ll",
      ' see',
      ';',
      ' it',
      "'s",
      ' 3',
      '.',
      '14',
      ',',
      ' you',
      "'re",
      ' 2024',
      'th',
      '!',
    ]);
  });

  it('keeps non-ASCII characters split over several tokens in one word', () => {
    const text = 'héllo wörld 日本語 🙂🙂';
    expect(units(colours, text, Granularity.WORD).elements).toEqual(['héllo', ' wörld', ' 日本語', ' 🙂🙂']);
    expect(units(gpt2, text, Granularity.WORD).elements).toEqual(['héllo', ' wörld', ' 日本語', ' 🙂🙂']);
  });

  it("treats the GPT-2 fixture's added whitespace tokens as words of their own", () => {
    // tokenizer.json adds non-special tokens for runs of 2..31 spaces: they are split off before pre-tokenizing.
    const word = units(gpt2, 'go   home', Granularity.WORD);
    expect(rawTokens(gpt2, 'go   home')).toEqual(['go', '   ', 'home']);
    expect(word.elements).toEqual(['go', '   ', 'home']);
  });

  it("uses GPT-2's regex when the tokenizer exposes no pre-tokenizer", () => {
    const inner = (colours as unknown as { _tokenizer: object })._tokenizer;
    const bare = Object.create(colours) as PreTrainedTokenizer;
    Object.defineProperty(bare, '_tokenizer', { value: Object.create(inner, { pre_tokenizer: { value: null } }) });
    const text = " the mat's  3 cats!";
    expect(computeUnits(bare, colours.encode(text), Granularity.WORD).elements).toEqual(text.match(GPT2_WORDS));
  });

  it('falls back on a token-local rule for bytes that are not valid UTF-8 (a character cut by generation)', () => {
    const ids = gpt2.encode(' mat 🙂');
    const cut = ids.slice(0, -1); // drops the last byte(s) of the emoji
    const r = computeUnits(gpt2, cut, Granularity.WORD);
    expect(r.elements[0]).toBe(' mat');
    expect(r.units.unitOfToken.every((u) => u >= 0)).toBe(true);
    const lone = colours.encode(' mat \u00e9').slice(0, -1);
    expect(computeUnits(colours, lone, Granularity.WORD).elements[0]).toBe(' mat');
  });

  it('equals the regex words on random texts (trained tokenizer)', () => {
    const piece = fc.constantFrom(
      'mat',
      ' ',
      '  ',
      ' the',
      'cat',
      "'s",
      "'re",
      '3',
      '14',
      '.',
      ',',
      '!?',
      '\n',
      'é',
      '日',
      '🙂',
      'x1',
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 14 }), (parts) => {
        const text = parts.join('');
        expect(units(colours, text, Granularity.WORD).elements).toEqual(text.match(GPT2_WORDS));
      }),
      { numRuns: 120, seed: 11 },
    );
  });
});

describe('spaceBefore', () => {
  const spaced = (tok: PreTrainedTokenizer, text: string, g: Granularity) => {
    const r = units(tok, text, g);
    return r.elements.map((e, i) => [e, r.spaceBefore[i]] as const);
  };

  it('WordPiece: new words have a space before them, attached punctuation and "##" pieces do not', () => {
    expect(spaced(bert, "This is the best (really), it's 3.14 well-known!", Granularity.WORD)).toEqual([
      ['this', false],
      ['is', true],
      ['the', true],
      ['best', true],
      ['(', true],
      ['really', false],
      [')', false],
      [',', false],
      ['it', true],
      ["'", false],
      ['s', false],
      ['3', true],
      ['.', false],
      ['14', false],
      ['well', true],
      ['-', false],
      ['known', false],
      ['!', false],
    ]);
    const tok = units(bert, 'uncharacteristically good', Granularity.TOKEN);
    expect(tok.elements.length).toBeGreaterThan(2);
    expect(tok.spaceBefore).toEqual(tok.elements.map((_, i) => i === tok.elements.length - 1));
  });

  it('byte-level BPE: whitespace precedes the unit (its text already carries it)', () => {
    expect(spaced(colours, ' the cat sat on the mat.', Granularity.WORD)).toEqual([
      [' the', false],
      [' cat', true],
      [' sat', true],
      [' on', true],
      [' the', true],
      [' mat', true],
      ['.', false],
    ]);
    // TOKEN: the lone " " token has the space; "m" and "at" continue " mat" without one.
    expect(spaced(colours, ' the mat.', Granularity.TOKEN)).toEqual([
      [' the', false],
      [' ', true],
      ['m', false],
      ['at', false],
      ['.', false],
    ]);
    expect(spaced(gpt2, "Who's here?\nYes", Granularity.WORD)).toEqual([
      ['Who', false],
      ["'s", false],
      [' here', true],
      ['?', false],
      ['\n', true],
      ['Yes', false],
    ]);
  });

  it('SentencePiece: a unit opened by "▁" has a space before it, though its text has none', () => {
    const w = units(sp, REVIEW, Granularity.WORD);
    expect(w.spaceBefore).toEqual(w.elements.map((_, i) => i > 0));
    const t = units(sp, 'uncharacteristically good', Granularity.TOKEN);
    expect(t.elements.length).toBeGreaterThan(2);
    expect(t.spaceBefore).toEqual(t.elements.map((_, i) => i === t.elements.length - 1));
  });

  it('is false for the first unit unless the ids continue earlier text', () => {
    const ids = gpt2.encode(' blue.');
    expect(computeUnits(gpt2, ids, Granularity.WORD).spaceBefore).toEqual([false, false]);
    expect(computeUnits(gpt2, ids, Granularity.WORD, { continues: true }).spaceBefore).toEqual([true, false]);
    const all = computeUnits(bert, bert.encode('hello world'), Granularity.ALL_TOKENS);
    expect(all.spaceBefore).toEqual([false, true, true, true]); // [CLS] hello world [SEP]
  });
});

describe('SentencePiece (Metaspace + Unigram)', () => {
  it('builds every granularity of the review', () => {
    const word = units(sp, REVIEW, Granularity.WORD);
    expect(word.elements).toEqual([
      'This',
      'is',
      'the',
      'best',
      'movie',
      'I',
      'have',
      'ever',
      'seen.',
      'The',
      'cinematography',
      'was',
      'uncharacteristically',
      'breathtaking.',
    ]);
    expect(units(sp, REVIEW, Granularity.TOKEN).units.nUnits).toBe(21);
    expect(units(sp, REVIEW, Granularity.SENTENCE).elements).toEqual([
      'This is the best movie I have ever seen.',
      'The cinematography was uncharacteristically breathtaking.',
    ]);
    expect(units(sp, REVIEW, Granularity.ALL_TOKENS).units.nUnits).toBe(23);
  });
});

function checkStructure(tok: PreTrainedTokenizer, text: string, joiner: string): void {
  const ids = tok.encode(text);
  const special = specialTokenMask(tok, ids);
  for (const g of [Granularity.TOKEN, Granularity.WORD, Granularity.SENTENCE, Granularity.PART_SENTENCE]) {
    const { units: u, elements } = computeUnits(tok, ids, g);
    expect(elements.length).toBe(u.nUnits);
    // every non-special token in exactly one unit; specials in none
    u.unitOfToken.forEach((unit, i) => expect(unit === -1).toBe(special[i]));
    // units contiguous and numbered left to right
    const seq = u.unitOfToken.filter((x) => x >= 0);
    for (let i = 1; i < seq.length; i++) expect((seq[i] as number) - (seq[i - 1] as number)).toBeOneOf([0, 1]);
    if (seq.length) expect(seq.at(-1)).toBe(u.nUnits - 1);
    const decoded = tok.decode(ids, { skip_special_tokens: true });
    if (g !== Granularity.TOKEN) {
      const strip = (s: string) => s.replace(/\s+/g, '');
      // Byte-level elements carry their whitespace: they give back the text itself (decode's clean-up would
      // turn "a .a" into "a.a").
      if (joiner === '') expect(elements.join('')).toBe(text);
      else expect(strip(elements.join(joiner))).toBe(strip(decoded));
    }
  }
}

describe('properties on random strings', () => {
  const words = fc.array(
    fc.oneof(
      fc.constantFrom(
        'the',
        'movie',
        'Dr.',
        'e.g.',
        'was',
        'great',
        'un',
        'characteristic',
        '3.14',
        "isn't",
        'ok',
        'U.S.',
      ),
      fc.string({ unit: fc.constantFrom(...SP_ALPHABET), minLength: 1, maxLength: 8 }),
    ),
    { minLength: 1, maxLength: 12 },
  );
  const texts = fc
    .tuple(words, fc.array(fc.constantFrom(' ', ' ', ' ', '. ', ', ', '? ', '; '), { minLength: 12, maxLength: 12 }))
    .map(([ws, seps]) => ws.map((w, i) => w + (i < ws.length - 1 ? seps[i] : '')).join(''));

  it('GPT-2: units partition the tokens and elements concatenate to the text', () => {
    fc.assert(
      fc.property(texts, (t) => checkStructure(gpt2, t, '')),
      { numRuns: 60, seed: 7 },
    );
  });
  it('BERT: same, modulo whitespace and lower-casing', () => {
    fc.assert(
      fc.property(texts, (t) => checkStructure(bert, t, ' ')),
      { numRuns: 60, seed: 8 },
    );
  });
  it('SentencePiece: same, modulo whitespace', () => {
    fc.assert(
      fc.property(texts, (t) => checkStructure(sp, t, ' ')),
      { numRuns: 60, seed: 9 },
    );
  });
});
