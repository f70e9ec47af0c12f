/**
 * Rows of one input share the forward pass of the gradient model (onnx-grad's shareForward): the calls really feed
 * fewer inputs than rows (the target tokens of a generation, or of one sample point of Integrated Gradients, read
 * one forward), and the attributions are those of one row per call (batchSize 1, nothing to share), on GPT-2 and
 * Llama fixtures, for Saliency and for Integrated Gradients (whose batches mix sample points).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { IntegratedGradients, Saliency, type AttributionOutput } from '../src/index.ts';
import { ort } from '../src/runtime/index.ts';
import { loadFixture } from './helpers.ts';
import { expectRowsClose } from './known-answers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Per gradient-model call: [inputs fed to the forward, rows]. */
function spyCalls(): [number, number][] {
  const calls: [number, number][] = [];
  const Session = ort.InferenceSession as unknown as {
    prototype: { run: (feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => unknown };
  };
  const original = Session.prototype.run;
  vi.spyOn(Session.prototype, 'run').mockImplementation(function (this: unknown, feeds, ...rest) {
    if (feeds.target_ids && feeds.inputs_embeds) calls.push([feeds.inputs_embeds.dims[0]!, feeds.target_ids.dims[0]!]);
    return original.call(this, feeds, ...rest);
  });
  return calls;
}

describe('shared forward of rows of one input', () => {
  for (const name of ['gpt2-tiny-opset13', 'llama-tiny-opset14'] as const) {
    test(`${name}: fewer forward inputs than rows, the same attributions as one row per call`, async () => {
      const { model, tokenizer } = await loadFixture(name);
      const prompt = 'the cat sat on the mat and';
      const target = ' the dog ran to the park';
      for (const [Explainer, options] of [
        [Saliency, {}],
        [IntegratedGradients, { nInterpolations: 3 }],
      ] as const) {
        const calls = spyCalls();
        const [shared] = (await new Explainer(model, tokenizer, { ...options, batchSize: 5 }).explain(
          prompt,
          target,
        )) as AttributionOutput[];
        const rows = calls.reduce((n, [, k]) => n + k, 0);
        const forwards = calls.reduce((n, [m]) => n + m, 0);
        // Saliency: every row of a call reads the input itself; IG: a call holds rows of at most two sample points.
        if (Explainer === Saliency) expect(calls.every(([m]) => m === 1)).toBe(true);
        else expect(calls.every(([m, k]) => m <= Math.ceil(k / shared!.attributions.length) + 1)).toBe(true);
        expect(forwards).toBeLessThan(rows / 2);
        vi.restoreAllMocks();
        const [single] = (await new Explainer(model, tokenizer, { ...options, batchSize: 1 }).explain(
          prompt,
          target,
        )) as AttributionOutput[];
        // float32 over different batch sizes: rounding only (scores of order 1e-3..1).
        expectRowsClose(shared!.attributions, single!.attributions, 1e-5, Explainer.name);
      }
    });
  }
});
