/**
 * Attribution sanity on the committed sentiment classifier: in held-out sentences with exactly one sentiment word
 * (no negation, no contrast), Occlusion, Integrated Gradients and KernelSHAP rank that word first at WORD
 * granularity, and deleting words in Occlusion's order lowers the predicted class's probability faster than a
 * random order (lower Deletion AUC). Runs through @interpreto-js/core exactly as users call it.
 */
// core first: it installs the shared onnxruntime before transformers.js is evaluated
import * as core from '../../packages/core/src/index.ts';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { AttributionOutput } from '../../packages/core/src/index.ts';
import { heldOutSentiment, loadLocal } from './evaluate.ts';
import { Rng } from './rng.ts';

const SENTIMENT = join(import.meta.dirname, '..', '..', 'public', 'models', 'bert-tiny-sentiment');
const NEEDED = ['Occlusion', 'IntegratedGradients', 'KernelShap', 'Deletion', 'Granularity'] as const;
const missing = NEEDED.filter((k) => !(k in core));
const title = missing.length
  ? `attribution sanity (SKIPPED: @interpreto-js/core does not export ${missing.join(', ')} yet)`
  : 'attribution sanity on the trained classifier';

const examples = heldOutSentiment()
  .filter((e) => e.cue !== undefined && !e.negated && !e.contrast)
  .slice(0, 30);

describe.skipIf(missing.length > 0)(title, () => {
  const load = () => loadLocal(SENTIMENT, 'classification');
  type Ctor = new (
    model: unknown,
    tokenizer: unknown,
    options?: Record<string, unknown>,
  ) => { explain(inputs: string[]): Promise<AttributionOutput[]> };
  const explainers = (): [string, Ctor, Record<string, unknown>][] => {
    const c = core as unknown as Record<string, Ctor>;
    return [
      ['Occlusion', c.Occlusion!, {}],
      ['IntegratedGradients', c.IntegratedGradients!, {}],
      ['KernelShap', c.KernelShap!, { seed: 1 }],
    ];
  };

  it('has enough held-out sentences with exactly one sentiment word', () => {
    expect(examples.length).toBe(30);
  });

  it.each(['Occlusion', 'IntegratedGradients', 'KernelShap'])(
    '%s ranks the sentiment word first in >= 90% of sentences',
    async (name) => {
      const { model, tokenizer } = await load();
      try {
        const [, Explainer, options] = explainers().find(([n]) => n === name)!;
        const explainer = new Explainer(model, tokenizer, { granularity: (core as any).Granularity.WORD, ...options });
        const outputs = await explainer.explain(examples.map((e) => e.text));
        const misses: string[] = [];
        outputs.forEach((out, i) => {
          const row = out.attributions[0];
          const top = row!.indexOf(Math.max(...row!.filter((v) => !Number.isNaN(v))));
          const cue = examples[i]!.words[examples[i]!.cue!];
          if (out.elements[top]!.trim().toLowerCase() !== cue)
            misses.push(`"${examples[i]!.text}": top "${out.elements[top]}", cue "${cue}"`);
        });
        expect(1 - misses.length / outputs.length, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
      } finally {
        await model.dispose();
      }
    },
  );

  it('Deletion AUC of Occlusion is below that of a random ranking', async () => {
    const { model, tokenizer } = await load();
    try {
      const c = core as any;
      const occlusion = await new c.Occlusion(model, tokenizer, { granularity: c.Granularity.WORD }).explain(
        examples.map((e) => e.text),
      );
      const rng = new Rng(9);
      const random: AttributionOutput[] = occlusion.map((o: AttributionOutput) => ({
        ...o,
        attributions: o.attributions.map((row) => row.map(() => rng.float())),
      }));
      const deletion = new c.Deletion(model, tokenizer);
      const ours = (await deletion.evaluate(occlusion)).auc;
      const baseline = (await deletion.evaluate(random)).auc;
      expect(ours).toBeLessThan(baseline);
    } finally {
      await model.dispose();
    }
  });
});
