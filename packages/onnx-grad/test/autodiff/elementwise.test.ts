/** Elementwise, broadcasting and activation rules against central finite differences (float64 unless noted). */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './harness.ts';
import { elementwiseCases as cases } from './cases/elementwise.ts';

describe('elementwise gradients match central differences', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
      // the check must not pass vacuously
      expect([...r.numeric.values()].flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});
