#!/usr/bin/env node
/**
 * Lints packed tarballs the way the registry would serve them: publint (--strict: warnings fail too) and
 * @arethetypeswrong/cli (profile esm-only: the packages are ESM-only, so CommonJS `require` and node10 resolution
 * are out of scope; everything else must be green).
 *
 *   node e2e/packaging/lint.mjs      (pnpm lint:packages) builds, packs into a temporary folder and lints.
 *
 * Exports: `lintTarball(tgz)` -> { ok, output }.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, packAll, readTarball, ROOT, shippedEntryProblems } from './pack.mjs';

const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

export function lintTarball(tgz) {
  const runs = [
    [bin('publint'), ['run', tgz, '--strict']],
    [bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii']],
  ];
  let ok = true;
  let output = '';
  for (const [cmd, args] of runs) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: cleanEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }) });
    output += `$ ${cmd.split('/').pop()} ${args.join(' ')}\n${r.stdout}${r.stderr}\n`;
    if (r.status !== 0) ok = false;
  }
  const { manifest, files } = readTarball(tgz);
  const problems = shippedEntryProblems(manifest, files);
  // tsc leaves the sources' `.ts` specifiers in declarations; build-packages.mjs must have rewritten them all.
  const declarations = execFileSync('tar', ['xzf', tgz, '-O', '--wildcards', 'package/*.d.ts'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const tsSpecifiers = declarations.match(/(?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*\.ts['"]/g) ?? [];
  if (tsSpecifiers.length) problems.push(`declarations import .ts paths: ${tsSpecifiers.slice(0, 3).join(', ')}`);
  if (problems.length) {
    ok = false;
    output += `entry points:\n  ${problems.join('\n  ')}\n`;
  }
  return { ok, output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'interpreto-lint-'));
  let failed = false;
  try {
    for (const [name, tgz] of Object.entries(packAll(dir))) {
      const { ok, output } = lintTarball(tgz);
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}\n${ok ? '' : output}`);
      failed ||= !ok;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
