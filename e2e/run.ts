/**
 * End-to-end runner: prepares the default models, builds the playground (vite build), serves
 * dist/playground on localhost with a tiny static server, and runs e2e/tests/*.test.ts with
 * node:test (TypeScript through tsx) in the system Chromium (headless, WebGPU via SwiftShader).
 * Started by e2e/run.mjs, which loads tsx first.
 *
 *   node e2e/run.mjs                   # everything
 *   node e2e/run.mjs smoke             # only test files whose name contains "smoke"
 *   E2E_SKIP_BUILD=1 node e2e/run.mjs  # reuse dist/playground
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './serve.ts';
import { CHROMIUM, isolationSettled, launch } from './browser.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist/playground');
process.chdir(root);

if (!existsSync(CHROMIUM)) {
  console.error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}

if (!process.env.E2E_SKIP_BUILD) {
  const prep = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/prepare-models.ts'], { stdio: 'inherit' });
  if (prep.status !== 0) process.exit(prep.status ?? 1);
  // The e2e drives the generated test fixtures (copy-lm, ...) too; a site build leaves them out.
  process.env.PLAYGROUND_TEST_FIXTURES = '1';
  // Built as `pnpm build` builds it: vite's own CLI in plain Node (no tsx), so a config that plain Node cannot load
  // (vite.config.ts imports workspace .ts sources: hence `--configLoader runner`) fails here, not on a user's machine.
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const viteArgs = scripts.build!.split('&&').at(-1)!.trim().split(/\s+/).slice(1);
  const vite = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), ...viteArgs, '--logLevel', 'warn'],
    {
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}
if (!existsSync(join(dist, 'index.html'))) {
  console.error(`${dist}/index.html is missing: run without E2E_SKIP_BUILD.`);
  process.exit(1);
}

const filters = process.argv.slice(2);
const testDir = join(root, 'e2e/tests');
const files = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort()
  .map((f) => join(testDir, f));
if (!files.length) {
  console.error(`no e2e test file matches ${filters.join(', ')}`);
  process.exit(1);
}

const server = await serveStatic(dist);
console.log(`serving ${dist} at ${server.url}`);

// Preflight: without a WebGPU adapter every WebGPU check below would be meaningless. Stop loudly.
{
  const browser = await launch();
  const page = await browser.newPage();
  await page.goto(server.url);
  await isolationSettled(page);
  const adapter = await page.evaluate(async () => {
    // The DOM lib has no WebGPU types: the little read here, typed by hand.
    type Adapter = { info?: { vendor?: string; architecture?: string } };
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    return a ? `${a.info?.vendor ?? ''} ${a.info?.architecture ?? ''}`.trim() || 'unnamed' : null;
  });
  await browser.close();
  if (!adapter) {
    console.error(`\n*** WebGPU is NOT available in ${CHROMIUM} (navigator.gpu adapter is null). ***`);
    console.error(
      '*** The e2e suite tests the WebGPU path and cannot run without it: check the --enable-unsafe-webgpu flag. ***\n',
    );
    await server.close();
    process.exit(1);
  }
  console.log(`WebGPU adapter: ${adapter}`);
}
// One file at a time: each drives a GPU-backed browser, and CI has 2 cores.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, E2E_BASE_URL: server.url },
  },
);
const code = await new Promise<number>((r) => child.on('exit', (c, sig) => r(c ?? (sig ? 1 : 0))));
await server.close();
process.exit(code);
