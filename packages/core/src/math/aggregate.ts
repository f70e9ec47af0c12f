/**
 * Reductions over units and inference modes (docs/spec.md §3).
 *
 * Exports:
 * - `aggregate(values, strategy)`: one GranularityAggregationStrategy reduction (MEAN, MAX, MIN, SUM,
 *   SIGNED_MAX = the value with the largest magnitude, sign kept (first one on ties), FIRST, LAST).
 *   NaN values are skipped; no value left -> NaN.
 * - `unitTokens(units) -> number[][]`: token positions of each unit, ascending.
 * - `poolTokensToUnits(tokenScores, units, strategy) -> Float64Array(nUnits)`: pools per-token scores
 *   (length = number of tokens) into per-unit scores; tokens with unit -1 (special tokens) are dropped.
 * - `poolRows(rows, groups, strategy) -> number[][]`: pools rows (e.g. target-token rows in generation) into
 *   one row per group, column by column.
 * - `applyInferenceMode(logits, mode) -> Float64Array`: LOGITS identity, SOFTMAX, LOG_SOFTMAX; max-shifted, so
 *   large logits never overflow.
 */

import { GranularityAggregationStrategy, InferenceModes, type UnitMembership } from '../types.ts';

export function aggregate(values: ArrayLike<number>, strategy: GranularityAggregationStrategy): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) xs.push(v);
  }
  if (xs.length === 0) return NaN;
  switch (strategy) {
    case GranularityAggregationStrategy.MEAN:
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case GranularityAggregationStrategy.SUM:
      return xs.reduce((a, b) => a + b, 0);
    case GranularityAggregationStrategy.MAX:
      return Math.max(...xs);
    case GranularityAggregationStrategy.MIN:
      return Math.min(...xs);
    case GranularityAggregationStrategy.SIGNED_MAX: {
      let best = xs[0] as number;
      for (const x of xs) if (Math.abs(x) > Math.abs(best)) best = x;
      return best;
    }
    case GranularityAggregationStrategy.FIRST:
      return xs[0] as number;
    case GranularityAggregationStrategy.LAST:
      return xs[xs.length - 1] as number;
    default:
      throw new Error(
        `Unknown aggregation strategy ${String(strategy)}; use one of ${Object.values(GranularityAggregationStrategy).join(', ')}.`,
      );
  }
}

export function unitTokens(units: UnitMembership): number[][] {
  const groups: number[][] = Array.from({ length: units.nUnits }, () => []);
  units.unitOfToken.forEach((u, t) => {
    if (u < 0) return;
    const group = groups[u];
    if (!group) throw new Error(`Token ${t} belongs to unit ${u}, but there are only ${units.nUnits} units.`);
    group.push(t);
  });
  return groups;
}

export function poolTokensToUnits(
  tokenScores: ArrayLike<number>,
  units: UnitMembership,
  strategy: GranularityAggregationStrategy,
): Float64Array {
  if (tokenScores.length !== units.unitOfToken.length) {
    throw new Error(
      `poolTokensToUnits: ${tokenScores.length} token scores for ${units.unitOfToken.length} tokens; pass one score per token.`,
    );
  }
  return Float64Array.from(unitTokens(units), (tokens) =>
    aggregate(
      tokens.map((t) => tokenScores[t] as number),
      strategy,
    ),
  );
}

export function poolRows(
  rows: ArrayLike<number>[],
  groups: number[][],
  strategy: GranularityAggregationStrategy,
): number[][] {
  const width = rows.length > 0 ? (rows[0] as ArrayLike<number>).length : 0;
  return groups.map((group) => {
    const out: number[] = [];
    for (let c = 0; c < width; c++) {
      out.push(
        aggregate(
          group.map((r) => {
            const row = rows[r];
            if (!row) throw new Error(`poolRows: group refers to row ${r}, but there are only ${rows.length} rows.`);
            return row[c] as number;
          }),
          strategy,
        ),
      );
    }
    return out;
  });
}

export function applyInferenceMode(logits: ArrayLike<number>, mode: InferenceModes): Float64Array {
  const x = Float64Array.from(logits);
  if (mode === InferenceModes.LOGITS) return x;
  if (mode !== InferenceModes.SOFTMAX && mode !== InferenceModes.LOG_SOFTMAX) {
    throw new Error(`Unknown inference mode ${String(mode)}; use one of ${Object.values(InferenceModes).join(', ')}.`);
  }
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const logSum = Math.log(sum);
  for (let i = 0; i < x.length; i++) {
    const shifted = (x[i] as number) - max;
    x[i] = mode === InferenceModes.SOFTMAX ? Math.exp(shifted) / sum : shifted - logSum;
  }
  return x;
}
