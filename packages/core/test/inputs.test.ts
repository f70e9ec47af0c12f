/**
 * Inputs and targets of explain(): every accepted form, element texts per granularity for the three tokenizer
 * families, and every bad input with its error (empty text, too long text, targets out of range / wrong shape /
 * count, mismatched tokenizer, unsupported model task, aborted run; dtypes are in dtypes.test.ts), plus the
 * third-party DistilBERT export.
 */
import { describe, expect, test } from 'vitest';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixture, loadFolder } from './helpers.ts';
import { ensureFixture } from '../../onnx-grad/test/fixtures/index.ts';
import { thirdParty } from '../../../fixtures/index.ts';
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import {
  Granularity,
  InputError,
  Occlusion,
  UnsupportedModelError,
  IntegratedGradients,
  type AttributionOutput,
} from '../src/index.ts';

const texts = ['the movie was good. i loved it, really.', 'a bad film'];

describe('classification targets', () => {
  test('omitted = predicted class; number; number[] per input; number[][] several classes', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    const predicted = await ex.explain(texts);
    const byClass = await ex.explain(texts, [
      [0, 1],
      [0, 1],
    ]);
    predicted.forEach((o, i) => {
      expect(o.targets.length).toBe(1);
      const c = o.targets[0]!;
      expect(o.attributions[0]).toEqual(byClass[i]!.attributions[c]);
      expect(o.classes).toEqual(['NEGATIVE', 'POSITIVE']);
      expect(o.modelTask).toBe('classification');
    });
    const one = await ex.explain(texts, 1);
    expect(one.map((o) => o.targets)).toEqual([[1], [1]]);
    const each = await ex.explain(texts, [0, 1]);
    expect(each.map((o) => o.targets)).toEqual([[0], [1]]);
    expect(each[1]!.attributions[0]).toEqual(one[1]!.attributions[0]);
  });

  test('tokenizer output (Tensor or arrays, padded) is explained like the text', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    const fromText = await ex.explain(texts, 1);
    const enc = tokenizer(texts, { padding: true });
    const fromTensor = await ex.explain(enc, 1);
    const fromArrays = await ex.explain(
      {
        input_ids: enc.input_ids.tolist().map((r: bigint[]) => r.map(Number)),
        attention_mask: enc.attention_mask.tolist().map((r: bigint[]) => r.map(Number)),
      },
      1,
    );
    fromText.forEach((o, i) => {
      expect(fromTensor[i]!.inputs.inputIds).toEqual(o.inputs.inputIds);
      expect(fromTensor[i]!.elements).toEqual(o.elements);
      expect(fromArrays[i]!.attributions[0]!.map((v) => +v.toFixed(5))).toEqual(
        o.attributions[0]!.map((v) => +v.toFixed(5)),
      );
    });
  });

  test('bad targets: out of range, wrong count, wrong shape, text for a classifier', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain(texts, 2)).rejects.toThrow(/2 is not a class of this model; classes are integers 0\.\.1/);
    await expect(ex.explain(texts, -1)).rejects.toThrow(InputError);
    await expect(ex.explain(texts, 0.5)).rejects.toThrow(/not a class/);
    await expect(ex.explain(texts, [0])).rejects.toThrow(/Got 1 targets for 2 input/);
    await expect(ex.explain(texts[0]!, [0, 1])).rejects.toThrow(/Got 2 targets for 1 input.*\[\[0, 1\]\]/);
    await expect(ex.explain(texts, [[0], []])).rejects.toThrow(/targets\[1\] is empty/);
    await expect(ex.explain(texts, ['good', 'bad'])).rejects.toThrow(/class ids/);
  });
});

