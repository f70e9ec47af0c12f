/**
 * The `interpreto` command as separate processes on the sentiment model and the bundled evaluation set:
 * shards merged equal one process, runs killed (SIGKILL) and resumed equal an uninterrupted run, malformed rows
 * are reported per row, and a file of another format is refused before any work.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { describe, expect, test } from 'vitest';
import { repoFile } from '../../../fixtures/index.ts';
import { createRng } from '../../core/src/math/rng.ts';

const CLI = repoFile('packages/cli/src/cli.ts');
const MODEL = repoFile('public/models/bert-tiny-sentiment');
const DATA = repoFile('fixtures/eval/sentiment-eval.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'interpreto-cli-'));
const ROWS = 8;
// Each process loads the model and builds the gradient graph (seconds on a loaded machine): generous limits.
const SLOW = 600_000;

const args = (out: string, extra: string[] = []) => [
  '--import',
  'tsx',
  CLI,
  'run',
  '--model',
  MODEL,
  '--data',
  DATA,
  '--methods',
  'Occlusion,IntegratedGradients',
  '--metrics',
  'deletion,insertion',
  '--method-options',
  '{"IntegratedGradients":{"nInterpolations":4}}',
  '--metric-options',
  '{"nPerturbations":5}',
  '--limit',
  String(ROWS),
  '--seed',
  '3',
  '--out',
  out,
  '--threads',
  '1',
  ...extra,
];

function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const lines = (dir: string) =>
  existsSync(join(dir, 'results.jsonl'))
    ? readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean)
    : [];
const sortedResults = (dir: string) => lines(dir).sort((a, b) => (JSON.parse(a).id < JSON.parse(b).id ? -1 : 1));
const aggregates = (dir: string) => readFileSync(join(dir, 'aggregates.json'), 'utf8');

describe('interpreto run / merge / report', () => {
  const single = join(tmp, 'single');

  test('one process: every row, then a rerun skips them all', { timeout: SLOW }, () => {
    const r = cli(args(single));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/: 8 rows in .* 0 failed, 0 already done/);
    expect(lines(single)).toHaveLength(ROWS);
    const again = cli(args(single));
    expect(again.out).toMatch(/: 0 rows in .* 8 already done/);
    expect(lines(single)).toHaveLength(ROWS);
    const manifest = JSON.parse(readFileSync(join(single, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ complete: true, rows: { selected: 8, done: 8, failed: 0 } });
    expect(manifest.classes).toEqual(['negative', 'neutral', 'positive']);
    // another setting in the same folder is refused, not mixed in
    const other = cli([...args(single), '--seed', '4']);
    expect(other.status).toBe(1);
    expect(other.err).toMatch(/holds a run with other settings \(seed differs\)/);
  });

  test('4 shards as separate processes (two through cluster variables), merged, equal the single run', {
    timeout: SLOW,
  }, async () => {
    const out = join(tmp, 'sharded');
    expect(cli([...args(out), '--shard', '0/4']).status).toBe(0);
    expect(cli(args(out), { INTERPRETO_SHARD: '1/4' }).status).toBe(0);
    expect(cli(args(out), { JOB_COMPLETION_INDEX: '2', INTERPRETO_SHARD_COUNT: '4' }).status).toBe(0);
    expect(
      cli(args(out), { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }).status,
    ).toBe(0);
    const shards = [0, 1, 2, 3].map((i) => join(out, `shard-${i}-of-4`));
    expect(shards.map((d) => lines(d).length)).toEqual([2, 2, 2, 2]);
    const merged = join(tmp, 'merged');
    const partial = cli(['--import', 'tsx', CLI, 'merge', ...shards.slice(0, 3), '--out', merged]);
    expect(partial.status).toBe(1);
    expect(partial.err).toMatch(/Shards 3\/4 are missing/);
    const m = cli(['--import', 'tsx', CLI, 'merge', ...shards, '--out', merged]);
    expect(m.err).toBe('');
    expect(m.out).toMatch(/8 rows from 4 folders, 0 failed/);
    expect(sortedResults(merged)).toEqual(sortedResults(single));
    expect(aggregates(merged)).toBe(aggregates(single));
    // scores.parquet: one row per id, the same scores as the JSONL
    const table = await parquetReadObjects({ file: await asyncBufferFromFile(join(merged, 'scores.parquet')) });
    expect(table.map((r) => r.id)).toEqual(sortedResults(single).map((l) => JSON.parse(l).id));
    const first = JSON.parse(sortedResults(single)[0]!);
    expect(table[0]).toMatchObject({
      id: first.id,
      status: 'ok',
      error: null,
      predicted: first.predicted,
      correct: first.correct,
      'Occlusion.deletion': first.methods.Occlusion.metrics.deletion.score,
      'IntegratedGradients.insertion': first.methods.IntegratedGradients.metrics.insertion.score,
    });
    expect(readFileSync(join(merged, 'scores.parquet'))).toEqual(readFileSync(join(single, 'scores.parquet')));

    const report = cli(['--import', 'tsx', CLI, 'report', merged]);
    expect(report.status).toBe(0);
    const html = readFileSync(join(merged, 'report.html'), 'utf8');
    const agg = JSON.parse(aggregates(single));
    const mean = agg.methods.Occlusion.metrics.deletion.score.mean as number;
    expect(html).toContain(`${mean.toFixed(3)} <small>[`);
    expect(html).toContain('IntegratedGradients');
    expect(html).toMatch(/<polyline/);
  });

  test('killed (SIGKILL) at random points and resumed: equals the uninterrupted run, finished rows never redone', {
    timeout: SLOW,
  }, async () => {
    const out = join(tmp, 'killed');
    const rng = createRng(11);
    const kept: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const before = lines(out).length;
      // kill once the file has grown by a random number of rows (0: while the model loads)
      const grow = rng.int(0, 2);
      const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (lines(out).length >= before + grow || child.exitCode !== null) {
            clearInterval(poll);
            child.kill('SIGKILL');
            resolve();
          }
        }, 5);
      });
      await new Promise((resolve) => child.once('exit', resolve));
      kept.push(lines(out).length);
    }
    const done = lines(out);
    expect(done.length).toBeLessThan(ROWS); // the kills did cut the run short
    const resumed = cli(args(out));
    expect(resumed.status).toBe(0);
    // every row that was on disk is skipped: only the missing ones run (the rows in flight at a kill)
    expect(resumed.out).toMatch(new RegExp(`: ${ROWS - done.length} rows in .* ${done.length} already done`));
    expect(lines(out).slice(0, done.length)).toEqual(done);
    expect(sortedResults(out)).toEqual(sortedResults(single));
    expect(aggregates(out)).toBe(aggregates(single));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });

  test('malformed rows are reported per row and the run goes on', { timeout: SLOW }, () => {
    const data = join(tmp, 'bad.csv');
    writeFileSync(
      data,
      [
        'id,text,label',
        'ok1,The acting in the sequel is terrible.,negative',
        'empty,,neutral',
        'missing',
        `long,${'good '.repeat(30)},positive`,
        'ok2,"The finale was a stunning end to the series.",positive',
        'quote,"never closed,positive',
      ].join('\n'),
    );
    const out = join(tmp, 'bad');
    const r = cli([
      '--import',
      'tsx',
      CLI,
      'run',
      '--model',
      MODEL,
      '--data',
      data,
      '--methods',
      'Occlusion',
      '--out',
      out,
      '--max-text-length',
      '100',
    ]);
    expect(r.status).toBe(0);
    const results = Object.fromEntries(lines(out).map((l) => [JSON.parse(l).id, JSON.parse(l)]));
    expect(Object.keys(results).sort()).toEqual(['empty', 'line-7', 'long', 'missing', 'ok1', 'ok2']);
    expect(results.ok1).toMatchObject({ status: 'ok', predicted: 0, correct: true });
    expect(results.ok2).toMatchObject({ status: 'ok', predicted: 2, correct: true });
    expect(results.empty).toMatchObject({ status: 'failed', error: 'empty text' });
    expect(results.missing).toMatchObject({
      status: 'failed',
      error: 'missing text: the row has no text column/field',
    });
    expect(results.long).toMatchObject({
      status: 'failed',
      error: 'text too long: 150 characters, at most 100 (maxTextLength)',
    });
    expect(results['line-7']).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^line 7: unparseable CSV/),
    });
    const agg = JSON.parse(aggregates(out));
    expect(agg.failures.map((f: { id: string }) => f.id)).toEqual(['empty', 'line-7', 'long', 'missing']);
  });

  test('a file that is not CSV, JSONL or Parquet: a clear error before any work', { timeout: SLOW }, () => {
    const out = join(tmp, 'never');
    const r = cli([
      '--import',
      'tsx',
      CLI,
      'run',
      '--model',
      MODEL,
      '--data',
      repoFile('README.md'),
      '--methods',
      'Occlusion',
      '--out',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/README\.md: not a dataset file\. Give a \.jsonl .* \.csv .* or \.parquet file\./);
    expect(existsSync(out)).toBe(false);
    const bad = cli([...args(out).slice(0, 9), 'Occlusio', '--out', out]);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/unknown method 'Occlusio'; the methods are Occlusion, Lime/);
    const typo = cli([...args(out), '--method-options', '{"IntegratedGradients":{"nInterpolation":4}}']);
    expect(typo.status).toBe(1);
    expect(typo.err).toMatch(/IntegratedGradients: unknown option 'nInterpolation'; did you mean 'nInterpolations'\?/);
    expect(existsSync(out)).toBe(false);
  });
});
