/**
 * Each contrib-op decomposition (src/transforms/contrib/) against onnxruntime-node's own com.microsoft CPU kernel,
 * float32, on seeded random shapes, attributes and optional inputs (fast-check, few runs). Tolerances are absolute,
 * for O(1) inputs: the two sides compute the same formula in float32 with different operation orders (and MLAS's
 * tanh/erf/exp approximations), so they agree to a few ulps of the values involved.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { DataType, Graph } from '../../src/index.ts';
import { decomposeContribOps } from '../../src/transforms/contrib/index.ts';
import { rng } from './helpers.ts';
import {
  both,
  checkInferredShapes,
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
        const x = uniform(seed, size(dims)).map(Math.fround);
        const bias = uniform(seed + 1, hidden).map(Math.fround);
        const skip = uniform(seed + 2, size(dims)).map(Math.fround);
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

describe('BiasSplitGelu (CUDA and WebGPU kernels only; the WebGPU kernel is compared in test/runtimes/contrib-webgpu.test.ts)', () => {
  it('equals its definition left · Gelu(right) of X + bias split in halves, computed in float64', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 2 }),
          seq: fc.integer({ min: 1, max: 4 }),
          half: fc.integer({ min: 1, max: 12 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        async ({ batch, seq, half, seed }) => {
          const D = 2 * half;
          const dims = [batch, seq, D];
          const x = uniform(seed, size(dims), -4, 4).map(Math.fround);
          const bias = uniform(seed + 1, D).map(Math.fround);
          const spec: ContribNodeSpec = {
            op: 'BiasSplitGelu',
            inputs: [io('X', dims), io('bias', [D])],
            outputs: [io('Y')],
          };
          const out = await run(decomposed(contribModel(spec)), { X: f32(x, dims), bias: f32(bias, [D]) });
          const want: number[] = [];
          for (let r = 0; r < batch * seq; r++) {
            for (let j = 0; j < half; j++) {
              const left = x[r * D + j]! + bias[j]!;
              const right = x[r * D + half + j]! + bias[half + j]!;
              want.push(left * 0.5 * right * (1 + erf(right / Math.SQRT2)));
            }
          }
          expect(out.Y!.dims).toEqual([batch, seq, half]);
          const err = maxAbs(out.Y!, f32(want, [batch, seq, half]));
          record('BiasSplitGelu', err);
          expect(err).toBeLessThanOrEqual(2e-5); // float32 arithmetic on values up to ~20
        },
      ),
      RUNS,
    );
  });

  it('a channel count that is not static and even is refused with the reason', () => {
    const model = contribModel({
      op: 'BiasSplitGelu',
      inputs: [io('X', [1, 2, 5]), io('bias', [5])],
      outputs: [io('Y')],
    });
    const result = decomposeContribOps(new Graph(model));
    expect([...result.refused.values()].join()).toMatch(/static and even, got 5/);
  });
});

/** erf to float64 precision (Abramowitz-Stegun 7.1.26 is too coarse here): its Maclaurin / continued-fraction forms. */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc continued fraction (Lentz), accurate for a >= 2.5
  let f = a;
  for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f));
}

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
          } as Record<string, ort.Tensor>;
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
        const feeds: Record<string, ort.Tensor> = {
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

/**
 * Attention outputs are O(1); 2e-5 covers float32 reordering. A row the padding mask hides completely (every key at
 * `filter` + score) takes its softmax where float32 spacing is |filter|·2⁻²³ (1e-3 at −10000), so a one-ulp
 * difference in a fused multiply-add of the kernel's GEMM moves such a row by up to ~3e-8·|filter|; at −FLT_MAX the
 * scores are absorbed and such rows are exactly uniform on both sides.
 */
const attentionTolerance = (filter: number | undefined) =>
  2e-5 + (filter !== undefined && Math.abs(filter) < 1e30 ? 3e-8 * Math.abs(filter) : 0);

describe('Attention equals its onnxruntime kernel', () => {
  const arb = fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      seq: fc.integer({ min: 1, max: 4 }),
      heads: fc.integer({ min: 1, max: 3 }),
      headSize: fc.integer({ min: 1, max: 4 }),
      inputHidden: fc.integer({ min: 1, max: 6 }),
      past: fc.integer({ min: -1, max: 3 }), // -1: no past input
      unidirectional: fc.boolean(),
      mask: fc.constantFrom('none', 'end', 'end-start', 'raw', '3d'),
      attentionBias: fc.constantFrom('none', 'full', 'broadcast'),
      bias: fc.boolean(),
      scale: fc.constantFrom(0, 0.3),
      maskFilter: fc.constantFrom(undefined, -3.4028234663852886e38, -50),
      qkvSizes: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1e6 }),
    })
    // a past state needs equal K and V widths, and onnxruntime refuses a past with an attention_bias
    .filter((a) => a.past < 0 || (!a.qkvSizes && a.attentionBias === 'none'));

  it('packed QKV, bias, mask_index forms, past/present, unidirectional, attention_bias, scale, qkv_hidden_sizes', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (a) => {
        const r = rng(a.seed);
        const { batch: B, seq: S, heads: N, headSize: h, inputHidden: D } = a;
        const P = Math.max(a.past, 0);
        const T = P + S;
        const sizes = a.qkvSizes ? [N * h, N * h, N * (h + 1)] : [N * h, N * h, N * h];
        const width = sizes[0]! + sizes[1]! + sizes[2]!;
        const ints = (count: number, f: (i: number) => number) => Array.from({ length: count }, (_, i) => f(i));
        const feeds: Record<string, ort.Tensor> = {
          input: f32(uniform(a.seed, B * S * D, -1, 1), [B, S, D]),
          weights: f32(uniform(a.seed + 1, D * width, -1, 1), [D, width]),
        };
        // onnxruntime's CPU kernel crashes the process without a bias: it gets zeros where the decomposition has none
        feeds.bias = a.bias ? f32(uniform(a.seed + 2, width, -1, 1), [width]) : f32(new Float32Array(width), [width]);
        let maskDims: number[] | undefined;
        if (a.mask === 'end' || a.mask === 'end-start') {
          const end = ints(B, () => 1 + Math.floor(r() * T));
          const start = end.map((e) => Math.floor(r() * e));
          maskDims = [a.mask === 'end' ? B : 2 * B];
          feeds.mask = i32(a.mask === 'end' ? end : [...end, ...start], maskDims);
        } else if (a.mask === 'raw' || a.mask === '3d') {
          maskDims = a.mask === 'raw' ? [B, T] : [B, S, T];
          feeds.mask = i32(
            ints(size(maskDims), () => (r() < 0.7 ? 1 : 0)),
            maskDims,
          );
        }
        if (a.past >= 0) feeds.past = f32(uniform(a.seed + 3, 2 * B * N * P * h, -1, 1), [2, B, N, P, h]);
        const biasDims = a.attentionBias === 'full' ? [B, N, S, T] : [1, 1, S, T];
        if (a.attentionBias !== 'none')
          feeds.attention_bias = f32(uniform(a.seed + 4, size(biasDims), -1, 1), biasDims);
        const attrs: ContribNodeSpec['attrs'] = { num_heads: N, unidirectional: a.unidirectional ? 1 : 0 };
        if (a.scale) attrs.scale = { float: a.scale };
        if (a.maskFilter !== undefined) attrs.mask_filter_value = { float: a.maskFilter };
        if (a.qkvSizes) attrs.qkv_hidden_sizes = sizes;
        const spec: ContribNodeSpec = {
          op: 'Attention',
          inputs: [
            io('input', ['B', 'S', D]),
            io('weights', [D, width]),
            a.bias ? io('bias', [width]) : '',
            maskDims
              ? io(
                  'mask',
                  maskDims.map((_, i) => `m${i}`),
                  DataType.INT32,
                )
              : '',
            a.past >= 0 ? io('past', [2, 'B', N, 'P', h]) : '',
            a.attentionBias !== 'none' ? io('attention_bias', biasDims) : '',
          ],
          outputs: [io('output'), a.past >= 0 ? io('present') : ''],
          attrs,
        };
        const tol = attentionTolerance(maskDims ? (a.maskFilter ?? -10000) : undefined);
        const kernelSpec = { ...spec, inputs: spec.inputs.map((x, i) => (i === 2 ? io('bias', [width]) : x)) };
        const kernel = await run(contribModel(kernelSpec), feeds);
        checkInferredShapes(contribModel(kernelSpec), feeds, kernel);
        const { bias: _zeros, ...decompositionFeeds } = feeds;
        const decomposition = await run(decomposed(contribModel(spec)), a.bias ? feeds : decompositionFeeds);
        for (const name of Object.keys(kernel)) {
          const err = maxAbs(kernel[name]!, decomposition[name]!);
          record('Attention', err);
          expect(err, name).toBeLessThanOrEqual(tol);
        }
      }),
      { ...RUNS, numRuns: 40 },
    );
  });

  it('forms it does not rewrite are refused with the reason, leaving the node', () => {
    const base: ContribNodeSpec = {
      op: 'Attention',
      inputs: [io('input', ['B', 'S', 4]), io('weights', [4, 12])],
      outputs: [io('output')],
      attrs: { num_heads: 2 },
    };
    const reasons = (spec: ContribNodeSpec) => {
      const g = new Graph(contribModel(spec));
      const res = decomposeContribOps(g);
      expect(res.decomposed).toBe(0);
      expect(g.nodes.map((n) => n.op_type)).toEqual(['Attention']);
      return [...res.refused.values()].join();
    };
    expect(reasons({ ...base, attrs: { num_heads: 2, do_rotary: 1 } })).toMatch(/do_rotary/);
    expect(reasons({ ...base, attrs: {} })).toMatch(/num_heads/);
    const withPast = [...base.inputs, '', '', io('past', [2, 'B', 2, 'P', 2]), io('ab', [1, 1, 2, 2])] as const;
    expect(reasons({ ...base, inputs: [...withPast] })).toMatch(/both past and attention_bias/);
    expect(reasons({ ...base, inputs: [...base.inputs, '', io('mask', undefined, DataType.INT32)] })).toMatch(
      /rank of its mask_index "mask" is unknown/,
    );
    expect(reasons({ ...base, inputs: [...base.inputs, '', io('mask', [1, 1, 2, 2], DataType.INT32)] })).toMatch(
      /rank 4/,
    );
    expect(reasons({ ...base, inputs: [io('input', ['B', 'S', 4])] })).toMatch(/required input 1 \(weights\)/);
  });
});

