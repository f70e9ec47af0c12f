/**
 * Every per-op finite-difference suite, by test file: fd-coverage.test.ts reads them to require a case for every op
 * that has a gradient rule. A new suite of per-op cases goes here too.
 */
import type { GradCase } from '../harness.ts';
import { basicCases } from './basic.ts';
import { contribCases } from './contrib.ts';
import { elementwiseCases } from './elementwise.ts';
import { layoutCases } from './layout.ts';
import { linearCases } from './linear.ts';

export const FD_SUITES: Record<string, GradCase[]> = {
  'basic.test.ts': basicCases,
  'contrib.test.ts': contribCases,
  'elementwise.test.ts': elementwiseCases,
  'layout.test.ts': layoutCases,
  'linear.test.ts': linearCases,
};
