/** Right answers of the known-answer fixtures, per unit, from the fixture's own float64 math. */
import {
  additiveContributions,
  buildFixture,
  nonadditiveLogits,
  type FixtureName,
} from '../../onnx-grad/test/fixtures/index.ts';
import { expect } from 'vitest';
import type { AttributionOutput } from '../src/index.ts';

const weightsCache = new Map<string, ReturnType<typeof buildFixture>['weights']>();
export function fixtureWeights(name: FixtureName) {
  let w = weightsCache.get(name);
  if (!w) weightsCache.set(name, (w = buildFixture(name).weights));
  return w;
}

/** Sum of the additive contributions of each unit's tokens, for class c. */
export function additiveUnitContributions(out: AttributionOutput, c: number): number[] {
  const contrib = additiveContributions(fixtureWeights('additive-classifier'), out.inputs.inputIds);
  const res = new Array(out.inputs.units.nUnits).fill(0);
  out.inputs.units.unitOfToken.forEach((u, t) => {
    if (u >= 0) res[u] += contrib[t]![c]!;
  });
  return res;
}

/** Exact Shapley values of the non-additive classifier for class c, units replaced by the replacement token. */
export function bruteForceShapleyOf(out: AttributionOutput, c: number): number[] {
  const w = fixtureWeights('nonadditive-classifier');
  const { inputIds, units, replaceTokenId } = out.inputs;
  const G = units.nUnits;
  const value = (kept: number): number => {
    const ids = inputIds.map((id, t) => {
      const u = units.unitOfToken[t]!;
      return u >= 0 && !((kept >> u) & 1) ? replaceTokenId : id;
    });
    return nonadditiveLogits(w, ids)[c]!;
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array(G).fill(0);
  for (let s = 0; s < 1 << G; s++) {
    const size = popcount(s);
    for (let g = 0; g < G; g++) {
      if ((s >> g) & 1) continue;
      const weight = (fact(size) * fact(G - size - 1)) / fact(G);
      phi[g] += weight * (value(s | (1 << g)) - value(s));
    }
  }
  return phi;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

export function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(
        `element ${i}: ${a} != ${e} (tol ${tol}); actual [${actual.map((v) => v.toFixed(6))}] expected [${expected.map((v) => v.toFixed(6))}]`,
      );
    }
  });
}

/**
 * Two attribution matrices equal within `tol` relative to max(1, |expected|), with NaN (a unit a row cannot
 * attribute, e.g. a later generated token) exactly where the expected one has it.
 */
export function expectRowsClose(
  actual: readonly (readonly number[])[],
  expected: readonly (readonly number[])[],
  tol: number,
  what: string,
): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((row, r) =>
    row.forEach((v, c) => {
      const e = expected[r]![c]!;
      if (Number.isNaN(e)) expect(v, `${what} row ${r} unit ${c}`).toBeNaN();
      else expect(Math.abs(v - e), `${what} row ${r} unit ${c}`).toBeLessThan(tol * Math.max(1, Math.abs(e)));
    }),
  );
}
