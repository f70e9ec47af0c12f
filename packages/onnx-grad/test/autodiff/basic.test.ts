import { describe, expect, it } from 'vitest';
import { gradCheck, type GradCase } from './harness.ts';

const cases: GradCase[] = [
  {
    name: 'matmul+add+softmax+reshape+transpose',
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'w', shape: [4, 6] }, { name: 'bias', shape: [6] }],
    build: (b) => b.transpose(b.reshape(b.softmax(b.add(b.matmul('x', 'w'), 'bias'), -1), [2, 3, 2, 3]), [0, 2, 1, 3]),
  },
];

describe('differentiate: first ops', () => {
  for (const c of cases) {
    it(c.name!, async () => {
      const r = await gradCheck(c);
      expect(r.maxErr, r.worst).toBeLessThan(1);
    });
  }
});
