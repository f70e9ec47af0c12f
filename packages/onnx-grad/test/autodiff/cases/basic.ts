/** The finite-difference cases of basic.test.ts (also read by fd-coverage.test.ts: the ops they differentiate). */
import type { GradCase } from '../harness.ts';

export const basicCases: GradCase[] = [
  {
    name: 'matmul+add+softmax+reshape+transpose',
    opset: 13,
    inputs: [
      { name: 'x', shape: [2, 3, 4] },
      { name: 'w', shape: [4, 6] },
      { name: 'bias', shape: [6] },
    ],
    build: (b) => b.transpose(b.reshape(b.softmax(b.add(b.matmul('x', 'w'), 'bias'), -1), [2, 3, 2, 3]), [0, 2, 1, 3]),
  },
];
