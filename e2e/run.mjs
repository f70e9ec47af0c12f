#!/usr/bin/env node
// @ts-check
/**
 * Entry of the e2e suite (`node e2e/run.mjs [filter...]`): loads TypeScript through tsx, then runs e2e/run.ts,
 * which builds the playground, serves it and runs e2e/tests/*.test.ts. The e2e sources are TypeScript so that
 * `pnpm typecheck` checks them and they import the core's method registry like the playground does.
 */
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
