/**
 * Contrib ops whose only onnxruntime kernels are GPU ones (no CPU kernel in onnxruntime-node): the decomposition,
 * run on onnxruntime-node, against the kernel of onnxruntime-web's WebGPU EP in headless Chromium (SwiftShader).
 * BiasSplitGelu: X + bias [N, S, D] split in halves, left · Gelu(right).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/index.ts';
import { contribModel, decomposed, f32, run, type ContribNodeSpec } from '../transforms/contrib-helpers.ts';
import { rng } from '../transforms/helpers.ts';
import { BrowserRunner, CHROMIUM, hasChromium } from './harness.ts';

const uniform = (seed: number, n: number, lo: number, hi: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
};

describe.skipIf(!hasChromium())(`BiasSplitGelu against onnxruntime-web's WebGPU kernel (${CHROMIUM})`, () => {
  let runner: BrowserRunner;
  beforeAll(async () => {
    runner = await BrowserRunner.start();
  }, 120_000);
  afterAll(async () => runner?.close());

  // the kernels' own limits: the native EP needs D/2 a multiple of 4, JSEP only takes UNet widths (2560, 5120, 10240)
  for (const [bundle, shapes] of [
    [
      'ort.webgpu.min.mjs',
      [
        [1, 3, 32],
        [2, 5, 24],
      ],
    ],
    ['ort.min.mjs', [[1, 2, 2560]]],
  ] as const) {
    it(`${bundle}: the decomposition equals the kernel`, async () => {
      for (const [i, dims] of shapes.entries()) {
        const D = dims[2];
        const size = dims[0] * dims[1] * D;
        const x = uniform(10 + i, size, -3, 3);
        const bias = uniform(20 + i, D, -1, 1);
        const spec: ContribNodeSpec = {
          op: 'BiasSplitGelu',
          inputs: [
            { name: 'X', dims: [...dims] },
            { name: 'bias', dims: [D] },
          ],
          outputs: [{ name: 'Y' }],
        };
        const model = contribModel(spec);
        const kernel = await runner.run(bundle, 'webgpu', encodeModel(model), {
          X: { type: 'float32', dims: [...dims], data: x },
          bias: { type: 'float32', dims: [D], data: bias },
        });
        const ours = await run(decomposed(model), { X: f32(x, [...dims]), bias: f32(bias, [D]) });
        expect(kernel.Y!.dims).toEqual([dims[0], dims[1], D / 2]);
        const mine = ours.Y!.data as Float32Array;
        const err = kernel.Y!.data.reduce((m, v, k) => Math.max(m, Math.abs(v - mine[k]!)), 0);
        // the shader's erf is a polynomial approximation (|error| < 1.5e-7 on erf itself), values here up to ~4
        expect(err, `${bundle} [${dims}]`).toBeLessThan(1e-5);
      }
      expect(runner.offsite).toEqual([]);
    }, 120_000);
  }
});