describe('RotaryEmbedding equals its onnxruntime kernel', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 2 }),
    seq: fc.integer({ min: 1, max: 4 }),
    heads: fc.integer({ min: 1, max: 3 }),
    halfHead: fc.integer({ min: 1, max: 4 }),
    partial: fc.boolean(), // rotary_embedding_dim < head size
    interleaved: fc.boolean(),
    transposed: fc.boolean(), // [B, N, S, h] input
    positions: fc.constantFrom('start', 'scalar', 'per-token'),
    numHeadsAttr: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });

  it('rotate-half and interleaved, partial rotary dim, [B, S, N·h] and [B, N, S, h], start or per-token positions', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (a) => {
        const { batch: B, seq: S, heads: N } = a;
        const h = 2 * a.halfHead;
        const R = a.partial && a.halfHead > 1 ? 2 * Math.max(1, a.halfHead - 1) : h;
        const maxPos = 8;
        const r = rng(a.seed);
        const dims = a.transposed ? [B, N, S, h] : [B, S, N * h];
        const feeds: Record<string, ort.Tensor> = {
          input: f32(uniform(a.seed, size(dims)), dims),
          cos: f32(uniform(a.seed + 1, maxPos * (R / 2), -1, 1), [maxPos, R / 2]),
          sin: f32(uniform(a.seed + 2, maxPos * (R / 2), -1, 1), [maxPos, R / 2]),
        };
        const posDims = a.positions === 'per-token' ? [B, S] : a.positions === 'start' ? [1] : [];
        const posValues =
          a.positions === 'per-token'
            ? Array.from({ length: B * S }, () => Math.floor(r() * maxPos))
            : [Math.floor(r() * (maxPos - S + 1))];
        feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(posValues.map(BigInt)), posDims);
        const attrs: ContribNodeSpec['attrs'] = { interleaved: a.interleaved ? 1 : 0 };
        if (R < h) attrs.rotary_embedding_dim = R;
        if (R < h || a.numHeadsAttr) attrs.num_heads = N;
        const spec: ContribNodeSpec = {
          op: 'RotaryEmbedding',
          inputs: [
            io('input', a.transposed ? ['B', N, 'S', h] : ['B', 'S', N * h]),
            io('position_ids', posDims, DataType.INT64),
            io('cos', [maxPos, R / 2]),
            io('sin', [maxPos, R / 2]),
          ],
          outputs: [io('output')],
          attrs,
        };
        await compare('RotaryEmbedding', spec, feeds, 1e-6);
      }),
      { ...RUNS, numRuns: 30 },
    );
  });
});

