/**
 * From per-row unit scores to an output's attribution matrix: the one pooling step shared by `explain` and
 * `reaggregate`, so that re-pooling saved token scores gives exactly what a run at that granularity gives.
 *
 * Exports: `TargetUnits`, `attributionMatrix(rows, strategy, target?) -> number[][]`,
 * `targetUnitsOf(targetUnitTokens, units, promptLength)`.
 */
import { poolRows } from '../math/index.ts';
import type { GranularityAggregationStrategy, UnitMembership } from '../types.ts';

/** Generation: which target-token rows form each target unit, and the column of the first target unit. */
export interface TargetUnits {
  targetUnitRows: number[][];
  firstTargetUnit: number;
}

/**
 * Classification: the rows as they are (one per class). Generation: target-token rows pooled into target units
 * with the strategy, and cell (r, c) NaN where column c is target unit r itself or a later one.
 */
export function attributionMatrix(
  rows: ArrayLike<number>[],
  strategy: GranularityAggregationStrategy,
  target?: TargetUnits,
): number[][] {
  if (!target) return rows.map((r) => Array.from(r));
  const out = poolRows(rows, target.targetUnitRows, strategy);
  out.forEach((row, r) => {
    for (let col = target.firstTargetUnit + r; col < row.length; col++) row[col] = NaN;
  });
  return out;
}

/** Target units of a generation output, read back from its token positions. */
export function targetUnitsOf(targetUnitTokens: number[][], units: UnitMembership, promptLength: number): TargetUnits {
  const first = targetUnitTokens[0]?.[0];
  return {
    targetUnitRows: targetUnitTokens.map((g) => g.map((p) => p - promptLength)),
    firstTargetUnit: first === undefined ? units.nUnits : units.unitOfToken[first]!,
  };
}
