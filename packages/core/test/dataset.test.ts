import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  aggregateDataset,
  averageCurve,
  bootstrapMeanCi,
  checkDatasetSettings,
  pairedComparison,
  resampleCurve,
  runDataset,
  type DatasetRowResult,
  type RawDatasetRow,
  type RunDatasetOptions,
} from '../src/index.ts';
import { repoFile } from '../../../fixtures/index.ts';
import { loadFolder } from './helpers.ts';

const collect = async (it: AsyncIterable<DatasetRowResult>) => {
  const out: DatasetRowResult[] = [];
  for await (const r of it) out.push(r);
  return out;
};

describe('dataset statistics', () => {
  test('bootstrap interval: seeded, around the mean, zero width on constant values, wider with fewer rows', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i * 37) % 11);
    const a = bootstrapMeanCi(values, { seed: 3 });
    expect(a).toEqual(bootstrapMeanCi(values, { seed: 3 }));
    expect(a.mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / 40, 12);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.high).toBeGreaterThan(a.mean);
    // the standard error of a mean of 40 values with sd ~3.2 is ~0.5: a 95% interval spans about 2 of it
    expect(a.high - a.low).toBeGreaterThan(1.2);
    expect(a.high - a.low).toBeLessThan(2.8);
    const few = bootstrapMeanCi(values.slice(0, 10), { seed: 3 });
    expect(few.high - few.low).toBeGreaterThan(a.high - a.low);
    expect(bootstrapMeanCi([2, 2, 2], { seed: 1 })).toEqual({ mean: 2, low: 2, high: 2, n: 3 });
  });

  test('paired comparison: win rate by the metric direction, ties count half', () => {
    const a = [0.1, 0.2, 0.3, 0.4];
    const b = [0.2, 0.2, 0.1, 0.5];
    const lower = pairedComparison(a, b, true, { seed: 0 });
    expect(lower.winRate).toBe((1 + 0.5 + 0 + 1) / 4);
    expect(lower.difference.mean).toBeCloseTo((-0.1 + 0 + 0.2 - 0.1) / 4, 12);
    expect(pairedComparison(a, b, false, { seed: 0 }).winRate).toBe((0 + 0.5 + 1 + 0) / 4);
  });

  test('curves of different lengths resample onto one grid', () => {
    expect(resampleCurve([0, 1], 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(resampleCurve([1, 0, 1], 3)).toEqual([1, 0, 1]);
    expect(
      averageCurve(
        [
          [0, 1],
          [1, 1, 1],
        ],
        3,
      ),
    ).toEqual([0.5, 0.75, 1]);
  });
});

