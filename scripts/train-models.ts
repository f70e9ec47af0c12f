/**
 * `pnpm train-models`: trains the two embedded default models in-project and writes them to public/models/
 * (Hub layout), then evaluates them through transformers.js on held-out sentences and prints the numbers.
 * Seeded: the same command writes the same models. Options: `--only sentiment|lm`, `--out <dir>`.
 */
import { join, resolve } from 'node:path';
import { lmReport, sentimentReport } from './training/evaluate.ts';
import { trainLanguageModel } from './training/lm-model.ts';
import { trainSentimentModel } from './training/sentiment-model.ts';

const SENTIMENT_DIR = 'bert-tiny-sentiment';
const LM_DIR = 'gpt2-tiny-colours';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = resolve(arg('out') ?? join(import.meta.dirname, '..', 'public', 'models'));
const only = arg('only');
if (only && only !== 'sentiment' && only !== 'lm') throw new Error(`--only takes "sentiment" or "lm", got "${only}".`);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const started = Date.now();

if (!only || only === 'sentiment') {
  const dir = join(out, SENTIMENT_DIR);
  await trainSentimentModel(dir);
  const r = await sentimentReport(dir);
  console.log(
    `sentiment (held-out templates, ${r.n} sentences): accuracy ${pct(r.accuracy)}; negated ${pct(r.negated.accuracy)} (${r.negated.n}); ` +
      `contrast ${pct(r.contrast.accuracy)} (${r.contrast.n}); neutral ${pct(r.neutral.accuracy)} (${r.neutral.n})`,
  );
  for (const m of r.mistakes.slice(0, 10))
    console.log(`  wrong: "${m.text}" expected ${m.expected}, got ${m.predicted}`);
}
if (!only || only === 'lm') {
  const dir = join(out, LM_DIR);
  await trainLanguageModel(dir);
  const r = await lmReport(dir);
  console.log(`language model (held-out facts, ${r.n} prompts): next-token accuracy ${pct(r.nextTokenAccuracy)}`);
  for (const m of r.mistakes.slice(0, 10))
    console.log(`  wrong: "${m.prompt}" expected "${m.expected}", got "${m.got}"`);
  console.log(`"${r.tutorial.prompt}" -> "${r.tutorial.continuation}"`);
}
console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
