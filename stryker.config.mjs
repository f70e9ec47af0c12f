// Mutation testing of the core math and explainers: `pnpm mutation` (not part of `pnpm test`).
// Incremental: results are kept in reports/mutation/stryker-incremental.json (gitignored), so a rerun only
// tests the mutants whose code or covering tests changed. The HTML/JSON reports land in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // pnpm does not hoist the runner next to @stryker-mutator/core, so its plugin glob misses it: name it.
  plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
  testRunner: 'vitest',
  vitest: { configFile: 'packages/core/vitest.mutation.config.ts' },
  mutate: ['packages/core/src/math/**/*.ts', 'packages/core/src/explainers/**/*.ts', '!packages/core/src/**/index.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // Only what the tests need goes into the sandbox (node_modules is linked, not copied); contract.test.ts needs the
  // embedded models.
  ignorePatterns: [
    '/public/*',
    '!/public/models',
    'apps',
    'e2e',
    'examples',
    'reports',
    'packages/elements',
    'test-results',
    '.stryker-tmp',
  ],
  // Error-message text (and enum value spellings) would be hundreds of StringLiteral mutants that only a test
  // pinning the exact wording could kill; the tests pin what a message says with regexes instead.
  mutator: { excludedMutations: ['StringLiteral'] },
  // Static mutants (module-level constants) need a full rerun each; the 2 shared cores cannot afford it.
  ignoreStatic: true,
  timeoutMS: 10_000,
  thresholds: { high: 90, low: 75, break: null },
  cleanTempDir: 'always',
};
