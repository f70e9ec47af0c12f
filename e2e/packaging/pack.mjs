/**
 * Builds the publishable packages and packs them as a user would get them from the registry.
 *
 * Exports: `PACKAGES`, `packAll(dest)` -> { [name]: tarball path }, `readTarball(tgz)` -> { manifest, files },
 * `shippedEntryProblems(manifest, files)` -> list of problems (entry points that are sources or missing).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages, PACKAGES } from '../../scripts/build-packages.mjs';

export { PACKAGES };
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `pnpm build:packages`, then `pnpm pack` of each package into `dest`. */
export function packAll(dest) {
  buildPackages();
  const out = {};
  for (const name of PACKAGES) {
    const before = new Set(readdirSync(dest));
    execFileSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd: join(ROOT, 'packages', name),
      stdio: 'pipe',
      env: cleanEnv(),
    });
    const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack of packages/${name} wrote ${made.length} tarballs in ${dest}`);
    out[name] = join(dest, made[0]);
  }
  return out;
}

export function readTarball(tgz) {
  const files = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const manifest = JSON.parse(execFileSync('tar', ['xzf', tgz, '-O', 'package/package.json'], { encoding: 'utf8' }));
  return { manifest, files };
}

/** Every path the manifest points at (main, types, exports, imports), with the condition path that led to it. */
function* targets(value, where) {
  if (typeof value === 'string') yield [where, value];
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* targets(v, `${where}.${k}`);
}

/** What would break a user: an entry point that is TypeScript source (not .d.ts), under src/, or not in the tarball. */
export function shippedEntryProblems(manifest, files) {
  const problems = [];
  const shipped = new Set(files);
  for (const field of ['main', 'types', 'module', 'browser', 'exports', 'imports']) {
    for (const [where, path] of targets(manifest[field], field)) {
      const rel = path.replace(/^\.\//, '');
      if (/\.(c|m)?ts$/.test(rel) && !/\.d\.(c|m)?ts$/.test(rel))
        problems.push(`${where} -> ${path} is TypeScript source`);
      if (rel.startsWith('src/')) problems.push(`${where} -> ${path} is under src/`);
      if (!shipped.has(rel)) problems.push(`${where} -> ${path} is not in the tarball`);
    }
  }
  for (const f of files)
    if (/(^|\/)(test|tests|__tests__)\/|\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(f)) problems.push(`ships ${f}`);
  return problems;
}

/** The environment of a nested pnpm/npm: none of the workspace's `pnpm run` settings leak into it. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|PNPM_|pnpm_)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}
