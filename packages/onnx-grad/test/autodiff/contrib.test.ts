/** Gradients of the contrib-op decompositions against central differences (float64). */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './harness.ts';
import { contribCases as cases } from './cases/contrib.ts';

describe('decomposed com.microsoft ops: gradients match central differences', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
      expect([...r.numeric.values()].flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});
