/**
 * The q8 file of the trained sentiment classifier (public/models/bert-tiny-sentiment), made here as
 * scripts/prepare-models.ts makes the playground's (quantize_dynamic, uint8 weights, Gather tables included) and
 * loaded through `from_pretrained(folder, { dtype: 'q8' })`: the ten methods explain the q8 file and find the
 * sentiment word of sentences with exactly one, and Insertion and Deletion score each method's ranking better than
 * the reverse ranking. dtypes-methods.test.ts compares the same methods on an untrained q8 BERT with its float model;
 * this file checks answers known from the training data.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '@interpreto-js/onnx-grad';
import { loadFolder, type Loaded } from './helpers.ts';
import { quantizeDynamic } from '../../onnx-grad/test/fixtures/index.ts';
import {
  Deletion,
  GradientShap,
  Insertion,
  IntegratedGradients,
  KernelShap,
  Lime,
  Occlusion,
  Saliency,
  Sobol,
  SmoothGrad,
  SquareGrad,
  VarGrad,
  type AttributionOutput,
} from '../src/index.ts';

type Explainer = new (
  model: any,
  tokenizer: any,
  options: Record<string, unknown>,
) => {
  explain(inputs: string[]): Promise<AttributionOutput[]>;
};

const SOURCE = join(import.meta.dirname, '../../../public/models/bert-tiny-sentiment');

/** Sentences with one sentiment word each (the cue) and the class it gives. */
const SENTENCES = [
  { text: 'This movie is great!', label: 2, cue: 'great' },
  { text: 'The food was horrible.', label: 0, cue: 'horrible' },
  { text: 'My parents loved the hotel and the staff.', label: 2, cue: 'loved' },
  { text: 'We found the plot boring.', label: 0, cue: 'boring' },
];

/**
 * Small budgets, seed 0. `within`: how high the cue must rank in every sentence. Measured on the q8 file at seeds
 * 0-2: the first seven methods put the cue first in all four sentences at each seed; SquareGrad and VarGrad (squared
 * gradients of 4 noisy copies) put "staff" above "loved" at seeds 0 and 2, and GradientShap (4 noisy baselines) the
 * cue first at seed 0 but second or third at seed 1, so those three need the cue among the top two.
 */
const METHODS: [string, Explainer, Record<string, unknown>, number][] = [
  ['Occlusion', Occlusion, {}, 1],
  ['Lime', Lime, { nPerturbations: 40 }, 1],
  ['KernelShap', KernelShap, { nPerturbations: 40 }, 1],
  ['Sobol', Sobol, { nTokenPerturbations: 8 }, 1],
  ['Saliency', Saliency, {}, 1],
  ['IntegratedGradients', IntegratedGradients, { nInterpolations: 6 }, 1],
  ['SmoothGrad', SmoothGrad, { nPerturbations: 4 }, 1],
  ['SquareGrad', SquareGrad, { nPerturbations: 4 }, 2],
  ['VarGrad', VarGrad, { nPerturbations: 4 }, 2],
  ['GradientShap', GradientShap, { nPerturbations: 4 }, 2],
];

const ranked = (o: AttributionOutput): string[] => {
  const row = o.attributions[0]!;
  return [...row.keys()].sort((a, b) => row[b]! - row[a]!).map((i) => o.elements[i]!.trim().toLowerCase());
};

describe('ten methods and two metrics on the trained classifier q8 file', () => {
  let dir = '';
  let q8: Loaded;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trained-q8-'));
    const folder = join(dir, 'bert-tiny-sentiment');
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(join(SOURCE, f), join(folder, f));
    const float = decodeModel(new Uint8Array(readFileSync(join(SOURCE, 'onnx/model.onnx'))));
    const quantized = quantizeDynamic(float, { weightType: 'uint8', gather: true });
    // only the q8 file: a load that fell back to model.onnx would fail rather than explain the float model
    writeFileSync(join(folder, 'onnx/model_quantized.onnx'), encodeModel(quantized));
    q8 = await loadFolder(folder, 'classification', { dtype: 'q8' });
  });

  afterAll(async () => {
    await q8?.model.dispose?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Then the curves of each method's ranking on the q8 model: the predicted class's probability (near 1 on these
  // sentences) falls once the cue is deleted and rises once it is inserted. Measured AUCs: Deletion 0.085 (0.112 for
  // SquareGrad and VarGrad, whose second word differs), Insertion 0.915 (0.887); the reverse ranking, which deletes
  // the cue last, 0.915 (0.887). With one word per step, Insertion of a ranking mirrors Deletion of its reverse, so
  // the reverse is checked once.
  test.each(METHODS)(
    '%s explains the q8 file, ranks the sentiment word high, and the curves prefer its ranking',
    async (name, Method, options, within) => {
      const got = await new Method(q8.model, q8.tokenizer, { seed: 0, ...options }).explain(
        SENTENCES.map((s) => s.text),
      );
      expect(got).toHaveLength(SENTENCES.length);
      got.forEach((o, i) => {
        const s = SENTENCES[i]!;
        expect(o.method).toBe(name);
        expect(o.modelDtype).toBe('q8');
        // the q8 model still predicts the sentence's class, and each method explains that class by default
        expect(o.targets, s.text).toEqual([s.label]);
        expect(o.attributions[0]!.every(Number.isFinite), s.text).toBe(true);
        const order = ranked(o);
        expect(order.slice(0, within), `${s.text}: ${order.join(', ')}`).toContain(s.cue);
      });

      const reverse = got.map((o) => ({ ...o, attributions: o.attributions.map((row) => row.map((x) => -x)) }));
      const ins = await new Insertion(q8.model, q8.tokenizer, { nPerturbations: 10 }).evaluate(got);
      const deletion = new Deletion(q8.model, q8.tokenizer, { nPerturbations: 10 });
      const del = await deletion.evaluate(got);
      const delReverse = await deletion.evaluate(reverse);
      for (const r of [ins, del, delReverse])
        expect(r.detailedScores.flat(2).every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(ins.auc, 'Insertion AUC').toBeGreaterThan(0.75);
      expect(del.auc, 'Deletion AUC').toBeLessThan(0.25);
      expect(del.auc, `Deletion ${del.auc} vs the reverse ranking's ${delReverse.auc}`).toBeLessThan(
        delReverse.auc - 0.5,
      );
    },
  );
});
