import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { thirdParty } from '../../../fixtures/index.ts';
import { groupCachedFiles } from '../src/model-source/cache.ts';
import { isSoftwareAdapter } from '../src/model-source/device.ts';
import { filesTag, minimalTokenizerConfig, planFolder, relativePaths, safeName } from '../src/model-source/layout.ts';
import { fileURL, folderUrlProblem, transformersSource, USER_FILES_ORIGIN } from '../src/model-source/sources.ts';
import { userFileResponse } from '../src/model-source/user-files.ts';
import { dtypesOfTree, hubDtypes } from '../src/model-source/hub-files.ts';
import { describeLoadError, missingFile } from '../src/errors.ts';
import { DEFAULT_TEXT, MAX_URL_TEXT, parseState, stateToSearch, defaultState } from '../src/url-state.ts';

const f = (path: string, size = 10) => ({ path, size });

describe('planFolder', () => {
  it('reads a Hub-layout folder chosen with its name, ignoring dotfiles', () => {
    const r = planFolder([
      f('my model/config.json'),
      f('my model/tokenizer.json'),
      f('my model/tokenizer_config.json'),
      f('my model/onnx/model.onnx'),
      f('my model/onnx/model_quantized.onnx'),
      f('my model/.DS_Store'),
      f('my model/.git/config'),
      f('my model/README.md'),
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.name).toBe('my-model');
    expect([...r.plan.files.keys()].sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(r.plan.files.get('onnx/model.onnx')).toBe('my model/onnx/model.onnx');
    expect(r.plan.dtypes).toEqual(['fp32', 'q8']);
    expect(r.plan.needsTokenizerConfig).toBe(false);
    expect(r.plan.notes).toEqual([]);
  });

  it('moves an optimum export (model.onnx at the top) under onnx/ and asks for a tokenizer_config', () => {
    const r = planFolder([f('config.json'), f('tokenizer.json'), f('model.onnx'), f('model.onnx_data')]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.files.get('onnx/model.onnx')).toBe('model.onnx');
    expect(r.plan.files.get('onnx/model.onnx_data')).toBe('model.onnx_data');
    expect(r.plan.externalData).toEqual({ 'model.onnx': 1 });
    expect(r.plan.needsTokenizerConfig).toBe(true);
    expect(r.plan.notes.join(' ')).toMatch(/optimum export/);
    expect(r.plan.notes.join(' ')).toMatch(/tokenizer_config\.json is missing/);
  });

  it('counts external data chunks', () => {
    const r = planFolder([
      f('config.json'),
      f('tokenizer.json'),
      f('onnx/model_fp16.onnx'),
      f('onnx/model_fp16.onnx_data'),
      f('onnx/model_fp16.onnx_data_1'),
    ]);
    expect(r.ok && r.plan.externalData).toEqual({ 'model_fp16.onnx': 2 });
    expect(r.ok && r.plan.dtypes).toEqual(['fp16']);
  });

  it('names each missing file and what it is for', () => {
    const r = planFolder([f('gpt2/tokenizer.json'), f('gpt2/tokenizer_config.json')]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^config\.json is missing: it is the model's configuration/);
    expect(r.problems[1]).toMatch(/^model\.onnx is missing: it is the ONNX graph/);
    const noTok = planFolder([f('config.json'), f('onnx/model.onnx')]);
    expect(!noTok.ok && noTok.problems).toEqual([
      expect.stringMatching(/^tokenizer\.json is missing: it is the tokenizer/),
    ]);
  });

  it('refuses ONNX files transformers.js would not load, and orphan external data', () => {
    const r = planFolder([f('config.json'), f('tokenizer.json'), f('onnx/encoder.onnx'), f('onnx/x.onnx_data')]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join(' ')).toMatch(/found encoder\.onnx/);
    expect(r.problems.join(' ')).toMatch(/onnx\/x\.onnx_data is external data of onnx\/x\.onnx, which is missing/);
  });

  it('keeps loose files (no common folder) as they are', () => {
    expect(relativePaths([f('a.json'), f('b/c.onnx')]).root).toBeNull();
    expect(relativePaths([f('d\\a.json'), f('d\\c.onnx')]).paths.map((p) => p.path)).toEqual(['a.json', 'c.onnx']);
  });
});

describe('names and tags', () => {
  it('makes model-id-safe names', () => {
    expect(safeName('My Model (v2)')).toBe('My-Model-v2');
    expect(safeName('a--b..c')).toBe('a-b.c');
    expect(safeName('...')).toBe('model');
  });
  it('tags folders by their files, order-free', () => {
    expect(filesTag([f('a', 1), f('b', 2)])).toBe(filesTag([f('b', 2), f('a', 1)]));
    expect(filesTag([f('a', 1)])).not.toBe(filesTag([f('a', 2)]));
  });
});

describe('minimalTokenizerConfig', () => {
  it('picks the class from model_type and the length from the config', () => {
    expect(minimalTokenizerConfig({ model_type: 'distilbert', max_position_embeddings: 512 }, {})).toEqual({
      tokenizer_class: 'DistilBertTokenizer',
      model_max_length: 512,
    });
  });
  it('falls back on the tokenizer algorithm of the vendored tokenizers', () => {
    const bert = JSON.parse(readFileSync(thirdParty('bert-uncased-tokenizer/tokenizer.json'), 'utf8'));
    const gpt2 = JSON.parse(readFileSync(thirdParty('ortgenai-tiny-gpt2-fused/tokenizer.json'), 'utf8'));
    expect(minimalTokenizerConfig({ model_type: 'unknown' }, bert)).toEqual({
      tokenizer_class: 'BertTokenizer',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
    });
    expect(minimalTokenizerConfig({ n_positions: 1024 }, gpt2)).toEqual({
      tokenizer_class: 'GPT2Tokenizer',
      eos_token: '<|endoftext|>',
      bos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      model_max_length: 1024,
    });
  });
});

describe('transformersSource', () => {
  it('serves embedded models from our origin, uncached', () => {
    const s = transformersSource({ source: 'local', id: 'bert-tiny-sentiment' });
    expect(s.env).toMatchObject({ allowLocalModels: true, allowRemoteModels: false, useBrowserCache: false });
  });
  it('reads Hub models from the Hub, cached', () => {
    const ref = { source: 'hub' as const, id: 'Xenova/gpt2' };
    expect(transformersSource(ref).env).toMatchObject({
      allowLocalModels: false,
      allowRemoteModels: true,
      useBrowserCache: true,
    });
    expect(fileURL(ref, 'onnx/model.onnx')).toBe('https://huggingface.co/Xenova/gpt2/resolve/main/onnx/model.onnx');
  });
  it('makes a folder URL the remote host, with a valid model id', () => {
    const ref = { source: 'url' as const, id: 'https://example.org/models/tiny-bert/' };
    const s = transformersSource(ref);
    expect(s.modelId).toMatch(/^url\/[0-9a-f]{8}$/);
    expect(fileURL(ref, 'onnx/model.onnx')).toBe('https://example.org/models/tiny-bert/onnx/model.onnx');
    expect(transformersSource({ source: 'url', id: 'https://example.org/models/tiny-bert' }).modelId).not.toBe(
      transformersSource({ source: 'url', id: 'https://example.org/models/other' }).modelId,
    );
  });
  it("serves the user's files under a host that cannot resolve", () => {
    expect(fileURL({ source: 'files', id: 'distil-abc123' }, 'config.json')).toBe(
      `${USER_FILES_ORIGIN}distil-abc123/config.json`,
    );
  });
  it('checks folder URLs', () => {
    expect(folderUrlProblem('https://example.org/m/')).toBeNull();
    expect(folderUrlProblem('file:///home/m')).toMatch(/only http and https/);
    expect(folderUrlProblem('not a url')).toMatch(/is not a URL/);
    expect(folderUrlProblem('https://example.org/m/?x=1')).toMatch(/query/);
  });
});

describe('userFileResponse', () => {
  const files = new Map([['m-1', new Map([['onnx/model.onnx', new Blob([new Uint8Array([1, 2, 3])])]])]]);
  it('answers the files given, 404 for the rest, and nothing for other hosts', async () => {
    const ok = userFileResponse(files, `${USER_FILES_ORIGIN}m-1/onnx/model.onnx`)!;
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-length')).toBe('3');
    expect([...new Uint8Array(await ok.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(userFileResponse(files, `${USER_FILES_ORIGIN}m-1/config.json`)!.status).toBe(404);
    expect(userFileResponse(files, `${USER_FILES_ORIGIN}other/config.json`)!.status).toBe(404);
    expect(userFileResponse(files, 'https://huggingface.co/x/y/resolve/main/config.json')).toBeNull();
  });
});

describe('groupCachedFiles', () => {
  it('groups Hub, URL and user files by model, with sizes and dtypes, and skips non-models', () => {
    const g = groupCachedFiles([
      { url: 'https://huggingface.co/Xenova/gpt2/resolve/main/config.json', bytes: 1000 },
      { url: 'https://huggingface.co/Xenova/gpt2/resolve/main/onnx/model_quantized.onnx', bytes: 5000 },
      { url: `${USER_FILES_ORIGIN}distil-1/config.json`, bytes: 10 },
      { url: `${USER_FILES_ORIGIN}distil-1/onnx/model.onnx`, bytes: 20 },
      { url: 'https://example.org/a/b/config.json', bytes: 1 },
      { url: 'https://example.org/a/b/onnx/model.onnx', bytes: 2 },
      { url: 'https://example.org/only/tokenizer.json', bytes: 2 },
      { url: 'http://127.0.0.1:4173/ort/ort-wasm.wasm', bytes: 2 },
    ]);
    expect(g.map((m) => [m.source, m.id, m.bytes, m.dtypes])).toEqual([
      ['hub', 'Xenova/gpt2', 6000, ['q8']],
      ['files', 'distil-1', 30, ['fp32']],
      ['url', 'https://example.org/a/b/', 3, ['fp32']],
    ]);
  });
});

describe('isSoftwareAdapter', () => {
  it('tells SwiftShader and fallback adapters from real GPUs', () => {
    expect(isSoftwareAdapter({ info: { vendor: 'google', architecture: 'swiftshader', description: '' } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toBe(false);
    expect(isSoftwareAdapter({ info: { vendor: 'intel', architecture: 'gen-12lp' } })).toBe(false);
  });
});

describe('load errors for your own model', () => {
  it('names the missing file', () => {
    expect(missingFile('Could not locate file: "https://user-files.interpreto.invalid/m/onnx/model_fp16.onnx".')).toBe(
      'onnx/model_fp16.onnx',
    );
    const e = describeLoadError(
      new Error('Could not locate file: "https://user-files.interpreto.invalid/m/config.json".'),
      { source: 'files', id: 'm' },
      true,
    );
    expect(e.message).toBe("Your model files have no config.json (the model's configuration (architecture, labels)).");
  });
  it('says to choose the folder again when the files were neither given nor cached', () => {
    const e = describeLoadError(
      new Error('Could not locate file: "https://user-files.interpreto.invalid/m/config.json".'),
      { source: 'files', id: 'm' },
      false,
    );
    expect(e.message).toMatch(/no longer in this browser's cache/);
    expect(e.hint).toMatch(/again/);
  });
});

describe('a folder without tokenizer_config.json', () => {
  it('is named, not reported as a property read', () => {
    const e = describeLoadError(new TypeError("Cannot read properties of undefined (reading 'tokenizer_class')"), {
      source: 'url',
      id: 'https://example.org/m/',
    });
    expect(e.message).toBe(
      "the model at https://example.org/m/ has no tokenizer_config.json (the tokenizer's settings: its class and special tokens), which transformers.js needs beside tokenizer.json.",
    );
    expect(e.hint).toMatch(/load it as your own model/);
  });
});

describe('long text and the URL', () => {
  it('leaves text over the limit out of the link, and keeps shorter text', () => {
    const state = defaultState('m');
    const long = 'word '.repeat(5000);
    expect(stateToSearch({ ...state, text: long }, 'm')).not.toMatch(/text=/);
    expect(stateToSearch({ ...state, text: long }, 'm').length).toBeLessThan(200);
    const short = 'x'.repeat(MAX_URL_TEXT);
    expect(parseState(stateToSearch({ ...state, text: short }, 'm'), 'm').state.text).toBe(short);
    expect(parseState(stateToSearch({ ...state, text: long }, 'm'), 'm').state.text).toBe(DEFAULT_TEXT);
  });
  it('round-trips URL and file models', () => {
    for (const model of [
      { source: 'url' as const, id: 'https://example.org/m/' },
      { source: 'files' as const, id: 'distil-abc', dtype: 'q8' },
    ]) {
      expect(parseState(stateToSearch({ ...defaultState('m'), model }, 'm'), 'm').state.model).toEqual(model);
    }
  });
});

describe('hub dtypes', () => {
  const tree = [
    { type: 'file', path: 'onnx/model.onnx' },
    { type: 'file', path: 'onnx/model_quantized.onnx' },
    { type: 'file', path: 'onnx/model_fp16.onnx_data' },
    { type: 'directory', path: 'onnx/model_q4.onnx' },
  ];
  it('reads the Hub tree listing', async () => {
    expect(dtypesOfTree(tree)).toEqual(['fp32', 'q8']);
    expect(dtypesOfTree({ error: 'x' })).toEqual([]);
    const urls: string[] = [];
    const ok = await hubDtypes(
      async (u) => {
        urls.push(u);
        return new Response(JSON.stringify(tree));
      },
      'https://huggingface.co/',
      'Xenova/gpt2',
    );
    expect(ok).toEqual(['fp32', 'q8']);
    expect(urls).toEqual(['https://huggingface.co/api/models/Xenova/gpt2/tree/main/onnx']);
  });
  it('gives no list when the listing fails', async () => {
    expect(await hubDtypes(async () => new Response('no', { status: 404 }), 'https://h/', 'a/b')).toEqual([]);
    expect(
      await hubDtypes(
        async () => {
          throw new TypeError('Failed to fetch');
        },
        'https://h/',
        'a/b',
      ),
    ).toEqual([]);
  });
});
