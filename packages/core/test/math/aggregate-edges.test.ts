/**
 * Edges of src/math/aggregate.ts the main aggregation test does not reach: all-NaN groups, MIN apart from
 * SIGNED_MAX, bad names and indices, zero rows, and softmax where the largest logit is not the last one.
 * Written from the surviving mutants of docs/mutation-report.md.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, applyInferenceMode, poolRows, poolTokensToUnits, unitTokens } from '../../src/math/aggregate.ts';
import { GranularityAggregationStrategy as S, InferenceModes } from '../../src/types.ts';

describe('aggregate edges', () => {
  it('a group with no finite value is NaN for every strategy (a sum over nothing is not 0 here)', () => {
    for (const strategy of Object.values(S)) {
      expect(aggregate([NaN, NaN], strategy)).toBeNaN();
      expect(aggregate([], strategy)).toBeNaN();
    }
  });

  it('MIN is the smallest value, not the one of largest magnitude', () => {
    expect(aggregate([3, -1, 2], S.MIN)).toBe(-1);
    expect(aggregate([3, -1, 2], S.SIGNED_MAX)).toBe(3);
  });

  it('an unknown strategy or inference mode is rejected, naming the valid ones', () => {
    expect(() => aggregate([1], 'MEDIAN' as S)).toThrow(/Unknown aggregation strategy MEDIAN; use one of MEAN, /);
    expect(() => applyInferenceMode([1], 'PROBS' as InferenceModes)).toThrow(
      /Unknown inference mode PROBS; use one of/,
    );
  });

  it('a token pointing past the last unit, or a group past the last row, is rejected', () => {
    expect(() => unitTokens({ unitOfToken: [0, 2], nUnits: 2 })).toThrow(
      /Token 1 belongs to unit 2, but there are only 2/,
    );
    expect(() => poolTokensToUnits([1, 2], { unitOfToken: [0, 2], nUnits: 2 }, S.MEAN)).toThrow(/unit 2/);
    expect(() => poolRows([[1], [2]], [[0, 2]], S.SUM)).toThrow(/group refers to row 2, but there are only 2 rows/);
  });

  it('no rows: every group pools to an empty row', () => {
    expect(poolRows([], [[], []], S.SUM)).toEqual([[], []]);
  });

  it('softmax shifts by the largest logit wherever it is (no overflow when it comes first)', () => {
    const p = applyInferenceMode([1000, 0], InferenceModes.SOFTMAX);
    expect(Array.from(p)).toEqual([1, 0]);
    const lp = applyInferenceMode([1000, 0], InferenceModes.LOG_SOFTMAX);
    expect(lp[0]).toBe(0);
    expect(lp[1]).toBe(-1000);
  });
});
