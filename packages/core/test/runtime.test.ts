/**
 * Runtime seam: one onnxruntime shared with transformers.js, the loaded ONNX file recorded per session, the
 * explicit `modelSource` fallback and the errors when the file cannot be found; in Node the gradient session opened
 * from a temporary file with its weights as external data (removed once created), the same numbers as from memory.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { loadFixture } from './helpers.ts';
import { ModelSourceError, Saliency } from '../src/index.ts';
import { ort, sessionFiles, sessionSource } from '../src/runtime/index.ts';

describe('runtime seam', () => {
  test('transformers.js sessions come from the same onnxruntime and remember the file they were loaded from', async () => {
    const { model, path } = await loadFixture('bert-tiny-opset11');
    const session = model.sessions.model;
    expect(session).toBeInstanceOf(ortNode.InferenceSession);
    expect(ort.InferenceSession).toBe(ortNode.InferenceSession);
    expect(sessionSource(session)?.model).toBe(join(path, 'onnx', 'model.onnx'));
  });

  test('an explicit modelSource gives the same gradients; an unknown source is a clear error', async () => {
    const { model, tokenizer, path } = await loadFixture('bert-tiny-opset11');
    const [a] = await new Saliency(model, tokenizer).explain('a good movie', 1);
    const bytes = new Uint8Array(readFileSync(join(path, 'onnx', 'model.onnx')));
    const [b] = await new Saliency(model, tokenizer, { modelSource: bytes }).explain('a good movie', 1);
    expect(b!.attributions).toEqual(a!.attributions);
    // A model whose session was not created through the shared runtime after the core was imported.
    const unrecorded = Object.create(model, { sessions: { value: { model: Object.create(model.sessions.model) } } });
    const { Occlusion } = await import('../src/index.ts');
    const fake = new Proxy(model, { get: (t, k) => (k === 'sessions' ? unrecorded.sessions : Reflect.get(t, k)) });
    await expect(new Saliency(fake, tokenizer).explain('a good movie', 1)).rejects.toThrow(ModelSourceError);
    await expect(new Saliency(fake, tokenizer).explain('a good movie', 1)).rejects.toThrow(
      /Import '@interpreto-js\/core' before calling from_pretrained.*modelSource/,
    );
    expect((await new Occlusion(model, tokenizer).explain('a good movie', 1))[0]!.device).toBe('cpu');
  });

  test('a session of another onnxruntime copy (e.g. a file: folder link) gets an error that says what to change', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const real = model.sessions.model;
    // Not an instance of the shared InferenceSession: what a second copy of onnxruntime-node creates.
    const foreign = {
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      run: (f: unknown) => real.run(f),
      config: real.config,
    };
    const other = new Proxy(model, {
      get: (t, k) => (k === 'sessions' ? { ...t.sessions, model: foreign } : Reflect.get(t, k)),
    });
    const failure = new Saliency(other, tokenizer).explain('a good movie', 1);
    await expect(failure).rejects.toThrow(ModelSourceError);
    await expect(new Saliency(other, tokenizer).explain('a good movie', 1)).rejects.toThrow(
      /another copy of onnxruntime.*`file:` or `link:`.*pnpm pack.*npm install --install-links.*resolve: \{ dedupe.*onnxruntime-node 1\.30\.0.*modelSource/s,
    );
  });
});

describe('gradient session from files (Node)', () => {
  afterEach(() => vi.restoreAllMocks());

  test('opened from a temporary model file with its weights beside it, removed after; same gradients as from memory', async () => {
    const { model, tokenizer, path } = await loadFixture('bert-tiny-opset11');
    const bytes = new Uint8Array(readFileSync(join(path, 'onnx', 'model.onnx')));
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const fromFiles = vi.spyOn(sessionFiles!, 'create');
    // modelSource: a runner of its own, not the one cached for the model.
    const [a] = await new Saliency(model, tokenizer, { modelSource: bytes }).explain('a good movie', 1);
    expect(fromFiles).toHaveBeenCalledTimes(1);
    const [file] = create.mock.calls.at(-1)!;
    expect(file).toMatch(/interpreto-session-[^/\\]+[/\\]model\.onnx$/);
    expect(existsSync(file as string)).toBe(false);
    // The model file itself holds no large weight: they are in the plan written beside it.
    const [small, plan] = fromFiles.mock.calls[0]!;
    expect(small.byteLength).toBeLessThan(plan.byteLength);
    expect(plan.location).toBe('model.onnx_data');

    // A temporary folder that cannot be written: the weights go inline, with a warning, and the numbers do not move.
    fromFiles.mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const [b] = await new Saliency(model, tokenizer, { modelSource: bytes }).explain('a good movie', 1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not be written to the temporary folder \(ENOSPC\)/));
    expect(create.mock.calls.at(-1)![0]).toBeInstanceOf(Uint8Array);
    expect(b!.attributions).toEqual(a!.attributions);

    // Any other failure is not hidden.
    fromFiles.mockRejectedValueOnce(new Error('onnxruntime refused the model'));
    await expect(new Saliency(model, tokenizer, { modelSource: bytes }).explain('a good movie', 1)).rejects.toThrow(
      'onnxruntime refused the model',
    );
  });
});
