/**
 * The packages as a user gets them: built, packed with `pnpm pack`, linted (publint, attw), installed from the
 * tarballs into temporary projects outside the workspace (`pnpm install --offline`: dependencies from the store the
 * workspace's install filled, never from the workspace), then used as the core README shows:
 *   - Node: the README's Node example, run with plain `node` (no tsx), on the embedded sentiment model;
 *   - Node: the `interpreto` command of the CLI's tarball (`run` on two worker threads, `report`);
 *   - browser: the README's browser example as a Vite app (`vite build`), served on localhost and run in headless
 *     Chromium with every non-local request refused (pages.ts lists the pages; add one there);
 *   - a browser app's install holds no onnxruntime-node, and Node then says what to install.
 *
 *   node --import tsx --test e2e/packaging/packages.test.ts     (pnpm test:packages)     KEEP_TMP=1 keeps the projects.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch } from '../browser.ts';
import { serveStatic } from '../serve.ts';
import { lintTarball } from './lint.ts';
import { cleanEnv, packAll, PACKAGES, type PackageName, ROOT } from './pack.ts';
import { PAGES } from './pages.ts';
import { createProject, readmeBlock } from './project.ts';

const MODELS = join(ROOT, 'public', 'models');
const version = (pkg: string): string =>
  JSON.parse(
    execFileSync('node', ['-p', `JSON.stringify(require('${pkg}/package.json').version)`], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  );
const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

describe('packed packages, installed outside the workspace', () => {
  // Set by `before`; the tests run after it.
  let tmp = '';
  let tarballs: Record<PackageName, string>;
  let nodeApp = '';
  let webApp = '';

  before(() => {
    // realpath: /tmp may be a link; the assertions compare resolved paths with it.
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'interpreto-packages-')));
    let t0 = Date.now();
    mkdirSync(join(tmp, 'tarballs'));
    tarballs = packAll(join(tmp, 'tarballs'));
    console.log(`# built and packed in ${elapsed(t0)}`);
    t0 = Date.now();
    const file = (name: PackageName) => `file:${tarballs[name]}`;
    // Node user: the core, transformers.js and onnxruntime-node (the core's optional peer).
    nodeApp = createProject(join(tmp, 'node-app'), {
      dependencies: {
        '@interpreto-js/core': file('core'),
        '@interpreto-js/cli': file('cli'),
        '@huggingface/transformers': '4.3.2',
        'onnxruntime-node': '1.30.0',
      },
      overrides: { '@interpreto-js/onnx-grad': file('onnx-grad'), '@interpreto-js/core': file('core') },
    });
    // Browser user: core + elements + transformers.js + Vite; transformers.js's own onnxruntime-node (a hard
    // dependency of transformers.js 4.3.2, unused by its web build) is dropped, so whatever remains is the core's.
    webApp = createProject(join(tmp, 'web-app'), {
      dependencies: {
        '@interpreto-js/core': file('core'),
        '@interpreto-js/elements': file('elements'),
        '@huggingface/transformers': '4.3.2',
      },
      devDependencies: { vite: version('vite') },
      overrides: {
        '@interpreto-js/onnx-grad': file('onnx-grad'),
        '@interpreto-js/core': file('core'),
        '@huggingface/transformers>onnxruntime-node': '-',
      },
    });
    console.log(`# installed the two projects in ${elapsed(t0)}`);
  });

  after(() => {
    if (process.env.KEEP_TMP) console.log(`# kept ${tmp}`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('each tarball ships built ESM + .d.ts entry points and passes publint and attw', async () => {
    assert.deepEqual(Object.keys(tarballs), PACKAGES);
    const results = await Promise.all(PACKAGES.map(async (name) => ({ name, ...(await lintTarball(tarballs[name])) })));
    for (const { name, ok, output } of results) assert.ok(ok, `${name}:\n${output}`);
  });

  it('the projects resolve the installed packages, not the workspace', () => {
    for (const app of [nodeApp, webApp]) {
      for (const pkg of ['@interpreto-js/core', '@interpreto-js/onnx-grad', '@huggingface/transformers']) {
        const script = `console.log(import.meta.resolve('${pkg}'))`;
        // onnx-grad is the core's dependency: resolved from the core's own folder.
        const at = pkg === '@interpreto-js/onnx-grad' ? join(app, 'node_modules', '@interpreto-js', 'core') : app;
        const url = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: at,
          encoding: 'utf8',
          env: cleanEnv(),
        }).trim();
        const path = realpathSync(new URL(url).pathname);
        assert.ok(path.startsWith(`${app}/node_modules/`), `${pkg} resolves to ${path}, outside ${app}`);
      }
    }
  });

  it("Node: the core README's example runs with plain node and finds the sentiment word", () => {
    cpSync(join(MODELS, 'bert-tiny-sentiment'), join(nodeApp, 'models', 'bert-tiny-sentiment'), { recursive: true });
    writeFileSync(join(nodeApp, 'example.mjs'), readmeBlock(join(ROOT, 'packages/core/README.md'), 'node-example'));
    const r = spawnSync(process.execPath, ['example.mjs'], {
      cwd: nodeApp,
      encoding: 'utf8',
      env: cleanEnv(),
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `node example.mjs failed:\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(
      lines,
      ['Occlusion: class positive, top word "best", on cpu', 'Saliency: class positive, top word "best", on cpu'],
      r.stdout,
    );
  });

  it('Node: the interpreto command (bin of @interpreto-js/cli) runs a dataset on two worker threads', () => {
    cpSync(join(MODELS, 'bert-tiny-sentiment'), join(nodeApp, 'models', 'bert-tiny-sentiment'), { recursive: true });
    const rows = [
      { id: 'a', text: 'The acting in the sequel is terrible.' },
      { id: 'b', text: 'The soundtrack of this film is wonderful.' },
      { id: 'c', text: '' },
    ];
    writeFileSync(join(nodeApp, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const bin = join(nodeApp, 'node_modules', '.bin', 'interpreto');
    const argv = ['run', '--model', 'models/bert-tiny-sentiment', '--data', 'rows.jsonl', '--methods', 'Occlusion'];
    const r = spawnSync(bin, [...argv, '--metrics', 'deletion', '--out', 'results', '--workers', '2'], {
      cwd: nodeApp,
      encoding: 'utf8',
      env: cleanEnv(),
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `interpreto run failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /results: 3 rows in .* 1 failed, 0 already done/);
    const results = readFileSync(join(nodeApp, 'results', 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; predicted?: number; error?: string })
      .sort((x, y) => (x.id < y.id ? -1 : 1));
    assert.deepEqual(
      results.map((x) => [x.id, x.status, x.predicted ?? x.error]),
      [
        ['a', 'ok', 0],
        ['b', 'ok', 2],
        ['c', 'failed', 'empty text'],
      ],
    );
    const report = spawnSync(bin, ['report', 'results'], { cwd: nodeApp, encoding: 'utf8', env: cleanEnv() });
    assert.equal(report.status, 0, report.stderr);
    assert.ok(existsSync(join(nodeApp, 'results', 'report.html')));
  });

  it('a browser app installs no onnxruntime-node; Node then names the package to install', () => {
    const store = readdirSync(join(webApp, 'node_modules', '.pnpm'));
    assert.ok(
      store.some((d) => d.startsWith('onnxruntime-web@')),
      'onnxruntime-web is installed',
    );
    assert.deepEqual(
      store.filter((d) => d.startsWith('onnxruntime-node@')),
      [],
      'no onnxruntime-node in the browser app',
    );
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('@interpreto-js/core')"], {
      cwd: webApp,
      encoding: 'utf8',
      env: cleanEnv(),
    });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /MissingRuntimeError: @interpreto-js\/core runs models in Node through onnxruntime-node, which is not installed/,
    );
    assert.match(r.stderr, /npm install onnxruntime-node@1\.30\.0/);
  });

  describe('pages in headless Chromium, nothing but localhost', () => {
    let browser: Browser | undefined;
    before(async () => {
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
    });

    for (const spec of PAGES) {
      it(spec.name, async () => {
        assert.ok(browser, 'Chromium was launched');
        const t0 = Date.now();
        const root = await spec.root({ app: webApp, models: MODELS });
        assert.ok(existsSync(root), `${spec.name}: ${root} was not built`);
        const server = await serveStatic(root);
        const context = await browser.newContext();
        const origin = new URL(server.url).origin;
        const offsite: string[] = [];
        const local: string[] = [];
        const errors: string[] = [];
        try {
          await context.route('**/*', (route) => {
            const url = route.request().url();
            if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) {
              local.push(url);
              return route.continue();
            }
            offsite.push(url);
            return route.abort('internetdisconnected');
          });
          const page = await context.newPage();
          page.on('pageerror', (e) => errors.push(`uncaught: ${e.stack ?? e}`));
          page.on('console', (m) => {
            if (m.type() === 'error' && !/\[W:onnxruntime:/.test(m.text())) errors.push(`console: ${m.text()}`);
          });
          await page.goto(new URL(spec.path, server.url).href);
          await Promise.race([
            spec.ready(page),
            new Promise<never>((_, fail) =>
              page.on('pageerror', (e) => fail(new Error(`${spec.name}: ${e.stack ?? e}`))),
            ),
          ]);
          await spec.check(page, { local, app: webApp });
          assert.deepEqual(offsite, [], 'no request may leave localhost');
          assert.deepEqual(errors, []);
          console.log(`# ${spec.name}: ${elapsed(t0)}`);
        } finally {
          await context.close();
          await server.close();
        }
      });
    }
  });
});
