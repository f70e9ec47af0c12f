/**
 * Perturbation methods read only the logits they need: on a model that takes `num_logits_to_keep` (newer
 * transformers.js exports), each forward asks for the positions from the first scored one to the end, the session
 * returns only those, and the attributions equal those of the same weights without that input (llama-tiny-opset18),
 * for the replacement and the delete baselines, and for a faithfulness metric.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Deletion, Granularity, KernelShap, Occlusion, type AttributionOutput } from '../src/index.ts';
import { loadFixture } from './helpers.ts';
import { expectRowsClose } from './known-answers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const PROMPT = 'the cat sat on the mat and';
const TARGET = ' the dog ran';

describe('num_logits_to_keep', () => {
  test('fewer logits computed, the same attributions and metric as the model without the input', async () => {
    const keep = await loadFixture('llama-tiny-keep-logits');
    const full = await loadFixture('llama-tiny-opset18');
    // What the keep model's session is fed and returns (transformers.js's forward of the model).
    const asked: { keep: number; seq: number; rows: number }[] = [];
    const model = keep.model as unknown as { _call: (feeds: Record<string, unknown>) => Promise<unknown> };
    const call = model._call.bind(model);
    vi.spyOn(model, '_call').mockImplementation(async (feeds) => {
      const out = (await call(feeds)) as { logits: { dims: number[] } };
      const n = feeds.num_logits_to_keep as { data: BigInt64Array } | undefined;
      if (n)
        asked.push({
          keep: Number(n.data[0]),
          seq: (feeds.input_ids as { dims: number[] }).dims[1]!,
          rows: out.logits.dims[1]!,
        });
      return out;
    });
    for (const [name, make] of [
      ['Occlusion', (m: typeof keep) => new Occlusion(m.model, m.tokenizer, { granularity: Granularity.WORD })],
      [
        'Occlusion, delete baseline',
        (m: typeof keep) => new Occlusion(m.model, m.tokenizer, { granularity: Granularity.WORD, baseline: 'delete' }),
      ],
      ['KernelShap', (m: typeof keep) => new KernelShap(m.model, m.tokenizer, { nPerturbations: 24, seed: 3 })],
    ] as const) {
      asked.length = 0;
      const [a] = (await make(keep).explain(PROMPT, TARGET)) as AttributionOutput[];
      const [b] = (await make(full).explain(PROMPT, TARGET)) as AttributionOutput[];
      // float32: the same LM head rows, computed in a smaller product
      expectRowsClose(a!.attributions, b!.attributions, 1e-5, name);
      // Every forward computed the logits from the first target position on, not the whole sequence.
      expect(asked.length, name).toBeGreaterThan(0);
      for (const c of asked) {
        expect(c.rows, name).toBe(c.keep);
        expect(c.keep, name).toBeLessThan(c.seq);
      }
    }
    const [explained] = (await new Occlusion(full.model, full.tokenizer).explain(
      PROMPT,
      TARGET,
    )) as AttributionOutput[];
    asked.length = 0;
    const metric = (m: typeof keep) => new Deletion(m.model, m.tokenizer).evaluate(explained!);
    const [x, y] = [await metric(keep), await metric(full)];
    expectRowsClose(x.detailedScores.flat(), y.detailedScores.flat(), 1e-5, 'Deletion');
    expect(asked.length).toBeGreaterThan(0);
  });
});
