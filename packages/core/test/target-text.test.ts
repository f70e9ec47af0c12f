/**
 * Generation targets given as text follow Interpreto (docs/spec.md §4): read as the continuation of their prompt,
 * with a leading space where the tokenizer carries it in the word's first token and the prompt does not end in
 * whitespace; `targetsAsGiven` keeps the text as given; ids and tokenizer output are concatenated as given.
 * Known answer for byte-level BPE: the explained sequence is exactly the encoding of prompt + " " + target.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { Granularity, Occlusion, Saliency } from '../src/index.ts';

const encode = (tokenizer: any, text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });

describe('string generation targets (byte-level BPE, GPT-2)', () => {
  test('tutorial II.3: "I am fine" after "Hi there, how are you?" is read " I am fine"', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const prompt = 'Hi there, how are you?';
    const ex = new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN });
    const [o] = await ex.explain(prompt, 'I am fine');
    expect(o!.targets).toEqual(encode(tokenizer, ' I am fine'));
    expect(o!.targets).not.toEqual(encode(tokenizer, 'I am fine'));
    expect(o!.inputs.inputIds).toEqual(encode(tokenizer, `${prompt} I am fine`));
    expect(tokenizer.decode(o!.targets)).toBe(' I am fine');
    // the option keeps the string as given
    const [given] = await ex.explain(prompt, 'I am fine', { targetsAsGiven: true });
    expect(given!.targets).toEqual(encode(tokenizer, 'I am fine'));
    // the same for every input of a batch
    const both = await ex.explain([prompt, 'the sky is'], ['I am fine', 'blue']);
    expect(both.map((b) => b.targets)).toEqual([encode(tokenizer, ' I am fine'), encode(tokenizer, ' blue')]);
  });

  test('no space where there already is one: a prompt ending in whitespace, a target starting with it', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const ex = new Occlusion(model, tokenizer);
    expect((await ex.explain('the sky is ', 'blue'))[0]!.targets).toEqual(encode(tokenizer, 'blue'));
    expect((await ex.explain('the sky is\n', 'blue'))[0]!.targets).toEqual(encode(tokenizer, 'blue'));
    expect((await ex.explain('the sky is', ' blue'))[0]!.targets).toEqual(encode(tokenizer, ' blue'));
    expect((await ex.explain('the sky is', '\nblue'))[0]!.targets).toEqual(encode(tokenizer, '\nblue'));
    // a prompt given as ids: its decoded text decides
    const ids = { input_ids: [encode(tokenizer, 'the sky is ')] };
    expect((await ex.explain(ids, 'blue'))[0]!.targets).toEqual(encode(tokenizer, 'blue'));
    const noSpace = { input_ids: [encode(tokenizer, 'the sky is')] };
    expect((await ex.explain(noSpace, 'blue'))[0]!.targets).toEqual(encode(tokenizer, ' blue'));
  });

  test('tokenizer output targets are concatenated as given (no space added)', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const inputs = tokenizer('Hi there, how are you?');
    const targets = tokenizer('I am fine, thank you!');
    const [o] = await new Occlusion(model, tokenizer).explain(inputs, targets);
    const targetIds = encode(tokenizer, 'I am fine, thank you!');
    expect(o!.targets).toEqual(targetIds);
    expect(o!.inputs.inputIds).toEqual([...encode(tokenizer, 'Hi there, how are you?'), ...targetIds]);
  });

  test('a contrast given as text is read as its target is', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const ex = new Saliency(model, tokenizer);
    const [o] = await ex.explain('the cat sat', 'on', { contrast: 'in' });
    expect(o!.targets).toEqual(encode(tokenizer, ' on'));
    expect(o!.contrast).toEqual(encode(tokenizer, ' in'));
    const [given] = await ex.explain('the cat sat', 'on', { contrast: 'in', targetsAsGiven: true });
    expect(given!.contrast).toEqual(encode(tokenizer, 'in'));
  });
});

describe('other tokenizers', () => {
  test('SentencePiece that prepends "▁" to every text (Llama): the text already reads as a new word', async () => {
    const { model, tokenizer } = await loadFixture('llama-tiny-opset14');
    const [o] = await new Occlusion(model, tokenizer).explain('Hi there, how are you?', 'I am fine');
    const alone = encode(tokenizer, 'I am fine');
    expect(o!.targets).toEqual(alone);
  });
});
