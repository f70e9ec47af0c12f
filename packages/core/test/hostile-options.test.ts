/**
 * Regression tests of the hostile-user cases (issue 14, "Unbounded work" and option validation): every bad option
 * is an InputError at construction naming the option, the value and what is allowed; budgets whose kept samples
 * cannot fit in memory are refused before any model call with the limit and why; long runs honour an AbortSignal
 * within one batch, planning included (samples are drawn batch by batch: an eager plan of the budgets below would
 * take gigabytes and tens of seconds before the first batch).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadFixture } from './helpers.ts';
import {
  InputError,
  IntegratedGradients,
  KernelShap,
  Lime,
  Occlusion,
  SmoothGrad,
  Sobol,
  MAX_SAMPLE_BYTES,
} from '../src/index.ts';
import { ModelAdapter } from '../src/model/adapter.ts';

afterEach(() => vi.restoreAllMocks());

describe('options are checked when the explainer is built', async () => {
  const { model, tokenizer } = await loadFixture('additive-classifier');

  test('Lime kernelWidth 0 (it used to fail only after every model call, as a plain Error)', () => {
    expect(() => new Lime(model, tokenizer, { kernelWidth: 0 })).toThrow(InputError);
    expect(() => new Lime(model, tokenizer, { kernelWidth: 0 })).toThrow(
      /^Lime: option kernelWidth must be a finite number > 0; got 0\./,
    );
  });

  test('replaceTokenId -3 is refused, not silently replaced by the mask token', () => {
    expect(() => new Occlusion(model, tokenizer, { replaceTokenId: -3 })).toThrow(
      /^Occlusion: option replaceTokenId must be an integer >= 0; got -3\./,
    );
  });

  test.each([
    {
      name: 'Lime',
      Cls: Lime,
      option: 'nPerturbations',
      value: 1e9,
      message: /in \[2, 1000000\]; got 1000000000\. Every sample is kept for the least-squares fit/,
    },
    {
      name: 'Lime',
      Cls: Lime,
      option: 'nPerturbations',
      value: 1e7,
      message: /got 10000000\. Every sample is kept .* cannot fit in memory/,
    },
    {
      name: 'KernelShap',
      Cls: KernelShap,
      option: 'nPerturbations',
      value: 1e9,
      message: /in \[2, 1000000\]; got 1000000000\. Every sample is kept/,
    },
    {
      name: 'Sobol',
      Cls: Sobol,
      option: 'nTokenPerturbations',
      value: 1e9,
      message: /in \[1, 10000000\]; got 1000000000\. Sobol keeps f\(A\) of every sample/,
    },
  ] as const)('$name $option $value: refused with the limit and why', ({ Cls, option, value, message }) => {
    const make = () => new Cls(model, tokenizer, { [option]: value });
    expect(make).toThrow(InputError);
    expect(make).toThrow(new RegExp(`option ${option} must be an integer`));
    expect(make).toThrow(message);
  });

  test('a budget that fits the constructor but not this input is refused per input, before any model call', async () => {
    const forward = vi.spyOn(ModelAdapter.prototype, 'forward');
    const words = Array.from({ length: 80 }, (_, i) => ['good', 'bad', 'film', 'movie'][i % 4]).join(' ');
    const ex = new KernelShap(model, tokenizer, { nPerturbations: 1_000_000 });
    await expect(ex.explain(words, 1)).rejects.toThrow(InputError);
    await expect(ex.explain(words, 1)).rejects.toThrow(
      new RegExp(
        `KernelShap: nPerturbations 1000000 needs about \\d+ MB for input 0 \\(every coalition is kept for the fit, ` +
          `about \\d+ bytes per sample\\), over the ${MAX_SAMPLE_BYTES / 2 ** 20} MB limit\\. Use nPerturbations <= \\d+`,
      ),
    );
    // The class is given, so nothing ran: not even the prediction.
    expect(forward).not.toHaveBeenCalled();
  });
});

describe('generation lengths (issue 14: 0 and -1 still generated a token, NaN and "5" ran to the end)', async () => {
  const { model, tokenizer } = await loadFixture('gpt2-tiny-opset13');

  test.each([0, -1, NaN, '5', 2.5])('max_new_tokens %s is refused before generating', async (bad) => {
    const generate = vi.spyOn(ModelAdapter.prototype, 'generate');
    const ex = new Occlusion(model, tokenizer);
    await expect(
      ex.explain('the sky is', undefined, { generation: { max_new_tokens: bad as number } }),
    ).rejects.toThrow(/Occlusion\.explain generation: option max_new_tokens must be an integer >= 1; got /);
    expect(generate).not.toHaveBeenCalled();
  });
});

describe('an abort acts within one batch, planning included', async () => {
  const bert = await loadFixture('bert-tiny-opset11');

  /** Aborts in the first progress call; the run must reject without another batch. */
  async function abortAfterFirstBatch(run: (o: { signal: AbortSignal; onProgress: () => void }) => Promise<unknown>) {
    const controller = new AbortController();
    let calls = 0;
    const before = process.memoryUsage().heapUsed;
    await expect(
      run({
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 1) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    // Nothing of the budget was planned ahead (an eager plan would hold hundreds of MB to GB).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 2 ** 20);
  }

  test('SmoothGrad nPerturbations 1e6', async () => {
    await new SmoothGrad(bert.model, bert.tokenizer, { nPerturbations: 1 }).explain('a bad film', 1); // builds the gradient model
    const ex = new SmoothGrad(bert.model, bert.tokenizer, { nPerturbations: 1_000_000 });
    await abortAfterFirstBatch((o) => ex.explain('the movie was good and the actors were great', 1, o));
  });

  test('IntegratedGradients nInterpolations 1e6', async () => {
    await new IntegratedGradients(bert.model, bert.tokenizer, { nInterpolations: 2 }).explain('a bad film', 1);
    const ex = new IntegratedGradients(bert.model, bert.tokenizer, { nInterpolations: 1_000_000 });
    await abortAfterFirstBatch((o) => ex.explain('the movie was good and the actors were great', 1, o));
  });

  test('Sobol nTokenPerturbations 1e6', async () => {
    const ex = new Sobol(bert.model, bert.tokenizer, { nTokenPerturbations: 1_000_000 });
    await abortAfterFirstBatch((o) => ex.explain('the movie was good and the actors were great', 1, o));
  });

  test('Lime and KernelShap at their largest budget, 1e6', async () => {
    for (const Cls of [Lime, KernelShap]) {
      const ex = new Cls(bert.model, bert.tokenizer, { nPerturbations: 1_000_000 });
      await abortAfterFirstBatch((o) => ex.explain('the movie was good and the actors were great', 1, o));
    }
  });
});
