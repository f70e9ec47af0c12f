// The playground's own unit tests (pure modules and the contract with the core), run from the repo root with
// `pnpm vitest run --config apps/playground/vitest.config.ts` (the root config includes them too).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, pool: 'forks' },
});
