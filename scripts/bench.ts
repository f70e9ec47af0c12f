/**
 * `pnpm bench [-- --quick] [-- --only name,name]`: runs every bench section in turn, each in its own process (not a
 * test; prints tables of median [min-max] over interleaved rounds, with ratios against a baseline measured in the
 * same rounds, and the machine load beside each table). Other arguments go to every section, e.g.
 * `pnpm bench -- --quick` (a few minutes on 2 cores) or `pnpm bench -- --rounds 9`.
 *
 * A section is one script in SECTIONS below: add a file and a line to add one.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Section {
  name: string;
  script: string;
  what: string;
}

const SECTIONS: Section[] = [
  {
    name: 'gradient',
    script: 'packages/onnx-grad/scripts/bench-grad.ts',
    what: 'gradient model / forward model run time, build time and memory (onnx-grad)',
  },
  {
    name: 'explain',
    script: 'scripts/bench-explain.ts',
    what: 'explain() against the bare model calls it needs, throughput, peak memory (core)',
  },
  {
    name: 'target',
    script: 'scripts/bench-target.ts',
    what: 'gradient work per batch before and after the target-score head (one call, no JS seed)',
  },
  {
    name: 'shared',
    script: 'scripts/bench-shared.ts',
    what: 'gradient call for rows of one input with and without a shared forward, and its cost when rows differ',
  },
  {
    name: 'keep',
    script: 'scripts/bench-keep.ts',
    what: 'perturbation explanations on a model with num_logits_to_keep against the same weights without it',
  },
  {
    name: 'contrast',
    script: 'scripts/bench-contrast.ts',
    what: 'contrastive gradient explanations (Saliency, IntegratedGradients) against the single-target run',
  },
  {
    name: 'browser',
    script: 'scripts/bench-browser.ts',
    what: 'the same model in headless Chromium (WASM 1/2 threads, WebGPU) against node',
  },
  {
    name: 'ops',
    script: 'scripts/bench-ops.ts',
    what: "where the browser's time goes: kernel time per op type, node vs Chromium WASM, forward and gradient",
  },
  {
    name: 'torch',
    script: 'scripts/bench-torch.ts',
    what: "PyTorch's forward and forward+backward on the same exported model, when python3-torch is installed",
  },
];

const argv = process.argv.slice(2).filter((a) => a !== '--');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1]?.split(',')) : undefined;
const args = onlyAt >= 0 ? argv.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : argv;
if (only) {
  const unknown = [...only].filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `--only: unknown section(s) ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
    process.exit(2);
  }
}
let failed = 0;
for (const { name, script, what } of SECTIONS) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== ${name}: ${what} (${script}) ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(root, script), ...args], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) {
    console.error(`${name} benchmark failed (exit ${r.status}).`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
