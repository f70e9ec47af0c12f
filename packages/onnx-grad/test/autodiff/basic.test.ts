import { describe, expect, it } from 'vitest';
import { gradCheck } from './harness.ts';
import { basicCases as cases } from './cases/basic.ts';

describe('differentiate: first ops', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
    });
  }
});
