#!/usr/bin/env node
/**
 * Lints packed tarballs the way the registry would serve them: publint (--strict: warnings fail too) and
 * @arethetypeswrong/cli (profile esm-only: the packages are ESM-only, so CommonJS `require` and node10 resolution
 * are out of scope; everything else must be green).
 *
 *   node e2e/packaging/lint.mjs      (pnpm lint:packages) builds, packs into a temporary folder and lints.
 *
 * Exports: `lintTarball(tgz)` -> Promise<{ ok, output }>.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, packAll, readTarball, ROOT, shippedEntryProblems } from './pack.mjs';

const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

/** Runs a command; resolves to { status, out } (stdout + stderr). */
function run(cmd, args, env) {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => ok({ status, out }));
  });
}

/** publint, attw and the entry-point checks of one tarball (the two linters run side by side). */
export async function lintTarball(tgz) {
  const runs = [
    [bin('publint'), ['run', tgz, '--strict']],
    [bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii']],
  ];
  const env = cleanEnv({ NO_COLOR: '1', FORCE_COLOR: '0' });
  const results = await Promise.all(runs.map(([cmd, args]) => run(cmd, args, env)));
  let ok = results.every((r) => r.status === 0);
  let output = results.map((r, i) => `$ ${runs[i][0].split('/').pop()} ${runs[i][1].join(' ')}\n${r.out}\n`).join('');
  const { manifest, files } = readTarball(tgz);
  const problems = shippedEntryProblems(manifest, files);
  // tsc leaves the sources' `.ts` specifiers in declarations; build-packages.mjs must have rewritten them all.
  const declarations = execFileSync('tar', ['xzf', tgz, '-O', '--wildcards', 'package/*.d.ts'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const tsSpecifiers = declarations.match(/(?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*\.ts['"]/g) ?? [];
  if (tsSpecifiers.length) problems.push(`declarations import .ts paths: ${tsSpecifiers.slice(0, 3).join(', ')}`);
  if (problems.length) {
    ok = false;
    output += `problems:\n  ${problems.join('\n  ')}\n`;
  }
  return { ok, output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'interpreto-lint-'));
  let failed = false;
  try {
    const tarballs = Object.entries(packAll(dir));
    const results = await Promise.all(tarballs.map(([, tgz]) => lintTarball(tgz)));
    for (const [i, [name]] of tarballs.entries()) {
      const { ok, output } = results[i];
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}\n${ok ? '' : output}`);
      failed ||= !ok;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
