/**
 * Which onnxruntime-web WebAssembly build the browser loads (runtime/wasm-build.ts): JSPI where the browser has it
 * and its files are known, asyncify otherwise, and what a given `wasmPaths` loads (what the playground reports).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { keepLocalWasm } from '../src/runtime/backend-web.ts';
import { chooseOrtWasm, hasJspi, ORT_WASM_FILES, ortWasmBuildOf } from '../src/runtime/wasm-build.ts';

const files = { mjs: '/a/ort-wasm-simd-threaded.jspi.mjs', wasm: '/a/ort-wasm-simd-threaded.jspi.wasm' };

describe('hasJspi', () => {
  test('needs both WebAssembly.Suspending and WebAssembly.promising as functions', () => {
    const fn = () => undefined;
    expect(hasJspi({ Suspending: fn, promising: fn })).toBe(true);
    expect(hasJspi({ Suspending: fn })).toBe(false);
    expect(hasJspi({ promising: fn })).toBe(false);
    expect(hasJspi({ Suspending: {}, promising: fn })).toBe(false);
    expect(hasJspi({})).toBe(false);
    expect(hasJspi(undefined)).toBe(false);
  });
});

describe('chooseOrtWasm', () => {
  test('JSPI where the browser has it and its files are known, with exactly those files', () => {
    const picked = chooseOrtWasm({ jspi: true }, files);
    expect(picked).toEqual({ build: 'jspi', wasmPaths: files });
    expect(picked.wasmPaths).not.toBe(files); // a copy: the caller's object is never handed to onnxruntime
  });

  test("asyncify without JSPI, or without JSPI files (the extern-wasm build), naming no file (the bundle's default)", () => {
    expect(chooseOrtWasm({ jspi: false }, files)).toEqual({ build: 'asyncify', wasmPaths: {} });
    expect(chooseOrtWasm({ jspi: true }, undefined)).toEqual({ build: 'asyncify', wasmPaths: {} });
    expect(chooseOrtWasm({ jspi: false }, undefined)).toEqual({ build: 'asyncify', wasmPaths: {} });
  });

  test("keepLocalWasm sets the chosen files where the app set none, and keeps the app's own", () => {
    const env: { wasmPaths?: unknown } = {};
    expect(keepLocalWasm(env, chooseOrtWasm({ jspi: true }, files).wasmPaths)).toBe(true);
    expect(env.wasmPaths).toEqual(files);
    const own = { wasmPaths: '/ort/' as unknown };
    expect(keepLocalWasm(own, files)).toBe(false);
    expect(own.wasmPaths).toBe('/ort/');
  });
});

describe('ortWasmBuildOf', () => {
  test('no path, an empty object or a folder: the WebGPU bundle loads its asyncify default', () => {
    for (const p of [undefined, {}, '/ort/', 'https://cdn.example/dist/']) expect(ortWasmBuildOf(p)).toBe('asyncify');
  });

  test("named files by onnxruntime-web's names, a bundler's hashed copies, URL objects; others are custom", () => {
    expect(ortWasmBuildOf(files)).toBe('jspi');
    expect(
      ortWasmBuildOf({
        mjs: '/ort/ort-wasm-simd-threaded.asyncify.mjs',
        wasm: '/ort/ort-wasm-simd-threaded.asyncify.wasm',
      }),
    ).toBe('asyncify');
    expect(ortWasmBuildOf({ wasm: 'https://x/assets/ort-wasm-simd-threaded.jspi-B3x_9-aZ.wasm?v=1' })).toBe('jspi');
    expect(ortWasmBuildOf({ wasm: new URL('https://x/ort-wasm-simd-threaded.asyncify.wasm') })).toBe('asyncify');
    // transformers.js's wasm cache swaps the mjs for a blob: URL: the wasm file decides
    expect(ortWasmBuildOf({ mjs: 'blob:https://x/123', wasm: files.wasm })).toBe('jspi');
    expect(ortWasmBuildOf({ mjs: '/m.mjs', wasm: '/m.wasm' })).toBe('custom');
    expect(ortWasmBuildOf({ wasm: '/ort/ort-wasm-simd-threaded.wasm' })).toBe('custom'); // the plain CPU build
    expect(ortWasmBuildOf({ mjs: 'blob:https://x/123' })).toBe('custom');
  });
});

test("the file names are onnxruntime-web's own, exported by its package", () => {
  // onnxruntime-web exports no ./package.json: the core's own dependency folder.
  const pkgPath = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'node_modules',
    'onnxruntime-web',
    'package.json',
  );
  const exported = JSON.parse(readFileSync(pkgPath, 'utf8')).exports as Record<string, string>;
  for (const build of Object.values(ORT_WASM_FILES)) {
    for (const name of [build.mjs, build.wasm]) expect(exported[`./${name}`]).toBe(`./dist/${name}`);
  }
  expect(readFileSync(join(dirname(pkgPath), 'dist', ORT_WASM_FILES.jspi.mjs), 'utf8')).toMatch(/Suspending/);
});
