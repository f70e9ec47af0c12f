/**
 * Dataset-scale evaluation: two methods, Deletion and Insertion over the bundled labelled evaluation set, with
 * bootstrap intervals and a paired comparison (the tutorial's advice: compare methods on many examples, not one).
 * Run: pnpm tsx examples/14-dataset.ts            (the CLI does the same on files: pnpm interpreto run --help)
 */
import { readFileSync } from 'node:fs';
import { classifier } from './_setup.ts';
import { aggregateDataset, runDataset, type DatasetRowResult, type RawDatasetRow } from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const rows: RawDatasetRow[] = readFileSync(new URL('../fixtures/eval/sentiment-eval.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as RawDatasetRow)
  .filter((_, i) => i % 4 === 0); // 32 of the 128 rows, every class

const results: DatasetRowResult[] = [];
for await (const result of runDataset(rows, {
  model,
  tokenizer,
  methods: ['Occlusion', { name: 'IntegratedGradients', options: { nInterpolations: 8 } }],
  metrics: ['deletion', 'insertion'],
  metricOptions: { nPerturbations: 10 },
  seed: 0,
  total: rows.length,
  onProgress: ({ done, total }) => process.stdout.write(`\r${done}/${total} rows`),
})) {
  results.push(result);
}
console.log();

const agg = aggregateDataset(results, { seed: 0 });
console.log(`accuracy: ${agg.accuracy?.correct}/${agg.accuracy?.n}, failed rows: ${agg.failedRows}`);
for (const [method, entry] of Object.entries(agg.methods))
  for (const [metric, m] of Object.entries(entry.metrics))
    console.log(
      `${method.padEnd(20)} ${metric.padEnd(10)} ${m.score.mean.toFixed(3)} [${m.score.low.toFixed(3)}, ${m.score.high.toFixed(3)}] ${m.lowerIsBetter ? '(lower is better)' : '(higher is better)'}`,
    );
for (const { metric, a, b, comparison } of agg.comparisons)
  console.log(
    `${metric}: ${a} beats ${b} on ${(100 * comparison.winRate).toFixed(0)}% of ${comparison.n} rows; ` +
      `mean difference ${comparison.difference.mean.toFixed(3)} [${comparison.difference.low.toFixed(3)}, ${comparison.difference.high.toFixed(3)}]`,
  );
