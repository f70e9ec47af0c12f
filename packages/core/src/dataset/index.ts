/**
 * Dataset-scale runs: `runDataset` (rows in, per-row results out, as a stream), `aggregateDataset` (means with
 * bootstrap intervals, paired comparisons, average curves, failures) and the statistics they use.
 */
export * from './rows.ts';
export * from './run.ts';
export * from './aggregate.ts';
export {
  averageCurve,
  bootstrapMeanCi,
  pairedComparison,
  resampleCurve,
  type BootstrapOptions,
  type ConfidenceInterval,
  type PairedComparison,
} from './stats.ts';
