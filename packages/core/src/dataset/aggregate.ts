/**
 * Dataset aggregates from per-row results, pure: per method and metric the mean score with its bootstrap
 * interval, the distribution of the row scores and the average curve; per metric and pair of methods the paired
 * comparison on the rows both scored; the failures, row by row. Rows are sorted by id first, so results that
 * arrive in any order (workers, shards) give the same aggregates.
 *
 * Exports: `aggregateDataset`, `DatasetAggregates`, `MethodMetricAggregate`, `MethodComparison`,
 * `AggregateOptions`.
 */
import { DATASET_METRICS, type DatasetMetricName, type DatasetRowResult } from './run.ts';
import { rowSeed } from './rows.ts';
import {
  averageCurve,
  bootstrapMeanCi,
  pairedComparison,
  type ConfidenceInterval,
  type PairedComparison,
} from './stats.ts';

export interface AggregateOptions {
  /** Seed of the bootstrap resampling (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  nResamples?: number;
  /** Coverage of the intervals (default 0.95). */
  confidence?: number;
  /** Points of the average curves, over the fraction of units perturbed (default 21). */
  curvePoints?: number;
}

export interface MethodMetricAggregate {
  /** Mean score over the rows the method scored, with its interval. */
  score: ConfidenceInterval;
  lowerIsBetter: boolean;
  /** The row scores, sorted ascending (for distributions). */
  scores: number[];
  /** Mean curve, resampled to `curvePoints` steps. */
  curve: number[];
}

export interface MethodComparison {
  metric: DatasetMetricName;
  a: string;
  b: string;
  /** A against B: win rate of A and the interval of mean(score A - score B). */
  comparison: PairedComparison;
}

export interface DatasetAggregates {
  rows: number;
  failedRows: number;
  /** Rows with a label the model's classes resolve, and how many of those the model predicts right. */
  accuracy?: { n: number; correct: number };
  methods: Record<
    string,
    { rows: number; failures: number; metrics: Partial<Record<DatasetMetricName, MethodMetricAggregate>> }
  >;
  comparisons: MethodComparison[];
  failures: { id: string; error: string }[];
}

const byId = (a: DatasetRowResult, b: DatasetRowResult) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function aggregateDataset(
  results: readonly DatasetRowResult[],
  options: AggregateOptions = {},
): DatasetAggregates {
  const { seed = 0, nResamples, confidence, curvePoints = 21 } = options;
  const rows = [...results].sort(byId);
  const boot = (key: string) => ({ seed: rowSeed(seed, key), nResamples, confidence });
  const labels: string[] = [];
  const metricNames: DatasetMetricName[] = [];
  for (const r of rows)
    for (const [label, m] of Object.entries(r.methods)) {
      if (!labels.includes(label)) labels.push(label);
      for (const name of Object.keys(m.metrics ?? {}) as DatasetMetricName[])
        if (!metricNames.includes(name)) metricNames.push(name);
    }
  labels.sort();
  metricNames.sort();

  // score of each (method, metric) per row id, for the paired comparisons
  const scoreOf = new Map<string, Map<string, number>>();
  const methods: DatasetAggregates['methods'] = {};
  for (const label of labels) {
    const scored = rows.filter((r) => r.methods[label] && !r.methods[label].error);
    const entry: DatasetAggregates['methods'][string] = {
      rows: scored.length,
      failures: rows.filter((r) => r.methods[label]?.error).length,
      metrics: {},
    };
    for (const name of metricNames) {
      const withMetric = scored.filter((r) => r.methods[label]!.metrics?.[name]);
      if (!withMetric.length) continue;
      const values = withMetric.map((r) => r.methods[label]!.metrics![name]!.score);
      scoreOf.set(`${label}\u0000${name}`, new Map(withMetric.map((r, i) => [r.id, values[i]!])));
      entry.metrics[name] = {
        score: bootstrapMeanCi(values, boot(`${label}/${name}`)),
        lowerIsBetter: DATASET_METRICS[name].lowerIsBetter,
        scores: [...values].sort((x, y) => x - y),
        curve: averageCurve(
          withMetric.map((r) => r.methods[label]!.metrics![name]!.curve),
          curvePoints,
        ),
      };
    }
    methods[label] = entry;
  }

  const comparisons: MethodComparison[] = [];
  for (const metric of metricNames)
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i]!, labels[j]!];
        const sa = scoreOf.get(`${a}\u0000${metric}`);
        const sb = scoreOf.get(`${b}\u0000${metric}`);
        if (!sa || !sb) continue;
        const ids = [...sa.keys()].filter((id) => sb.has(id));
        const comparison = pairedComparison(
          ids.map((id) => sa.get(id)!),
          ids.map((id) => sb.get(id)!),
          DATASET_METRICS[metric].lowerIsBetter,
          boot(`${a}/${b}/${metric}`),
        );
        comparisons.push({ metric, a, b, comparison });
      }

  const labelled = rows.filter((r) => r.correct !== undefined);
  const out: DatasetAggregates = {
    rows: rows.length,
    failedRows: rows.filter((r) => r.status === 'failed').length,
    methods,
    comparisons,
    failures: rows.filter((r) => r.status === 'failed').map((r) => ({ id: r.id, error: r.error ?? 'failed' })),
  };
  if (labelled.length) out.accuracy = { n: labelled.length, correct: labelled.filter((r) => r.correct).length };
  return out;
}
