/** rowDeviation: the measure the Node/browser agreement test bounds (NaN cells must match, scale is the reference's). */
import { describe, expect, test } from 'vitest';
import { rowDeviation } from './compare.ts';

describe('rowDeviation', () => {
  test('max |diff| and the reference row max, per row', () => {
    const ref = [
      [1, -4, 2],
      [0.5, 0, 0],
    ];
    const got = [
      [1.1, -4, 2],
      [0.5, 0.25, 0],
    ];
    const d = rowDeviation(got, ref);
    expect(d[0]!.maxAbsDiff).toBeCloseTo(0.1, 12);
    expect(d[0]!.scale).toBe(4);
    expect(d[1]!).toEqual({ maxAbsDiff: 0.25, scale: 0.5, nanMismatch: 0 });
  });

  test('NaN cells are skipped when both are NaN and counted when only one is', () => {
    const d = rowDeviation([[NaN, 1, 3]], [[NaN, NaN, 2]]);
    expect(d[0]).toEqual({ maxAbsDiff: 1, scale: 2, nanMismatch: 1 });
  });
});
