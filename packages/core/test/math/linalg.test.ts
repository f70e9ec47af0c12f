/**
 * Known answers for weightedLeastSquares (src/math/linalg.ts) beyond the full-rank case of estimators.test.ts:
 * argument checks, zero-weight rows, the rank test and its fallback ridge, a forced ridge, the short (m < n)
 * system, and a column where the Householder sign choice matters. Written from the surviving mutants listed in
 * docs/mutation-report.md.
 */
import { describe, expect, it } from 'vitest';
import { weightedLeastSquares } from '../../src/math/linalg.ts';

describe('weightedLeastSquares arguments', () => {
  it('X, y and w must have as many rows; rows as many columns as the first', () => {
    expect(() => weightedLeastSquares([[1], [2]], [1], [1, 1])).toThrow(/X has 2 rows, y 1, w 2; they must match/);
    expect(() => weightedLeastSquares([[1], [2]], [1, 2], [1])).toThrow(/X has 2 rows, y 2, w 1/);
    expect(() => weightedLeastSquares([[1, 2], [3]], [1, 2], [1, 1])).toThrow(/row 1 has 1 columns, expected 2/);
  });

  it('a weight must be finite and >= 0', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => weightedLeastSquares([[1], [2]], [1, 2], [1, bad])).toThrow(/weight 1 is .*finite and >= 0/);
    }
  });

  it('no rows or no columns: an empty solution, no ridge', () => {
    expect(weightedLeastSquares([], [], [])).toEqual({ coef: new Float64Array(0), ridgeUsed: 0 });
    expect(weightedLeastSquares([[], []], [1, 2], [1, 1])).toEqual({ coef: new Float64Array(0), ridgeUsed: 0 });
  });

  it('rows of weight 0 are ignored, even with non-finite targets', () => {
    const { coef, ridgeUsed } = weightedLeastSquares(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [2, 3, Number.POSITIVE_INFINITY],
      [1, 1, 0],
    );
    expect(ridgeUsed).toBe(0);
    expect(Array.from(coef)).toEqual([2, 3]);
  });
});

describe('rank test and ridge', () => {
  it('a square full-rank system is solved exactly, without ridge', () => {
    const { coef, ridgeUsed } = weightedLeastSquares(
      [
        [2, 1],
        [1, 3],
      ],
      [5, 10],
      [1, 1],
    );
    expect(ridgeUsed).toBe(0);
    expect(coef[0]).toBeCloseTo(1, 14);
    expect(coef[1]).toBeCloseTo(3, 14);
  });

  it('the rank test is relative to max |R_ii|: a small-scale well-posed problem is not ridged', () => {
    // |R| = (1e-3, 1e-9): ratio 1e-6, far above the 1e-10 relative threshold.
    const { coef, ridgeUsed } = weightedLeastSquares(
      [
        [1e-3, 0],
        [0, 1e-9],
      ],
      [2e-3, 5e-9],
      [1, 1],
    );
    expect(ridgeUsed).toBe(0);
    expect(coef[0]).toBeCloseTo(2, 12);
    expect(coef[1]).toBeCloseTo(5, 6);
  });

  it('collinear columns: ridge lambda = 1e-9 * mean squared column norm, and the minimum-norm solution', () => {
    // y = 2 x with two copies of x: every (a, 2 - a) fits; the minimum-norm one is (1, 1).
    const X = [
      [1, 1],
      [2, 2],
      [3, 3],
    ];
    const { coef, ridgeUsed } = weightedLeastSquares(X, [2, 4, 6], [1, 1, 1]);
    // colNorm = sum of squares of all entries = 2 * (1 + 4 + 9) = 28, n = 2.
    expect(ridgeUsed).toBeCloseTo(1.4e-8, 20);
    expect(coef[0]).toBeCloseTo(1, 6);
    expect(coef[1]).toBeCloseTo(1, 6);
  });

  it('a forced ridge solves the penalised problem: min (2 - c)^2 + c^2 gives c = 1', () => {
    const { coef, ridgeUsed } = weightedLeastSquares([[1]], [2], [1], { ridge: 1 });
    expect(ridgeUsed).toBe(1);
    expect(coef[0]).toBeCloseTo(1, 14);
    // An unpenalised column is exempt: the fit is exact again.
    expect(weightedLeastSquares([[1]], [2], [1], { ridge: 1, unpenalized: [0] }).coef[0]).toBeCloseTo(2, 14);
  });

  it('ridge 0 with fewer rows than unknowns (padded QR): a basic solution that fits exactly, no NaN', () => {
    // One equation c0 + c1 = 2: the QR pads a zero row, R_11 = 0, so c1 = 0 and c0 = 2.
    const { coef, ridgeUsed } = weightedLeastSquares([[1, 1]], [2], [1], { ridge: 0 });
    expect(ridgeUsed).toBe(0);
    expect(Array.from(coef)).toEqual([2, 0]);
    // Two equations, three unknowns: the padded 3 x 3 QR keeps columns 0 and 1 (independent) and sets c2 = 0.
    const two = weightedLeastSquares(
      [
        [1, 0, 1],
        [0, 1, 1],
      ],
      [1, 2],
      [1, 1],
      { ridge: 0 },
    );
    expect(two.coef[0]).toBeCloseTo(1, 14);
    expect(two.coef[1]).toBeCloseTo(2, 14);
    expect(two.coef[2]).toBe(0);
  });

  it('a column almost equal to e_1 is reflected without cancellation', () => {
    // x = sum x_i y_i / sum x_i^2 = 1 / (1 + 1e-18) = 1; reflecting onto +norm would lose the second row.
    const { coef, ridgeUsed } = weightedLeastSquares([[1], [1e-9]], [0, 1e9], [1, 1]);
    expect(ridgeUsed).toBe(0);
    expect(coef[0]).toBeCloseTo(1, 12);
  });
});
