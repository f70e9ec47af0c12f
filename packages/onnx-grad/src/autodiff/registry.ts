/**
 * The gradient-rule registry: every rule family registers its ops here; `findRule` looks a node up by domain and
 * op type. Ops in `ZERO_GRADIENT_OPS` stop gradients even when they output floats (their derivative is zero or
 * they only read shapes); integer and boolean tensors stop gradients by their type.
 *
 * Exports: `findRule`, `registerRule`, `ZERO_GRADIENT_OPS`, `supportedOps`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import type { GradRuleDef } from './types.ts';
import { arithmeticRules } from './rules/arithmetic.ts';
import { unaryRules } from './rules/unary.ts';
import { matmulRules } from './rules/matmul.ts';
import { softmaxRules } from './rules/softmax.ts';
import { normalizationRules } from './rules/normalization.ts';
import { reduceRules } from './rules/reduce.ts';
import { layoutRules } from './rules/layout.ts';
import { slicingRules } from './rules/slicing.ts';
import { gatherRules } from './rules/gather.ts';
import { miscRules } from './rules/misc.ts';
import { internalRules } from './rules/internal.ts';

const rules = new Map<string, GradRuleDef>();

const key = (domain: string | undefined, op: string) => `${domain === 'ai.onnx' ? '' : (domain ?? '')}:${op}`;

export function registerRule(def: GradRuleDef): void {
  for (const op of def.ops) rules.set(key(def.domain, op), def);
}

for (const family of [arithmeticRules, unaryRules, matmulRules, softmaxRules, normalizationRules, reduceRules, layoutRules, slicingRules, gatherRules, miscRules, internalRules]) {
  for (const def of family) registerRule(def);
}

export function findRule(node: NodeProto): GradRuleDef | undefined {
  return rules.get(key(node.domain, node.op_type));
}

/** Op types (ai.onnx) with a gradient rule. */
export function supportedOps(): string[] {
  return [...rules.keys()].filter((k) => k.startsWith(':')).map((k) => k.slice(1)).sort();
}

/** Float-valued ops whose gradient is zero (piecewise constant) or that only depend on shapes. */
export const ZERO_GRADIENT_OPS = new Set([
  'Shape', 'Size', 'ConstantOfShape', 'Range', 'EyeLike', 'RandomNormal', 'RandomUniform', 'RandomNormalLike',
  'RandomUniformLike', 'Floor', 'Ceil', 'Round', 'Sign', 'OneHot', 'ArgMax', 'ArgMin', 'NonZero', 'Constant',
  'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'Bernoulli',
]);
