/**
 * Dataset file contents to raw rows, without any file system: JSONL (one JSON object per line), CSV (a header row;
 * csv-parse's browser build, which needs no Node Buffer) or Parquet (hyparquet, pure JS). Shared by the CLI (read.ts
 * reads the file) and the playground (a file the user picks or drops), so both read a file into the same rows.
 * The format comes from the name and is checked against the content: a file that is none of the three is refused.
 * A record that cannot be parsed (a bad JSON line, a CSV line with an unclosed quote) becomes a row with `error`.
 *
 * Exports: `parseDataset`, `datasetFormat`, `DatasetFormat`, `ColumnNames`, `DataFileError`.
 */
import type { RawDatasetRow } from '@interpreto-js/core';
import { parse as parseCsv } from 'csv-parse/browser/esm/sync';
import { parquetReadObjects } from 'hyparquet';

export type DatasetFormat = 'jsonl' | 'csv' | 'parquet';

export interface ColumnNames {
  id?: string;
  text?: string;
  target?: string;
  label?: string;
}

export class DataFileError extends Error {
  override name = 'DataFileError';
}

const EXTENSIONS: Record<string, DatasetFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  csv: 'csv',
  parquet: 'parquet',
};

/** The format of the file `name` (a path or a file name) from its extension; a clear error for any other file. */
export function datasetFormat(name: string): DatasetFormat {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const format = EXTENSIONS[ext];
  if (!format)
    throw new DataFileError(
      `${name}: not a dataset file. Give a .jsonl (one JSON object per line), .csv (with a header row) or .parquet file.`,
    );
  return format;
}

/** A column value as a row field: bigint (Parquet INT64) to number, strings kept, anything else as is. */
const field = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

function toRow(record: Record<string, unknown>, fallbackId: string, cols: Required<ColumnNames>): RawDatasetRow {
  const id = field(record[cols.id]);
  return {
    id: id === undefined || id === null || id === '' ? fallbackId : String(id),
    text: field(record[cols.text]),
    target: field(record[cols.target]),
    label: field(record[cols.label]),
  };
}

function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 4096).includes(0);
}

function parseJsonl(name: string, bytes: Uint8Array, cols: Required<ColumnNames>): RawDatasetRow[] {
  if (looksBinary(bytes)) throw new DataFileError(`${name}: binary content, not JSONL (one JSON object per line).`);
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  const rows: RawDatasetRow[] = [];
  let parsed = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `line-${i + 1}`;
    try {
      const record: unknown = JSON.parse(line);
      if (!record || typeof record !== 'object' || Array.isArray(record))
        rows.push({ id: at, error: `line ${i + 1}: not a JSON object` });
      else {
        parsed++;
        rows.push(toRow(record as Record<string, unknown>, at, cols));
      }
    } catch (e) {
      rows.push({ id: at, error: `line ${i + 1}: unparseable JSON (${(e as Error).message})` });
    }
  });
  if (rows.length && !parsed)
    throw new DataFileError(`${name}: no line is a JSON object; is it JSONL (one JSON object per line)?`);
  return rows;
}

function parseCsvRows(name: string, bytes: Uint8Array, cols: Required<ColumnNames>): RawDatasetRow[] {
  if (looksBinary(bytes)) throw new DataFileError(`${name}: binary content, not CSV.`);
  const skipped: RawDatasetRow[] = [];
  let records: { record: Record<string, unknown>; info: { lines: number } }[];
  try {
    records = parseCsv(new TextDecoder().decode(bytes), {
      columns: true,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        const line = err?.lines ?? skipped.length;
        skipped.push({ id: `line-${line}`, error: `line ${line}: unparseable CSV (${err?.message ?? 'bad record'})` });
        return undefined;
      },
    }) as typeof records;
  } catch (e) {
    throw new DataFileError(`${name}: not readable as CSV with a header row (${(e as Error).message}).`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  if (records.length && !header.includes(cols.text))
    throw new DataFileError(
      `${name}: no '${cols.text}' column (columns: ${header.join(', ')}); name the text column with --text-column.`,
    );
  const rows = records.map(({ record, info }) => toRow(record, `line-${info.lines}`, cols));
  // keep file order: skipped records go where their line was
  return [...rows, ...skipped].sort((a, b) => lineOf(a) - lineOf(b));
}

const lineOf = (r: RawDatasetRow) => Number(/^line-(\d+)$/.exec(r.id)?.[1] ?? Number.NaN);

async function parseParquet(name: string, bytes: Uint8Array, cols: Required<ColumnNames>): Promise<RawDatasetRow[]> {
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  const tail = new TextDecoder().decode(bytes.subarray(bytes.length - 4));
  if (magic !== 'PAR1' || tail !== 'PAR1')
    throw new DataFileError(`${name}: not a Parquet file (no PAR1 magic bytes).`);
  let records: Record<string, unknown>[];
  try {
    // an ArrayBuffer is an AsyncBuffer to hyparquet; copy out of a possibly larger (pooled) buffer (a Node
    // Buffer's slice() is a view, the Uint8Array constructor copies)
    const file = new Uint8Array(bytes).buffer;
    records = await parquetReadObjects({ file });
  } catch (e) {
    throw new DataFileError(`${name}: unreadable Parquet (${(e as Error).message}).`);
  }
  return records.map((r, i) => toRow(r, `row-${i + 1}`, cols));
}

/**
 * Every record of a file's bytes as a raw row, in file order; `name` (path or file name) gives the format and
 * names the file in errors. Rows without an id column get `line-<n>` (JSONL, CSV: the line) or `row-<n>`
 * (Parquet). Throws `DataFileError` when the content is not of its format.
 */
export function parseDataset(name: string, bytes: Uint8Array, columns: ColumnNames = {}): Promise<RawDatasetRow[]> {
  const format = datasetFormat(name);
  const cols = { id: 'id', text: 'text', target: 'target', label: 'label', ...columns };
  if (format === 'parquet') return parseParquet(name, bytes, cols);
  try {
    return Promise.resolve(format === 'jsonl' ? parseJsonl(name, bytes, cols) : parseCsvRows(name, bytes, cols));
  } catch (e) {
    return Promise.reject(e);
  }
}
