/**
 * The MatMulNBits lowering (src/transforms/block-quantization.ts) against onnxruntime-node's own com.microsoft
 * kernel, on seeded random one-node models (fast-check, few runs): random packed bytes (the padding of a last
 * partial block included, which both must ignore), bits 2/4/8, block sizes 16..128, K not a multiple of the block
 * size, no / packed uint8 / float zero points, bias, float32 and float16 (q4f16) scales, accuracy levels 0 and 4,
 * act-order group indices (g_idx, 4 bits). Also: the TypeScript dequantization equals the graph's, the packed bytes
 * stay in the file, and nodes that cannot be lowered (g_idx with packed zero points) are named in the refusal with
 * the reason.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  computeInFloat32,
  DataType,
  decodeModel,
  encodeModel,
  Graph,
  makeTensor,
  NonStandardOpsError,
  tensorData,
  type ModelProto,
} from '../../src/index.ts';
import {
  dequantizeMatMulNBits,
  lowerBlockQuantization,
  repackTables,
} from '../../src/transforms/block-quantization.ts';
import { halfToFloat } from '../../src/transforms/quantization.ts';
import { floatToHalf } from '../fixtures/precision.ts';
import { addInput, addOutput, emptyModel } from '../fixtures/onnx-model.ts';
import { maxAbsDiff, rng } from './helpers.ts';
import { ensureFixture } from '../fixtures/index.ts';

interface Case {
  K: number;
  N: number;
  M: number;
  bits: 2 | 4 | 8;
  blockSize: number;
  zeroPoints: 'none' | 'packed' | 'float';
  bias: boolean;
  half: boolean;
  accuracyLevel: 0 | 4;
  opset: number;
  seed: number;
  /** Act-order: g_idx input, each row of K in the group of its position in a seeded permutation (GPTQ desc_act). */
  gIdx?: boolean;
}

/** A model `Y = MatMulNBits(A, B, scales[, zp][, bias])` with seeded random contents. */
function nbitsModel(c: Case): ModelProto {
  const model = emptyModel(c.opset, 'nbits');
  model.opset_import.push({ domain: 'com.microsoft', version: 1 });
  const g = new Graph(model);
  const r = rng(c.seed);
  const kBlocks = Math.ceil(c.K / c.blockSize);
  const blob = (c.blockSize * c.bits) / 8;
  const T = c.half ? DataType.FLOAT16 : DataType.FLOAT;
  const floats = (n: number, f: () => number) => {
    const v = Float32Array.from({ length: n }, f);
    return c.half ? Uint16Array.from(v, floatToHalf) : v;
  };
  addInput(g, 'A', T, [2, c.M, c.K]);
  const B = g.addInitializer(
    makeTensor(
      'B',
      [c.N, kBlocks, blob],
      Uint8Array.from({ length: c.N * kBlocks * blob }, () => (r() * 256) | 0),
    ),
  );
  const scales = g.addInitializer(
    makeTensor(
      'scales',
      [c.N * kBlocks],
      floats(c.N * kBlocks, () => 0.01 + r() * 0.1),
      T,
    ),
  );
  const inputs = ['A', B, scales];
  if (c.zeroPoints === 'packed') {
    const bytes = c.N * Math.ceil((kBlocks * c.bits) / 8);
    inputs.push(
      g.addInitializer(
        makeTensor(
          'zp',
          [bytes],
          Uint8Array.from({ length: bytes }, () => (r() * 256) | 0),
        ),
      ),
    );
  } else if (c.zeroPoints === 'float') {
    inputs.push(
      g.addInitializer(
        makeTensor(
          'zp',
          [c.N * kBlocks],
          floats(c.N * kBlocks, () => r() * 2 ** c.bits),
          T,
        ),
      ),
    );
  } else if (c.bias || c.gIdx) inputs.push('');
  if (c.gIdx) {
    const order = Array.from({ length: c.K }, (_, k) => k);
    for (let i = c.K - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const groups = new Int32Array(c.K);
    order.forEach((k, position) => {
      groups[k] = Math.floor(position / c.blockSize);
    });
    inputs.push(g.addInitializer(makeTensor('g_idx', [c.K], groups)));
  }
  if (c.bias) {
    while (inputs.length < 5) inputs.push('');
    inputs.push(
      g.addInitializer(
        makeTensor(
          'bias',
          [c.N],
          floats(c.N, () => r() * 2 - 1),
          T,
        ),
      ),
    );
  }
  g.addNode('MatMulNBits', inputs, {
    outputs: ['Y'],
    domain: 'com.microsoft',
    attrs: { K: c.K, N: c.N, bits: c.bits, block_size: c.blockSize, accuracy_level: c.accuracyLevel },
    name: 'nbits',
  });
  addOutput(g, 'Y', T, [2, c.M, c.N]);
  return model;
}

const lowered = (model: ModelProto, toFloat32 = false) => {
  const copy = decodeModel(encodeModel(model));
  const g = new Graph(copy);
  const res = lowerBlockQuantization(g);
  if (toFloat32) computeInFloat32(g);
  return { model: copy, res, graph: g };
};

async function run(model: ModelProto, a: Float32Array, dims: number[], half: boolean): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(model));
  try {
    const A = half
      ? new ort.Tensor('float16', Uint16Array.from(a, floatToHalf), dims)
      : new ort.Tensor('float32', a, dims);
    const y = (await s.run({ A })).Y!;
    return y.type === 'float16' ? Float32Array.from(y.data as Uint16Array, halfToFloat) : (y.data as Float32Array);
  } finally {
    await s.release();
  }
}

