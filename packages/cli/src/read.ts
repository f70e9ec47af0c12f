/**
 * Reads a dataset file into raw rows for `runDataset`: the file's bytes, parsed by parse.ts (JSONL, CSV or
 * Parquet; the parsing is shared with the playground, which has no file system).
 *
 * Exports: `readDataset`, `datasetFormat`, `DatasetFormat`, `ColumnNames`, `DataFileError`.
 */
import { readFileSync } from 'node:fs';
import type { RawDatasetRow } from '@interpreto-js/core';
import { DataFileError, datasetFormat, parseDataset, type ColumnNames } from './parse.ts';

export { DataFileError, datasetFormat, type ColumnNames, type DatasetFormat } from './parse.ts';

/**
 * Every record of the file as a raw row, in file order. Rows without an id column get `line-<n>` (JSONL, CSV: the
 * line) or `row-<n>` (Parquet). Throws `DataFileError` when the file is missing or not of its format.
 */
export async function readDataset(path: string, columns: ColumnNames = {}): Promise<RawDatasetRow[]> {
  datasetFormat(path); // an unknown extension is refused before the file is read
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataFileError(`${path}: cannot read the dataset file (${(e as NodeJS.ErrnoException).code ?? e}).`);
  }
  return parseDataset(path, bytes, columns);
}
