/**
 * Builds the publishable packages (onnx-grad, core, elements, cli) to their dist/ folders: ESM JavaScript and .d.ts
 * emitted by `tsc -b` over packages/<name>/tsconfig.build.json (incremental: an up-to-date package is skipped).
 * The sources import `.ts` paths; tsc rewrites them to `.js` in the JavaScript (rewriteRelativeImportExtensions)
 * but not in the declarations, so this script rewrites the relative `.ts` specifiers of the .d.ts files too.
 * Then it builds the elements' standalone bundle (dist/standalone/interpreto-elements.js, Lit inside) that a plain
 * HTML page loads without a bundler; it ships in the same tarball under `@interpreto-js/elements/standalone`.
 * What the workspace runs (vite, vitest, tsx) stays the sources; `pnpm pack` ships dist/ (publishConfig).
 *
 *   tsx scripts/build-packages.ts          (pnpm build:packages)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../packages/onnx-grad/src/io/files.ts';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The publishable packages, in build (dependency) order: packages/<name>. */
export const PACKAGES = ['onnx-grad', 'core', 'elements', 'cli'] as const;
export type PackageName = (typeof PACKAGES)[number];

/** `from './x.ts'`, `import('./x.ts')`, `import './x.ts'` with a relative specifier -> `.js`. */
export function rewriteDeclarationSpecifiers(text: string): string {
  return text.replace(
    /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.(m|c)?ts\2/g,
    (_, lead: string, q: string, path: string, mc: string | undefined) => `${lead}${q}${path}.${mc ?? ''}js${q}`,
  );
}

function* declarationFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* declarationFiles(p);
    else if (e.name.endsWith('.d.ts')) yield p;
  }
}

export function buildPackages(): void {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const configs = PACKAGES.map((p) => join(root, 'packages', p, 'tsconfig.build.json'));
  const run = spawnSync(process.execPath, [tsc, '-b', ...configs], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc -b failed (exit ${run.status}) while building ${PACKAGES.join(', ')}.`);
  for (const p of PACKAGES) {
    for (const file of declarationFiles(join(root, 'packages', p, 'dist'))) {
      const text = readFileSync(file, 'utf8');
      const out = rewriteDeclarationSpecifiers(text);
      if (out !== text) writeFileAtomic(file, out);
    }
  }
  const vite = join(dirname(createRequire(join(root, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const elements = join(root, 'packages', 'elements');
  const bundle = spawnSync(process.execPath, [vite, 'build', '--config', 'scripts/vite.standalone.config.ts'], {
    cwd: elements,
    stdio: 'inherit',
  });
  if (bundle.status !== 0)
    throw new Error(`vite build of the elements' standalone bundle failed (exit ${bundle.status}).`);
}

// Run as a script (tsx scripts/build-packages.ts), not imported (e2e/packaging/pack.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = Date.now();
  buildPackages();
  console.log(
    `built ${PACKAGES.map((p) => `packages/${p}/dist`).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
