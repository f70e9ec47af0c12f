/**
 * Whole characters over tokens that carry raw UTF-8 bytes (byte-level BPE tokens such as "è¿", byte-fallback
 * pieces such as "<0xE8>"): a multi-byte character is often spread over several such tokens, and decoding one
 * of them alone gives U+FFFD.
 *
 * Exports:
 * - `characterGroups(tokenBytes) -> number[]`: per token, the index of its group, where a group is the
 *   shortest run of consecutive tokens that starts and ends on character boundaries. `tokenBytes[i]` is the
 *   token's bytes, or `undefined` for a token whose text is whole characters (special, added or ordinary
 *   non-byte tokens), which always closes the group before it and is a group of its own. A character cut by
 *   the end of the sequence (generation stopped mid-character) ends its group there.
 * - `decodeBytes(bytes) -> string`: UTF-8 text of the bytes, each byte that is not part of a whole character
 *   written as "<0xE8>" (the byte-fallback notation) instead of U+FFFD.
 * - `byteMarker(b)`: that notation for one byte.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Continuation bytes a lead byte announces; -1 for a continuation byte or a byte UTF-8 never uses. */
function expected(b: number): number {
  if (b < 0x80) return 0;
  if (b >= 0xc2 && b <= 0xdf) return 1;
  if (b >= 0xe0 && b <= 0xef) return 2;
  if (b >= 0xf0 && b <= 0xf4) return 3;
  return -1;
}

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

export const byteMarker = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

export function characterGroups(tokenBytes: readonly (readonly number[] | undefined)[]): number[] {
  const group: number[] = [];
  let g = -1;
  let pending = 0; // continuation bytes still owed by the character open at the end of the last token
  for (const bytes of tokenBytes) {
    if (bytes === undefined) {
      group.push(++g);
      pending = 0;
      continue;
    }
    if (pending === 0) g++;
    group.push(g);
    for (const b of bytes) {
      if (pending > 0 && isContinuation(b)) pending--;
      else pending = Math.max(0, expected(b)); // a new character (or a stray byte, which owes nothing)
    }
  }
  return group;
}

export function decodeBytes(bytes: readonly number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = expected(bytes[i] as number);
    if (n >= 0 && i + n < bytes.length) {
      try {
        out += strict.decode(new Uint8Array(bytes.slice(i, i + n + 1)));
        i += n + 1;
        continue;
      } catch {
        // an invalid sequence (overlong, surrogate, bad continuation): fall through to a marker
      }
    }
    out += byteMarker(bytes[i] as number);
    i++;
  }
  return out;
}
