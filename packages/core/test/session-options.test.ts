/**
 * sessionOptions: the resolution to onnxruntime's options per runtime (pure), that the options of an explainer
 * reach the gradient session onnxruntime creates (spy on the shared InferenceSession.create) without changing the
 * numbers, and that bad values are an InputError naming the option.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadFixture } from './helpers.ts';
import { InputError, Occlusion, Saliency } from '../src/index.ts';
import { ort } from '../src/runtime/index.ts';
import { resolveSessionOptions, sessionOptionsKey } from '../src/runtime/session-options.ts';
import { defaultWasmThreads } from '../src/runtime/backend-web.ts';

const CPU = { executionProviders: ['cpu'], device: 'cpu' };
const spinningOf = (o: Record<string, unknown>) =>
  (o.extra as { session: { intra_op: { allow_spinning: string } } }).session.intra_op.allow_spinning;

describe('resolveSessionOptions', () => {
  test('node: no spinning when the threads exceed the cores the load leaves free, spinning on a quiet machine', () => {
    const busy = resolveSessionOptions({}, { runtime: 'node', cores: 2, load: 7.5 }, CPU);
    expect(spinningOf(busy.session)).toBe('0');
    const quiet = resolveSessionOptions({}, { runtime: 'node', cores: 8, load: 0.3 }, CPU);
    expect(spinningOf(quiet.session)).toBe('1');
    // 2 threads fit in the round(8 - 5.6) = 2 free cores; 3 do not.
    expect(
      spinningOf(resolveSessionOptions({ threads: 2 }, { runtime: 'node', cores: 8, load: 5.6 }, CPU).session),
    ).toBe('1');
    expect(
      spinningOf(resolveSessionOptions({ threads: 3 }, { runtime: 'node', cores: 8, load: 5.6 }, CPU).session),
    ).toBe('0');
    // No constant-folded transposed weight copies; prepacking kept, for speed (docs/performance.md §2).
    expect(quiet.session.extra).toMatchObject({
      optimization: { disable_specified_optimizers: 'ConstantFolding' },
    });
    expect((quiet.session.extra as { session: Record<string, string> }).session.disable_prepacking).toBeUndefined();
    // No memory pattern: from the second run on it would add a second copy of the activations' memory.
    expect(quiet.session.enableMemPattern).toBe(false);
    expect(quiet.session.intraOpNumThreads).toBeUndefined(); // onnxruntime's own default
    expect(quiet.session.graphOptimizationLevel).toBe('all');
    expect(quiet.device).toBe('cpu');
  });

  test("the user's values win, and a provider this runtime lacks is an InputError", () => {
    const r = resolveSessionOptions(
      { threads: 3, spinning: true, graphOptimizationLevel: 'basic' },
      { runtime: 'node', cores: 2, load: 9 },
      CPU,
    );
    expect(r.session).toMatchObject({ intraOpNumThreads: 3, interOpNumThreads: 1, graphOptimizationLevel: 'basic' });
    expect(spinningOf(r.session)).toBe('1');
    expect(() =>
      resolveSessionOptions({ executionProviders: ['webgpu'] }, { runtime: 'node', cores: 2, load: 0 }, CPU),
    ).toThrow(/'webgpu' cannot run here; onnxruntime-node runs 'cpu'/);
    const web = resolveSessionOptions(
      { executionProviders: ['wasm'] },
      { runtime: 'web', cores: 4, load: 0, wasmThreads: 4 },
      {
        executionProviders: ['webgpu'],
        device: 'webgpu',
      },
    );
    expect(web.device).toBe('wasm');
    expect(spinningOf(web.session)).toBe('0');
    expect(web.session.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } }); // node's memory entries only
    expect(web.session.enableMemPattern).toBeUndefined();
  });

  test('web: threads other than the WASM threads onnxruntime-web started with are an InputError saying what to do', () => {
    const facts = { runtime: 'web' as const, cores: 8, load: 0, wasmThreads: 4 };
    const picked = { executionProviders: ['wasm'], device: 'wasm' };
    expect(() => resolveSessionOptions({ threads: 2 }, facts, picked)).toThrow(InputError);
    expect(() => resolveSessionOptions({ threads: 2 }, facts, picked)).toThrow(/env\.backends\.onnx\.wasm\.numThreads/);
    expect(resolveSessionOptions({ threads: 4 }, facts, picked).device).toBe('wasm');
  });
});

test('the session cache key follows what the user asked (any key order), not the load-dependent defaults', () => {
  const cpu = { executionProviders: ['cpu'] };
  expect(sessionOptionsKey({ threads: 2, spinning: false }, cpu)).toBe(
    sessionOptionsKey({ spinning: false, threads: 2 }, cpu),
  );
  expect(sessionOptionsKey({ threads: 2 }, cpu)).not.toBe(sessionOptionsKey({ threads: 1 }, cpu));
  expect(sessionOptionsKey({}, cpu)).not.toBe(sessionOptionsKey({}, { executionProviders: ['wasm'] }));
});

describe('defaultWasmThreads', () => {
  test('every core up to 4 when the page is isolated and the app set nothing; otherwise left alone', () => {
    const env1: { numThreads?: number } = {};
    expect(defaultWasmThreads(env1, true, 2)).toBe(2);
    expect(env1.numThreads).toBe(2);
    expect(defaultWasmThreads({}, true, 16)).toBe(4);
    const notIsolated: { numThreads?: number } = {};
    expect(defaultWasmThreads(notIsolated, false, 8)).toBeUndefined();
    expect(notIsolated.numThreads).toBeUndefined();
    const appSet = { numThreads: 1 };
    expect(defaultWasmThreads(appSet, true, 8)).toBeUndefined();
    expect(appSet.numThreads).toBe(1);
  });
});

describe('sessionOptions through an explainer', () => {
  afterEach(() => vi.restoreAllMocks());

  test('reach the gradient session onnxruntime creates, one session per distinct options, same numbers', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset17');
    const text = 'the movie was good';
    const reference = await new Saliency(model, tokenizer).explain(text, 1);
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const sessionOptions = { threads: 1, spinning: false, graphOptimizationLevel: 'basic' as const };
    const out = await new Saliency(model, tokenizer, { sessionOptions }).explain(text, 1);
    expect(create).toHaveBeenCalledTimes(1);
    const options = create.mock.calls[0]![1]!;
    expect(options).toMatchObject({
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'basic',
      executionProviders: ['cpu'],
      enableMemPattern: false,
    });
    expect(spinningOf(options)).toBe('0');
    out[0]!.attributions[0]!.forEach((v, i) => expect(v).toBeCloseTo(reference[0]!.attributions[0]![i]!, 5));
    // The same options again: the session is reused, not created anew.
    await new Saliency(model, tokenizer, { sessionOptions: { ...sessionOptions } }).explain(text, 1);
    expect(create).toHaveBeenCalledTimes(1);
  });

  test.each([
    [{ threads: 0 }, /Saliency sessionOptions: option threads must be an integer in \[1, 1024\]; got 0/],
    [{ threads: 1.5 }, /option threads must be an integer/],
    [{ spinning: 'yes' }, /option spinning must be true or false/],
    [
      { graphOptimizationLevel: 'max' },
      /option graphOptimizationLevel must be one of "disabled", "basic", "extended", "all"/,
    ],
    [
      { executionProviders: ['cuda'] },
      /option executionProviders must be a non-empty array of 'cpu', 'wasm', 'webgpu'/,
    ],
    [{ executionProviders: [] }, /option executionProviders must be a non-empty array/],
    [{ thread: 2 }, /unknown option 'thread'; did you mean 'threads'\?/],
  ])('bad value %j is an InputError naming it', async (sessionOptions, message) => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset17');
    expect(() => new Saliency(model, tokenizer, { sessionOptions } as never)).toThrow(InputError);
    expect(() => new Saliency(model, tokenizer, { sessionOptions } as never)).toThrow(message);
  });

  test('a provider the runtime lacks is an InputError when the session is made', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset17');
    const ex = new Saliency(model, tokenizer, { sessionOptions: { executionProviders: ['webgpu'] } });
    await expect(ex.explain('a good film', 1)).rejects.toThrow(InputError);
  });

  test('perturbation methods accept them (validated) and create no session', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset17');
    expect(() => new Occlusion(model, tokenizer, { sessionOptions: { threads: -1 } })).toThrow(InputError);
    const create = vi.spyOn(ort.InferenceSession, 'create');
    await new Occlusion(model, tokenizer, { sessionOptions: { threads: 1 } }).explain('a good film', 1);
    expect(create).not.toHaveBeenCalled();
  });
});
