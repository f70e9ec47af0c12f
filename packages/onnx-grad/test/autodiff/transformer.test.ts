/**
 * A one-layer transformer block (LayerNorm, multi-head attention with a padding mask, GELU MLP, residuals), built
 * the way exporters write it (shape arithmetic through Shape/Gather/Concat), differentiated w.r.t. the hidden
 * states and a weight and checked against central differences.
 */
import { describe, expect, it } from 'vitest';
import { DataType, type OpBuilder } from '../../src/index.ts';
import { gradCheck, rng } from './harness.ts';

interface BlockOptions {
  opset: number;
  dtype: 'float64' | 'float32';
  ln: 'op' | 'decomposed';
  gelu: 'tanh-pattern' | 'erf-pattern' | 'op';
  mask: 'where-inf' | 'additive';
}

const H = 8;
const HEADS = 2;
const D = H / HEADS;

function block(b: OpBuilder, o: BlockOptions): string {
  const elem = o.dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const rand = rng(42);
  const k = (v: number) => b.scalar(v, elem);
  const weight = (dims: number[], scale = 0.4) => {
    const n = dims.reduce((a, d) => a * d, 1);
    const vals = Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
    return b.tensor(o.dtype === 'float64' ? Float64Array.from(vals) : Float32Array.from(vals), dims, undefined, 'w');
  };
  const layerNorm = (x: string) => {
    const g = weight([H]);
    const beta = weight([H]);
    if (o.ln === 'op') return b.op('LayerNormalization', [x, g, beta], { axis: -1, epsilon: { float: 1e-5 } });
    const xc = b.sub(x, b.reduceMean(x, [-1], true));
    const v = b.reduceMean(b.pow(xc, k(2)), [-1], true);
    return b.add(b.mul(b.div(xc, b.sqrt(b.add(v, k(1e-5)))), g), beta);
  };
  const gelu = (x: string) => {
    if (o.gelu === 'op') return b.op('Gelu', [x]);
    if (o.gelu === 'erf-pattern') return b.mul(b.mul(x, k(0.5)), b.add(k(1), b.erf(b.div(x, k(Math.SQRT2)))));
    const inner = b.mul(k(Math.sqrt(2 / Math.PI)), b.add(x, b.mul(k(0.044715), b.pow(x, k(3)))));
    return b.mul(b.mul(k(0.5), x), b.add(k(1), b.tanh(inner)));
  };
  const linear = (x: string, w: string, nOut: number) => b.add(b.matmul(x, w), weight([nOut]));

  const s = b.shape('x');
  const batch = b.unsqueeze(b.gather(s, b.i64(0)), [0]);
  const seq = b.unsqueeze(b.gather(s, b.i64(1)), [0]);
  const headShape = b.concat([batch, seq, b.i64([HEADS]), b.i64([D])], 0);

  const ln1 = layerNorm('x');
  const q = b.transpose(b.reshape(linear(ln1, 'wq', H), headShape), [0, 2, 1, 3]);
  const kT = b.transpose(b.reshape(linear(ln1, weight([H, H]), H), headShape), [0, 2, 3, 1]);
  const v = b.transpose(b.reshape(linear(ln1, weight([H, H]), H), headShape), [0, 2, 1, 3]);
  let scores = b.div(b.matmul(q, kT), k(Math.sqrt(D)));
  const mask4 = b.unsqueeze('mask', [1, 2]); // [batch, 1, 1, seq]
  if (o.mask === 'where-inf') scores = b.where(b.equal(mask4, b.i64(0)), k(-Infinity), scores);
  else scores = b.add(scores, b.mul(b.sub(k(1), b.cast(mask4, elem)), k(-1e4)));
  const probs = b.softmax(scores, -1);
  const ctx = b.reshape(b.transpose(b.matmul(probs, v), [0, 2, 1, 3]), b.concat([batch, seq, b.i64([H])], 0));
  const h1 = b.add('x', linear(ctx, weight([H, H]), H));
  const ff = linear(gelu(linear(layerNorm(h1), weight([H, 2 * H]), 2 * H)), weight([2 * H, H]), H);
  return b.add(h1, ff);
}

const variants: (BlockOptions & { tol?: number; h?: number })[] = [
  { opset: 17, dtype: 'float64', ln: 'op', gelu: 'tanh-pattern', mask: 'where-inf' },
  { opset: 11, dtype: 'float32', ln: 'decomposed', gelu: 'erf-pattern', mask: 'additive', tol: 2e-4, h: 1e-2 },
  { opset: 20, dtype: 'float32', ln: 'op', gelu: 'op', mask: 'where-inf', tol: 2e-4, h: 1e-2 },
];

describe('a one-layer transformer block: gradients w.r.t. hidden states and a weight match finite differences', () => {
  for (const o of variants) {
    it(`opset ${o.opset}, ${o.dtype}, LayerNorm ${o.ln}, GELU ${o.gelu}, mask ${o.mask}`, async () => {
      const r = await gradCheck({
        opset: o.opset,
        dtype: o.dtype,
        inputs: [
          { name: 'x', shape: [2, 4, H], declared: ['batch', 'sequence', H] },
          { name: 'wq', shape: [H, H], range: [-0.4, 0.4] },
          { name: 'mask', shape: [2, 4], declared: ['batch', 'sequence'], int: [1, 1, 1, 0, 1, 1, 1, 1] },
        ],
        build: (b) => block(b, o),
        h: o.h,
        tol: o.tol,
      });
      expect(r.maxErr, r.worst).toBeLessThan(1);
      for (const g of r.analytic.values()) expect(g.every(Number.isFinite)).toBe(true);
      // the masked key (batch 0, position 3) still influences the output through the residual path only
      expect(r.numeric.get('wq')!.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});
