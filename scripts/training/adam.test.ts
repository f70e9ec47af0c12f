import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adamStep, globalNorm, initAdam, learningRate } from './adam.ts';

describe('adamStep', () => {
  it('first step moves every weight by lr against the gradient sign (bias correction makes m/sqrt(v) = sign(g))', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.float({ min: -10, max: 10, noNaN: true }).filter((g) => Math.abs(g) > 1e-3),
          { minLength: 1, maxLength: 20 },
        ),
        (g) => {
          const w = new Float32Array(g.length).fill(0.5);
          const { weights, state } = adamStep([w], [Float32Array.from(g)], initAdam([w]), { lr: 0.01, eps: 0 });
          expect(state.step).toBe(1);
          weights[0]!.forEach((x, i) => expect(x).toBeCloseTo(0.5 - 0.01 * Math.sign(g[i]!), 5));
        },
      ),
    );
  });

  it('matches the closed form over several steps and does not mutate its inputs', () => {
    const w0 = Float32Array.from([1, -2]);
    const grads = [
      [0.1, 0.3],
      [-0.2, 0.1],
      [0.05, 0.05],
    ].map((g) => Float32Array.from(g));
    let w: Float32Array[] = [w0];
    let st = initAdam(w);
    const opts = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 };
    // reference in float64
    const ref = [1, -2],
      m = [0, 0],
      v = [0, 0];
    grads.forEach((g, k) => {
      const before = Float32Array.from(w[0]!);
      const r = adamStep(w, [g], st, opts);
      expect(w[0]).toEqual(before);
      w = r.weights;
      st = r.state;
      for (let i = 0; i < 2; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.99 * v[i]! + 0.01 * g[i]! * g[i]!;
        const mh = m[i]! / (1 - 0.9 ** (k + 1)),
          vh = v[i]! / (1 - 0.99 ** (k + 1));
        ref[i] = ref[i]! - 0.1 * (mh / (Math.sqrt(vh) + 1e-8) + 0.01 * ref[i]!);
      }
    });
    expect(w[0]![0]).toBeCloseTo(ref[0]!, 5);
    expect(w[0]![1]).toBeCloseTo(ref[1]!, 5);
  });

  it('minimises a quadratic', () => {
    const target = Float32Array.from([3, -1, 0.5]);
    let w: Float32Array[] = [new Float32Array(3)];
    let st = initAdam(w);
    for (let k = 0; k < 500; k++) {
      const g = w[0]!.map((x, i) => 2 * (x - target[i]!));
      ({ weights: w, state: st } = adamStep(w, [g], st, { lr: 0.05 }));
    }
    w[0]!.forEach((x, i) => expect(x).toBeCloseTo(target[i]!, 2));
  });

  it('clips by global norm and skips decay where told', () => {
    const w = [Float32Array.from([1]), Float32Array.from([1])];
    const g = [Float32Array.from([30]), Float32Array.from([40])];
    expect(globalNorm(g)).toBeCloseTo(50, 5);
    const r = adamStep(w, g, initAdam(w), { lr: 0.1, weightDecay: 0.5, clipNorm: 1 }, [true, false]);
    // after clipping m/sqrt(v) is still sign(g) on step 1; decay applies to the first tensor only
    expect(r.weights[0]![0]).toBeCloseTo(1 - 0.1 * (1 + 0.5), 5);
    expect(r.weights[1]![0]).toBeCloseTo(1 - 0.1, 5);
  });

  it('rejects mismatched lists with a clear message', () => {
    expect(() => adamStep([new Float32Array(2)], [], initAdam([new Float32Array(2)]), { lr: 1 })).toThrow(/must match/);
  });
});

describe('learningRate', () => {
  it('warms up linearly then decays to the floor', () => {
    expect(learningRate(0, 100, 1, 10)).toBeCloseTo(0.1);
    expect(learningRate(9, 100, 1, 10)).toBeCloseTo(1);
    expect(learningRate(100, 100, 1, 10, 0.05)).toBeCloseTo(0.05);
  });
});
