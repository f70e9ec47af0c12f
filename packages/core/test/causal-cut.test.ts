/**
 * Generation rows of the gradient model are cut after their scored position (a causal LM's logits at p read
 * tokens 0..p only). Known answer: row k of a long continuation (cut) equals the last row of the continuation
 * stopped after its k-th word (nothing after it to cut: the uncut computation), on random-weight GPT-2 and Llama
 * fixtures, whose attention mixes every earlier position; and the gradient model's calls really are shorter.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Granularity, IntegratedGradients, Saliency, type AttributionOutput } from '../src/index.ts';
import { ort } from '../src/runtime/index.ts';
import { loadFixture } from './helpers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const PROMPT = 'the cat sat on the mat and';
const WORDS = [' the', ' dog', ' ran', ' to', ' the', ' park'];

/** Largest |a - b| over the first n units of two rows; NaN (a unit the row cannot attribute) must match NaN. */
function maxDiff(a: readonly number[], b: readonly number[], n: number): number {
  let m = 0;
  for (let u = 0; u < n; u++) {
    if (Number.isNaN(a[u]!) && Number.isNaN(b[u]!)) continue;
    m = Math.max(m, Number.isNaN(a[u]! - b[u]!) ? Infinity : Math.abs(a[u]! - b[u]!));
  }
  return m;
}

describe('causal cut of generation rows', () => {
  for (const name of ['gpt2-tiny-opset13', 'llama-tiny-opset14'] as const) {
    test(`${name}: every row equals the uncut computation, and the calls are shorter than the sequence`, async () => {
      const { model, tokenizer } = await loadFixture(name);
      // Sequence lengths fed to the gradient model (the calls with target inputs).
      const fed: number[] = [];
      // The runtime's session class (typed by the core as a factory only).
      const Session = ort.InferenceSession as unknown as {
        prototype: { run: (feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => unknown };
      };
      const original = Session.prototype.run;
      vi.spyOn(Session.prototype, 'run').mockImplementation(function (this: unknown, feeds, ...rest) {
        if (feeds.target_ids && feeds.inputs_embeds) fed.push(feeds.inputs_embeds.dims[1]!);
        return original.call(this, feeds, ...rest);
      });
      for (const [Explainer, options] of [
        [Saliency, { batchSize: 2, granularity: Granularity.WORD }],
        [IntegratedGradients, { batchSize: 3, nInterpolations: 4, granularity: Granularity.WORD }],
      ] as const) {
        const ex = new Explainer(model, tokenizer, options);
        fed.length = 0;
        const [long] = (await ex.explain(PROMPT, WORDS.join(''))) as AttributionOutput[];
        const rows = long!.attributions;
        expect(rows).toHaveLength(WORDS.length);
        const nPrompt = long!.elements.length - rows.length;
        const full = long!.inputs.inputIds.length;
        // Batches of early targets run on their prefix only; the last one reaches the whole sequence.
        expect(Math.min(...fed)).toBeLessThan(full - 1);
        expect(Math.max(...fed)).toBeLessThanOrEqual(full);
        for (let k = 1; k < WORDS.length; k++) {
          const [short] = (await ex.explain(PROMPT, WORDS.slice(0, k).join(''))) as AttributionOutput[];
          const last = short!.attributions.length - 1;
          expect(last).toBe(k - 1);
          // float32: the same products on fewer padded positions (padding is masked, never summed in), so only
          // rounding differs: 1e-5 against scores of order 1e-2..1.
          const diff = maxDiff(short!.attributions[last]!, rows[last]!, nPrompt + k);
          expect(diff, `${Explainer.name} row ${last}`).toBeLessThan(1e-5);
        }
      }
    });
  }
});
