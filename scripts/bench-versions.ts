/**
 * `pnpm tsx scripts/bench-versions.ts --against <git rev> [--method Saliency] [--rounds 3] [--repeats 3]
 * [--layers 12]`: the same `explain` call (a generation on a GPT-2-small-width decoder: 12 x 768, vocabulary 50257,
 * seeded random weights, the real GPT-2 tokenizer from fixtures/third-party) timed on this checkout and on an
 * earlier revision, in interleaved rounds of fresh processes (each: load, one warm-up explain, `repeats` timed
 * ones), wall and CPU time, median [min-max], ratio per round; then the two versions' attributions are compared.
 * The earlier revision is checked out once into a git worktree under the system's temporary folder and installed
 * offline (`pnpm install --frozen-lockfile --offline`), then reused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeModelFolder } from '../packages/onnx-grad/test/fixtures/index.ts';
import { GPT2_VOCAB, gpt2Width } from './bench/widths.ts';
import { fmt, loadLine, numArg, ratioOf, strArg, summarize, table } from './bench/stats.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const against = strArg('against');
if (!against) {
  console.error('Give the revision to compare with: --against <git rev> (e.g. a commit or tag).');
  process.exit(2);
}
const method = strArg('method') ?? 'Saliency';
const rounds = numArg('rounds', 3);
const repeats = numArg('repeats', 3);
const layers = numArg('layers', 12);
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
const rev = git('rev-parse', '--verify', `${against}^{commit}`);
const head = git('rev-parse', 'HEAD');

// The model folder, written once per width.
const V = GPT2_VOCAB;
const folder = join(tmpdir(), 'interpreto-bench-versions', `gpt2-${layers}x768`);
if (!existsSync(join(folder, 'onnx', 'model.onnx'))) {
  const built = gpt2Width(layers, { withPast: true, bosTokenId: 50256, eosTokenId: 50256 });
  const tp = join(repo, 'fixtures', 'third-party', 'ortgenai-tiny-gpt2-fused');
  const tokenizer = JSON.parse(readFileSync(join(tp, 'tokenizer.json'), 'utf8'));
  // That export appends 38 whitespace tokens after <|endoftext|>; GPT-2's own vocabulary ends there.
  tokenizer.added_tokens = tokenizer.added_tokens.filter((t: { id: number }) => t.id < V);
  writeModelFolder(folder, {
    model: built.model,
    config: built.config,
    tokenizer,
    tokenizerConfig: JSON.parse(readFileSync(join(tp, 'tokenizer_config.json'), 'utf8')),
  } as never);
}

// The earlier revision's checkout, with this checkout's child script copied in (it imports that core).
const other = join(tmpdir(), 'interpreto-bench-versions', rev.slice(0, 12));
if (!existsSync(join(other, 'node_modules'))) {
  if (!existsSync(other)) git('worktree', 'add', '--detach', other, rev);
  execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: other, stdio: 'inherit' });
}
const child = join('scripts', 'bench', 'explain-child.ts');
mkdirSync(join(other, 'scripts', 'bench'), { recursive: true });
copyFileSync(join(repo, child), join(other, child));

interface Run {
  wall: number[];
  cpu: number[];
  attributions: (number | null)[][];
}
function measure(checkout: string): Run {
  const out = join(tmpdir(), 'interpreto-bench-versions', `out-${process.pid}.json`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(checkout, child), folder, method, String(repeats), out],
    {
      cwd: checkout,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`${checkout}: the child exited with ${r.status}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

const contenders = { [`${rev.slice(0, 9)} (--against)`]: other, [`${head.slice(0, 9)} (this checkout)`]: repo };
const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const [name, checkout] of Object.entries(contenders)) runs[name]!.push(measure(checkout));
  console.log(`round ${i + 1}/${rounds} done (${loadLine()})`);
}

const [a, b] = Object.keys(contenders) as [string, string];
// Per round: the median of the round's repeats, so the ratio pairs runs taken side by side.
const perRound = (name: string, key: 'wall' | 'cpu') => runs[name]!.map((r) => summarize(r[key]).median);
const rows: string[][] = [];
for (const key of ['wall', 'cpu'] as const) {
  rows.push([
    `${key} time per explain, ms`,
    fmt(summarize(runs[a]!.flatMap((r) => r[key])), 0),
    fmt(summarize(runs[b]!.flatMap((r) => r[key])), 0),
    fmt(ratioOf(perRound(a, key), perRound(b, key)), 2),
  ]);
}
table(
  `${method} explain of one generation (${layers} x 768 GPT-2 width, vocabulary ${V}), ${rounds} interleaved rounds x ${repeats} repeats`,
  ['', a, b, `${a.split(' ')[0]} / ${b.split(' ')[0]}`],
  rows,
);
// Same numbers: the largest difference between the versions' attributions, against their largest magnitude.
const x = runs[a]![0]!.attributions.flat();
const y = runs[b]![0]!.attributions.flat();
let diff = 0;
let scale = 0;
x.forEach((v, i) => {
  const w = y[i];
  if (v === null || w === null || w === undefined) return;
  diff = Math.max(diff, Math.abs(v - w));
  scale = Math.max(scale, Math.abs(v));
});
const sameShape = x.length === y.length && x.every((v, i) => (v === null) === (y[i] === null));
console.log(
  `attributions: ${sameShape ? 'same shape and NaN cells' : 'DIFFERENT shapes or NaN cells'}; ` +
    `largest difference ${diff.toExponential(2)} (largest |value| ${scale.toExponential(2)})`,
);
writeFileSync(join(tmpdir(), 'interpreto-bench-versions', 'last.json'), JSON.stringify(runs));
