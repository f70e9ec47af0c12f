/**
 * Under load (issue 14, item 7: held when measured, kept by these tests): many sequential explains do not grow the
 * process's memory, and concurrent explains give bit-identical results to the same calls made one at a time.
 * Tiny known-answer model, so 1,000 calls stay cheap.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import {
  IntegratedGradients,
  KernelShap,
  Lime,
  Occlusion,
  SmoothGrad,
  Sobol,
  type AttributionOutput,
} from '../src/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** RSS after a full collection (twice: finalizers release native buffers on the first). */
function settledRss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

const TEXTS = ['a bad film', 'the movie was good', 'i loved every minute of it', 'great actors'];

describe('under load', async () => {
  const { model, tokenizer } = await loadFixture('additive-classifier');

  test('1,000 sequential explains grow RSS by less than 1 MB per 100 calls (and the JS heap not at all)', async () => {
    const ex = new Occlusion(model, tokenizer);
    const run = (i: number) => ex.explain(TEXTS[i % TEXTS.length]!, i % 2);
    // Warm-up: onnxruntime's and the allocator's arenas grow by a few MB over the first few hundred calls, then
    // stay (measured: flat within +-2 MB from call 400 to 2,200).
    for (let i = 0; i < 600; i++) await run(i);
    const before = settledRss();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) await run(i);
    const after = settledRss();
    const perHundred = (after - before) / 10 / 2 ** 20;
    expect(perHundred, `RSS grew ${perHundred.toFixed(3)} MB per 100 calls`).toBeLessThan(1);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(2 * 2 ** 20);
  }, 60_000);

  test('1,000 concurrent explains give bit-identical results to the same calls made one at a time', async () => {
    const explainers = [
      new Occlusion(model, tokenizer),
      new Lime(model, tokenizer, { nPerturbations: 12 }),
      new KernelShap(model, tokenizer, { nPerturbations: 12 }),
      new Sobol(model, tokenizer, { nTokenPerturbations: 4 }),
      new SmoothGrad(model, tokenizer, { nPerturbations: 3 }),
      new IntegratedGradients(model, tokenizer, { nInterpolations: 3 }),
    ];
    const call = (i: number) =>
      explainers[i % explainers.length]!.explain(TEXTS[(i >> 1) % TEXTS.length]!, (i >> 2) % 2);
    const n = 1000;
    const sequential: AttributionOutput[][] = [];
    for (let i = 0; i < n; i++) sequential.push(await call(i));
    const concurrent = await Promise.all(Array.from({ length: n }, (_, i) => call(i)));
    const strip = (outs: AttributionOutput[][]) =>
      outs.map((o) => o.map((x) => [x.attributions, x.classProbabilities]));
    expect(strip(concurrent)).toEqual(strip(sequential));
  }, 60_000);
});
