/**
 * The Dataset tab: on the bundled evaluation set (first 16 rows), two methods and two metrics run in the worker with
 * progress; the aggregate table, paired comparison and average curves show; the downloaded results equal what
 * `interpreto run` writes for the same rows and seed (sorted by id; floats to onnxruntime-web vs -node precision);
 * the downloaded report is the CLI's; Cancel stops a whole-set run and keeps the rows done.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, screenshot } from '../browser.ts';
import { CLASSIFIER, unexpectedConsoleErrors, waitReady } from '../playground.ts';

interface Result {
  id: string;
  status: string;
  error?: string;
  text?: string;
  label?: string | number;
  targets?: number[];
  predicted?: number;
  probabilities?: number[];
  correct?: boolean;
  methods: Record<
    string,
    {
      elements?: string[];
      attributions?: (number | null)[][];
      metrics?: Record<string, { score: number; curve: number[] }>;
      error?: string;
    }
  >;
}

const ROWS = 16;
const SEED = 7;
const METHODS = ['Occlusion', 'Saliency'];
const METRICS = ['deletion', 'insertion'];
/** onnxruntime-web (WASM) and onnxruntime-node compute the same float32 graph with other kernels. */
const TOL = 1e-4;

const parseJsonl = (text: string): Result[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Result);
const byId = (a: Result, b: Result) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function close(a: unknown, b: unknown, where: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= TOL, `${where}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${where}: length`);
    a.forEach((x, i) => close(x, b[i], `${where}[${i}]`));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${where}: keys`);
    for (const k of Object.keys(a))
      close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    return;
  }
  assert.deepEqual(a, b, where);
}

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`#${button}`).click()]);
  return readFileSync((await file.path())!, 'utf8');
}

async function openDatasetTab(page: Page): Promise<void> {
  await waitReady(page);
  await page.locator('#tab-dataset').click();
  await page.locator('#dataset-source[data-rows="128"]').waitFor({ timeout: 30_000 });
}

