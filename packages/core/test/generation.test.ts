/**
 * Generation: prompt + target ids, teacher-forced rows, target-unit pooling, exactly t(t+1)/2 NaNs, the copy
 * model's source token in the top 2 of each row, target forms (string, string[], tokenizer output, generated).
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { expectRowsClose } from './known-answers.ts';
import { copyLmLogits } from '../../onnx-grad/test/fixtures/index.ts';
import {
  Granularity,
  InferenceModes,
  IntegratedGradients,
  Occlusion,
  Saliency,
  SmoothGrad,
  Sobol,
  KernelShap,
  type AttributionOutput,
} from '../src/index.ts';

function nanCount(o: AttributionOutput): number {
  return o.attributions.flat().filter(Number.isNaN).length;
}

function checkShape(o: AttributionOutput): void {
  const t = o.inputs.targetUnitTokens!.length;
  expect(o.attributions.length).toBe(t);
  o.attributions.forEach((row) => expect(row.length).toBe(o.elements.length));
  expect(nanCount(o)).toBe((t * (t + 1)) / 2);
  const first = o.elements.length - t;
  o.attributions.forEach((row, r) => row.forEach((v, c) => expect(Number.isNaN(v)).toBe(c >= first + r)));
}

describe('generation', () => {
  test('copy-lm: the copied source token is in the top 2 of each row (perturbation and gradient methods)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const prompt = 'the cat sat on the mat';
    for (const Explainer of [Occlusion, Saliency, IntegratedGradients]) {
      // Targets omitted: the model generates greedily, so each target token is the copy the model predicts.
      const [o] = await new Explainer(model, tokenizer, { granularity: Granularity.TOKEN }).explain(prompt, undefined, {
        generation: { max_new_tokens: 5 },
      });
      checkShape(o!);
      const ids = o!.inputs.inputIds;
      o!.inputs.targetUnitTokens!.forEach((tokens, r) => {
        const pos = tokens[0]!; // TOKEN granularity: one token per target unit
        // Target token at pos is scored from the logits at pos - 1, which copy the token at (pos - 1) - 2.
        const source = o!.inputs.units.unitOfToken[pos - 3]!;
        expect(ids[pos]).toBe(ids[pos - 3]);
        const row = o!.attributions[r]!.map((v, c) => [Number.isNaN(v) ? -Infinity : v, c] as const);
        const top2 = [...row]
          .sort((a, b) => b[0] - a[0])
          .slice(0, 2)
          .map(([, c]) => c);
        expect(top2, `${Explainer.name} row ${r}`).toContain(source);
      });
    }
  });

  test('NaN structure, elements and targets at every granularity on the GPT-2 and Llama fixtures', async () => {
    for (const name of ['gpt2-tiny-opset13', 'llama-tiny-opset14'] as const) {
      const { model, tokenizer } = await loadFixture(name);
      for (const granularity of [Granularity.TOKEN, Granularity.WORD, Granularity.SENTENCE]) {
        const [o] = await new Occlusion(model, tokenizer, { granularity }).explain(
          'Roses are red, the sky is',
          ' blue. And the sea is green.',
        );
        checkShape(o!);
        expect(o!.modelTask).toBe('generation');
        const targetIds = tokenizer.encode(' blue. And the sea is green.', { add_special_tokens: false });
        expect(o!.targets).toEqual(targetIds);
        expect(o!.inputs.inputIds.slice(o!.inputs.promptLength)).toEqual(targetIds);
        expect(o!.spaceBefore).toHaveLength(o!.elements.length);
        // Byte-level BPE: a unit has a space before it exactly when its text starts with one, the first
        // generated unit (" blue", after the prompt) included.
        if (name === 'gpt2-tiny-opset13')
          expect(o!.spaceBefore).toEqual(o!.elements.map((e, c) => c > 0 && /^\s/.test(e)));
      }
    }
  });

  test('targets as string[], tokenizer output, or generated (greedy, generation options) give the same rows', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const ex = new KernelShap(model, tokenizer, { nPerturbations: 16, seed: 1 });
    const [generated] = await ex.explain('Roses are red, the sky is', undefined, { generation: { max_new_tokens: 4 } });
    expect(generated!.targets.length).toBe(4);
    const continuation = tokenizer.decode(generated!.targets);
    const [fromText] = await ex.explain(['Roses are red, the sky is'], [continuation]);
    const [fromIds] = await ex.explain(tokenizer('Roses are red, the sky is'), { input_ids: [generated!.targets] });
    expect(fromIds!.attributions).toEqual(generated!.attributions);
    if (fromText!.targets.join() === generated!.targets.join())
      expect(fromText!.attributions).toEqual(generated!.attributions);
    const [maxLen] = await ex.explain('Roses are red, the sky is', undefined, {
      generation: { max_length: generated!.inputs.promptLength! + 2 },
    });
    expect(maxLen!.targets).toEqual(generated!.targets.slice(0, 2));
  });

  test('perturbation methods give real values for earlier generated units; gradients run in batches invariantly', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const [o] = await new Sobol(model, tokenizer, { nTokenPerturbations: 8 }).explain('the sky is', ' very blue today');
    checkShape(o!);
    const last = o!.attributions[o!.attributions.length - 1]!;
    const first = o!.elements.length - o!.attributions.length;
    expect(last.slice(first, first + o!.attributions.length - 1).every(Number.isFinite)).toBe(true);
    const a = await new SmoothGrad(model, tokenizer, { nPerturbations: 3, batchSize: 1 }).explain(
      ['the sky is', 'roses are'],
      [' blue', ' red and'],
      {},
    );
    const b = await new SmoothGrad(model, tokenizer, { nPerturbations: 3, batchSize: 5 }).explain(
      ['the sky is', 'roses are'],
      [' blue', ' red and'],
    );
    a.forEach((o, i) => expectRowsClose(b[i]!.attributions, o.attributions, 1e-4, `SmoothGrad input ${i}`));
  });

  test('inference modes over the vocabulary: Occlusion LOG_SOFTMAX rows equal log-prob differences of the copy model', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size;
    const [o] = await new Occlusion(model, tokenizer, {
      granularity: Granularity.TOKEN,
      inferenceMode: InferenceModes.LOG_SOFTMAX,
    }).explain('the cat sat on', ' the mat');
    const ids = o!.inputs.inputIds;
    const logp = (x: number[], pos: number, tokenId: number) => {
      const z = copyLmLogits(x, V)[pos]!;
      const m = Math.max(...z);
      return z[tokenId]! - (m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)));
    };
    o!.inputs.targetUnitTokens!.forEach((tokens, r) => {
      const pos = tokens[0]!;
      o!.attributions[r]!.forEach((v, c) => {
        if (Number.isNaN(v)) return;
        const t = o!.inputs.units.unitOfToken.indexOf(c);
        const replaced = ids.map((id, i) => (i === t ? o!.inputs.replaceTokenId : id));
        expect(v).toBeCloseTo(logp(ids, pos - 1, ids[pos]!) - logp(replaced, pos - 1, ids[pos]!), 3);
      });
    });
    for (const inferenceMode of [InferenceModes.SOFTMAX, InferenceModes.LOG_SOFTMAX]) {
      const [g] = await new Saliency(model, tokenizer, { inferenceMode, tokenReduction: 'sum' }).explain(
        'the cat sat on',
        ' the mat',
      );
      checkShape(g!);
    }
  });
});