describe('classification edges (from the surviving mutants of docs/mutation-report.md)', () => {
  test('omitted targets: the class of largest logit, for any batch size (3-class trained model)', async () => {
    const folder = join(__dirname, '../../../public/models/bert-tiny-sentiment');
    const { model, tokenizer } = await loadFolder(folder, 'classification');
    const argmax = async (text: string) => {
      const logits = Array.from((await model(tokenizer(text))).logits.data as Float32Array);
      return logits.indexOf(Math.max(...logits));
    };
    const sample = ['a bad film', 'a great film', 'terrible and boring'];
    const expected = await Promise.all(sample.map(argmax));
    // Neither the first nor the last class everywhere, so a constant, last or smallest pick is seen.
    expect(expected).toEqual([0, 2, 0]);
    for (const batchSize of [1, 2, 32]) {
      const out = await new Occlusion(model, tokenizer, { batchSize }).explain(sample);
      expect(out.map((o) => o.targets[0])).toEqual(expected);
    }
    // null means omitted too.
    const fromNull = await new Occlusion(model, tokenizer).explain(sample, null as never);
    expect(fromNull.map((o) => o.targets[0])).toEqual(expected);
  });

  test('targets as a Tensor-like [batch, k] work like number[][]', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    const fromTensor = await ex.explain(texts, { dims: [2, 1], data: BigInt64Array.of(1n, 0n) } as never);
    expect(fromTensor.map((o) => o.targets)).toEqual([[1], [0]]);
    expect(fromTensor.map((o) => o.attributions)).toEqual((await ex.explain(texts, [1, 0])).map((o) => o.attributions));
  });

  test('text or non-array targets are refused with what a classifier takes', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain(texts[0]!, 'good' as never)).rejects.toThrow(/classification model: targets are class ids/);
    await expect(ex.explain(texts, ['good', 1] as never)).rejects.toThrow(
      /classification model: targets are class ids/,
    );
    await expect(ex.explain(texts, true as never)).rejects.toThrow(
      /targets must be a number, number\[\] \(one per input\)/,
    );
  });

  test('inputs that are not texts nor tokenizer output, or hold nothing to attribute, are refused', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain([1, 2] as never)).rejects.toThrow(
      /inputs must be a string, an array of strings, or tokenizer/,
    );
    await expect(ex.explain({ input_ids: [] })).rejects.toThrow(/The tokenized input holds no sequence/);
    await expect(ex.explain({ input_ids: [[]] })).rejects.toThrow(/Input 0 has no tokens/);
    // [CLS] [SEP] only (ids 2 and 3 in this vocabulary): no unit to attribute.
    await expect(ex.explain({ input_ids: [[2, 3]] })).rejects.toThrow(
      /Input 0 has no unit to attribute at granularity/,
    );
  });
});

describe('generation targets (trained gpt2-tiny-colours; from the surviving mutants of docs/mutation-report.md)', () => {
  const load = () => loadFolder(join(__dirname, '../../../public/models/gpt2-tiny-colours'), 'generation');

  test('a target as string, string[] or tokenizer output gives the same rows', async () => {
    const { model, tokenizer } = await load();
    const ex = new Occlusion(model, tokenizer);
    const [fromString] = await ex.explain('I know that', ' coal is black');
    const [fromList] = await ex.explain(['I know that'], [' coal is black']);
    const ids = fromString!.targets;
    const [fromIds] = await ex.explain('I know that', { input_ids: [ids] });
    expect(fromString!.inputs.inputIds.slice(fromString!.inputs.promptLength)).toEqual(ids);
    expect(fromList!.targets).toEqual(ids);
    expect(fromIds!.targets).toEqual(ids);
    expect(fromList!.attributions).toEqual(fromString!.attributions);
    expect(fromIds!.attributions).toEqual(fromString!.attributions);
    expect(fromList!.elements).toEqual(fromString!.elements);
    // Two inputs, one target text each.
    const both = await ex.explain(['I know that', 'the sky is'], [' coal is black', ' blue']);
    expect(both.map((o) => o.attributions)).toEqual([
      fromString!.attributions,
      (await ex.explain('the sky is', ' blue'))[0]!.attributions,
    ]);
  });

  test('a prompt too long for prompt + target is cut at its start and flagged; units keep their spaces', async () => {
    const { model, tokenizer } = await load();
    const ex = new Occlusion(model, tokenizer);
    const [short] = await ex.explain('I know that', ' coal is black');
    expect(short!.truncated).toBeUndefined();
    expect(short!.spaceBefore).toEqual(short!.elements.map((e, c) => c > 0 && /^\s/.test(e)));
    expect(short!.spaceBefore!.slice(-3)).toEqual([true, true, true]); // ' coal', ' is', ' black'
    const [long] = await ex.explain(`${'red '.repeat(80)}I know that`, ' coal is black');
    expect(long!.truncated).toBe(true);
    const P = long!.inputs.promptLength!;
    expect(P + long!.targets.length).toBe(64);
    // The end of the prompt (next to the target) is what is kept.
    expect(long!.inputs.inputIds.slice(P - 3, P)).toEqual(short!.inputs.inputIds.slice(0, 3));
  });

  test('empty, missing, surplus, too long or non-text targets are refused', async () => {
    const { model, tokenizer } = await load();
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain('I know that', '')).rejects.toThrow(/Target 0 is an empty text/);
    await expect(ex.explain(['I know that', 'the sky is'], [' blue'])).rejects.toThrow(
      /Got 1 target continuation\(s\) for 2 input\(s\)/,
    );
    await expect(ex.explain('I know that', { input_ids: [[]] })).rejects.toThrow(/Target 0 has no tokens/);
    // 64 positions: a 64-token target leaves no room for the prompt.
    await expect(ex.explain('I know that', ' red'.repeat(64))).rejects.toThrow(
      /Target 0 has 64 tokens; the model takes at most 64 positions/,
    );
    await expect(ex.explain('I know that', 5 as never)).rejects.toThrow(/This is a generation model: targets are/);
  });
});

