/**
 * Dataset rows and their checks: what a reader hands `runDataset` (anything, possibly malformed) and what a
 * valid row is. A bad row becomes a per-row error message; it never throws.
 *
 * Exports: `DatasetRow`, `RawDatasetRow`, `checkRow`, `rowSeed`, `DEFAULT_MAX_TEXT_LENGTH`.
 */
import { deriveSeed } from '../math/rng.ts';

/** A valid row: an id unique in the dataset, a text, and optionally the class to explain and a gold label. */
export interface DatasetRow {
  id: string;
  text: string;
  /** The class to explain (index or class name); by default the model's predicted class. */
  target?: number | string;
  /** The gold label (index or class name), recorded with the result. */
  label?: number | string;
}

/**
 * What a file reader produces for each record: fields as found (any type, possibly missing), or `error` when the
 * record itself could not be read (an unparseable line). `id` is always set by the reader (the record's own id, or
 * its position).
 */
export interface RawDatasetRow {
  id: string;
  text?: unknown;
  target?: unknown;
  label?: unknown;
  /** The record could not be parsed; why. */
  error?: string;
}

export const DEFAULT_MAX_TEXT_LENGTH = 10_000;

const classRef = (v: unknown): v is number | string =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && v.trim() !== '');

/** The row, or why it cannot run. */
export function checkRow(raw: RawDatasetRow, maxTextLength = DEFAULT_MAX_TEXT_LENGTH): DatasetRow | { error: string } {
  if (raw.error) return { error: raw.error };
  const { id, text, target, label } = raw;
  if (text === undefined || text === null) return { error: 'missing text: the row has no text column/field' };
  if (typeof text !== 'string') return { error: `text must be a string (got ${typeof text})` };
  if (text.trim() === '') return { error: 'empty text' };
  if (text.length > maxTextLength)
    return { error: `text too long: ${text.length} characters, at most ${maxTextLength} (maxTextLength)` };
  const row: DatasetRow = { id, text };
  if (target !== undefined && target !== null && target !== '') {
    if (!classRef(target))
      return { error: `target must be a class index or a class name (got ${JSON.stringify(target)})` };
    row.target = target;
  }
  if (label !== undefined && label !== null && label !== '') {
    if (!classRef(label))
      return { error: `label must be a class index or a class name (got ${JSON.stringify(label)})` };
    row.label = label;
  }
  return row;
}

/** 32-bit FNV-1a of the id's UTF-16 code units: a stable stream number per row id. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of one row: from the run's seed and the row's id only, never its position, batch or shard. */
export function rowSeed(runSeed: number, id: string): number {
  return deriveSeed(runSeed, hashId(id));
}
