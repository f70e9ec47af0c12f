/**
 * `pnpm fuzz [--cases N] [--seed S] [--workers W] [--timeout SECONDS] [--from ID] [--ids 1,2,3] [--report file.json]`
 *
 * Mutates the vendored fixtures and the generated ones (test/fuzz/mutations.ts: names, opsets, dims, attributes,
 * element types, external data, graph shape, bit flips) and checks that each input gives a clear error or a
 * gradient model that onnxruntime loads and whose forward equals the original's (test/fuzz/oracle.ts). Each case
 * runs in a worker process with a timeout, so a hang or a heap abort is caught. Prints the summary (cases, clean
 * errors, valid outputs, unchecked, crashes, hangs, silent wrong) and writes the failing cases to the report; exits 1
 * when there is any failure. A failing case is replayed with `--from ID --cases 1`, several with `--ids 5,9,12`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileAtomic } from '../src/io/files.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '60' },
    from: { type: 'string', default: '0' },
    ids: { type: 'string' },
    report: { type: 'string', default: 'fuzz-report.json' },
  },
});
const seed = Number(values.seed);
const from = Number(values.from);
// the case ids to run: a range, or a list (to replay the failures of a report)
const queue = values.ids
  ? values.ids.split(',').map((s) => Number(s.trim()))
  : Array.from({ length: Number(values.cases) }, (_, i) => from + i);
if (queue.some((id) => !Number.isInteger(id) || id < 0)) {
  console.error(`fuzz: --ids takes non-negative integers separated by commas, got "${values.ids}"`);
  process.exit(2);
}
const cases = queue.length;
const timeoutMs = Number(values.timeout) * 1000;
const workers = Math.max(1, Number(values.workers));
const WORKER = join(dirname(fileURLToPath(import.meta.url)), '../test/fuzz/worker.ts');

type Verdict = 'clean-error' | 'valid' | 'unchecked' | 'crash' | 'hang' | 'silent-wrong' | 'skipped';
interface Result {
  id: number;
  base?: string;
  mutation?: string;
  verdict: { kind: string; error?: string; reason?: string; stack?: string };
}
const results: Result[] = [];
const counts: Record<Verdict, number> = {
  'clean-error': 0,
  valid: 0,
  unchecked: 0,
  crash: 0,
  hang: 0,
  'silent-wrong': 0,
  skipped: 0,
};
const errorClasses = new Map<string, number>();
let next = 0; // index into queue
const end = queue.length;
const t0 = performance.now();

function record(r: Result): void {
  const kind = r.verdict.kind as Verdict;
  counts[kind] = (counts[kind] ?? 0) + 1;
  if (r.verdict.kind === 'clean-error') {
    const cls = r.verdict.error!.split(':')[0]!;
    errorClasses.set(cls, (errorClasses.get(cls) ?? 0) + 1);
  }
  if (!['clean-error', 'valid', 'unchecked', 'skipped'].includes(r.verdict.kind)) {
    results.push(r);
    console.log(
      `case ${r.id} (${r.base}, ${r.mutation}): ${r.verdict.kind} ${r.verdict.error ?? r.verdict.reason ?? ''}`,
    );
  }
  const done = Object.values(counts).reduce((a, b) => a + b, 0);
  if (done % 250 === 0)
    console.log(`... ${done}/${cases} cases, ${(done / ((performance.now() - t0) / 1000)).toFixed(1)} cases/s`);
}

function runWorker(): Promise<void> {
  return new Promise((done) => {
    let child = undefined as unknown as ChildProcess; // set by start()
    let current: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const start = () => {
      if (child) children.delete(child);
      child = fork(WORKER, [], {
        execArgv: ['--import', 'tsx', '--max-old-space-size=3072'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      children.add(child);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      let label: { base?: string; mutation?: string } = {};
      child.on('message', (m: Result & { ready?: boolean; started?: number }) => {
        if (m.started !== undefined) {
          label = { base: m.base, mutation: m.mutation };
          return;
        }
        if (!m.ready) {
          clearTimeout(timer);
          current = undefined;
          record(m);
        }
        send();
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (current !== undefined) {
          const hung = signal === 'SIGKILL' && killedForTime;
          record({
            id: current,
            ...label,
            verdict: hung
              ? { kind: 'hang', reason: `no verdict within ${timeoutMs / 1000} s` }
              : { kind: 'crash', error: `worker process died (code ${code}, signal ${signal})` },
          });
          current = undefined;
          killedForTime = false;
          if (next < end) start();
          else done();
        } else {
          if (next < end) {
            console.error(`fuzz: a worker exited before taking a case (code ${code}):\n${stderr}`);
            process.exit(2);
          }
          done();
        }
      });
    };
    let killedForTime = false;
    const send = () => {
      if (next >= end) {
        child.kill();
        return;
      }
      current = queue[next++]!;
      child.send({ id: current, seed });
      timer = setTimeout(() => {
        killedForTime = true;
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    start();
  });
}

const children = new Set<ChildProcess>();

/** Prints the summary of the cases judged so far and writes the report; the exit code says if any failed. */
function finish(): void {
  const done = Object.values(counts).reduce((a, b) => a + b, 0);
  const secs = (performance.now() - t0) / 1000;
  const summary = {
    cases: done,
    requested: cases,
    seed,
    from,
    seconds: Math.round(secs),
    casesPerSecond: Number((done / secs).toFixed(2)),
    cleanErrors: counts['clean-error'],
    validOutputs: counts.valid,
    unchecked: counts.unchecked,
    crashes: counts.crash,
    hangs: counts.hang,
    silentWrong: counts['silent-wrong'],
    skipped: counts.skipped,
    cleanErrorsByClass: Object.fromEntries([...errorClasses].sort((a, b) => b[1] - a[1])),
  };
  writeFileAtomic(resolve(values.report!), `${JSON.stringify({ summary, failures: results }, null, 2)}\n`);
  console.log(
    `\nfuzz: ${done} cases in ${summary.seconds} s (${summary.casesPerSecond}/s): ${summary.cleanErrors} clean errors, ` +
      `${summary.validOutputs} valid outputs, ${summary.unchecked} unchecked (original not runnable on the test input), ` +
      `${summary.crashes} crashes, ${summary.hangs} hangs, ${summary.silentWrong} silent wrong` +
      (summary.skipped ? ` (${summary.skipped} mutations left no encodable model: skipped)` : '') +
      '\n' +
      `clean errors by class: ${JSON.stringify(summary.cleanErrorsByClass)}\nreport: ${resolve(values.report!)}`,
  );
  process.exitCode = summary.crashes + summary.hangs + summary.silentWrong > 0 ? 1 : 0;
}

// Ctrl-C (or a scheduler's SIGTERM) stops the run with the summary of the cases judged so far
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    finish();
    process.exit();
  });

await Promise.all(Array.from({ length: workers }, runWorker));
finish();
