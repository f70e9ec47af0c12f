/**
 * Edges of the Insertion / Deletion helpers (src/math/metrics.ts) that the known-ranking tests do not reach:
 * the bounds of each argument (accepted at the bound, rejected past it) and the empty curve. Written from the
 * surviving mutants of docs/mutation-report.md.
 */
import { describe, expect, it } from 'vitest';
import {
  aopcComprehensiveness,
  aopcSufficiency,
  curveAuc,
  deletionMasks,
  insertionMasks,
  perturbationSteps,
} from '../../src/math/metrics.ts';

describe('perturbationSteps bounds', () => {
  it('nRanked must be an integer >= 0', () => {
    expect(() => perturbationSteps(-1)).toThrow(/ranked units must be an integer >= 0 \(got -1\)/);
    expect(() => perturbationSteps(2.5)).toThrow(/ranked units must be an integer >= 0 \(got 2.5\)/);
    expect(() => perturbationSteps(Number.NaN)).toThrow(/ranked units/);
  });

  it('nPerturbations: 1 is the smallest (one step from nothing to everything), 0 and 1.5 are rejected', () => {
    expect(perturbationSteps(5, { nPerturbations: 1 })).toEqual([0, 5]);
    expect(() => perturbationSteps(5, { nPerturbations: 0 })).toThrow(
      /nPerturbations must be an integer >= 1 \(got 0\)/,
    );
    expect(() => perturbationSteps(5, { nPerturbations: 1.5 })).toThrow(/nPerturbations must be an integer >= 1/);
  });

  it('maxPercentagePerturbed: 0 and 1 are accepted, anything outside [0, 1] or NaN is rejected', () => {
    expect(perturbationSteps(5, { maxPercentagePerturbed: 0 })).toEqual([0]);
    expect(perturbationSteps(3, { maxPercentagePerturbed: 1 })).toEqual([0, 1, 2, 3]);
    // ceil(5 * 0.3) = 2 units perturbed at most.
    expect(perturbationSteps(5, { maxPercentagePerturbed: 0.3 })).toEqual([0, 1, 2]);
    for (const pct of [-0.1, 1.1, Number.NaN]) {
      expect(() => perturbationSteps(5, { maxPercentagePerturbed: pct })).toThrow(/must lie in \[0, 1\]/);
    }
  });
});

describe('ranking check of the mask builders', () => {
  it('a unit outside 0..G-1 or not an integer is rejected by both builders', () => {
    for (const build of [deletionMasks, insertionMasks]) {
      expect(() => build([0, 3], 3, [0, 1])).toThrow(/Ranking holds unit 3, outside 0\.\.2/);
      expect(() => build([-1, 0], 3, [0, 1])).toThrow(/Ranking holds unit -1/);
      expect(() => build([0.5], 3, [0, 1])).toThrow(/Ranking holds unit 0.5/);
      // The last unit G - 1 is in range.
      expect(build([2], 3, [1]).map((m) => Array.from(m))).toEqual([build === deletionMasks ? [0, 0, 1] : [0, 0, 0]]);
    }
  });
});

describe('curves', () => {
  it('an empty curve is rejected (no area, no AOPC)', () => {
    expect(() => curveAuc([])).toThrow(/curveAuc needs at least one point/);
    expect(() => aopcComprehensiveness([])).toThrow(/aopcComprehensiveness needs at least one point/);
    expect(() => aopcSufficiency(1, [])).toThrow(/aopcSufficiency needs at least one point/);
  });
});
