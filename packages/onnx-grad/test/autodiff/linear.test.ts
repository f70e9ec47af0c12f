/** MatMul, Gemm, Einsum, Softmax/LogSoftmax, normalisations and reductions against central differences. */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './harness.ts';
import { linearCases as cases } from './cases/linear.ts';

describe('linear algebra, softmax, normalisation and reduction gradients match central differences', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
      expect([...r.numeric.values()].flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});