describe('MultiHeadAttention equals its onnxruntime kernel', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 2 }),
    seq: fc.integer({ min: 1, max: 4 }),
    kvSeq: fc.integer({ min: 1, max: 4 }),
    heads: fc.integer({ min: 1, max: 3 }),
    headSize: fc.integer({ min: 1, max: 4 }),
    vHeadSize: fc.integer({ min: 1, max: 4 }),
    kvForm: fc.constantFrom('3d', 'bnsh'),
    past: fc.integer({ min: -1, max: 3 }),
    unidirectional: fc.boolean(),
    mask: fc.constantFrom('none', 'end', 'raw', '3d'),
    attentionBias: fc.constantFrom('none', 'full', 'broadcast'),
    bias: fc.boolean(),
    scale: fc.constantFrom(0, 0.4),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });

  it('separate Q/K/V with bias, K/V already in heads, past/present, masks, unidirectional, attention_bias', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (a0) => {
        // K/V given in heads take no bias or past; a past needs self-attention lengths to be meaningful for causality
        // (the kernel also wants one head size for K and V in those two cases)
        const bnsh = a0.kvForm === 'bnsh';
        const past = bnsh ? -1 : a0.past;
        const a = {
          ...a0,
          past,
          bias: bnsh ? false : a0.bias,
          vHeadSize: bnsh || past >= 0 ? a0.headSize : a0.vHeadSize,
        };
        const r = rng(a.seed);
        const { batch: B, seq: S, heads: N, headSize: h, vHeadSize: hv } = a;
        const L = a.unidirectional ? S : a.kvSeq;
        const P = Math.max(a.past, 0);
        const T = P + L;
        const [D, Dv] = [N * h, N * hv];
        const ints = (count: number, f: () => number) => Array.from({ length: count }, f);
        const feeds: Record<string, ort.Tensor> = { query: f32(uniform(a.seed, B * S * D, -1, 1), [B, S, D]) };
        const kDims = a.kvForm === '3d' ? [B, L, D] : [B, N, L, h];
        const vDims = a.kvForm === '3d' ? [B, L, Dv] : [B, N, L, hv];
        feeds.key = f32(uniform(a.seed + 1, size(kDims), -1, 1), kDims);
        feeds.value = f32(uniform(a.seed + 2, size(vDims), -1, 1), vDims);
        if (a.bias) feeds.bias = f32(uniform(a.seed + 3, 2 * D + Dv, -1, 1), [2 * D + Dv]);
        let maskDims: number[] | undefined;
        if (a.mask === 'end') {
          maskDims = [B];
          feeds.mask = i32(
            ints(B, () => 1 + Math.floor(r() * T)),
            maskDims,
          );
        } else if (a.mask === 'raw' || a.mask === '3d') {
          maskDims = a.mask === 'raw' ? [B, T] : [B, S, T];
          feeds.mask = i32(
            ints(size(maskDims), () => (r() < 0.7 ? 1 : 0)),
            maskDims,
          );
        }
        const biasDims = a.attentionBias === 'full' ? [B, N, S, T] : [1, 1, S, T];
        if (a.attentionBias !== 'none')
          feeds.attention_bias = f32(uniform(a.seed + 4, size(biasDims), -1, 1), biasDims);
        if (a.past >= 0) {
          feeds.past_key = f32(uniform(a.seed + 5, B * N * P * h, -1, 1), [B, N, P, h]);
          feeds.past_value = f32(uniform(a.seed + 6, B * N * P * hv, -1, 1), [B, N, P, hv]);
        }
        const attrs: ContribNodeSpec['attrs'] = { num_heads: N, unidirectional: a.unidirectional ? 1 : 0 };
        if (a.scale) attrs.scale = { float: a.scale };
        const spec: ContribNodeSpec = {
          op: 'MultiHeadAttention',
          inputs: [
            io('query', ['B', 'S', D]),
            io('key', kDims),
            io('value', vDims),
            a.bias ? io('bias', [2 * D + Dv]) : '',
            maskDims ? io('mask', maskDims, DataType.INT32) : '',
            a.attentionBias !== 'none' ? io('attention_bias', biasDims) : '',
            a.past >= 0 ? io('past_key', [B, N, P, h]) : '',
            a.past >= 0 ? io('past_value', [B, N, P, hv]) : '',
          ],
          outputs: [io('output'), a.past >= 0 ? io('present_key') : '', a.past >= 0 ? io('present_value') : ''],
          attrs,
        };
        await compare('MultiHeadAttention', spec, feeds, attentionTolerance(maskDims ? -10000 : undefined));
      }),
      { ...RUNS, numRuns: 40 },
    );
  });
});

