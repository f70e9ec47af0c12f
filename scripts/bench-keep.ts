/**
 * `pnpm tsx scripts/bench-keep.ts [--quick] [--rounds N]`: perturbation explanations of a generation on a model
 * that takes `num_logits_to_keep` (newer transformers.js exports; the core then computes the LM head only from the
 * first scored position on) against the same weights without that input (logits at every position), both loaded
 * through transformers.js from local folders, rounds interleaved, with the attributions compared.
 * Model: a Llama-style decoder (hidden 512, 4 layers, 8 heads, vocabulary 32000, seeded weights), a 40-token prompt
 * and a 12-token continuation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { KernelShap, Occlusion, type AttributionOutput } from '../packages/core/src/index.ts';
import { buildFixture, buildLlama, writeModelFolder } from '../packages/onnx-grad/test/fixtures/index.ts';
import { flag, fmt, interleave, loadLine, numArg, ratioOf, summarize, table } from './bench/stats.ts';

const quick = flag('quick');
const rounds = numArg('rounds', quick ? 2 : 5);
const root = mkdtempSync(join(tmpdir(), 'interpreto-bench-keep-'));
const tok = buildFixture('llama-tiny-opset18').folder;
for (const keep of [false, true]) {
  const spec = {
    opset: 18,
    vocabSize: 32000,
    hidden: 512,
    layers: quick ? 2 : 4,
    heads: 8,
    intermediate: 1376,
    maxPositions: 256,
    bosTokenId: 1,
    eosTokenId: 2,
    seed: 5,
    initStd: 0.02,
    numLogitsToKeep: keep,
  };
  const built = buildLlama(spec);
  writeModelFolder(join(root, keep ? 'keep' : 'full'), {
    config: built.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: built.model,
  });
}
env.allowRemoteModels = false;
env.localModelPath = `${root}/`;
const load = async (name: string) => ({
  model: await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32' }),
  tokenizer: await AutoTokenizer.from_pretrained(name),
});
const keep = await load('keep');
const full = await load('full');
const prompt =
  'the cat sat on the mat and the dog ran to the park where the children played with a red ball while their ' +
  'parents talked about the weather and the price of bread in the old town';
const target = ' and then they all went home for dinner together';
const nPrompt = (keep.tokenizer as unknown as (t: string) => { input_ids: { dims: number[] } })(prompt).input_ids
  .dims[1];
console.log(
  `Llama-style decoder, hidden 512, ${quick ? 2 : 4} layers, vocab 32000; prompt ${nPrompt} tokens; ` +
    `${rounds} interleaved rounds after a warm-up; onnxruntime-node, default threads`,
);
console.log(`${loadLine()}\n`);

const rows: string[][] = [];
for (const [name, make] of [
  ['Occlusion', (m: typeof keep) => new Occlusion(m.model, m.tokenizer)],
  ['KernelShap', (m: typeof keep) => new KernelShap(m.model, m.tokenizer, { seed: 1 })],
] as const) {
  const results: Record<string, AttributionOutput> = {};
  const run = (which: 'keep' | 'full') => async () => {
    const [o] = (await make(which === 'keep' ? keep : full).explain(prompt, target)) as AttributionOutput[];
    results[which] = o!;
  };
  await run('keep')();
  await run('full')();
  const t = await interleave(rounds, { full: run('full'), keep: run('keep') });
  let diff = 0;
  let scale = 0;
  results.keep!.attributions.forEach((row, r) =>
    row.forEach((v, c) => {
      const w = results.full!.attributions[r]![c]!;
      if (Number.isNaN(v) && Number.isNaN(w)) return;
      diff = Math.max(diff, Math.abs(v - w));
      scale = Math.max(scale, Math.abs(w));
    }),
  );
  rows.push([
    name,
    fmt(summarize(t.full!), 0),
    fmt(summarize(t.keep!), 0),
    fmt(ratioOf(t.full!, t.keep!), 2),
    `${diff.toExponential(1)} (of ${scale.toExponential(1)})`,
  ]);
}
table(
  `explain() of one generation, ms, median [min-max] over ${rounds} interleaved rounds`,
  ['method', 'logits at every position', 'num_logits_to_keep', 'every / keep (per round)', 'largest difference'],
  rows,
);
