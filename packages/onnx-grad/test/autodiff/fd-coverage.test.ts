/**
 * Every op with a registered gradient rule has a finite-difference case: each case of the per-op suites
 * (cases/index.ts) is differentiated with every rule wrapped to record that it ran, and the ops whose rule never
 * ran are named. Coverage is what the cases exercise, not a hand-kept list. No runtime is needed: differentiating
 * only builds graphs (the suites themselves run the finite-difference checks).
 */
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../src/index.ts';
import { findRule, registeredOps, registerRule } from '../../src/autodiff/registry.ts';
import type { NodeProto } from '../../src/onnx/proto.ts';
import { buildCase, type GradCase } from './harness.ts';
import { FD_SUITES } from './cases/index.ts';
import { INTERNAL_DOMAIN } from '../../src/autodiff/rules/internal.ts';

const label = (domain: string, op: string) => (domain ? `${domain}:${op}` : op);

/** Ops whose rule ran while differentiating each case, by op label -> names of the cases ("file > case"). */
function exercisedOps(suites: Record<string, GradCase[]>): Map<string, string[]> {
  const ran = new Map<string, string[]>();
  let current = '';
  const undos = registeredOps().map(({ domain, op }) => {
    const def = findRule({ op_type: op, domain, input: [], output: [], attribute: [] } as unknown as NodeProto)!;
    return registerRule(
      {
        ...def,
        ops: [op],
        domain: domain || undefined,
        rule: (ctx) => {
          const list = ran.get(label(domain, op)) ?? [];
          if (!list.includes(current)) list.push(current);
          ran.set(label(domain, op), list);
          return def.rule(ctx);
        },
      },
      { replace: true },
    );
  });
  try {
    for (const [file, cases] of Object.entries(suites)) {
      for (const c of cases) {
        current = `${file} > ${c.name}`;
        const { graph, outputs } = buildCase(c);
        const wrt = c.wrt ?? c.inputs.filter((i) => !i.int && !i.bool).map((i) => i.name);
        differentiate(graph, { outputs, wrt });
      }
    }
  } finally {
    for (const undo of undos.reverse()) undo();
  }
  return ran;
}

describe('finite-difference coverage of the gradient rules', () => {
  const ran = exercisedOps(FD_SUITES);

  it('every op with a registered rule is differentiated by at least one per-op finite-difference case', () => {
    const registered = registeredOps().map(({ domain, op }) => label(domain, op));
    expect(registered.length).toBeGreaterThan(40);
    // The internal ops' gradients are not their forward's derivative by design (stop-gradient, straight-through):
    // internal-ops.test.ts checks their known answers instead.
    const missing = registered.filter((op) => !ran.has(op) && !op.startsWith(`${INTERNAL_DOMAIN}:`));
    expect(
      missing,
      `ops with a gradient rule but no finite-difference case in test/autodiff/cases: ${missing.join(', ')}. Add a case that differentiates each (see CONTRIBUTING.md).`,
    ).toEqual([]);
  });

  it('the recording is real: it sees the ops a case builds, and only those', () => {
    const only = exercisedOps({
      'probe.ts': [
        {
          name: 'tanh of a sum',
          opset: 13,
          inputs: [{ name: 'x', shape: [2] }],
          build: (b) => b.tanh(b.add('x', 'x')),
        },
      ],
    });
    expect([...only.keys()].sort()).toEqual(['Add', 'Tanh']);
    expect(only.get('Tanh')).toEqual(['probe.ts > tanh of a sum']);
    expect(ran.get('Softmax')).toContain('basic.test.ts > matmul+add+softmax+reshape+transpose');
  });
});
