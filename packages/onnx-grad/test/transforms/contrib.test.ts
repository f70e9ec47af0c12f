/**
 * Each contrib-op decomposition (src/transforms/contrib/) against onnxruntime-node's own com.microsoft CPU kernel,
 * float32, on seeded random shapes, attributes and optional inputs (fast-check, few runs). Tolerances are absolute,
 * for O(1) inputs: the two sides compute the same formula in float32 with different operation orders (and MLAS's
 * tanh/erf/exp approximations), so they agree to a few ulps of the values involved.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataType } from '../../src/index.ts';
import { rng } from './helpers.ts';
import {
  both,
  contribModel,
  decomposed,
  f32,
  i32,
  maxAbs,
  run,
  type ContribNodeSpec,
  type IoSpec,
} from './contrib-helpers.ts';

const RUNS = { numRuns: 6, seed: 20260312 };
const measured = new Map<string, number>();
const record = (op: string, err: number) => measured.set(op, Math.max(measured.get(op) ?? 0, err));
afterAll(() => {
  if (process.env.CONTRIB_ERRORS) console.info(Object.fromEntries(measured));
});

const uniform = (seed: number, n: number, lo = -2, hi = 2) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const io = (name: string, dims?: (number | string)[], elem?: number): IoSpec => ({ name, dims, elem });

async function compare(op: string, spec: ContribNodeSpec, feeds: Parameters<typeof both>[1], tol: number) {
  const { kernel, decomposition } = await both(spec, feeds);
  const names = Object.keys(kernel);
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) {
    const err = maxAbs(kernel[name]!, decomposition[name]!);
    record(op, err);
    expect(err, `${op} output ${name}`).toBeLessThanOrEqual(tol);
  }
}

describe('elementwise contrib ops equal their onnxruntime kernels', () => {
  const shapeArb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    seq: fc.integer({ min: 1, max: 5 }),
    hidden: fc.integer({ min: 1, max: 16 }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });

  it('FastGelu, with and without bias', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.boolean(), async ({ batch, seq, hidden, seed }, withBias) => {
        const dims = [batch, seq, hidden];
        const feeds = {
          X: f32(uniform(seed, size(dims), -4, 4), dims),
          bias: f32(uniform(seed + 1, hidden), [hidden]),
        };
        const spec: ContribNodeSpec = {
          op: 'FastGelu',
          inputs: [io('X', dims), withBias ? io('bias', [hidden]) : ''],
          outputs: [io('Y')],
        };
        if (!withBias) delete (feeds as Record<string, unknown>).bias;
        await compare('FastGelu', spec, feeds, 2e-6);
      }),
      RUNS,
    );
  });

  it('Gelu and BiasGelu (erf form)', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async ({ batch, seq, hidden, seed }) => {
        const dims = [batch, seq, hidden];
        const A = f32(uniform(seed, size(dims), -4, 4), dims);
        const B = f32(uniform(seed + 1, hidden), [hidden]);
        await compare('Gelu', { op: 'Gelu', inputs: [io('X', dims)], outputs: [io('Y')] }, { X: A }, 2e-6);
        await compare(
          'BiasGelu',
          { op: 'BiasGelu', inputs: [io('A', dims), io('B', [hidden])], outputs: [io('Y')] },
          { A, B },
          2e-6,
        );
      }),
      RUNS,
    );
  });

  it('QuickGelu with random alpha', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.float({ min: Math.fround(0.1), max: 3, noNaN: true }), async (s, alpha) => {
        const dims = [s.batch, s.seq, s.hidden];
        const spec: ContribNodeSpec = {
          op: 'QuickGelu',
          inputs: [io('X', dims)],
          outputs: [io('Y')],
          attrs: { alpha: { float: alpha } },
        };
        await compare('QuickGelu', spec, { X: f32(uniform(s.seed, size(dims), -4, 4), dims) }, 2e-6);
      }),
      RUNS,
    );
  });

  it('BiasAdd (onnxruntime has no CPU kernel for it: checked against its definition X + bias + skip)', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async ({ batch, seq, hidden, seed }) => {
        const dims = [batch, seq, hidden];
        const [x, bias, skip] = [
          uniform(seed, size(dims)),
          uniform(seed + 1, hidden),
          uniform(seed + 2, size(dims)),
        ].map((v) => v.map(Math.fround));
        const spec: ContribNodeSpec = {
          op: 'BiasAdd',
          inputs: [io('X', dims), io('bias', [hidden]), io('skip', dims)],
          outputs: [io('Y')],
        };
        const out = await run(decomposed(contribModel(spec)), {
          X: f32(x, dims),
          bias: f32(bias, [hidden]),
          skip: f32(skip, dims),
        });
        const want = x.map((v, i) => Math.fround(Math.fround(v + bias[i % hidden]!) + skip[i]!));
        const err = maxAbs(out.Y!, f32(want, dims));
        record('BiasAdd', err);
        expect(err).toBe(0);
      }),
      RUNS,
    );
  });
});

describe('fused normalizations equal their onnxruntime kernels', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    seq: fc.integer({ min: 1, max: 4 }),
    hidden: fc.integer({ min: 2, max: 24 }),
    beta: fc.boolean(),
    bias: fc.boolean(),
    skipForm: fc.constantFrom('full', 'seq', 'one-seq'),
    sumOutput: fc.boolean(),
    epsilon: fc.constantFrom(1e-5, 1e-12, 0.1),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });

  for (const op of ['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization'] as const) {
    it(`${op}: optional beta and bias, broadcast skip, input_skip_bias_sum`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, async (a) => {
          const dims = [a.batch, a.seq, a.hidden];
          const skipDims =
            a.skipForm === 'full' ? dims : a.skipForm === 'seq' ? [a.seq, a.hidden] : [1, a.seq, a.hidden];
          const feeds = {
            input: f32(uniform(a.seed, size(dims)), dims),
            skip: f32(uniform(a.seed + 1, size(skipDims)), skipDims),
            gamma: f32(uniform(a.seed + 2, a.hidden), [a.hidden]),
            beta: f32(uniform(a.seed + 3, a.hidden), [a.hidden]),
            bias: f32(uniform(a.seed + 4, a.hidden), [a.hidden]),
          } as Record<string, ReturnType<typeof f32>>;
          const useBeta = a.beta && op === 'SkipLayerNormalization';
          if (!useBeta) delete feeds.beta;
          if (!a.bias) delete feeds.bias;
          const spec: ContribNodeSpec = {
            op,
            inputs:
              op === 'SkipLayerNormalization'
                ? [
                    io('input', dims),
                    io('skip', skipDims),
                    io('gamma', [a.hidden]),
                    useBeta ? io('beta', [a.hidden]) : '',
                    a.bias ? io('bias', [a.hidden]) : '',
                  ]
                : [
                    io('input', dims),
                    io('skip', skipDims),
                    io('gamma', [a.hidden]),
                    a.bias ? io('bias', [a.hidden]) : '',
                  ],
            outputs: [io('output'), '', '', a.sumOutput ? io('sum') : ''],
            attrs: { epsilon: { float: a.epsilon } },
          };
          await compare(op, spec, feeds, 1e-5);
        }),
        RUNS,
      );
    });
  }

  it('SkipLayerNormalization mean and inv_std_var outputs (not computed by the CPU kernel: checked against the definition)', async () => {
    const dims = [2, 3, 5];
    const x = uniform(7, 30);
    const skip = uniform(8, 30);
    const spec: ContribNodeSpec = {
      op: 'SkipLayerNormalization',
      inputs: [io('input', dims), io('skip', dims), io('gamma', [5])],
      outputs: [io('output'), io('mean'), io('inv_std')],
      attrs: { epsilon: { float: 1e-5 } },
    };
    const out = await run(decomposed(contribModel(spec)), {
      input: f32(x, dims),
      skip: f32(skip, dims),
      gamma: f32([1, 1, 1, 1, 1], [5]),
    });
    expect(out.mean!.dims).toEqual([2, 3, 1]);
    expect(out.inv_std!.dims).toEqual([2, 3, 1]);
    for (let row = 0; row < 6; row++) {
      const v = Array.from({ length: 5 }, (_, h) => x[row * 5 + h]! + skip[row * 5 + h]!);
      const mean = v.reduce((s, t) => s + t, 0) / 5;
      const variance = v.reduce((s, t) => s + (t - mean) ** 2, 0) / 5;
      expect((out.mean!.data as Float32Array)[row]).toBeCloseTo(mean, 5);
      expect((out.inv_std!.data as Float32Array)[row]).toBeCloseTo(1 / Math.sqrt(variance + 1e-5), 3);
    }
  });

  it('EmbedLayerNormalization: segments, position ids [B, S] / [1, S] / none, mask, all outputs', async () => {
    const embArb = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      seq: fc.integer({ min: 1, max: 5 }),
      hidden: fc.integer({ min: 2, max: 12 }),
      segments: fc.boolean(),
      positions: fc.constantFrom('batch', 'broadcast', 'none'),
      mask: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1e6 }),
    });
    await fc.assert(
      fc.asyncProperty(embArb, async (a) => {
        const [vocab, maxPos, types] = [11, 8, 3];
        const r = rng(a.seed);
        const n = a.batch * a.seq;
        const ints = (count: number, hi: number) => Array.from({ length: count }, () => Math.floor(r() * hi));
        const posDims = a.positions === 'batch' ? [a.batch, a.seq] : [1, a.seq];
        const feeds: Record<string, ReturnType<typeof f32>> = {
          input_ids: i32(ints(n, vocab), [a.batch, a.seq]),
          word: f32(uniform(a.seed + 1, vocab * a.hidden), [vocab, a.hidden]),
          pos: f32(uniform(a.seed + 2, maxPos * a.hidden), [maxPos, a.hidden]),
          gamma: f32(uniform(a.seed + 3, a.hidden), [a.hidden]),
          beta: f32(uniform(a.seed + 4, a.hidden), [a.hidden]),
        };
        if (a.segments) {
          feeds.segment_ids = i32(ints(n, types), [a.batch, a.seq]);
          feeds.seg = f32(uniform(a.seed + 5, types * a.hidden), [types, a.hidden]);
        }
        if (a.mask) feeds.mask = i32(ints(n, 2), [a.batch, a.seq]);
        if (a.positions !== 'none') feeds.position_ids = i32(ints(size(posDims), maxPos), posDims);
        const int = DataType.INT32;
        const spec: ContribNodeSpec = {
          op: 'EmbedLayerNormalization',
          inputs: [
            io('input_ids', ['B', 'S'], int),
            a.segments ? io('segment_ids', ['B', 'S'], int) : '',
            io('word', [vocab, a.hidden]),
            io('pos', [maxPos, a.hidden]),
            a.segments ? io('seg', [types, a.hidden]) : '',
            io('gamma', [a.hidden]),
            io('beta', [a.hidden]),
            a.mask ? io('mask', ['B', 'S'], int) : '',
            a.positions !== 'none' ? io('position_ids', posDims, int) : '',
          ],
          outputs: [io('output'), io('mask_index', undefined, int), io('embedding_sum')],
          attrs: { epsilon: { float: 1e-5 } },
        };
        await compare('EmbedLayerNormalization', spec, feeds, 1e-5);
      }),
      RUNS,
    );
  });
});
