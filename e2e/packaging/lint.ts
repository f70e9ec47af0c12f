/**
 * Lints packed tarballs the way the registry would serve them: publint (--strict: warnings fail too) and
 * @arethetypeswrong/cli (profile esm-only: the packages are ESM-only, so CommonJS `require` and node10 resolution
 * are out of scope; everything else must be green).
 *
 *   tsx e2e/packaging/lint.ts      (pnpm lint:packages) builds, packs into a temporary folder and lints.
 *
 * Exports: `lintTarball(tgz)` -> Promise<{ ok, output }>.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanEnv, packAll, readTarball, ROOT, shippedEntryProblems } from './pack.ts';

export interface LintResult {
  ok: boolean;
  /** What the linters printed, and the problems found, for the failure message. */
  output: string;
}

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** Runs a command; resolves to { status, out } (stdout + stderr). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', (status) => ok({ status, out }));
  });
}

/** publint, attw and the entry-point checks of one tarball (the two linters run side by side). */
export async function lintTarball(tgz: string): Promise<LintResult> {
  const runs: [cmd: string, args: string[]][] = [
    [bin('publint'), ['run', tgz, '--strict']],
    [bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii']],
  ];
  const env = cleanEnv({ NO_COLOR: '1', FORCE_COLOR: '0' });
  const results = await Promise.all(runs.map(async ([cmd, args]) => ({ cmd, args, ...(await run(cmd, args, env)) })));
  let ok = results.every((r) => r.status === 0);
  let output = results.map((r) => `$ ${basename(r.cmd)} ${r.args.join(' ')}\n${r.out}\n`).join('');
  const { manifest, files } = readTarball(tgz);
  const problems = shippedEntryProblems(manifest, files);
  // tsc leaves the sources' `.ts` specifiers in declarations; build-packages.ts must have rewritten them all.
  // (tar exits non-zero when the wildcard matches nothing: a tarball without declarations is a problem, not a crash.)
  const hasDeclarations = files.some((f) => f.endsWith('.d.ts'));
  if (!hasDeclarations) problems.push('no .d.ts file is shipped: TypeScript users get no types');
  const declarations = hasDeclarations
    ? execFileSync('tar', ['xzf', tgz, '-O', '--wildcards', 'package/*.d.ts'], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      })
    : '';
  const tsSpecifiers = declarations.match(/(?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*\.ts['"]/g) ?? [];
  if (tsSpecifiers.length) problems.push(`declarations import .ts paths: ${tsSpecifiers.slice(0, 3).join(', ')}`);
  if (problems.length) {
    ok = false;
    output += `problems:\n  ${problems.join('\n  ')}\n`;
  }
  return { ok, output };
}

// Run as a script (tsx e2e/packaging/lint.ts), not imported (packages.test.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(join(tmpdir(), 'interpreto-lint-'));
  let failed = false;
  try {
    const tarballs = Object.entries(packAll(dir));
    const results = await Promise.all(tarballs.map(async ([name, tgz]) => ({ name, ...(await lintTarball(tgz)) })));
    for (const { name, ok, output } of results) {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}\n${ok ? '' : output}`);
      failed ||= !ok;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
