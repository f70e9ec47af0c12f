/**
 * Vitest config for mutation testing (`pnpm mutation`, Stryker): only the core tests that exercise
 * src/math and src/explainers, without the browser, runtime and granularity suites. generation.test.ts is left
 * out (GPT-2 fixtures, ~15 s per run); contract.test.ts (~6 s, the embedded public/models, which the sandbox copies)
 * covers the generation branches of base.ts/prepare.ts and every option check instead.
 * inputs.test.ts reads the vendored fixtures/ relative to its own file, which the sandbox copies.
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
      'packages/core/test/inputs.test.ts',
      'packages/core/test/contract.test.ts',
      'packages/core/test/abort-progress.test.ts',
      'packages/core/test/prepare-ids.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
