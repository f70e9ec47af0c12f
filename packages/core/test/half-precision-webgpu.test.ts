/**
 * The WebGPU decision for half-precision models (src/runtime/half-precision.ts): a float16 file's gradient model
 * reads float16 weights, which onnxruntime-web does on WebGPU only with the adapter feature `shader-f16`; without
 * it the gradient session goes to WASM with a notice naming the dtype, the feature and what to load instead.
 * Also the browser backend's pickExecutionProvider over a stubbed `navigator.gpu` (an adapter without the feature).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decideWebGpu,
  deviceNotice,
  HALF_PRECISION_DTYPES,
  halfPrecisionNotice,
} from '../src/runtime/half-precision.ts';

describe('decideWebGpu', () => {
  const withF16 = new Set(['shader-f16', 'timestamp-query']);
  const without = new Set(['timestamp-query']);

  it('no adapter: WASM, nothing to say', () => {
    expect(decideWebGpu(undefined, 'fp16')).toEqual({ device: 'wasm' });
    expect(decideWebGpu(undefined, 'fp32')).toEqual({ device: 'wasm' });
  });

  it('float32 and 8-/4-bit files with float32 scales run on any adapter', () => {
    for (const dtype of [undefined, 'fp32', 'q8', 'int8', 'uint8', 'q4', 'bnb4'])
      expect(decideWebGpu(without, dtype)).toEqual({ device: 'webgpu' });
  });

  it('fp16 and q4f16 run on WebGPU only with shader-f16, else on WASM with a notice saying why', () => {
    expect([...HALF_PRECISION_DTYPES].sort()).toEqual(['fp16', 'q4f16']);
    for (const dtype of HALF_PRECISION_DTYPES) {
      expect(decideWebGpu(withF16, dtype)).toEqual({ device: 'webgpu' });
      const d = decideWebGpu(without, dtype);
      expect(d.device).toBe('wasm');
      expect('notice' in d && d.notice).toMatch(new RegExp(`dtype '${dtype}'.*'shader-f16'.*WASM.*'fp32', 'q8'`));
    }
  });
});

describe('pickExecutionProvider in the browser backend', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('an adapter without shader-f16: fp16 models get WASM and the notice, others WebGPU', async () => {
    vi.resetModules();
    const requestAdapter = vi.fn(async () => ({ features: new Set(['timestamp-query']) }));
    vi.stubGlobal('navigator', { gpu: { requestAdapter } });
    const { pickExecutionProvider } = await import('../src/runtime/backend-web.ts');
    const half = await pickExecutionProvider('webgpu', 'fp16');
    expect(half.executionProviders).toEqual(['wasm']);
    expect(half.notice).toMatch(/shader-f16/);
    expect(await pickExecutionProvider('webgpu', 'q8')).toEqual({ executionProviders: ['webgpu'], device: 'webgpu' });
    expect((await pickExecutionProvider(undefined, 'q4')).device).toBe('webgpu');
    expect(await pickExecutionProvider('wasm', 'fp32')).toEqual({ executionProviders: ['wasm'], device: 'wasm' });
    expect(requestAdapter).toHaveBeenCalledTimes(1); // asked once per page
  });
});

describe('deviceNotice (what an output says when a float16 model ran elsewhere than where it was put)', () => {
  it('a half-precision model put on WebGPU whose run went to WASM gets the notice; nothing else does', () => {
    expect(deviceNotice('webgpu', 'wasm', 'q4f16')).toBe(halfPrecisionNotice('q4f16'));
    expect(deviceNotice('webgpu', 'wasm', 'fp16')).toMatch(/dtype 'fp16'.*'shader-f16'.*WASM/);
    expect(deviceNotice('webgpu', 'webgpu', 'q4f16')).toBeUndefined();
    expect(deviceNotice('wasm', 'wasm', 'q4f16')).toBeUndefined(); // the user's choice: nothing to explain
    expect(deviceNotice('webgpu', 'wasm', 'q8')).toBeUndefined();
    expect(deviceNotice('webgpu', 'wasm')).toBeUndefined();
    expect(deviceNotice('cpu', 'cpu', 'fp16')).toBeUndefined();
  });
});