const caseArb = fc.record<Case>({
  K: fc.integer({ min: 8, max: 160 }),
  N: fc.integer({ min: 1, max: 24 }),
  M: fc.integer({ min: 1, max: 5 }),
  bits: fc.constantFrom(2 as const, 4 as const, 8 as const),
  blockSize: fc.constantFrom(16, 32, 64, 128),
  zeroPoints: fc.constantFrom('none' as const, 'packed' as const, 'float' as const),
  bias: fc.boolean(),
  half: fc.constant(false),
  accuracyLevel: fc.constant(0 as const),
  opset: fc.constantFrom(11, 13, 17),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** Max |y| of onnxruntime's result, the scale the tolerances below are relative to. */
const maxAbs = (v: Float32Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('MatMulNBits lowered to standard ops', () => {
  it('equals onnxruntime-node kernel on random shapes, bits, block sizes, zero points and bias (float32)', async () => {
    // onnxruntime dequantizes blockwise as q * s + (-s * zp) and sums in MLAS order; the lowering computes
    // (q - zp) * s and a plain MatMul: float32 rounding of K-term dot products, measured 1.9e-7 of max |y|.
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        // the 2-bit and float-zero-point variants run only through onnxruntime's unpacked kernel for 4 bits
        fc.pre(!(c.zeroPoints === 'float' && c.bits !== 4));
        const model = nbitsModel(c);
        const r = rng(c.seed + 1);
        const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
        const reference = await run(model, a, [2, c.M, c.K], false);
        const { model: mine, res } = lowered(model);
        expect(res.lowered).toBe(1);
        expect(mine.graph.node.every((n) => !n.domain)).toBe(true);
        const out = await run(mine, a, [2, c.M, c.K], false);
        expect(maxAbsDiff(out, reference)).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(reference)));
      }),
      { seed: 20261203, numRuns: 40 },
    );
  }, 120_000);

  it("act-order (g_idx, 4 bits, no or float zero points, bias): equals onnxruntime-node's kernel", async () => {
    // onnxruntime dequantizes the whole weight with the group of each row, then one float GEMM: the float32 rounding
    // bound of the plain kernel's test holds; K is any size (not only multiples of the block)
    await fc.assert(
      fc.asyncProperty(
        caseArb.map((c) => ({
          ...c,
          bits: 4 as const,
          gIdx: true,
          zeroPoints: c.zeroPoints === 'packed' ? ('none' as const) : c.zeroPoints,
        })),
        async (c) => {
          const model = nbitsModel(c);
          const r = rng(c.seed + 1);
          const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
          const reference = await run(model, a, [2, c.M, c.K], false);
          const { model: mine, res, graph } = lowered(model);
          expect(res.lowered).toBe(1);
          expect(mine.graph.node.every((n) => !n.domain)).toBe(true);
          const out = await run(mine, a, [2, c.M, c.K], false);
          expect(maxAbsDiff(out, reference)).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(reference)));
          // the TypeScript reference reads the same groups: row 0 of Y = A[0, 0] · deq(B)^T (+ bias)
          const w = dequantizeMatMulNBits(new Graph(model), model.graph.node[0]!); // [K, N]
          const bias = graph.initializer('bias');
          const y0 = Float32Array.from({ length: c.N }, (_, n) => {
            let sum = bias ? (tensorData(bias) as Float32Array)[n]! : 0;
            for (let k = 0; k < c.K; k++) sum += a[k]! * w[k * c.N + n]!;
            return sum;
          });
          expect(maxAbsDiff(y0, reference.subarray(0, c.N))).toBeLessThanOrEqual(2e-6 * Math.max(1, maxAbs(reference)));
        },
      ),
      { seed: 11, numRuns: 25 },
    );
  }, 120_000);

  it('act-order groups that are the plain blocks (g_idx[k] = k / block_size) give the plain kernel', async () => {
    const c: Case = {
      K: 80,
      N: 12,
      M: 2,
      bits: 4,
      blockSize: 32,
      zeroPoints: 'float',
      bias: false,
      half: false,
      accuracyLevel: 0,
      opset: 17,
      seed: 5,
    };
    const plain = nbitsModel(c);
    const ordered = nbitsModel(c);
    const g = new Graph(ordered);
    g.addInitializer(
      makeTensor(
        'g_idx',
        [c.K],
        Int32Array.from({ length: c.K }, (_, k) => Math.floor(k / c.blockSize)),
      ),
    );
    g.nodes[0]!.input.push('g_idx');
    g.invalidate();
    const r = rng(4);
    const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
    const reference = await run(plain, a, [2, c.M, c.K], false);
    expect(maxAbsDiff(await run(lowered(ordered).model, a, [2, c.M, c.K], false), reference)).toBeLessThanOrEqual(
      2e-6 * maxAbs(reference),
    );
  });

  it('q4f16: half scales, zero points and bias, half A; equals the kernel up to float16 output rounding', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb.map((c) => ({ ...c, bits: 4 as const, half: true })),
        async (c) => {
          const model = nbitsModel(c);
          const r = rng(c.seed + 1);
          const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
          const reference = await run(model, a, [2, c.M, c.K], true);
          const { model: mine } = lowered(model, true); // as the gradient build does: the model computes in float32
          expect(mine.graph.output[0]!.type!.tensor_type!.elem_type).toBe(DataType.FLOAT);
          const halfA = Float32Array.from(Uint16Array.from(a, floatToHalf), halfToFloat); // the same (half) inputs
          const out = await run(mine, halfA, [2, c.M, c.K], false);
          // onnxruntime accumulates in float32 and rounds Y to float16 once: 2^-11 relative (measured 3.8e-4 of
          // max |y| with A rounded to half as well), bound 1e-3
          expect(maxAbsDiff(out, reference)).toBeLessThanOrEqual(1e-3 * Math.max(1, maxAbs(reference)));
        },
      ),
      { seed: 7, numRuns: 15 },
    );
  }, 120_000);

  it('accuracy_level 4 (int8 activations in onnxruntime) differs from the exact lowering only by that rounding', async () => {
    const c: Case = {
      K: 96,
      N: 16,
      M: 3,
      bits: 4,
      blockSize: 32,
      zeroPoints: 'packed',
      bias: true,
      half: false,
      accuracyLevel: 4,
      opset: 17,
      seed: 99,
    };
    const model = nbitsModel(c);
    const r = rng(3);
    const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
    const reference = await run(model, a, [2, c.M, c.K], false);
    const exact = await run(nbitsModel({ ...c, accuracyLevel: 0 }), a, [2, c.M, c.K], false);
    const out = await run(lowered(model).model, a, [2, c.M, c.K], false);
    // the lowering computes the float product (what accuracy level 0 computes); level 4 quantizes A per block to
    // int8 (relative error ~ 1/254 per term): measured 3.3e-3 of max |y| from the lowering, bound 1e-2
    expect(maxAbsDiff(out, exact)).toBeLessThanOrEqual(2e-6 * maxAbs(exact));
    expect(maxAbsDiff(out, reference)).toBeLessThanOrEqual(1e-2 * maxAbs(reference));
  });

  it('the TypeScript dequantization equals the lowered graph, and the packed bytes stay packed in the file', async () => {
    const c: Case = {
      K: 72,
      N: 5,
      M: 72, // A = identity
      bits: 4,
      blockSize: 32,
      zeroPoints: 'packed',
      bias: false,
      half: false,
      accuracyLevel: 0,
      opset: 13,
      seed: 5,
    };
    const model = nbitsModel(c);
    const g = new Graph(decodeModel(encodeModel(model)));
    const w = dequantizeMatMulNBits(g, g.nodes[0]!);
    // A = identity rows: Y rows are the rows of the dequantized [K, N] weight
    const eye = new Float32Array(2 * c.K * c.K);
    for (let b = 0; b < 2; b++) for (let k = 0; k < c.K; k++) eye[b * c.K * c.K + k * c.K + k] = 1;
    const out = await run(lowered({ ...model }).model, eye, [2, c.K, c.K], false);
    const reference = await run(model, eye, [2, c.K, c.K], false);
    expect(maxAbsDiff(out.subarray(0, c.K * c.N), w)).toBe(0);
    expect(maxAbsDiff(reference.subarray(0, c.K * c.N), w)).toBeLessThanOrEqual(1e-6 * maxAbs(w));
    const { model: mine } = lowered(model);
    const stored = mine.graph.initializer.find((t) => t.name === 'B')!;
    expect(stored.data_type).toBe(DataType.UINT8);
    // no float weight: only small constants and the [256, 2] table of each byte's two 4-bit fields
    expect(
      mine.graph.initializer.every(
        (t) =>
          t.data_type !== DataType.FLOAT ||
          Number(t.dims.reduce((a, d) => Number(a) * Number(d), 1)) <= 64 ||
          t.dims.map(Number).join() === '256,2',
      ),
    ).toBe(true);
  });

  it('a MatMulNBits with g_idx and packed zero points is left in place and named in the refusal with the reason', () => {
    const model = nbitsModel({
      K: 32,
      N: 4,
      M: 1,
      bits: 4,
      blockSize: 16,
      zeroPoints: 'packed',
      bias: false,
      half: false,
      accuracyLevel: 0,
      opset: 17,
      seed: 1,
    });
    const g = new Graph(model);
    g.addInitializer(
      makeTensor(
        'g_idx',
        [32],
        Int32Array.from({ length: 32 }, (_, k) => k >> 4),
      ),
    );
    g.nodes[0]!.input.push('g_idx');
    g.invalidate();
    // buildGradientModel needs a word-embedding cut; the refusal comes first
    const err = (() => {
      try {
        buildGradientModel(model);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(NonStandardOpsError);
    expect(err!.message).toContain('com.microsoft:MatMulNBits (nodes "nbits")');
    expect(err!.message).toMatch(/"nbits": g_idx with packed uint8 zero points: onnxruntime 1\.30 ignores/);
  });

  it('GatherBlockQuantized: the lowered lookup (dequantized table) and its repacked form equal the kernel', async () => {
    const arb = fc.record({
      rows: fc.integer({ min: 2, max: 40 }),
      bytes: fc.integer({ min: 2, max: 48 }),
      bits: fc.constantFrom(2, 4, 8),
      blockSize: fc.constantFrom(16, 32, 64),
      zeroPoints: fc.boolean(),
      half: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const cols = (c.bytes * 8) / c.bits;
        const kBlocks = Math.ceil(cols / c.blockSize);
        const model = emptyModel(17, 'gbq');
        model.opset_import.push({ domain: 'com.microsoft', version: 1 });
        const g = new Graph(model);
        const r = rng(c.seed);
        const T = c.half ? DataType.FLOAT16 : DataType.FLOAT;
        const scales = Float32Array.from({ length: c.rows * kBlocks }, () => 0.01 + r() * 0.1);
        const inputs = [
          g.addInitializer(
            makeTensor(
              'table',
              [c.rows, c.bytes],
              Uint8Array.from({ length: c.rows * c.bytes }, () => (r() * 256) | 0),
            ),
          ),
          addInput(g, 'ids', DataType.INT64, [2, 5]),
          g.addInitializer(
            makeTensor('scales', [c.rows, kBlocks], c.half ? Uint16Array.from(scales, floatToHalf) : scales, T),
          ),
        ];
        if (c.zeroPoints) {
          const zpBytes = Math.ceil((kBlocks * c.bits) / 8);
          const zp = Uint8Array.from({ length: c.rows * zpBytes }, () => (r() * 256) | 0);
          inputs.push(g.addInitializer(makeTensor('zp', [c.rows, zpBytes], zp, DataType.UINT8)));
        }
        g.addNode('GatherBlockQuantized', inputs, {
          outputs: ['Y'],
          domain: 'com.microsoft',
          attrs: { bits: c.bits, block_size: c.blockSize, gather_axis: 0, quantize_axis: 1 },
          name: 'gbq',
        });
        addOutput(g, 'Y', T, [2, 5, cols]);
        const ids = Array.from({ length: 10 }, () => Math.floor(r() * c.rows));
        const feeds = { ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [2, 5]) };
        const runY = async (m: ModelProto) => {
          const s = await ort.InferenceSession.create(encodeModel(m));
          try {
            const y = (await s.run(feeds)).Y!;
            return y.type === 'float16'
              ? Float32Array.from(y.data as Uint16Array, halfToFloat)
              : (y.data as Float32Array);
          } finally {
            await s.release();
          }
        };
        const reference = await runY(model);
        const { model: mine, res, graph } = lowered(model, true);
        expect(res.lowered).toBe(1);
        const table = [...res.tables.keys()][0]!;
        // onnxruntime rounds (q - zp) * scale once to the output type; the lowering computes it in float32
        const tol = (c.half ? 1e-3 : 1e-7) * Math.max(1, maxAbs(reference));
        expect(maxAbsDiff(await runY(mine), reference)).toBeLessThanOrEqual(tol);
        expect(repackTables(graph, res.tables)).toBe(1);
        expect(graph.initializer(table)).toBeUndefined(); // no float table in the file: the uint8 bytes are read
        expect(graph.initializer('table')!.data_type).toBe(DataType.UINT8);
        expect(maxAbsDiff(await runY(mine), reference)).toBeLessThanOrEqual(tol);
      }),
      { seed: 424242, numRuns: 30 },
    );
  }, 120_000);

  it('opset 21 blocked DequantizeLinear before the word-embedding Gather: the cut table equals onnxruntime', async () => {
    const arb = fc.record({
      rows: fc.integer({ min: 6, max: 30 }),
      cols: fc.integer({ min: 16, max: 80 }),
      axis: fc.constantFrom(0, 1),
      blockSize: fc.constantFrom(16, 32),
      signed: fc.boolean(),
      zeroPoints: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const r = rng(c.seed);
        const qType = c.signed ? DataType.INT8 : DataType.UINT8;
        const sDims =
          c.axis === 0 ? [Math.ceil(c.rows / c.blockSize), c.cols] : [c.rows, Math.ceil(c.cols / c.blockSize)];
        const sSize = sDims[0]! * sDims[1]!;
        const ids = Array.from({ length: 10 }, () => Math.floor(r() * c.rows));
        const build = (withHead: boolean) => {
          const model = emptyModel(21, 'blocked');
          model.ir_version = 10;
          const g = new Graph(model);
          const rr = rng(c.seed + 1); // the same tensors in both models
          const ints = (n: number) =>
            c.signed
              ? Int8Array.from({ length: n }, () => ((rr() * 256) | 0) - 128)
              : Uint8Array.from({ length: n }, () => (rr() * 256) | 0);
          const q = ints(c.rows * c.cols);
          const inputs = [
            g.addInitializer(makeTensor('table_q', [c.rows, c.cols], q, qType)),
            g.addInitializer(
              makeTensor(
                'table_scale',
                sDims,
                Float32Array.from({ length: sSize }, () => 0.001 + rr() * 0.01),
              ),
            ),
          ];
          if (c.zeroPoints) inputs.push(g.addInitializer(makeTensor('table_zp', sDims, ints(sSize), qType)));
          const table = g.addNode('DequantizeLinear', inputs, { attrs: { axis: c.axis, block_size: c.blockSize } })[0]!;
          addInput(g, 'input_ids', DataType.INT64, [2, 5]);
          const emb = g.addNode('Gather', [table, 'input_ids'], { outputs: ['emb'], attrs: { axis: 0 } })[0]!;
          if (withHead) {
            const w = g.addInitializer(
              makeTensor(
                'head',
                [c.cols, 3],
                Float32Array.from({ length: c.cols * 3 }, () => rr() - 0.5),
              ),
            );
            g.addNode('MatMul', [emb, w], { outputs: ['logits'] });
            addOutput(g, 'logits', DataType.FLOAT, [2, 5, 3]);
          } else addOutput(g, 'emb', DataType.FLOAT, [2, 5, c.cols]);
          return model;
        };
        const s = await ort.InferenceSession.create(encodeModel(build(false)));
        const reference = (
          await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [2, 5]) })
        ).emb!.data as Float32Array;
        await s.release();
        const grad = buildGradientModel(build(true));
        const w = grad.embedding!.weights;
        const mine = Float32Array.from(ids.flatMap((id) => Array.from(w.subarray(id * c.cols, (id + 1) * c.cols))));
        expect(maxAbsDiff(mine, reference)).toBeLessThanOrEqual(1e-7 * maxAbs(reference));
      }),
      { seed: 2121, numRuns: 12 },
    );
  });

  it('MatMulBnb4 (bitsandbytes FP4 / NF4): equals the kernel on random codes, absmax, shapes and block sizes', async () => {
    const arb = fc.record({
      K: fc.integer({ min: 1, max: 12 }).map((k) => k * 16),
      N: fc.integer({ min: 1, max: 20 }),
      M: fc.integer({ min: 1, max: 4 }),
      blockSize: fc.constantFrom(16, 32, 64, 128, 256),
      quantType: fc.constantFrom(0, 1),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        fc.pre((c.N * c.K) % c.blockSize === 0);
        const model = emptyModel(17, 'bnb4');
        model.opset_import.push({ domain: 'com.microsoft', version: 1 });
        const g = new Graph(model);
        const r = rng(c.seed);
        const bytes = (c.N * c.K) / 2;
        addInput(g, 'A', DataType.FLOAT, [2, c.M, c.K]);
        const B = g.addInitializer(
          makeTensor(
            'B',
            [bytes],
            Uint8Array.from({ length: bytes }, () => (r() * 256) | 0),
            DataType.UINT8,
          ),
        );
        const blocks = (c.N * c.K) / c.blockSize;
        const absmax = g.addInitializer(
          makeTensor(
            'absmax',
            [blocks],
            Float32Array.from({ length: blocks }, () => r()),
          ),
        );
        g.addNode('MatMulBnb4', ['A', B, absmax], {
          outputs: ['Y'],
          domain: 'com.microsoft',
          attrs: { K: c.K, N: c.N, block_size: c.blockSize, quant_type: c.quantType },
          name: 'bnb4',
        });
        addOutput(g, 'Y', DataType.FLOAT, [2, c.M, c.N]);
        const a = Float32Array.from({ length: 2 * c.M * c.K }, () => r() * 2 - 1);
        const reference = await run(model, a, [2, c.M, c.K], false);
        const { model: mine, res } = lowered(model);
        expect(res.lowered).toBe(1);
        expect(mine.graph.node.every((n) => !n.domain)).toBe(true);
        // onnxruntime dequantizes with the same float32 products and sums in MLAS order: float32 rounding
        expect(maxAbsDiff(await run(mine, a, [2, c.M, c.K], false), reference)).toBeLessThanOrEqual(
          2e-6 * Math.max(1, maxAbs(reference)),
        );
      }),
      { seed: 4004, numRuns: 25 },
    );
  }, 120_000);

  it('the gradient model declares the packed weights overridable (no load-time folding) without new inputs to feed', async () => {
    const dir = await ensureFixture('gpt2-tiny-opset13');
    const grad = buildGradientModel(new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx'))));
    const proto = decodeModel(grad.bytes);
    const initializers = new Set(proto.graph.initializer.map((t) => t.name));
    const overridable = proto.graph.input.filter((v) => initializers.has(v.name)).map((v) => v.name);
    // the tiny GPT-2's 4-bit weight (the tied lm_head; its Conv1D are Gemms) and its scales are read at run time
    expect(overridable.map((n) => n.replace(/^.*_(Q4|scales)$/, '$1')).sort()).toEqual(['Q4', 'scales']);
    expect(grad.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'position_ids', 'grad_logits']);
    const session = await ort.InferenceSession.create(grad.bytes, { logSeverityLevel: 3 });
    expect(session.inputNames).toEqual(grad.inputNames); // runtimes do not ask for overridable initializers
    await session.release();
  });
});
