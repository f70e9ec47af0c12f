import { describe, expect, it } from 'vitest';
import { cellColor, colorBarStops, PALETTES } from '../src/color.ts';
import {
  applyNoiseFloor,
  DEFAULT_NOISE_FLOOR,
  flooredBound,
  formatCompact,
  isFlat,
  scaleBounds,
  sharedBound,
  sortUnits,
} from '../src/scale.ts';
import { outputScales, paintCell } from '../src/view-model.ts';
import { generation, multiClass, singleClass } from './fixtures.ts';

describe('noise floor', () => {
  it('draws float error as 0 and says the row is flat (a row of 9e-11 once painted every unit full blue)', () => {
    const row = [9e-11, -4e-11, 2e-12, Number.NaN];
    expect(row.map((v) => applyNoiseFloor(v))).toEqual([0, 0, 0, Number.NaN]);
    expect(flooredBound(row)).toBe(0);
    expect(isFlat(row)).toBe(true);
    // Without a floor the same row has a bound and its largest cell is full colour: what the floor prevents.
    expect(flooredBound(row, 0)).toBe(9e-11);
    expect(cellColor(9e-11, 9e-11).alpha).toBe(1);
    expect(paintCell({ text: 'x', value: 9e-11, bound: flooredBound(row) }).alpha).toBe(0);
  });

  it('keeps values at or above the floor, and an all-NaN or empty row is not "flat"', () => {
    expect(applyNoiseFloor(DEFAULT_NOISE_FLOOR)).toBe(DEFAULT_NOISE_FLOOR);
    expect(applyNoiseFloor(-0.3)).toBe(-0.3);
    expect(isFlat([0, 2e-6])).toBe(false);
    expect(isFlat([Number.NaN])).toBe(false);
    expect(isFlat([])).toBe(false);
    expect(() => scaleBounds([[1]], { noiseFloor: -1 })).toThrow(/noiseFloor must be a finite number >= 0/);
  });
});

describe('scale bounds', () => {
  it("'row' gives each row its own bound, 'output' one for all, 'shared' the given one", () => {
    const m = multiClass().attributions;
    expect(scaleBounds(m, { mode: 'row' })).toEqual([4, 1, 0.5]);
    expect(scaleBounds(m, { mode: 'output' })).toEqual([4, 4, 4]);
    expect(scaleBounds(m, { mode: 'shared', shared: 10 })).toEqual([10, 10, 10]);
    expect(() => scaleBounds(m, { mode: 'shared' })).toThrow(/sharedBound\(outputs\)/);
    expect(() => scaleBounds(m, { mode: 'bogus' as never })).toThrow(/use 'row', 'output' or 'shared'/);
  });

  it('a shared bound is the largest |score| over every output, so methods compare on one scale', () => {
    const a = singleClass(); // bound 2
    const b = { ...singleClass(), attributions: [[0.1, -6, 0.2, 1e-9]] }; // bound 6
    expect(sharedBound([a, b])).toBe(6);
    expect(sharedBound([a, b], { row: 0 })).toBe(6);
    expect(sharedBound([{ attributions: [[1e-9]] }])).toBe(0);
    // On the shared bound the weaker method's strongest cell is a third of full colour.
    expect(cellColor(2, sharedBound([a, b])).alpha).toBeCloseTo(1 / 3, 3);
  });

  it('outputScales: per class by default for classification, the whole matrix for generation', () => {
    expect(outputScales(multiClass()).map((s) => s.bound)).toEqual([4, 1, 0.5]);
    expect(outputScales(generation()).map((s) => s.bound)).toEqual([8, 8, 8]);
    expect(outputScales(generation(), { scaleMode: 'row' }).map((s) => s.bound)).toEqual([4, 3, 8]);
    expect(outputScales(multiClass())[0]!.scope).toBe('bound per class');
    expect(outputScales(singleClass())[0]!.unsigned).toBe(false);
    expect(outputScales({ ...singleClass(), unsigned: true })[0]!.unsigned).toBe(true);
  });
});

describe('one-sided scale', () => {
  it('unsigned scores take the magnitude hue from 0 to the bound, never red or blue', () => {
    const c = cellColor(1, 2, 'light', { unsigned: true });
    expect(c.background).toBe(`rgba(${PALETTES.light.magnitude.join(', ')}, 0.5)`);
    expect(cellColor(-1, 2, 'light', { unsigned: true }).alpha).toBe(0);
    const stops = colorBarStops('light', true);
    expect(stops[0]!.color).toEqual(PALETTES.light.background);
    expect(stops.at(-1)!.color).toEqual(PALETTES.light.magnitude);
    const signed = colorBarStops('dark', false);
    expect(signed[0]!.color).toEqual(PALETTES.dark.negative);
    expect(signed[2]!.color).toEqual(PALETTES.dark.background);
    expect(signed.at(-1)!.color).toEqual(PALETTES.dark.positive);
  });
});

describe('formatCompact', () => {
  it('about two significant digits, exponents for tiny or huge values, no "-0"', () => {
    expect([0, -0, 0.5, 0.123, -1, 12.34, 345.6, 2.5e-5, 9e-11, 12345, Number.NaN].map(formatCompact)).toEqual([
      '0',
      '0',
      '0.5',
      '0.12',
      '-1',
      '12',
      '346',
      '2.5e-5',
      '9.0e-11',
      '1.2e4',
      'NaN',
    ]);
  });
});

describe('sortUnits', () => {
  it('sorts by a row, largest first by default, NaN last either way, ties by position', () => {
    const o = multiClass(); // row 2: [-0.5, 0.5, 0.25, NaN]
    expect(sortUnits(o, 2)).toEqual([1, 2, 0, 3]);
    expect(sortUnits(o, 2, 'ascending')).toEqual([0, 2, 1, 3]);
    expect(sortUnits({ elements: ['a', 'b', 'c'], attributions: [[1, 1, 2]] }, 0)).toEqual([2, 0, 1]);
    expect(sortUnits(o, 'position', 'descending')).toEqual([3, 2, 1, 0]);
    expect(sortUnits({ elements: ['b', 'a', 'c'], attributions: [[0, 0, 0]] }, 'text', 'ascending')).toEqual([1, 0, 2]);
    expect(() => sortUnits(o, 5)).toThrow(/rows 0\.\.2/);
  });
});