describe('GroupQueryAttention equals its onnxruntime kernel', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 2 }),
    seq: fc.integer({ min: 1, max: 4 }),
    kvHeads: fc.integer({ min: 1, max: 2 }),
    group: fc.integer({ min: 1, max: 3 }),
    sixteenths: fc.integer({ min: 1, max: 2 }), // the kernel wants head sizes that are multiples of 16 (rotary)
    past: fc.integer({ min: -1, max: 3 }), // -1: no past inputs
    padded: fc.boolean(), // decoding rows shorter than the buffer (seqlens_k below P + S - 1)
    packed: fc.boolean(),
    rotary: fc.constantFrom('none', 'full', 'partial'),
    interleaved: fc.boolean(),
    softcap: fc.constantFrom(0, 2),
    window: fc.constantFrom(-1, 1, 2),
    scale: fc.constantFrom(0, 0.5),
    seed: fc.integer({ min: 1, max: 1e6 }),
  });

  it('grouped heads, packed QKV, past rows (padded or not), rotary, softcap, local window', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (a) => {
        const r = rng(a.seed);
        const { seq: S, kvHeads: K } = a;
        const N = K * a.group;
        const h = 16 * a.sixteenths;
        const P = Math.max(a.past, 0);
        const B = P > 0 && S > 1 ? 1 : a.batch; // the kernel takes a continued prompt one row at a time
        // a first prompt (no past rows) is full length: the kernel leaves a padded prompt's extra rows undefined
        const pads = Array.from({ length: B }, () => (a.padded && P > 0 ? Math.floor(r() * (P + 1)) : 0));
        const feeds: Record<string, ort.Tensor> = {};
        const inputs: ContribNodeSpec['inputs'] = [];
        if (a.packed) {
          const w = (N + 2 * K) * h;
          feeds.query = f32(uniform(a.seed, B * S * w, -1, 1), [B, S, w]);
          inputs.push(io('query', ['B', 'S', w]), '', '');
        } else {
          feeds.query = f32(uniform(a.seed, B * S * N * h, -1, 1), [B, S, N * h]);
          feeds.key = f32(uniform(a.seed + 1, B * S * K * h, -1, 1), [B, S, K * h]);
          feeds.value = f32(uniform(a.seed + 2, B * S * K * h, -1, 1), [B, S, K * h]);
          inputs.push(io('query', ['B', 'S', N * h]), io('key', ['B', 'S', K * h]), io('value', ['B', 'S', K * h]));
        }
        if (a.past >= 0) {
          feeds.past_key = f32(uniform(a.seed + 3, B * K * P * h, -1, 1), [B, K, P, h]);
          feeds.past_value = f32(uniform(a.seed + 4, B * K * P * h, -1, 1), [B, K, P, h]);
          inputs.push(io('past_key', ['B', K, 'P', h]), io('past_value', ['B', K, 'P', h]));
        } else inputs.push('', '');
        feeds.seqlens_k = i32(
          pads.map((p) => P + S - 1 - p),
          [B],
        );
        feeds.total_sequence_length = i32([P + S], [1]);
        inputs.push(io('seqlens_k', [B], DataType.INT32), io('total_sequence_length', [1], DataType.INT32));
        const attrs: ContribNodeSpec['attrs'] = { num_heads: N, kv_num_heads: K, local_window_size: a.window };
        if (a.softcap) attrs.softcap = { float: a.softcap };
        if (a.scale) attrs.scale = { float: a.scale };
        if (a.rotary !== 'none') {
          const half = a.rotary === 'partial' && h === 32 ? 8 : h / 2; // widths: multiples of 8, ≤ h/2
          const maxPos = P + S + 2;
          feeds.cos = f32(uniform(a.seed + 5, maxPos * half, -1, 1), [maxPos, half]);
          feeds.sin = f32(uniform(a.seed + 6, maxPos * half, -1, 1), [maxPos, half]);
          inputs.push(io('cos', [maxPos, half]), io('sin', [maxPos, half]));
          attrs.do_rotary = 1;
          attrs.rotary_interleaved = a.interleaved ? 1 : 0;
        }
        const unpadded = pads.every((p) => p === 0);
        const spec: ContribNodeSpec = {
          op: 'GroupQueryAttention',
          inputs,
          outputs: [io('output'), io('present_key'), io('present_value')],
          attrs,
        };
        const { kernel, decomposition } = await both(spec, feeds);
        // present buffers are laid out alike only without padding (the kernel writes new rows at P_b)
        for (const name of unpadded ? ['output', 'present_key', 'present_value'] : ['output']) {
          const err = maxAbs(kernel[name]!, decomposition[name]!);
          record('GroupQueryAttention', err);
          expect(err, name).toBeLessThanOrEqual(2e-5);
        }
      }),
      { ...RUNS, numRuns: 40 },
    );
  });
});
