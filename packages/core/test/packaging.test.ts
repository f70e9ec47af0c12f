/**
 * What the packed core promises its users (e2e/packaging checks it on the real tarballs): the onnxruntime versions
 * are those transformers.js resolves (one shared instance), onnxruntime-web's wasm stays on the app's own origin,
 * and a missing onnxruntime-node is recognised as such.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ORT_NODE_VERSION, ORT_WEB_VERSION } from '../src/runtime/versions.ts';
import { keepLocalWasm } from '../src/runtime/backend-web.ts';
import { isMissingModule } from '../src/runtime/backend-node.ts';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8'));

describe('onnxruntime versions', () => {
  test('the core asks for exactly the onnxruntime versions transformers.js depends on', () => {
    // transformers.js exports no ./package.json: the folder is where its package.json sits.
    const tfDir = join(coreDir, 'node_modules', '@huggingface', 'transformers');
    const tf = JSON.parse(readFileSync(join(tfDir, 'package.json'), 'utf8'));
    expect(tf.dependencies['onnxruntime-node']).toBe(ORT_NODE_VERSION);
    expect(tf.dependencies['onnxruntime-web']).toBe(ORT_WEB_VERSION);
    expect(manifest.peerDependencies['onnxruntime-node']).toBe(ORT_NODE_VERSION);
    expect(manifest.peerDependenciesMeta['onnxruntime-node']).toEqual({ optional: true });
    expect(manifest.dependencies['onnxruntime-web']).toBe(ORT_WEB_VERSION);
    expect(manifest.dependencies['onnxruntime-node']).toBeUndefined();
  });
});

describe('keepLocalWasm', () => {
  const cdn = 'https://cdn.jsdelivr.net/npm/onnxruntime-web@1.31.0-dev.20260914-8d85527a0/dist/';

  test('unset: an empty object, which keeps transformers.js from setting its CDN and names no file', () => {
    const env: { wasmPaths?: unknown } = {};
    expect(keepLocalWasm(env)).toBe(true);
    expect(env.wasmPaths).toEqual({});
  });

  test("transformers.js's CDN default (it loaded first) is replaced", () => {
    const env = {
      wasmPaths: {
        mjs: `${cdn}ort-wasm-simd-threaded.asyncify.mjs`,
        wasm: `${cdn}ort-wasm-simd-threaded.asyncify.wasm`,
      } as unknown,
    };
    expect(keepLocalWasm(env)).toBe(true);
    expect(env.wasmPaths).toEqual({});
  });

  test("the app's own choice is kept: a CDN folder, other files, a partial object", () => {
    const own = [
      cdn,
      '/ort/',
      { wasm: '/ort/x.wasm' },
      { mjs: `${cdn}ort-wasm-simd-threaded.asyncify.mjs`, wasm: '/ort/x.wasm' },
      { mjs: `${cdn}mine.mjs`, wasm: `${cdn}mine.wasm` },
      {},
    ];
    for (const paths of own) {
      const env = { wasmPaths: paths as unknown };
      expect(keepLocalWasm(env)).toBe(false);
      expect(env.wasmPaths).toBe(paths);
    }
    expect(keepLocalWasm(undefined)).toBe(false);
  });
});

describe('isMissingModule', () => {
  test('tells a missing package from a package whose own import fails', async () => {
    const missing = await import('interpreto-no-such-package' as string).catch((e: unknown) => e);
    expect(isMissingModule(missing, 'interpreto-no-such-package')).toBe(true);
    expect(isMissingModule(missing, 'onnxruntime-node')).toBe(false);
    const inner = Object.assign(
      new Error("Cannot find package 'long' imported from /x/node_modules/onnxruntime-node/index.js"),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    expect(isMissingModule(inner, 'onnxruntime-node')).toBe(false);
    expect(isMissingModule(new Error('onnxruntime-node: bad ELF header'), 'onnxruntime-node')).toBe(false);
  });
});
