/**
 * Metrics (docs/spec.md §5) against curves recomputed from the known-answer models' own math: Deletion and
 * Insertion masks for a known ranking, the step schedule, AUC, generation (cut after each unit, own cell
 * excluded), AOPC, batching invariance and abort.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { expectClose, fixtureWeights } from './known-answers.ts';
import { additiveLogits, copyLmLogits } from '../../onnx-grad/test/fixtures/index.ts';
import {
  AOPCComprehensiveness,
  AOPCSufficiency,
  Deletion,
  Granularity,
  GranularityAggregationStrategy,
  Insertion,
  Occlusion,
  type AttributionOutput,
} from '../src/index.ts';

const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function expectedCurve(
  o: AttributionOutput,
  r: number,
  kind: 'deletion' | 'insertion',
  prob: (ids: number[]) => number,
  nPerturbations = 100,
): number[] {
  const row = o.attributions[r]!;
  const ranking = row
    .map((v, u) => [v, u] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, u]) => u);
  const N = ranking.length;
  const P = Math.min(nPerturbations, N) + 1;
  const steps = Array.from({ length: P }, (_, i) => Math.floor((i * N) / (P - 1)));
  return steps.map((s) => {
    const replaced = new Set(kind === 'deletion' ? ranking.slice(0, s) : ranking.slice(s));
    const ids = o.inputs.inputIds.map((id, t) =>
      replaced.has(o.inputs.units.unitOfToken[t]!) ? o.inputs.replaceTokenId : id,
    );
    return prob(ids);
  });
}

const auc = (c: number[]) =>
  c.length === 1 ? c[0]! : c.slice(1).reduce((s, v, i) => s + (v + c[i]!) / 2, 0) / (c.length - 1);

describe('Insertion and Deletion, classification', () => {
  test('curves, steps and AUC match the additive model for the ranking of the attributions', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const w = fixtureWeights('additive-classifier');
    const attributions = await new Occlusion(model, tokenizer).explain(
      ['the movie was good and the actors were great', 'a bad film'],
      [[0, 1], [1]],
    );
    for (const [Metric, kind] of [
      [Deletion, 'deletion'],
      [Insertion, 'insertion'],
    ] as const) {
      for (const nPerturbations of [100, 3]) {
        const { auc: score, detailedScores } = await new Metric(model, tokenizer, { nPerturbations }).evaluate(
          attributions,
        );
        const perInput = attributions.map((o, i) =>
          o.targets.map((c, r) => {
            const expected = expectedCurve(o, r, kind, (ids) => softmax(additiveLogits(w, ids))[c]!, nPerturbations);
            expectClose(detailedScores[i]![r]!, expected, 1e-5);
            return auc(expected);
          }),
        );
        const mean = perInput.map((rows) => rows.reduce((a, b) => a + b, 0) / rows.length);
        expect(score).toBeCloseTo(mean.reduce((a, b) => a + b, 0) / mean.length, 6);
      }
    }
  });

  test('faithful attributions beat reversed ones; batching does not matter; AOPC agrees with the curves', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Occlusion(model, tokenizer).explain('the movie was good and the actors were great', 1);
    const reversed: AttributionOutput = { ...o!, attributions: o!.attributions.map((r) => r.map((v) => -v)) };
    const del = new Deletion(model, tokenizer, { batchSize: 3 });
    const good = await del.evaluate([o!]);
    const bad = await del.evaluate([reversed]);
    expect(good.auc).toBeLessThan(bad.auc);
    const other = await new Deletion(model, tokenizer, { batchSize: 11 }).evaluate([o!]);
    expectClose(other.detailedScores[0]![0]!, good.detailedScores[0]![0]!, 1e-6);
    const ins = await new Insertion(model, tokenizer).evaluate(o!);
    expect(ins.auc).toBeGreaterThan((await new Insertion(model, tokenizer).evaluate(reversed)).auc);
    const comp = await new AOPCComprehensiveness(model, tokenizer).evaluate(o!);
    const curve = good.detailedScores[0]![0]!;
    expect(comp.aopc).toBeCloseTo(curve.reduce((s, v) => s + (curve[0]! - v), 0) / curve.length, 6);
    const suff = await new AOPCSufficiency(model, tokenizer).evaluate(o!);
    const icurve = ins.detailedScores[0]![0]!;
    expect(suff.detailedScores[0]![0]).toEqual(icurve);
    expect(suff.aopc).toBeCloseTo(icurve.reduce((s, v) => s + (curve[0]! - v), 0) / icurve.length, 6);
  });

  test('abort rejects with an AbortError; mismatched attributions are refused', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Occlusion(model, tokenizer).explain('the movie was good', 1);
    const c = new AbortController();
    const metric = new Deletion(model, tokenizer, { batchSize: 1 });
    await expect(metric.evaluate(o!, { signal: c.signal, onProgress: () => c.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect((await metric.evaluate(o!)).detailedScores[0]![0]!.length).toBe(o!.inputs.units.nUnits + 1);
    await expect(metric.evaluate({ ...o!, attributions: [[1, 2]] })).rejects.toThrow(/one value per unit/);
    await expect(metric.evaluate([])).rejects.toThrow(/No attributions/);
  });
});

describe('Insertion and Deletion, generation', () => {
  test('each target unit cuts the sequence after it and ranks only its real cells (copy-lm)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const attributions = await new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN }).explain(
      'the cat sat on the mat',
      undefined,
      { generation: { max_new_tokens: 3 } },
    );
    const o = attributions[0]!;
    const V = model.config.vocab_size;
    // TOKEN units: target unit r is the single token at promptLength + r, and those tokens are the targets.
    const P = o.inputs.promptLength!;
    expect(o.inputs.targetUnitTokens).toEqual(o.targets.map((_, j) => [P + j]));
    expect(o.inputs.inputIds.slice(P)).toEqual(o.targets);
    // A decoder has no class names: the field is absent, not undefined.
    expect('classes' in o).toBe(false);
    for (const [Metric, kind] of [
      [Deletion, 'deletion'],
      [Insertion, 'insertion'],
    ] as const) {
      const { detailedScores } = await new Metric(model, tokenizer).evaluate(attributions);
      o.inputs.targetUnitTokens!.forEach((tokens, r) => {
        const pos = tokens[0]!;
        const expected = expectedCurve(
          o,
          r,
          kind,
          (ids) => softmax(copyLmLogits(ids.slice(0, pos + 1), V)[pos - 1]!)[o.inputs.inputIds[pos]!]!,
        );
        expect(detailedScores[0]![r]!.length).toBe(o.elements.length - o.attributions.length + r + 1);
        expectClose(detailedScores[0]![r]!, expected, 1e-4);
      });
    }
  });

  test("a unit's token probabilities pool with the output's aggregation strategy, as in Interpreto (copy-lm)", async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size;
    // Written out here rather than through the core's aggregate(), so the test checks it.
    const pool: Record<GranularityAggregationStrategy, (p: number[]) => number> = {
      MEAN: (p) => p.reduce((a, b) => a + b, 0) / p.length,
      SUM: (p) => p.reduce((a, b) => a + b, 0),
      MAX: (p) => Math.max(...p),
      MIN: (p) => Math.min(...p),
      SIGNED_MAX: (p) => Math.max(...p), // probabilities are >= 0
      FIRST: (p) => p[0]!,
      LAST: (p) => p.at(-1)!,
    };
    // The model predicts token i + 1 = token i - 1: of the target (one SENTENCE unit) B, C, A, A, C after
    // A B A B C, the first two tokens are likely and the last three are not.
    const [A, B, C] = ['the', ' cat', ' sat'].map((w) => tokenizer.encode(w, { add_special_tokens: false })[0]!);
    const curves = new Map<string, number[][]>();
    for (const strategy of Object.values(GranularityAggregationStrategy)) {
      const attributions = await new Occlusion(model, tokenizer, {
        granularity: Granularity.SENTENCE,
        granularityAggregationStrategy: strategy,
      }).explain({ input_ids: [[A, B, A, B, C]] }, { input_ids: [[B, C, A, A, C]] });
      const o = attributions[0]!;
      const tokens = o.inputs.targetUnitTokens![0]!;
      expect(tokens.length).toBeGreaterThan(3); // one target unit of several tokens
      const end = Math.max(...tokens) + 1;
      const prob = (ids: number[]) => {
        const logits = copyLmLogits(ids.slice(0, end), V);
        return pool[strategy](tokens.map((p) => softmax(logits[p - 1]!)[ids[p]!]!));
      };
      for (const [Metric, kind] of [
        [Deletion, 'deletion'],
        [Insertion, 'insertion'],
      ] as const) {
        const { detailedScores } = await new Metric(model, tokenizer).evaluate(attributions);
        expectClose(detailedScores[0]![0]!, expectedCurve(o, 0, kind, prob), 1e-4);
        curves.set(`${strategy} ${kind}`, detailedScores[0]!);
      }
    }
    // The strategy really changes the curve (the unit's tokens differ in probability).
    expect(curves.get('MAX deletion')![0]![0]).toBeGreaterThan(curves.get('MIN deletion')![0]![0]! + 1e-3);
  });
});