describe('runDataset on the sentiment model', async () => {
  const { model, tokenizer } = await loadFolder(repoFile('public/models/bert-tiny-sentiment'), 'classification');
  const evalRows: RawDatasetRow[] = readFileSync(repoFile('fixtures/eval/sentiment-eval.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RawDatasetRow);
  const rows = [evalRows[0]!, evalRows[44]!, evalRows[80]!, evalRows[124]!]; // positive, negative, neutral, contrast
  const options: RunDatasetOptions = {
    model,
    tokenizer,
    methods: ['Occlusion', { name: 'Lime', options: { nPerturbations: 30 } }],
    metrics: ['deletion', 'insertion'],
    metricOptions: { nPerturbations: 5 },
    seed: 7,
  };

  test('per row: prediction, attributions, metric curves; the deciding word ranks first', async () => {
    const results = await collect(runDataset(rows, options));
    expect(results.map((r) => [r.id, r.status])).toEqual(rows.map((r) => [r.id, 'ok']));
    const negative = results[1]!; // "The acting in the sequel is terrible."
    expect(negative.predicted).toBe(0);
    expect(negative.correct).toBe(true);
    const occ = negative.methods.Occlusion!;
    const scores = occ.attributions![0]! as number[];
    expect(occ.elements![scores.indexOf(Math.max(...scores))]!.trim().toLowerCase()).toBe('terrible');
    const del = occ.metrics!.deletion!;
    expect(del.curve.length).toBe(6);
    expect(del.curve[0]).toBeCloseTo(negative.probabilities![0]!, 5);
    // deleting the deciding word first: the probability of the class falls by the second step
    expect(del.curve[1]!).toBeLessThan(del.curve[0]! - 0.3);
  });

  test('results do not depend on row order (row seeds come from the ids)', async () => {
    const forward = await collect(runDataset(rows, options));
    const backward = await collect(runDataset([...rows].reverse(), options));
    const byId = (rs: DatasetRowResult[]) => Object.fromEntries(rs.map((r) => [r.id, r]));
    expect(byId(backward)).toEqual(byId(forward));
    // and the seed matters: Lime samples differently under another run seed
    const other = await collect(runDataset(rows, { ...options, seed: 8 }));
    expect(other[0]!.methods.Lime!.attributions).not.toEqual(forward[0]!.methods.Lime!.attributions);
    expect(other[0]!.methods.Occlusion!.attributions).toEqual(forward[0]!.methods.Occlusion!.attributions);
  });

  test('malformed rows are reported one by one and the run goes on', async () => {
    const bad: RawDatasetRow[] = [
      { id: 'empty', text: '  ' },
      { id: 'missing' },
      { id: 'unparseable', error: 'line 3: Unexpected token } in JSON' },
      { id: 'long', text: 'great '.repeat(100) },
      { id: 'huge', text: 'x'.repeat(20) },
      { id: 'class', text: 'a film', target: 'amazing' },
      rows[0]!,
      { id: rows[0]!.id, text: 'again' },
    ];
    const progress: number[] = [];
    const results = await collect(
      runDataset(bad, {
        ...options,
        methods: ['Occlusion'],
        maxTextLength: 10,
        onProgress: (p) => progress.push(p.done),
      }),
    );
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const errors = results.map((r) => [r.id, r.status, r.error]);
    expect(errors).toEqual([
      ['empty', 'failed', 'empty text'],
      ['missing', 'failed', 'missing text: the row has no text column/field'],
      ['unparseable', 'failed', 'line 3: Unexpected token } in JSON'],
      ['long', 'failed', 'text too long: 600 characters, at most 10 (maxTextLength)'],
      ['huge', 'failed', 'text too long: 20 characters, at most 10 (maxTextLength)'],
      ['class', 'failed', "target: unknown class 'amazing': the model's classes are negative, neutral, positive"],
      [rows[0]!.id, 'failed', 'text too long: 41 characters, at most 10 (maxTextLength)'],
      [rows[0]!.id, 'failed', `duplicate id '${rows[0]!.id}'`],
    ]);
    // over the model's 64 positions (with the default character limit)
    const [tooLong] = await collect(
      runDataset([{ id: 'long', text: 'great '.repeat(100) }], { ...options, methods: ['Occlusion'] }),
    );
    expect(tooLong!.error).toBe('text too long for the model (at most 64 tokens)');
  });

  test('bad options fail before any row; an abort stops the run', async () => {
    await expect(collect(runDataset(rows, { ...options, methods: ['Occlusio' as never] }))).rejects.toThrow(
      /Unknown method 'Occlusio'/,
    );
    await expect(collect(runDataset(rows, { ...options, metrics: ['auc' as never] }))).rejects.toThrow(
      /Unknown metric 'auc'/,
    );
    await expect(
      collect(runDataset(rows, { ...options, methods: [{ name: 'Lime', options: { seed: 1 } }] })),
    ).rejects.toThrow(/seed on the run/);
    expect(() => checkDatasetSettings([{ name: 'Lime', options: { nPerturbation: 5 } }])).toThrow(
      /Lime: unknown option 'nPerturbation'; did you mean 'nPerturbations'\?/,
    );
    expect(() => checkDatasetSettings(['Occlusion'], ['deletion'], { nPerturbations: 0 })).toThrow(/nPerturbations/);
    expect(() => checkDatasetSettings([])).toThrow(/No method to run/);
    expect(() => checkDatasetSettings(['Occlusion', 'Occlusion'])).toThrow(/listed twice/);
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of runDataset(rows, { ...options, signal: controller.signal })) {
          seen.push(r.id);
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen).toEqual([rows[0]!.id]);
  });

  test('aggregates: same whatever the order, intervals around the means, paired comparison, failures', async () => {
    const results = await collect(runDataset([...rows, { id: 'zz-empty', text: '' }], options));
    const agg = aggregateDataset(results, { seed: 1 });
    expect(aggregateDataset([...results].reverse(), { seed: 1 })).toEqual(agg);
    expect(agg.rows).toBe(5);
    expect(agg.failures).toEqual([{ id: 'zz-empty', error: 'empty text' }]);
    expect(agg.accuracy).toEqual({ n: 4, correct: 4 });
    const occ = agg.methods.Occlusion!.metrics.deletion!;
    const mean = results.slice(0, 4).reduce((s, r) => s + r.methods.Occlusion!.metrics!.deletion!.score, 0) / 4;
    expect(occ.score.mean).toBeCloseTo(mean, 12);
    expect(occ.score.low).toBeLessThanOrEqual(mean);
    expect(occ.score.high).toBeGreaterThanOrEqual(mean);
    expect(occ.curve.length).toBe(21);
    const cmp = agg.comparisons.find((c) => c.metric === 'deletion')!;
    expect([cmp.a, cmp.b]).toEqual(['Lime', 'Occlusion']);
    expect(cmp.comparison.n).toBe(4);
    const lime = agg.methods.Lime!.metrics.deletion!.score.mean;
    expect(cmp.comparison.difference.mean).toBeCloseTo(lime - occ.score.mean, 12);
  });
});
