/**
 * Temporary user projects outside the workspace, installed from the packed tarballs: dependencies come from the
 * package manager's store (populated by the workspace's own install), never from the workspace's node_modules.
 *
 * Exports: `createProject(dir, spec)`, `readmeBlock(file, label)`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from './pack.ts';

/** name -> version or `file:` spec. */
export type Dependencies = Record<string, string>;

export interface ProjectSpec {
  dependencies?: Dependencies;
  devDependencies?: Dependencies;
  /** pnpm `overrides` (pnpm-workspace.yaml): selector -> spec, `-` removes a dependency. */
  overrides?: Dependencies;
}

/**
 * Writes package.json + pnpm-workspace.yaml and runs `pnpm install --offline` (`--prefer-offline` when pnpm's metadata
 * cache lacks a package).
 * spec: { dependencies, devDependencies, overrides }; the tarballs go in as `file:` specs (a tarball is installed
 * as a copy with its own dependencies resolved in the project, exactly as a registry package).
 */
export function createProject(
  dir: string,
  { dependencies = {}, devDependencies = {}, overrides = {} }: ProjectSpec,
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, devDependencies }, null, 2),
  );
  const yaml = (o: Dependencies) =>
    Object.entries(o)
      .map(([k, v]) => `  '${k}': '${v}'`)
      .join('\n');
  // Native postinstall steps are not needed (onnxruntime-node ships its CPU binaries; its script downloads CUDA ones).
  writeFileSync(
    join(dir, 'pnpm-workspace.yaml'),
    `${Object.keys(overrides).length ? `overrides:\n${yaml(overrides)}\n` : ''}allowBuilds:\n  onnxruntime-node: false\n  sharp: false\n  protobufjs: false\n  esbuild: false\n`,
  );
  const env = cleanEnv();
  const install = (mode: '--offline' | '--prefer-offline') =>
    execFileSync('pnpm', ['install', mode, '--config.confirmModulesPurge=false'], { cwd: dir, stdio: 'pipe', env });
  try {
    install('--offline');
  } catch (offline) {
    // The store has every tarball after the workspace's install; package metadata may be missing from pnpm's cache
    // (a frozen-lockfile install need not fetch it): then metadata comes from the registry, tarballs still from the store.
    if (!/NO_OFFLINE_META|META_FETCH_FAIL/.test(processOutput(offline))) throw installError(dir, offline);
    console.log(`# ${dir}: package metadata not cached, installing with --prefer-offline`);
    try {
      install('--prefer-offline');
    } catch (e) {
      throw installError(dir, e);
    }
  }
  if (!existsSync(join(dir, 'node_modules'))) throw new Error(`no node_modules after installing ${dir}`);
  return dir;
}

/** What a failed execFileSync printed (its error carries stdout and stderr), or the error itself. */
function processOutput(e: unknown): string {
  if (e instanceof Error && 'stdout' in e && 'stderr' in e) return `${e.stdout}${e.stderr}`;
  return String(e);
}

function installError(dir: string, e: unknown): Error {
  return new Error(
    `pnpm install failed in ${dir} (it installs from the store the workspace's \`pnpm install\` filled: run that first):\n${processOutput(e)}`,
  );
}

/** The fenced code block that follows the `<!-- tested by e2e/packaging ... -->` comment containing `label`. */
export function readmeBlock(file: string, label: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(label);
  if (at < 0) throw new Error(`${file} has no block marked "${label}"`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (block === undefined) throw new Error(`${file}: no code block after "${label}"`);
  return block;
}
