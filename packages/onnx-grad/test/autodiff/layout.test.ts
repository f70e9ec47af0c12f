/** Layout, slicing and gathering rules against central differences, including dynamic-shape paths. */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './harness.ts';
import { layoutCases as cases } from './cases/layout.ts';

describe('layout, slicing and gather gradients match central differences', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
      expect([...r.numeric.values()].flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});
