#!/usr/bin/env node
// The published command runs the built CLI (dist/); in the workspace use `pnpm interpreto` (tsx on the sources).
import { main } from '../dist/cli.js';

await main();
