/**
 * `@interpreto-js/cli`: the `interpreto` command (bin), and its parts for programs: reading datasets, shards,
 * the resumable run, merge and report.
 */
export { datasetFormat, readDataset, DataFileError, type ColumnNames, type DatasetFormat } from './read.ts';
export { inShard, parseShard, shardFromEnv, ShardError, type Shard } from './shard.ts';
export { runCommand, selectRows, type RunArgs, type RunSummary } from './run.ts';
export { mergeResults, MergeError } from './merge.ts';
export { renderReport, writeReport } from './report.ts';
export { readManifest, readResults, StoreError, type Manifest, type RunConfig } from './store.ts';
export { threadsPerWorker } from './pool.ts';
export { SCORES_FILE, writeScoresParquet } from './scores.ts';
export { main, program } from './cli.ts';
