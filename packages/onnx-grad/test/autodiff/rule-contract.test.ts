/**
 * Guarding the rules: `registerRule` refuses a second rule for an op unless told to replace it, and the engine
 * checks every rule's result (count, presence, element type, shape) with an error naming the op, the node and the
 * input. The wrong rules here are deliberate: each breaks the contract in one way.
 */
import { describe, expect, it } from 'vitest';
import {
  AutodiffError,
  DataType,
  differentiate,
  Graph,
  OpBuilder,
  registerRule,
  RuleContractError,
  supportedOps,
  type GradRuleDef,
} from '../../src/index.ts';
import { findRule } from '../../src/autodiff/registry.ts';
import { emptyModel, gradCheck } from './harness.ts';

const DOMAIN = 'test.contract';

/** x: float64 [2, 3] (and optionally w: float64 [2, 3], i: int64 [2]) -> one node `op` -> y, declared [2, 3]. */
function oneNodeGraph(op: string, domain: string, inputs: ('x' | 'w' | 'i')[]): Graph {
  const model = emptyModel(17);
  if (domain) model.opset_import.push({ domain, version: 1 });
  const dims = { x: [2, 3], w: [2, 3], i: [2] };
  for (const name of inputs) {
    const elem_type = name === 'i' ? DataType.INT64 : DataType.DOUBLE;
    model.graph.input.push({
      name,
      type: { tensor_type: { elem_type, shape: { dim: dims[name].map((d) => ({ dim_value: d })) } } },
    });
  }
  const g = new Graph(model);
  g.addNode(op, inputs, { outputs: ['y'], domain, name: `the_${op}_node` });
  const y = {
    name: 'y',
    type: { tensor_type: { elem_type: DataType.DOUBLE, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
  };
  model.graph.output.push(y);
  return g;
}

function contractError(graph: Graph, wrt: string[]): RuleContractError {
  try {
    differentiate(graph, { outputs: ['y'], wrt });
  } catch (e) {
    expect(e).toBeInstanceOf(RuleContractError);
    expect(e).toBeInstanceOf(AutodiffError);
    return e as RuleContractError;
  }
  throw new Error('differentiate accepted a rule that breaks the contract');
}

describe('registerRule', () => {
  it('refuses a second rule for an op that has one, naming the op and its domain', () => {
    const twin: GradRuleDef = { ops: ['Add'], rule: (c) => [c.dy(0)!, c.dy(0)!] };
    expect(() => registerRule(twin)).toThrow(
      /op "Add" in domain "ai\.onnx" already has a gradient rule.*replace: true/,
    );
    registerRule({ ops: ['Once'], domain: DOMAIN, rule: (c) => [c.dy(0)!] })();
    const undo = registerRule({ ops: ['Once'], domain: DOMAIN, rule: (c) => [c.dy(0)!] });
    expect(() => registerRule({ ops: ['Once'], domain: DOMAIN, rule: (c) => [c.dy(0)!] })).toThrow(
      /op "Once" in domain "test\.contract" already has/,
    );
    undo();
  });

  it('refuses a definition that lists an op twice or has no ops, before registering anything', () => {
    expect(() => registerRule({ ops: ['Twice', 'Twice'], domain: DOMAIN, rule: (c) => [c.dy(0)!] })).toThrow(
      /op "Twice" .* listed twice/,
    );
    expect(findRule({ op_type: 'Twice', domain: DOMAIN } as never)).toBeUndefined();
    expect(() => registerRule({ ops: [], rule: (c) => [c.dy(0)!] })).toThrow(/non-empty array/);
  });

  it('replaces on purpose with { replace: true }, and the returned function restores the original', () => {
    const original = findRule({ op_type: 'Neg', domain: '' } as never);
    const replacement: GradRuleDef = { ops: ['Neg'], rule: (c) => [c.dy(0)!] }; // wrong on purpose: d(-x) is -dy
    const undo = registerRule(replacement, { replace: true });
    expect(findRule({ op_type: 'Neg', domain: '' } as never)).toBe(replacement);
    undo();
    expect(findRule({ op_type: 'Neg', domain: '' } as never)).toBe(original);
    expect(supportedOps()).toContain('Neg');
  });

  it('the replacement is what differentiate uses (a wrong Neg rule fails the finite-difference check), and undo brings the right one back', async () => {
    const negCase = { opset: 13, inputs: [{ name: 'x', shape: [4] }], build: (b: OpBuilder) => b.neg('x') };
    const undo = registerRule({ ops: ['Neg'], rule: (c) => [c.dy(0)!] }, { replace: true });
    try {
      expect((await gradCheck(negCase)).maxErr).toBeGreaterThan(1);
    } finally {
      undo();
    }
    expect((await gradCheck(negCase)).maxErr).toBeLessThan(1);
  });
});

describe('the engine checks every rule result', () => {
  const wrong = (op: string, rule: GradRuleDef['rule']) => registerRule({ ops: [op], domain: DOMAIN, rule });

  it('a gradient whose shape is not its input shape', () => {
    const undo = wrong('WrongShape', (c) => [c.b.transpose(c.dy(0)!, [1, 0])]);
    try {
      const msg = contractError(oneNodeGraph('WrongShape', DOMAIN, ['x']), ['x']).message;
      expect(msg).toContain('test.contract:WrongShape');
      expect(msg).toContain('node "the_WrongShape_node"');
      expect(msg).toMatch(/input 0 \("x"\) \(".*"\) has shape \[3, 2\], the input \[2, 3\]/);
    } finally {
      undo();
    }
  });

  it('more gradients than the node has inputs', () => {
    const undo = wrong('TooMany', (c) => [c.dy(0)!, c.dy(0)!]);
    try {
      expect(contractError(oneNodeGraph('TooMany', DOMAIN, ['x']), ['x']).message).toMatch(
        /TooMany broke its contract at node "the_TooMany_node": it returned 2 gradients for a node with 1 input/,
      );
    } finally {
      undo();
    }
  });

  it('no gradient for an input that needs one', () => {
    const undo = wrong('Forgets', (c) => [c.dy(0)!]);
    try {
      expect(contractError(oneNodeGraph('Forgets', DOMAIN, ['x', 'w']), ['x', 'w']).message).toMatch(
        /node "the_Forgets_node": it returned no gradient for input 1 \("w"\), which needs one/,
      );
    } finally {
      undo();
    }
  });

  it('a gradient of another element type, and a name the graph does not hold', () => {
    const undoCast = wrong('WrongType', (c) => [c.b.cast(c.dy(0)!, DataType.FLOAT)]);
    const undoName = wrong('Dangling', () => ['no_such_tensor']);
    try {
      expect(contractError(oneNodeGraph('WrongType', DOMAIN, ['x']), ['x']).message).toMatch(
        /input 0 \("x"\) \(".*"\) has element type 1, the input 11/,
      );
      expect(contractError(oneNodeGraph('Dangling', DOMAIN, ['x']), ['x']).message).toMatch(
        /input 0 \("x"\) is "no_such_tensor", which no node, input or initializer/,
      );
    } finally {
      undoCast();
      undoName();
    }
  });

  it('a wrong rule for a real op is caught too, naming it', () => {
    const undo = registerRule({ ops: ['Transpose'], rule: (c) => [c.dy(0)!] }, { replace: true }); // forgets the inverse perm
    try {
      const model = emptyModel(13);
      model.graph.input.push({
        name: 'x',
        type: { tensor_type: { elem_type: DataType.DOUBLE, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
      });
      const g = new Graph(model);
      const y = new OpBuilder(g).transpose('x', [1, 0]);
      model.graph.output.push({ name: y, type: { tensor_type: { elem_type: DataType.DOUBLE } } });
      const err = (() => {
        try {
          differentiate(g, { outputs: [y], wrt: ['x'] });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(RuleContractError);
      expect(err!.message).toMatch(
        /rule for Transpose broke its contract at node "Transpose.*": its gradient for input 0 \("x"\) .* has shape \[3, 2\], the input \[2, 3\]/,
      );
    } finally {
      undo();
    }
  });

  it('accepts the convention: undefined (or omitted at the end) for inputs that need no gradient', () => {
    const undo = wrong('Indexed', (c) => [c.dy(0)!]); // input 1 is int64: omitted
    try {
      const { grads } = differentiate(oneNodeGraph('Indexed', DOMAIN, ['x', 'i']), { outputs: ['y'], wrt: ['x'] });
      expect(grads.get('x')).toBeDefined();
    } finally {
      undo();
    }
  });
});
