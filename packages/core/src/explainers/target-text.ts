/**
 * How a generation target (or contrast) given as text is tokenised after its prompt, as Interpreto does
 * (docs/spec.md §4): the continuation of "Hi there, how are you?" by "I am fine" is " I am fine" to a tokenizer
 * that carries word starts inside its tokens (byte-level BPE "ĠI", SentencePiece "▁I"), since the model reads the
 * two texts as one. So a leading space is added when all of these hold:
 * - the tokenizer marks word starts with a space marker in the token (byte-level BPE, Metaspace);
 * - encoded alone, the target's first token does not already start with the marker (a Metaspace tokenizer that
 *   prepends "▁" to every text needs nothing);
 * - the target does not start with whitespace itself, and the prompt does not end in whitespace (a prompt
 *   given as ids: its decoded text; a prompt of special tokens only counts as nothing before the target).
 * WordPiece and other tokenizers drop or ignore that whitespace: the text is encoded as given. The explain option
 * `targetsAsGiven` turns this off. Token ids and tokenizer output are never changed (concatenated as given).
 *
 * Exports: `targetText(adapter, info, promptText, target) -> string` (the text to encode), `promptTextOf`.
 */
import type { ModelAdapter } from '../model/adapter.ts';
import { BYTE_LEVEL_SPACES } from '../granularity/spacing.ts';
import type { TokenizerInfo } from '../granularity/index.ts';

/** The text a prompt reads as: the given text, else its ids decoded without special tokens. */
export function promptTextOf(adapter: ModelAdapter, prompt: { text?: string; ids: number[] }): string {
  return prompt.text ?? adapter.tokenizer.decode(prompt.ids, { skip_special_tokens: true });
}

function opensWithMarker(info: TokenizerInfo, id: number): boolean {
  const raw = info.idToToken(id);
  return info.scheme === 'byte-level' ? BYTE_LEVEL_SPACES.has(raw[0] ?? '') : raw.startsWith(info.metaspace);
}

export function targetText(adapter: ModelAdapter, info: TokenizerInfo, promptText: string, target: string): string {
  if (info.scheme !== 'byte-level' && info.scheme !== 'metaspace') return target;
  if (promptText === '' || /\s$/u.test(promptText) || /^\s/u.test(target)) return target;
  const first = adapter.encode(target, false)[0];
  if (first === undefined || info.special.has(first) || opensWithMarker(info, first)) return target;
  return ` ${target}`;
}