describe('bad inputs', () => {
  test('empty text, no inputs, and inputs of the wrong type are refused', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const ex = new Occlusion(model, tokenizer);
    await expect(ex.explain('')).rejects.toThrow(/Input 0 is an empty text/);
    await expect(ex.explain(['fine', '   '])).rejects.toThrow(/Input 1 is an empty text/);
    await expect(ex.explain([])).rejects.toThrow(/No input to explain/);
    await expect(ex.explain(42 as never)).rejects.toThrow(/inputs must be a string/);
    await expect(ex.explain({ input_ids: [[1, 99999]] })).rejects.toThrow(/outside the model's vocabulary/);
  });

  test('a text longer than the model positions is truncated (special tokens kept) and flagged', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const long = Array.from({ length: 200 }, (_, i) => (i % 2 ? 'good' : 'movie')).join(' ');
    const [o] = await new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN }).explain(long, 1);
    expect(o!.truncated).toBe(true);
    expect(o!.inputs.inputIds.length).toBe(128);
    expect(o!.inputs.inputIds[0]).toBe(tokenizer.cls_token_id ?? tokenizer.convert_tokens_to_ids('[CLS]'));
    expect(o!.inputs.inputIds[127]).toBe(tokenizer.sep_token_id ?? tokenizer.convert_tokens_to_ids('[SEP]'));
    const [short] = await new Occlusion(model, tokenizer).explain('a good movie', 1);
    expect(short!.truncated).toBeUndefined();
  });

  test('a tokenizer whose vocabulary does not match the model is refused', async () => {
    const { model } = await loadFixture('bert-tiny-opset11');
    const other = await AutoTokenizer.from_pretrained(thirdParty('ortgenai-tiny-gpt2-fused'));
    expect(() => new Occlusion(model, other)).toThrow(
      /tokenizer does not match the model.*Load the tokenizer from the same folder/,
    );
  });

  test('a model that is neither a sequence classifier nor a causal LM is refused', async () => {
    const path = await ensureFixture('bert-tiny-opset11');
    env.localModelPath = `${join(path, '..')}/`;
    const base = await AutoModel.from_pretrained(path.split('/').pop()!, { dtype: 'fp32' });
    const { tokenizer } = await loadFixture('bert-tiny-opset11');
    expect(() => new Occlusion(base, tokenizer)).toThrow(UnsupportedModelError);
    expect(() => new Occlusion(base, tokenizer)).toThrow(/neither a sequence classifier nor a causal language model/);
    expect(() => new Occlusion({} as never, tokenizer)).toThrow(/must be what @huggingface\/transformers returns/);
  });

  test('an aborted run rejects with an AbortError and leaves the explainer usable', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    for (const ex of [
      new Occlusion(model, tokenizer, { batchSize: 2 }),
      new IntegratedGradients(model, tokenizer, { batchSize: 2 }),
    ]) {
      const controller = new AbortController();
      let calls = 0;
      const aborted = ex.explain(texts, 1, {
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 1) controller.abort();
        },
      });
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toBe(1);
      const pre = new AbortController();
      pre.abort();
      await expect(ex.explain(texts, 1, { signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
      const [again, fresh] = await Promise.all([ex.explain(texts, 1), ex.explain(texts, 1)]);
      expect(again!.map((o) => o.attributions)).toEqual(fresh!.map((o) => o.attributions));
    }
  });
});

