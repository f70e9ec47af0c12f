/**
 * `pnpm bench`: runs every benchmark in turn (not a test; prints tables with ratios against a baseline measured
 * in the same run). Arguments after `--` go to each benchmark, e.g. `pnpm bench -- --runs 3`.
 *   1. gradient engine: gradient-model / forward run time, build time and build memory (packages/onnx-grad)
 *   2. explainers: explain() wall time against the bare model calls it needs, throughput, peak memory (packages/core)
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benches = [
  ['gradient engine', 'packages/onnx-grad/scripts/bench-grad.ts'],
  ['explainers', 'scripts/bench-explain.ts'],
];
const args = process.argv.slice(2).filter((a) => a !== '--');
let failed = 0;
for (const [name, script] of benches) {
  console.log(`\n=== ${name} (${script}) ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(root, script!), ...args], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) {
    console.error(`${name} benchmark failed (exit ${r.status}).`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
