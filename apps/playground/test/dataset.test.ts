// The Dataset tab's pure parts: reading a file as the CLI does, the results file, the report's manifest, progress.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDataset } from '@interpreto-js/cli';
import { renderReport } from '@interpreto-js/cli/browser';
import { aggregateDataset, type DatasetRowResult } from '@interpreto-js/core';
import { loadData, progressLine, resultsJsonl, runManifest } from '../src/dataset/files.ts';

const EVAL = new URL('../../../fixtures/eval/sentiment-eval.jsonl', import.meta.url).pathname;

const result = (id: string, score: number, status: 'ok' | 'failed' = 'ok'): DatasetRowResult => ({
  id,
  status,
  ...(status === 'failed' ? { error: 'empty text' } : {}),
  methods:
    status === 'ok'
      ? { Occlusion: { elements: ['a'], attributions: [[score]], metrics: { deletion: { score, curve: [1, score] } } } }
      : {},
});

describe('Dataset tab files', () => {
  it('reads the evaluation set from its bytes into the rows the CLI reads from the file', async () => {
    const bytes = new Uint8Array(readFileSync(EVAL));
    const data = await loadData('sentiment-eval.jsonl', bytes);
    expect(data.rows).toEqual(await readDataset(EVAL));
    expect(data.rows).toHaveLength(128);
    expect(data.bytes).toBe(bytes.length);
    expect(data.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a file that is not a dataset, and an empty one, saying what to give', async () => {
    await expect(loadData('model.onnx', new Uint8Array([1, 2]))).rejects.toThrow(/\.jsonl.*\.csv.*\.parquet/);
    await expect(loadData('empty.jsonl', new Uint8Array())).rejects.toThrow(/no rows/);
    await expect(loadData('x.csv', new TextEncoder().encode('id,body\n1,hi\n'))).rejects.toThrow(/no 'text' column/);
  });

  it('writes one JSON result per line, each line parsing back to its result', () => {
    const rs = [result('b', 0.5), result('a', 0.25, 'failed')];
    const text = resultsJsonl(rs);
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(rs);
  });

  it('gives the report a manifest with the run settings, counts and completeness', async () => {
    const data = await loadData('sentiment-eval.jsonl', new Uint8Array(readFileSync(EVAL)));
    const rs = [result('s001', 0.5), result('s002', 0.25, 'failed')];
    const settings = {
      model: { source: 'local' as const, id: 'bert-tiny-sentiment' },
      data,
      methods: ['Occlusion' as const],
      metrics: ['deletion' as const],
      seed: 3,
      limit: 4,
      selected: 4,
    };
    const m = runManifest(settings, rs);
    expect(m.rows).toEqual({ selected: 4, done: 2, failed: 1 });
    expect(m.complete).toBe(false);
    expect(m.config.methods).toEqual([{ name: 'Occlusion' }]);
    expect(runManifest({ ...settings, selected: 2 }, rs).complete).toBe(true);
    const html = renderReport(m, rs, aggregateDataset(rs, { seed: 3 }));
    expect(html).toMatch(/data <code>sentiment-eval\.jsonl<\/code> · seed 3 · first 4 rows\s+· 2 rows, 1 failed/);
    expect(html).toContain('<b>incomplete run</b>');
  });

  it('states rows done, the rate and the time left', () => {
    expect(progressLine(0, 10, 0)).toBe('0 / 10 rows');
    expect(progressLine(4, 10, 2000)).toBe('4 / 10 rows · 2.0 rows/s · about 3 s left');
    expect(progressLine(10, 500, 1000)).toBe('10 / 500 rows · 10 rows/s · about 49 s left');
    expect(progressLine(100, 500, 100_000)).toBe('100 / 500 rows · 1.0 rows/s · about 6 min 40 s left');
    expect(progressLine(10, 10, 5000)).toBe('10 / 10 rows · 2.0 rows/s');
  });
});
