/**
 * Elementwise contrib ops as standard ops, with onnxruntime's CPU-kernel formulas (contrib_ops/cpu/activations.h,
 * bert/fast_gelu.cc, bert/bias_gelu.cc, bert/bias_add):
 * - `Gelu(X)` = X · ½(1 + erf(X/√2)); `BiasGelu(A, B)` = Gelu(A + B)
 * - `FastGelu(X[, bias])`: x = X (+ bias), x · ½(1 + tanh(x·(√(2/π) + 0.044715·√(2/π)·x²)))
 * - `QuickGelu(X)`: X · σ(alpha·X), alpha default 1.702
 * - `BiasAdd(X, bias, skip)` = X + bias + skip
 * - `BiasSplitGelu(X, bias)` (diffusion UNets; CUDA and WebGPU kernels only): x = X + bias [N, S, D], then
 *   left · Gelu(right) with left, right = x[..., :D/2], x[..., D/2:] (erf GELU, as bert/bias_split_gelu and the
 *   WebGPU shader compute it); D must be static and even
 *
 * Exports: `ACTIVATIONS`.
 */
import { attrFloat } from '../../ir/attributes.ts';
import { ContribRefusal, type ContribOp, type DecomposeContext } from './context.ts';

const SQRT_2_OVER_PI = 0.7978845608028654;
const FAST_GELU_COEFF = 0.044715;

function erfGelu(c: DecomposeContext, x: string): string {
  const { b } = c;
  const phi = b.add(c.k(1), b.erf(b.mul(x, c.k(Math.SQRT1_2))));
  return b.mul(b.mul(x, c.k(0.5)), phi);
}

export const ACTIVATIONS: Record<string, ContribOp> = {
  Gelu: { required: ['X'], run: (c) => c.bind(0, erfGelu(c, c.input(0)!)) },
  BiasGelu: { required: ['A', 'B'], run: (c) => c.bind(0, erfGelu(c, c.b.add(c.input(0)!, c.input(1)!))) },
  FastGelu: {
    required: ['X'],
    run: (c) => {
      const { b } = c;
      const bias = c.input(1);
      const x = bias ? b.add(c.input(0)!, bias) : c.input(0)!;
      const inner = b.mul(x, b.add(c.k(SQRT_2_OVER_PI), b.mul(c.k(FAST_GELU_COEFF * SQRT_2_OVER_PI), b.mul(x, x))));
      c.bind(0, b.mul(b.mul(x, c.k(0.5)), b.add(c.k(1), b.tanh(inner))));
    },
  },
  QuickGelu: {
    required: ['X'],
    run: (c) => {
      const { b } = c;
      const x = c.input(0)!;
      const alpha = attrFloat(c.node, 'alpha', 1.702);
      c.bind(0, b.mul(x, b.sigmoid(b.mul(x, c.k(alpha)))));
    },
  },
  BiasAdd: {
    required: ['X', 'bias', 'skip'],
    run: (c) => c.bind(0, c.b.add(c.b.add(c.input(0)!, c.input(1)!), c.input(2)!)),
  },
  BiasSplitGelu: {
    required: ['X', 'bias'],
    run: (c) => {
      const { b } = c;
      const bias = c.input(1)!;
      const D = c.types.staticShape(bias)?.[0] ?? c.types.dim(c.input(0)!, 2);
      if (D === undefined || D % 2 !== 0)
        throw new ContribRefusal(`its channel count (bias length) must be static and even, got ${D ?? 'unknown'}`);
      const x = b.add(c.input(0)!, bias);
      const left = b.slice(x, [0], [D / 2], [-1]);
      const right = b.slice(x, [D / 2], [D], [-1]);
      c.bind(0, b.mul(left, erfGelu(c, right)));
    },
  },
};
