/**
 * Child of scripts/bench-versions.ts, run inside the checkout whose core it measures (so its imports resolve
 * there): `tsx explain-child.ts <model folder> <method> <repeats> <out.json>`. Loads the folder's decoder, explains
 * one fixed generation with the method's defaults after a warm-up, and writes the wall and CPU time (ms) of each
 * repeat and the last attributions.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [folder, method, repeats, out] = process.argv.slice(2);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = await import(join(repo, 'packages/core/src/index.ts'));
const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.localModelPath = `${dirname(folder!)}/`;
const model = await AutoModelForCausalLM.from_pretrained(basename(folder!), { dtype: 'fp32' });
const tokenizer = await AutoTokenizer.from_pretrained(basename(folder!));
const prompt =
  'The researchers opened a static web page, picked a model from the Hub, typed a sentence and watched which ' +
  'words drove each generated token, computed on their own machine without a server';
const target = ' and without any Python code at all, which they found remarkable.';
const explainer = new core[method!](model, tokenizer);
await explainer.explain(prompt, target);
const wall: number[] = [];
const cpu: number[] = [];
let result: { attributions: number[][] } | undefined;
for (let i = 0; i < Number(repeats); i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  [result] = await explainer.explain(prompt, target);
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
writeFileSync(out!, JSON.stringify({ wall, cpu, attributions: result!.attributions }));
