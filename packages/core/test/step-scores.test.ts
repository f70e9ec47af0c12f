/**
 * Step scores (generation) and class probabilities (classification): equal to the softmax of logits computed here
 * independently through transformers.js, entropy = -sum p ln p, ranks and top-k consistent with the sorted
 * distribution, greedy tokens at rank 1, the same numbers from all ten methods, and not one extra session run.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Tensor } from '@huggingface/transformers';
import { loadFixture } from './helpers.ts';
import { distributionScores } from '../src/math/index.ts';
import {
  InferenceModes,
  METHODS,
  METHOD_NAMES,
  type AnyExplainerClass,
  type AttributionOutput,
  type MethodName,
} from '../src/index.ts';

/** Small budgets (two cores); the batch sizes make the row counts exact multiples, so a carried row is visible. */
const SMALL: Record<MethodName, Record<string, unknown>> = {
  Occlusion: {},
  Lime: { nPerturbations: 8 },
  KernelShap: { nPerturbations: 8 },
  Sobol: { nTokenPerturbations: 2 },
  Saliency: {},
  IntegratedGradients: { nInterpolations: 4 },
  SmoothGrad: { nPerturbations: 2 },
  SquareGrad: { nPerturbations: 2 },
  VarGrad: { nPerturbations: 2 },
  GradientShap: { nPerturbations: 2 },
};

const explainer = (name: MethodName, model: unknown, tokenizer: unknown, extra: object = {}) =>
  new (METHODS[name].Explainer as AnyExplainerClass)(model as never, tokenizer as never, { ...SMALL[name], ...extra });

/** Logits of one unperturbed sequence, straight from transformers.js: [seq, width] rows. */
async function logitsOf(model: any, ids: number[], tokenTypes = false): Promise<number[][]> {
  const n = ids.length;
  const feeds: Record<string, Tensor> = {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
  };
  if (tokenTypes) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(n), [1, n]);
  const { logits } = await model(feeds);
  const width = logits.dims[logits.dims.length - 1];
  const data = Array.from(logits.data as Float32Array);
  return Array.from({ length: data.length / width }, (_, s) => data.slice(s * width, (s + 1) * width));
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('distributionScores (pure)', () => {
  test('known answer on a small distribution, ties and k beyond the width', () => {
    const z = [1, 3, 2, 3, -1];
    const p = softmax(z);
    const s = distributionScores(z, 2, 3);
    expect(s.probability).toBeCloseTo(p[2]!, 12);
    expect(s.logProbability).toBeCloseTo(Math.log(p[2]!), 12);
    expect(s.logit).toBe(2);
    expect(s.entropy).toBeCloseTo(-p.reduce((a, q) => a + q * Math.log(q), 0), 12);
    expect(s.rank).toBe(3); // two tokens (ids 1 and 3) have a greater logit
    expect(distributionScores(z, 3, 1).rank).toBe(1); // a tie shares the better rank
    expect(s.topK.map((t) => t.id)).toEqual([1, 3, 2]); // ties by the lower id
    expect(distributionScores(z, 0, 99).topK.map((t) => t.id)).toEqual([1, 3, 2, 0, 4]);
    expect(distributionScores(z, 0, 0).topK).toEqual([]);
    expect(() => distributionScores(z, 5, 1)).toThrow(/outside/);
  });
});