describe('Dataset tab', () => {
  let browser: Browser | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'interpreto-e2e-dataset-'));
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the bundled evaluation set, shows the aggregates, and downloads the results the CLI writes', async () => {
    const { page, context, problems } = await openPage(browser!);
    await openDatasetTab(page);
    await screenshot(page, 'dataset-start');
    for (const m of ['Occlusion', 'Saliency']) assert.ok(await page.locator(`#ds-method-${m}`).isChecked());
    await page.locator('#ds-limit').fill(String(ROWS));
    await page.locator('#ds-limit').dispatchEvent('change');
    await page.locator('#ds-seed').fill(String(SEED));
    await page.locator('#ds-seed').dispatchEvent('change');
    await page.locator('#ds-run').click();
    await page.locator('#ds-cancel:enabled').waitFor();
    await page.locator('#ds-progress[data-outcome="done"]').waitFor({ timeout: 300_000 });
    assert.equal(await page.locator('#ds-progress').getAttribute('data-done'), String(ROWS));
    assert.match(await page.locator('#ds-progress').innerText(), /16 \/ 16 rows · [\d.]+ rows\/s/);
    assert.equal(await page.locator('#ds-results').getAttribute('data-rows'), String(ROWS));
    // one line per method, a mean and interval per metric; one paired comparison per metric; a curve per method
    for (const m of METHODS)
      for (const metric of METRICS)
        assert.match(
          await page.locator(`#ds-aggregates tr[data-method="${m}"] td[data-metric="${metric}"]`).innerText(),
          /^-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]$/,
        );
    assert.equal(await page.locator('#ds-comparisons tr').count(), 1 + METRICS.length);
    assert.equal(await page.locator('#ds-curves polyline.ds-curve').count(), METHODS.length * METRICS.length);
    await screenshot(page, 'dataset-done');

    const mine = parseJsonl(await download(page, 'ds-download-results')).sort(byId);
    const out = join(tmp, 'cli');
    const cli = spawnSync(
      'pnpm',
      [
        'interpreto',
        'run',
        '--model',
        `public/models/${CLASSIFIER}`,
        '--data',
        'fixtures/eval/sentiment-eval.jsonl',
        '--methods',
        METHODS.join(','),
        '--metrics',
        METRICS.join(','),
        '--limit',
        String(ROWS),
        '--seed',
        String(SEED),
        '--workers',
        '1',
        '--no-progress',
        '--out',
        out,
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(cli.status, 0, `interpreto run failed: ${cli.stderr}`);
    const theirs = parseJsonl(readFileSync(join(out, 'results.jsonl'), 'utf8')).sort(byId);
    assert.equal(mine.length, ROWS);
    assert.deepEqual(
      mine.map((r) => r.id),
      theirs.map((r) => r.id),
    );
    assert.ok(
      mine.every((r) => r.status === 'ok'),
      'every row ran',
    );
    for (const [i, r] of mine.entries()) {
      const c = theirs[i]!;
      // the same line format: same fields, same non-float values, floats equal to the runtimes' precision
      assert.deepEqual(Object.keys(r).sort(), Object.keys(c).sort(), `${r.id}: fields`);
      assert.deepEqual(
        [r.text, r.label, r.targets, r.predicted, r.correct],
        [c.text, c.label, c.targets, c.predicted, c.correct],
      );
      for (const m of METHODS)
        assert.deepEqual(r.methods[m]!.elements, c.methods[m]!.elements, `${r.id} ${m}: elements`);
      close(r.probabilities, c.probabilities, `${r.id}.probabilities`);
      close(r.methods, c.methods, `${r.id}.methods`);
    }

    const report = await download(page, 'ds-download-report');
    assert.match(report, /<h1>interpreto report<\/h1>/);
    assert.match(report, /data <code>sentiment-eval\.jsonl<\/code> · seed 7 · first 16 rows\s+· 16 rows, 0 failed/);
    for (const m of METHODS) assert.ok(report.includes(`<td>${m}</td>`), `the report's table lists ${m}`);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(unexpectedConsoleErrors(problems), []);
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });

  it('reads a CSV chosen with the file chooser and a Parquet file dropped on the page, and refuses another file', async () => {
    const { page, context, problems } = await openPage(browser!);
    await openDatasetTab(page);
    const csv =
      'id,text,label\nr1,"A fine, warm film.",positive\nr2,Dull and far too long.,negative\nr3,"Unclosed ""quote,x\n';
    await page
      .locator('#dataset-file')
      .setInputFiles({ name: 'mini.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#dataset-source[data-name="mini.csv"]').waitFor();
    assert.equal(await page.locator('#dataset-source').getAttribute('data-rows'), '3');
    // a Parquet file: the scores.parquet the CLI wrote in the first test (16 rows, no text column: rows load, and
    // each would fail on its own as 'missing text')
    const parquet = join(tmp, 'cli', 'scores.parquet');
    assert.ok(existsSync(parquet), 'the first test wrote scores.parquet');
    const dropped = await page.evaluateHandle(
      (bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'scores.parquet'));
        return dt;
      },
      [...readFileSync(parquet)],
    );
    await page.dispatchEvent('#dataset-drop', 'drop', { dataTransfer: dropped });
    await page.locator('#dataset-source[data-name="scores.parquet"]').waitFor();
    assert.equal(await page.locator('#dataset-source').getAttribute('data-rows'), '16');
    await page
      .locator('#dataset-file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
    await page.locator('#ds-error').waitFor();
    assert.match(await page.locator('#ds-error').innerText(), /notes\.txt: not a dataset file\. Give a \.jsonl/);
    assert.equal(await page.locator('#dataset-source').getAttribute('data-name'), 'scores.parquet', 'keeps the data');
    await page.locator('#dataset-default').click();
    await page.locator('#dataset-source[data-rows="128"]').waitFor();
    await screenshot(page, 'dataset-files');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(unexpectedConsoleErrors(problems), []);
    await context.close();
  });

  it('cancels a whole-set run and keeps the rows done', async () => {
    const { page, context, problems } = await openPage(browser!);
    await openDatasetTab(page);
    // long enough to stop part way (128 rows at a few rows/s): four metrics, and the AOPC ones in the table
    await page.locator('#ds-metric-aopcComprehensiveness').check();
    await page.locator('#ds-metric-aopcSufficiency').check();
    await page.locator('#ds-run').click();
    await page.waitForFunction(
      () => Number(document.querySelector('#ds-progress')?.getAttribute('data-done')) >= 2,
      null,
      {
        timeout: 120_000,
      },
    );
    // the page answers while the worker runs: the tabs switch
    await page.locator('#tab-explain').click();
    await page.locator('#explain').waitFor();
    await page.locator('#tab-dataset').click();
    await page.locator('#ds-cancel').click();
    await page
      .locator('#ds-progress[data-outcome="cancelled"]')
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        await screenshot(page, 'dataset-cancel-failed');
        const state = await page.evaluate(() => {
          const t = document.querySelector('ip-dataset-tab') as unknown as Record<string, unknown>;
          return { phase: t.phase, outcome: t.outcome, progress: t.progress, error: t.error, stage: t.stage };
        });
        throw new Error(`${e}: ${JSON.stringify(state)}`);
      });
    const done = Number(await page.locator('#ds-progress').getAttribute('data-done'));
    assert.ok(done >= 2 && done < 128, `stopped part way (${done} rows)`);
    assert.equal(await page.locator('#ds-results').getAttribute('data-rows'), String(done));
    assert.match(await page.locator('#ds-progress').innerText(), /cancelled/);
    assert.equal(await page.locator('#ds-aggregates tr[data-method="Occlusion"] td[data-metric]').count(), 4);
    assert.ok(await page.locator('#ds-run:enabled').isVisible(), 'a new run can start');
    const results = parseJsonl(await download(page, 'ds-download-results'));
    assert.equal(results.length, done);
    await screenshot(page, 'dataset-cancelled');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(unexpectedConsoleErrors(problems), []);
    await context.close();
  });
});