describe('granularity through the explainer', () => {
  const units = (o: AttributionOutput) => o.inputs.units.nUnits;
  test('BERT WordPiece: elements per granularity', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const run = async (granularity: Granularity) =>
      (await new Occlusion(model, tokenizer, { granularity }).explain(texts[0]!, 1))[0]!;
    const word = await run(Granularity.WORD);
    expect(word.elements).toEqual(['the', 'movie', 'was', 'good', '.', 'i', 'loved', 'it', ',', 'really', '.']);
    const all = await run(Granularity.ALL_TOKENS);
    expect(all.elements[0]).toBe('[CLS]');
    expect(units(all)).toBe(all.inputs.inputIds.length);
    expect((await run(Granularity.SENTENCE)).elements.length).toBe(2);
    expect((await run(Granularity.PART_SENTENCE)).elements.length).toBe(3);
    const token = await run(Granularity.TOKEN);
    expect(units(token)).toBe(token.inputs.inputIds.length - 2);
    for (const o of [word, all, token]) expect(o.attributions[0]!.length).toBe(o.elements.length);
  });

  test('GPT-2 byte-level BPE and Llama SentencePiece: prompt elements rebuild the text', async () => {
    const prompt = 'Roses are red, the sky is';
    for (const name of ['gpt2-tiny-opset13', 'llama-tiny-opset14'] as const) {
      const { model, tokenizer } = await loadFixture(name);
      const [o] = await new Occlusion(model, tokenizer).explain(prompt, ' blue.');
      const promptElements = o!.elements.slice(0, o!.elements.length - o!.attributions.length);
      if (name.startsWith('gpt2')) expect(promptElements.join('')).toBe(prompt);
      else expect(promptElements.join(' ')).toBe(prompt);
      // GPT-2's pre-tokenizer splits punctuation off words, SentencePiece keeps "red," as one word.
      expect(promptElements.length).toBe(name.startsWith('gpt2') ? 7 : 6);
    }
  });
});

describe('third-party DistilBERT (optimum export, opset 11) with the real BERT uncased tokenizer', () => {
  test('perturbation and gradient methods run, shapes and classes are right, IG is flat as the model is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interpreto-distilbert-'));
    const folder = join(dir, 'tiny-distilbert-sst2');
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    symlinkSync(thirdParty('optimum-tiny-distilbert-sst2/config.json'), join(folder, 'config.json'));
    symlinkSync(thirdParty('optimum-tiny-distilbert-sst2/model.onnx'), join(folder, 'onnx', 'model.onnx'));
    symlinkSync(thirdParty('bert-uncased-tokenizer/tokenizer.json'), join(folder, 'tokenizer.json'));
    writeFileSync(
      join(folder, 'tokenizer_config.json'),
      JSON.stringify({
        tokenizer_class: 'DistilBertTokenizer',
        do_lower_case: true,
        model_max_length: 512,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        mask_token: '[MASK]',
        unk_token: '[UNK]',
      }),
    );
    const { model, tokenizer } = await loadFolder(folder, 'classification');
    const text = 'This is the best movie I have ever seen.';
    const [occ] = await new Occlusion(model, tokenizer).explain(text, [[0, 1]]);
    expect(occ!.elements).toEqual(['this', 'is', 'the', 'best', 'movie', 'i', 'have', 'ever', 'seen', '.']);
    expect(occ!.classes).toEqual(['NEGATIVE', 'POSITIVE']);
    expect(occ!.inputs.replaceTokenId).toBe(103);
    expect(occ!.attributions.length).toBe(2);
    const [ig] = await new IntegratedGradients(model, tokenizer, {
      tokenReduction: 'sum',
      granularity: Granularity.ALL_TOKENS,
      granularityAggregationStrategy: 'SUM' as never,
      nInterpolations: 32,
      baseline: 0,
    }).explain(text, 1);
    expect(ig!.attributions[0]!.every(Number.isFinite)).toBe(true);
    // This export's hidden size is 2: LayerNorm over two values maps every nonzero input to (±1, ∓1), so its
    // derivative is eps/|x1 - x2|^3 with eps = 1e-12, zero in float32 along the whole path (the jump at the
    // baseline 0 falls between interpolation points). Every attribution is 0 up to rounding (the old LayerNorm
    // backward gave float noise of 1e-40..1e-50 here; the compact one over the saved statistics gives exact 0s).
    expect(Math.max(...ig!.attributions[0]!.map(Math.abs))).toBeLessThan(1e-30);
    expect(ig!.attributions[0]!.length).toBe(12); // [CLS], 10 words, [SEP] at ALL_TOKENS
  });
});
