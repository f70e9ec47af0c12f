import { describe, expect, it } from 'vitest';
import { differentiate, UnsupportedOpsError } from '../../src/index.ts';
import { buildCase } from './harness.ts';

describe('rules that refuse a node say why, before the graph changes', () => {
  it('LayerNormalization whose InvStdDev output is on the path, reflect Pad, and a 3-operand Einsum', () => {
    const { graph, outputs } = buildCase({
      opset: 18,
      inputs: [
        { name: 'x', shape: [2, 3] },
        { name: 's', shape: [3] },
      ],
      build: (b) => {
        const [y, , inv] = b.opN('LayerNormalization', ['x', 's'], 3, { axis: -1 }) as [string, string, string];
        const p = b.op('Pad', [y, b.i64([0, 1, 0, 1])], { mode: 'reflect' });
        const e = b.op('Einsum', [p, p, p], { equation: 'ij,ij,ij->ij' });
        return [b.reduceSum(e, [1], true), b.mul(inv, inv)];
      },
    });
    const n = graph.nodes.length;
    try {
      differentiate(graph, { outputs, wrt: ['x'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOpsError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/LayerNormalization: a gradient through its Mean\/InvStdDev/);
      expect(msg).toMatch(/Pad: mode="reflect"/);
      expect(msg).toMatch(/Einsum: only two-operand/);
    }
    expect(graph.nodes.length).toBe(n);
  });
});
