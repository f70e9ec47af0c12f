/**
 * Explainers and metrics on text in other scripts, with the embedded trained models (public/models): units
 * made of [UNK] tokens (BERT) and of characters spread over several byte-level tokens (GPT-2) are explained
 * like any other, with finite scores for every unit.
 */
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadFolder } from './helpers.ts';
import { Deletion, Granularity, Occlusion, Saliency, type AttributionOutput } from '../src/index.ts';

const MODELS = resolve(__dirname, '../../../public/models');
const TEXT = 'I loved it 🎬 这部电影非常好看’';

function expectFinite(o: AttributionOutput, units: number): void {
  expect(o.attributions.length).toBeGreaterThan(0);
  for (const row of o.attributions) {
    expect(row).toHaveLength(o.elements.length);
    row
      .slice(0, units)
      .forEach((v) => expect(Number.isFinite(v), `${o.method} ${o.elements.join('|')}: ${row}`).toBe(true));
  }
  expect(o.elements.some((e) => e.includes('\uFFFD'))).toBe(false);
}

describe('CJK and emoji through the explainers', () => {
  test('BERT sentiment: [UNK] pieces are units at WORD and TOKEN, Occlusion and Saliency score every one', async () => {
    const { model, tokenizer } = await loadFolder(resolve(MODELS, 'bert-tiny-sentiment'), 'classification');
    const words = ['i', 'loved', 'it', '🎬', '这', '部', '电', '影', '非', '常', '好', '看', '’'];
    for (const granularity of [Granularity.WORD, Granularity.TOKEN]) {
      for (const Explainer of [Occlusion, Saliency]) {
        const [o] = await new Explainer(model, tokenizer, { granularity }).explain(TEXT, 2); // 2 = positive
        expect(o!.elements).toEqual(words);
        expectFinite(o!, words.length);
        // "loved" carries the positive class, the unknown pieces do not take its place.
        const row = o!.attributions[0]!;
        expect(row.indexOf(Math.max(...row))).toBe(1);
      }
    }
    // Text made only of unknown pieces is explained, not refused.
    const [only] = await new Occlusion(model, tokenizer).explain('🎬 这部', 2);
    expect(only!.elements).toEqual(['🎬', '这', '部']);
    expectFinite(only!, 3);
    const { auc } = await new Deletion(model, tokenizer).evaluate(only!);
    expect(Number.isFinite(auc)).toBe(true);
  });

  test('GPT-2 colours: multi-token characters are single TOKEN units; prompt scores are finite', async () => {
    const { model, tokenizer } = await loadFolder(resolve(MODELS, 'gpt2-tiny-colours'), 'generation');
    const prompt = '这部电影 🎬 the sky is';
    for (const Explainer of [Occlusion, Saliency]) {
      const [o] = await new Explainer(model, tokenizer, { granularity: Granularity.TOKEN }).explain(prompt, ' blue');
      const promptUnits = o!.elements.length - 1;
      expect(o!.elements.slice(0, 6)).toEqual(['这', '部', '电', '影', ' ', '🎬']); // this vocabulary has "Ġ" alone
      expect(o!.elements.slice(0, promptUnits).join('')).toBe(prompt);
      // every CJK character spans several tokens of one unit
      const counts = new Map<number, number>();
      o!.inputs.units.unitOfToken.forEach((u) => counts.set(u, (counts.get(u) ?? 0) + 1));
      for (let u = 0; u < 4; u++) expect(counts.get(u)).toBeGreaterThan(1);
      expectFinite(o!, promptUnits);
    }
  });
});
