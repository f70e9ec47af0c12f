/**
 * The committed sentiment classifier on the sentences of Interpreto's attribution tutorial (see docs/spec.md),
 * which training never contains (`TUTORIAL_SENTENCES` are skipped by the generator and the augmentation): the
 * clearly polar ones get the right class, and Occlusion at WORD granularity finds "best" in the tutorial's first
 * sentence. Runs through @interpreto-js/core and transformers.js exactly as the examples and the playground do.
 */
// core first: it installs the shared onnxruntime before transformers.js is evaluated
import * as core from '../../packages/core/src/index.ts';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { classify, loadLocal } from './evaluate.ts';
import { generateSentimentCorpus, isTutorialSentence, LABELS, TUTORIAL_SENTENCES } from './sentiment-corpus.ts';
import { Rng } from './rng.ts';

const SENTIMENT = join(import.meta.dirname, '..', '..', 'public', 'models', 'bert-tiny-sentiment');

const POLAR: [string, (typeof LABELS)[number]][] = [
  ['This is the best movie I have ever seen.', 'positive'],
  ['This is the best movie I have ever seen. The cinematography was uncharacteristically breathtaking.', 'positive'],
  ['I hate this movie.', 'negative'],
  ['This movie is super good. I love it.', 'positive'],
];

describe('the sentiment classifier on the tutorial sentences', () => {
  it('never trains on them: the training corpus (at the training seed and size) does not contain them', () => {
    for (const [text] of POLAR) expect(TUTORIAL_SENTENCES).toContain(text);
    const corpus = generateSentimentCorpus(new Rng(7), 12000, 'train');
    expect(corpus.filter((e) => isTutorialSentence(e.text)).map((e) => e.text)).toEqual([]);
    // the check is not vacuous: it matches regardless of case and spacing
    expect(isTutorialSentence('i hate this movie .')).toBe(true);
  });

  it('classifies the clearly polar ones right', async () => {
    const { model, tokenizer } = await loadLocal(SENTIMENT, 'classification');
    try {
      const predicted = await classify(
        model,
        tokenizer,
        POLAR.map(([t]) => t),
      );
      expect(predicted.map((p, i) => `${POLAR[i]![0]} -> ${LABELS[p]}`)).toEqual(POLAR.map(([t, l]) => `${t} -> ${l}`));
    } finally {
      await model.dispose();
    }
  });

  it('Occlusion (WORD) ranks "best" first in "This is the best movie I have ever seen."', async () => {
    const { model, tokenizer } = await loadLocal(SENTIMENT, 'classification');
    try {
      const [out] = await new core.Occlusion(model, tokenizer, { granularity: core.Granularity.WORD }).explain([
        'This is the best movie I have ever seen.',
      ]);
      const row = out!.attributions[0]!;
      const order = row
        .map((v, i) => [v, i] as const)
        .filter(([v]) => !Number.isNaN(v))
        .sort((a, b) => b[0] - a[0]);
      const ranked = order.map(([v, i]) => `${out!.elements[i]!.trim()} ${v.toFixed(3)}`);
      expect(out!.elements[order[0]![1]]!.trim().toLowerCase(), ranked.join(', ')).toBe('best');
    } finally {
      await model.dispose();
    }
  });
});
