/**
 * How scores become colours, before any colour is picked: the noise floor, which cells share a bound (per row,
 * per output, or shared across several outputs), whether the scale is one-sided (unsigned scores), compact
 * numbers for cells and colour bars, and the order of a sortable table. Pure, so views, exports and tests agree.
 */
import type { AttributionOutput } from '@interpreto-js/core';

/**
 * Scores within this distance of 0 are float error, not signal: drawn as 0. float32 rounding of model outputs
 * of order 1 is ~1e-7 per operation, so differences below 1e-6 cannot be told from 0 (an all-1e-10 row once
 * painted every unit full colour). Views take a `noiseFloor` to change it (0 keeps every value).
 */
export const DEFAULT_NOISE_FLOOR = 1e-6;

/** Which cells share a colour bound: each row its own, the whole output, or a bound shared across outputs. */
export type ScaleMode = 'row' | 'output' | 'shared';

export const SCALE_MODES: readonly ScaleMode[] = ['row', 'output', 'shared'];

/** Throws a clear error for a noise floor that is not a finite number >= 0. */
export function checkNoiseFloor(floor: unknown): number {
  if (typeof floor !== 'number' || !Number.isFinite(floor) || floor < 0) {
    throw new RangeError(`noiseFloor must be a finite number >= 0 (0 keeps every value), got ${String(floor)}.`);
  }
  return floor;
}

/** The value as drawn: 0 when |value| is under the floor; NaN (undefined cells) and larger values unchanged. */
export function applyNoiseFloor(value: number, floor: number = DEFAULT_NOISE_FLOOR): number {
  return Number.isFinite(value) && Math.abs(value) < floor ? 0 : value;
}

/** Largest |v| over the finite values above the floor; 0 when none is (the row is flat). */
export function flooredBound(values: Iterable<number>, floor: number = DEFAULT_NOISE_FLOOR): number {
  let b = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) >= floor && Math.abs(v) > b) b = Math.abs(v);
  return b;
}

/** True when the values have at least one finite cell and none above the floor: nothing to show. */
export function isFlat(values: Iterable<number>, floor: number = DEFAULT_NOISE_FLOOR): boolean {
  let any = false;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    any = true;
    if (Math.abs(v) >= floor) return false;
  }
  return any;
}

export interface ScaleOptions {
  mode?: ScaleMode;
  /** The bound shared across outputs (mode 'shared'); see `sharedBound`. */
  shared?: number;
  noiseFloor?: number;
}

/**
 * One colour bound per row of `matrix`: 'row' each row's own max |value|, 'output' the max over every row,
 * 'shared' the given `shared` bound (a missing or invalid one is an error: compute it with `sharedBound`).
 */
export function scaleBounds(matrix: readonly (readonly number[])[], options: ScaleOptions = {}): number[] {
  const mode = options.mode ?? 'row';
  const floor = checkNoiseFloor(options.noiseFloor ?? DEFAULT_NOISE_FLOOR);
  if (mode === 'row') return matrix.map((row) => flooredBound(row, floor));
  if (mode === 'output') {
    const b = flooredBound(matrix.flat(), floor);
    return matrix.map(() => b);
  }
  if (mode === 'shared') {
    const s = options.shared;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
      throw new RangeError(
        `scale 'shared' needs a shared bound (a finite number >= 0), got ${String(s)}: compute it with sharedBound(outputs).`,
      );
    }
    return matrix.map(() => s);
  }
  throw new RangeError(`Unknown scale ${JSON.stringify(mode)}: use 'row', 'output' or 'shared'.`);
}

/**
 * The bound several outputs share so that their colours compare (e.g. the methods of a comparison): the max
 * |value| above the floor over every cell of every output (or of one row of each, when `row` is given).
 */
export function sharedBound(
  outputs: readonly Pick<AttributionOutput, 'attributions'>[],
  options: { row?: number; noiseFloor?: number } = {},
): number {
  const floor = checkNoiseFloor(options.noiseFloor ?? DEFAULT_NOISE_FLOOR);
  let b = 0;
  for (const o of outputs) {
    const rows = options.row === undefined ? o.attributions : [o.attributions[options.row] ?? []];
    for (const row of rows) b = Math.max(b, flooredBound(row, floor));
  }
  return b;
}

/** Whether an output's scores are magnitudes (the core marks them `unsigned`): a one-sided scale then. */
export function isUnsigned(output: Pick<AttributionOutput, 'unsigned'>): boolean {
  return output.unsigned === true;
}

/**
 * A score as printed in a cell or on a colour bar: about 2 significant digits, an exponent for tiny or huge
 * values, "0" for zero, "NaN" for undefined cells (never "-0").
 */
export function formatCompact(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+inf' : '-inf';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e4 || a < 1e-3) return value.toExponential(1).replace('e+', 'e');
  if (a >= 100) return value.toFixed(0);
  const s = value.toPrecision(2);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** The legend's wording of a scale, e.g. "per class", "whole output", "shared across results". */
export function scaleScope(mode: ScaleMode, task: 'classification' | 'generation'): string {
  if (mode === 'row') return task === 'classification' ? 'bound per class' : 'bound per generated unit';
  if (mode === 'output') return task === 'classification' ? 'one bound for every class' : 'one bound for the matrix';
  return 'bound shared across results';
}

/** What a sortable table sorts by: the unit's position, its text, or the scores of one row. */
export type SortKey = 'position' | 'text' | number;
export type SortDirection = 'ascending' | 'descending';

/**
 * The order of the units (indices) sorted by `key`. Scores sort by value, NaN last in both directions; ties
 * keep the text order, so the result is stable and deterministic.
 */
export function sortUnits(
  output: Pick<AttributionOutput, 'elements' | 'attributions'>,
  key: SortKey,
  direction: SortDirection = 'descending',
): number[] {
  const n = output.elements.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const sign = direction === 'ascending' ? 1 : -1;
  if (key === 'position') return direction === 'ascending' ? order : order.reverse();
  if (key === 'text') {
    return order.sort((a, b) => sign * output.elements[a]!.localeCompare(output.elements[b]!) || a - b);
  }
  const row = output.attributions[key];
  if (!row) {
    throw new RangeError(`Cannot sort by row ${key}: this output has rows 0..${output.attributions.length - 1}.`);
  }
  return order.sort((a, b) => {
    const va = row[a]!;
    const vb = row[b]!;
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return sign * (va - vb) || a - b;
  });
}