describe('stepScores (generation)', () => {
  test('GPT-2 fixture, greedy targets: every method gives the softmax of the model logits, rank 1, sorted top-k', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    const prompt = 'Roses are red, the sky is';
    let first: AttributionOutput | undefined;
    let truth: number[][] | undefined;
    for (const name of METHOD_NAMES) {
      const [o] = await explainer(name, model, tokenizer).explain(prompt, undefined, {
        generation: { max_new_tokens: 4 },
        topK: 3,
      });
      const steps = o!.stepScores!;
      expect(steps.length).toBe(o!.targets.length);
      expect(o!.classProbabilities).toBeUndefined();
      if (!first) {
        first = o!;
        truth = await logitsOf(model, o!.inputs.inputIds);
      }
      expect(o!.inputs.inputIds).toEqual(first.inputs.inputIds);
      steps.forEach((s, r) => {
        const pos = o!.inputs.promptLength! + r;
        expect(s.tokenId).toBe(o!.targets[r]);
        expect(s.position).toBe(pos);
        expect(s.text).toBe(tokenizer.decode([s.tokenId]));
        const z = truth![pos - 1]!;
        const p = softmax(z);
        expect(s.probability, `${name} step ${r}`).toBeCloseTo(p[s.tokenId]!, 5);
        expect(s.logit).toBeCloseTo(z[s.tokenId]!, 4);
        expect(s.logProbability).toBeCloseTo(Math.log(p[s.tokenId]!), 4);
        expect(s.entropy).toBeCloseTo(-p.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0), 4);
        // Greedy generation picks the argmax: rank 1, and it heads the top-k.
        expect(s.rank).toBe(1);
        expect(s.topK.length).toBe(3);
        expect(s.topK[0]!.tokenId).toBe(s.tokenId);
        const sorted = [...p.keys()].sort((a, b) => p[b]! - p[a]!);
        expect(s.topK.map((t) => t.tokenId)).toEqual(sorted.slice(0, 3));
        s.topK.forEach((t, k) => {
          expect(t.probability).toBeCloseTo(p[t.tokenId]!, 5);
          expect(t.text).toBe(tokenizer.decode([t.tokenId]));
          if (k > 0) expect(t.probability).toBeLessThanOrEqual(s.topK[k - 1]!.probability);
        });
        // Not a method's number: the same (to float32 noise) from every method.
        const ref = first!.stepScores![r]!;
        expect(Math.abs(s.probability - ref.probability)).toBeLessThan(1e-5);
        expect(Math.abs(s.entropy - ref.entropy)).toBeLessThan(1e-4);
      });
    }
  });

  test('given targets: ranks equal 1 + the tokens with a greater logit; topK default 5, JSON round trip', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    for (const name of ['Lime', 'SmoothGrad'] as const) {
      const [o] = await explainer(name, model, tokenizer).explain('the cat sat on', ' mat the cat');
      const truth = await logitsOf(model, o!.inputs.inputIds);
      o!.stepScores!.forEach((s, r) => {
        const z = truth[o!.inputs.promptLength! + r - 1]!;
        expect(s.rank, `${name} step ${r}`).toBe(1 + z.filter((v) => v > z[s.tokenId]!).length);
        expect(s.topK.length).toBe(5);
        expect(s.topK[0]!.tokenId).toBe(z.indexOf(Math.max(...z)));
      });
      expect(JSON.parse(JSON.stringify(o!.stepScores))).toEqual(o!.stepScores);
    }
  });

  test('several inputs packed in shared batches: each output reads its own unperturbed sequence', async () => {
    const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');
    for (const name of ['KernelShap', 'Sobol', 'IntegratedGradients', 'VarGrad'] as const) {
      const outs = await explainer(name, model, tokenizer, { batchSize: 3 }).explain(
        ['the sky is', 'roses are red and'],
        [' very blue', ' violets'],
      );
      for (const o of outs) {
        const truth = await logitsOf(model, o.inputs.inputIds);
        o.stepScores!.forEach((s, r) => {
          const p = softmax(truth[o.inputs.promptLength! + r - 1]!);
          expect(Math.abs(s.probability - p[s.tokenId]!), `${name} ${o.inputs.inputIds} step ${r}`).toBeLessThan(1e-5);
        });
      }
    }
  });

  test('a bad topK is refused with what is allowed', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    await expect(explainer('Occlusion', model, tokenizer).explain('the cat', ' sat', { topK: -1 })).rejects.toThrow(
      /topK must be an integer >= 0/,
    );
  });
});

describe('classProbabilities (classification)', () => {
  test('softmax of the model logits, summing to 1, the same from all ten methods', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const text = 'the movie was good and the actors were great';
    let truth: number[] | undefined;
    for (const name of METHOD_NAMES) {
      for (const targets of [undefined, 0]) {
        const [o] = await explainer(name, model, tokenizer, { inferenceMode: InferenceModes.SOFTMAX }).explain(
          text,
          targets,
        );
        truth ??= softmax((await logitsOf(model, o!.inputs.inputIds, true))[0]!);
        const p = o!.classProbabilities!;
        expect(o!.stepScores).toBeUndefined();
        expect(p.length).toBe(truth.length);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        p.forEach((v, c) => expect(Math.abs(v - truth![c]!), `${name} class ${c}`).toBeLessThan(1e-5));
      }
    }
  });
});

describe('no extra model call', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Every session run, the model's own and the gradient model's (both onnxruntime InferenceSessions). */
  function countRuns(model: any): () => number {
    const proto = Object.getPrototypeOf(model.sessions.model);
    const spy = vi.spyOn(proto, 'run');
    return () => spy.mock.calls.length;
  }

  test('session runs equal the method without step scores: ceil(rows / batchSize), in every inference mode', async () => {
    const cases = [
      ['bert-tiny-opset11', 'the movie was good', 1],
      ['gpt2-tiny-opset13', 'the sky is', ' very blue'],
    ] as const;
    for (const [fixture, input, target] of cases) {
      const { model, tokenizer } = await loadFixture(fixture);
      for (const name of METHOD_NAMES) {
        for (const inferenceMode of [InferenceModes.LOGITS, InferenceModes.SOFTMAX]) {
          const ex = explainer(name, model, tokenizer, { batchSize: 2, inferenceMode });
          await ex.explain(input, target); // builds the gradient model once, outside the count
          let total = 0;
          const runs = countRuns(model);
          const [o] = await ex.explain(input, target, { onProgress: (_, t) => (total = t) });
          // Rows without the feature: the method's own mask rows or (target, sample) rows, as onProgress reports.
          // (Gradient methods: one call per batch in SOFTMAX too, the score being computed inside the gradient model.)
          const expected = Math.ceil(total / 2);
          expect(runs(), `${fixture} ${name} ${inferenceMode}`).toBe(expected);
          expect(o!.stepScores ?? o!.classProbabilities).toBeDefined();
          vi.restoreAllMocks();
        }
      }
    }
  });
});
