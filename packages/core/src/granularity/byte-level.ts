/**
 * Word boundaries of byte-level BPE tokens (GPT-2 family), taken from the pre-tokenizer itself: the tokens'
 * bytes are decoded to text, the text is split into words by the tokenizer's own pre-tokenizer (or, when the
 * tokenizer does not expose one, GPT-2's regex), and each token is mapped to the words by byte offsets.
 *
 * Exports:
 * - `GPT2_PRETOKENIZER`: GPT-2's pre-tokenizer regex.
 * - `byteLevelWordStarts(rawTokens, preTokenize?) -> boolean[] | undefined`: for each token (raw byte-level
 *   strings such as "Ġm"), whether it opens a word; `undefined` when the bytes are not valid UTF-8 (a
 *   character cut at the end of a generated sequence) or the pre-tokenizer's words do not cover the text
 *   exactly, so that the caller can fall back on a token-local rule.
 * - `byteLevelBytes(raw) -> number[] | undefined`: the bytes a byte-level token string stands for ("Ġm" ->
 *   [32, 109]); `undefined` when a character of it is not in GPT-2's byte alphabet (an added token's content).
 */

export const GPT2_PRETOKENIZER = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's bytes_to_unicode, inverted: byte-level character -> byte. */
const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const m = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) m.set(String.fromCharCode(printable(b) ? b : 256 + extra++), b);
  return m;
})();

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Byte length of each word of `text`: pre-tokenizer words are byte-encoded (one character per byte). */
function wordByteLengths(text: string, preTokenize?: (text: string) => string[]): number[] {
  if (preTokenize) return preTokenize(text).map((w) => w.length);
  return (text.match(GPT2_PRETOKENIZER) ?? []).map((w) => encoder.encode(w).length);
}

export function byteLevelBytes(raw: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of raw) {
    const b = BYTE_OF_CHAR.get(ch);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

export function byteLevelWordStarts(
  rawTokens: string[],
  preTokenize?: (text: string) => string[],
): boolean[] | undefined {
  const bytes: number[] = [];
  const starts: number[] = [];
  for (const raw of rawTokens) {
    starts.push(bytes.length);
    const own = byteLevelBytes(raw);
    if (own === undefined) return undefined; // not a byte-level token (an unusual vocabulary)
    bytes.push(...own);
  }
  let text: string;
  try {
    text = utf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
  let lengths = wordByteLengths(text, preTokenize);
  let total = lengths.reduce((s, n) => s + n, 0);
  // A ByteLevel pre-tokenizer with add_prefix_space puts a space before text that has none.
  if (total === bytes.length + 1 && lengths[0] !== undefined && lengths[0] > 0) {
    lengths = [lengths[0] - 1, ...lengths.slice(1)];
    total--;
  }
  if (total !== bytes.length) return undefined;
  const boundaries: number[] = [];
  let at = 0;
  for (const n of lengths) {
    boundaries.push(at);
    at += n;
  }
  // Token i opens a word when a word starts after the start of token i-1 and no later than its own start (a
  // word starting inside a token cannot split it; the next token then opens a word).
  let k = 0;
  return starts.map((s, i) => {
    if (i === 0) return true;
    const prevStart = starts[i - 1] as number;
    while (k < boundaries.length && (boundaries[k] as number) <= prevStart) k++;
    return k < boundaries.length && (boundaries[k] as number) <= s;
  });
}
