/**
 * What the granularity code needs to know about a transformers.js tokenizer, read once per call.
 *
 * Exports:
 * - `TokenizerLike`: the slice of `PreTrainedTokenizer` used here (`decode`, `all_special_ids`,
 *   `_tokenizerJSON`, `_tokenizer.id_to_token` / `get_added_tokens_decoder`).
 * - `WordScheme`: 'wordpiece' (continuation prefix, "##"), 'byte-level' ("Ġ" = a space opens a word),
 *   'metaspace' ("▁" opens a word), 'whitespace' (fallback: a decoded leading space opens a word).
 * - `tokenizerInfo(tokenizer) -> TokenizerInfo`: scheme, continuation prefix, metaspace replacement, special ids,
 *   the unknown token's id, whether the model falls back on byte pieces ("<0xE8>").
 * - `specialTokenMask(tokenizer, ids) -> boolean[]`: true where the id is a special token (all_special_ids and
 *   added tokens flagged special), except the unknown token ([UNK], <unk>): it stands for a piece of the text
 *   the vocabulary cannot spell, so it is a unit like any other token (see units.ts).
 */

export interface TokenizerLike {
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  all_special_ids?: number[];
  _tokenizerJSON?: unknown;
  _tokenizer?: {
    id_to_token(id: number): string | undefined;
    token_to_id?(token: string): number | undefined;
    get_added_tokens_decoder?(): Map<number, { special: boolean; content: string }>;
    /** The tokenizer's own pre-tokenizer (text -> words; byte-level words come out byte-encoded). */
    pre_tokenizer?: { pre_tokenize(text: string, options?: unknown): string[] } | null;
    /** The tokenizer model (WordPiece, BPE, Unigram), read at run time: see unknown.ts. */
    model?: unknown;
  };
  unk_token_id?: number | null;
}

export type WordScheme = 'wordpiece' | 'byte-level' | 'metaspace' | 'whitespace';

export interface TokenizerInfo {
  scheme: WordScheme;
  /** WordPiece continuation prefix ("##"). */
  continuingPrefix: string;
  /** Metaspace replacement character ("▁"). */
  metaspace: string;
  special: Set<number>;
  /** Added tokens that are not special: each is a word of its own. */
  addedNonSpecial: Set<number>;
  /** The unknown token ([UNK], <unk>), not in `special`; undefined when the model has none. */
  unknownId: number | undefined;
  /** Its token string. */
  unknownToken: string | undefined;
  /** The model spells characters it lacks as byte pieces "<0xE8>" (SentencePiece byte_fallback). */
  byteFallback: boolean;
  idToToken(id: number): string;
}

type Json = Record<string, unknown>;

function asObject(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' ? (x as Json) : undefined;
}

/** Every component of a (possibly Sequence) pre-tokenizer or decoder. */
function components(x: unknown): Json[] {
  const o = asObject(x);
  if (!o) return [];
  const inner = (o.pretokenizers ?? o.decoders) as unknown;
  if (Array.isArray(inner)) return inner.flatMap(components);
  return [o];
}

export function tokenizerInfo(tokenizer: TokenizerLike): TokenizerInfo {
  if (!tokenizer || typeof tokenizer.decode !== 'function' || !tokenizer._tokenizer) {
    throw new Error(
      'Expected a transformers.js tokenizer (from AutoTokenizer.from_pretrained or new PreTrainedTokenizer(tokenizerJSON, config)).',
    );
  }
  const json = asObject(tokenizer._tokenizerJSON) ?? {};
  const model = asObject(json.model) ?? {};
  const parts = [...components(json.pre_tokenizer), ...components(json.decoder)];
  const types = new Set(parts.map((p) => String(p.type)));
  const meta = parts.find((p) => p.type === 'Metaspace');
  let scheme: WordScheme = 'whitespace';
  const prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '';
  if (model.type === 'WordPiece' || (types.has('WordPiece') && prefix)) scheme = 'wordpiece';
  else if (types.has('ByteLevel')) scheme = 'byte-level';
  else if (meta) scheme = 'metaspace';
  const special = new Set<number>(tokenizer.all_special_ids ?? []);
  const addedNonSpecial = new Set<number>();
  const decoderMap = tokenizer._tokenizer.get_added_tokens_decoder?.();
  if (decoderMap) {
    for (const [id, tok] of decoderMap) {
      if (tok.special) special.add(id);
      else addedNonSpecial.add(id);
    }
  }
  const t = tokenizer._tokenizer;
  const modelUnk = (t.model as { unk_token_id?: unknown } | null | undefined)?.unk_token_id;
  let unknownId = typeof modelUnk === 'number' ? modelUnk : (tokenizer.unk_token_id ?? undefined);
  // GPT-2 names <|endoftext|> its unknown token too: a token with another role stays special.
  const roles = tokenizer as unknown as Record<string, unknown>;
  const otherRoles = ['bos', 'eos', 'pad', 'sep', 'cls', 'mask'].map((r) => roles[`${r}_token_id`]);
  if (unknownId !== undefined && otherRoles.includes(unknownId)) unknownId = undefined;
  if (unknownId !== undefined) special.delete(unknownId);
  return {
    scheme,
    continuingPrefix: prefix || '##',
    metaspace: typeof meta?.replacement === 'string' ? meta.replacement : '\u2581',
    special,
    addedNonSpecial,
    unknownId,
    unknownToken: unknownId === undefined ? undefined : t.id_to_token(unknownId),
    byteFallback: model.byte_fallback === true,
    idToToken: (id: number) => {
      const s = t.id_to_token(id);
      if (s === undefined)
        throw new Error(`Token id ${id} is not in the tokenizer's vocabulary; were the ids made by another tokenizer?`);
      return s;
    },
  };
}

export function specialTokenMask(tokenizer: TokenizerLike, ids: number[]): boolean[] {
  const { special } = tokenizerInfo(tokenizer);
  return ids.map((id) => special.has(id));
}
