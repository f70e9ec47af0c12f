/**
 * The two build-time ops of the quantization lowering (rules/internal.ts) have, by design, a gradient that is not
 * the derivative of their forward: StopGradient blocks it, StraightThrough passes it through a piecewise-constant
 * quantizer. Central differences cannot check them (fd-coverage.test.ts exempts exactly these), so this checks
 * their known answers: for y1 = StraightThrough(x, StopGradient(Round(x))) * w and y2 = x * StopGradient(x), with
 * cotangents c1, c2, the gradient model must return dx = c1 * w + c2 * x and dw = c1 * Round(x), and the
 * resolved graph must compute the model's forward (round(x) * w, x^2) with no internal op left in the file.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { differentiate, encodeModel } from '../../src/index.ts';
import { INTERNAL_DOMAIN, resolveInternalOps } from '../../src/autodiff/rules/internal.ts';
import { buildCase, SESSION_OPTIONS, type GradCase } from './harness.ts';

const x = [0.2, -1.7, 2.49, 3.6];
const w = [1.5, -2, 0.25, 4];
const c1 = [0.3, -0.8, 1.1, 0.5];
const c2 = [-1.2, 0.4, 0.9, -0.6];

const internalCase: GradCase = {
  name: 'StraightThrough and StopGradient',
  opset: 13,
  dtype: 'float32',
  inputs: [
    { name: 'x', shape: [4] },
    { name: 'w', shape: [4] },
  ],
  build: (b) => {
    const g = b.graph;
    const stopped = g.addNode('StopGradient', [b.op('Round', ['x'])], { domain: INTERNAL_DOMAIN })[0]!;
    const ste = g.addNode('StraightThrough', ['x', stopped], { domain: INTERNAL_DOMAIN })[0]!;
    const stopX = g.addNode('StopGradient', ['x'], { domain: INTERNAL_DOMAIN })[0]!;
    return [b.mul(ste, 'w'), b.mul('x', stopX)];
  },
};

describe('internal ops: StraightThrough and StopGradient (known answers, not finite differences)', () => {
  it('give the straight-through and stopped gradients, and resolve to the forward', async () => {
    const { model, graph, outputs } = buildCase(internalCase);
    const { seeds, grads } = differentiate(graph, { outputs, wrt: ['x', 'w'] });
    for (const name of ['x', 'w']) {
      graph.addNode('Identity', [grads.get(name)!], { outputs: [`grad_${name}`] });
      graph.proto.output.push({ name: `grad_${name}`, type: { tensor_type: { elem_type: 1 } } });
    }
    resolveInternalOps(graph);
    expect(graph.nodes.filter((n) => n.domain === INTERNAL_DOMAIN)).toEqual([]);

    const session = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);
    const t = (v: number[]) => new ort.Tensor('float32', Float32Array.from(v), [4]);
    const feeds: Record<string, ort.Tensor> = { x: t(x), w: t(w) };
    feeds[seeds.get(outputs[0]!)!] = t(c1);
    feeds[seeds.get(outputs[1]!)!] = t(c2);
    const r = await session.run(feeds);
    const got = (name: string) => Array.from(r[name]!.data as Float32Array);
    // float32 arithmetic on inputs of a few units: 1e-6 relative is ample.
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    close(
      got(outputs[0]!),
      x.map((v, i) => Math.round(v) * w[i]!),
    );
    close(
      got(outputs[1]!),
      x.map((v) => v * v),
    );
    close(
      got('grad_x'),
      x.map((v, i) => c1[i]! * w[i]! + c2[i]! * v),
    );
    close(
      got('grad_w'),
      x.map((v, i) => c1[i]! * Math.round(v)),
    );
  });
});
