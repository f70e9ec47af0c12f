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
import { buildPackages, PACKAGES, type PackageName } from '../../scripts/build-packages.ts';

export { PACKAGES, type PackageName };
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A package.json as read from a tarball: only its entry-point fields are looked at. */
export type Manifest = Record<string, unknown>;

/** `pnpm build:packages`, then `pnpm pack` of each package into `dest`. */
export function packAll(dest: string): Record<PackageName, string> {
  buildPackages();
  const out: Partial<Record<PackageName, string>> = {};
  for (const name of PACKAGES) {
    const before = new Set(readdirSync(dest));
    execFileSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd: join(ROOT, 'packages', name),
      stdio: 'pipe',
      env: cleanEnv(),
    });
    const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
    const [tgz] = made;
    if (made.length !== 1 || tgz === undefined)
      throw new Error(`pnpm pack of packages/${name} wrote ${made.length} tarballs in ${dest}`);
    out[name] = join(dest, tgz);
  }
  // The loop above set every name of PACKAGES.
  return out as Record<PackageName, string>;
}

export function readTarball(tgz: string): { manifest: Manifest; files: string[] } {
  const files = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const manifest: unknown = JSON.parse(
    execFileSync('tar', ['xzf', tgz, '-O', 'package/package.json'], { encoding: 'utf8' }),
  );
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new Error(`${tgz}: package/package.json is not a JSON object`);
  return { manifest: manifest as Manifest, files };
}

/** Every path the manifest points at (main, types, exports, imports), with the condition path that led to it. */
function* targets(value: unknown, where: string): Generator<[where: string, path: string]> {
  if (typeof value === 'string') yield [where, value];
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* targets(v, `${where}.${k}`);
}

/** What would break a user: an entry point that is TypeScript source (not .d.ts), under src/, or not in the tarball. */
export function shippedEntryProblems(manifest: Manifest, files: readonly string[]): string[] {
  const problems: string[] = [];
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
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|PNPM_|pnpm_)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}
