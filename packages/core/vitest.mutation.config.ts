/**
 * Vitest config for mutation testing (`pnpm mutation`, Stryker): only the core tests that exercise
 * src/math and src/explainers, without the browser, runtime and granularity suites. inputs.test.ts is left
 * out: it reads ../shared relative to the working directory, which Stryker's sandbox moves; generation.test.ts
 * too (GPT-2 fixtures, ~15 s per run): the generation branches of base.ts/prepare.ts are not mutation-tested.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/core/test/math/*.test.ts',
      'packages/core/test/gradient*.test.ts',
      'packages/core/test/perturbation*.test.ts',
      'packages/core/test/masks-through-explainer.test.ts',
      'packages/core/test/metrics.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
