/**
 * The gradient-rule registry: every rule family registers its ops here; `findRule` looks a node up by domain and
 * op type. Ops in `ZERO_GRADIENT_OPS` stop gradients even when they output floats (their derivative is zero or
 * they only read shapes); integer and boolean tensors stop gradients by their type.
 *
 * Exports: `findRule`, `registerRule`, `RegisterRuleOptions`, `registeredOps`, `ZERO_GRADIENT_OPS`, `supportedOps`.
 */
import type { NodeProto } from '../onnx/proto.ts';
import type { GradRuleDef } from './types.ts';
import { AutodiffError } from './context.ts';
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

export interface RegisterRuleOptions {
  /** Replace the rules already registered for these ops (default false: a duplicate is an error). */
  replace?: boolean;
}

/**
 * Registers `def` for each op in `def.ops` (in `def.domain`, default ai.onnx). An op that already has a rule is
 * refused, naming the op and domain, unless `options.replace` is true. Returns a function that undoes this
 * registration (restoring any replaced rules), for tests and plug-ins that register for a limited time.
 */
export function registerRule(def: GradRuleDef, options: RegisterRuleOptions = {}): () => void {
  const where = (op: string) =>
    `op "${op}" in domain "${def.domain && def.domain !== 'ai.onnx' ? def.domain : 'ai.onnx'}"`;
  if (!Array.isArray(def.ops) || def.ops.length === 0 || def.ops.some((op) => typeof op !== 'string' || !op)) {
    throw new AutodiffError('registerRule: `ops` must be a non-empty array of op type names.');
  }
  if (typeof def.rule !== 'function')
    throw new AutodiffError(`registerRule: the rule for ${where(def.ops[0]!)} is not a function.`);
  const seen = new Set<string>();
  for (const op of def.ops) {
    if (seen.has(op)) throw new AutodiffError(`registerRule: ${where(op)} is listed twice in \`ops\`.`);
    seen.add(op);
    if (rules.has(key(def.domain, op)) && !options.replace) {
      throw new AutodiffError(
        `registerRule: ${where(op)} already has a gradient rule. Pass { replace: true } to replace it on purpose; ` +
          'otherwise remove one of the two registrations.',
      );
    }
  }
  const previous = def.ops.map((op) => [key(def.domain, op), rules.get(key(def.domain, op))] as const);
  for (const op of def.ops) rules.set(key(def.domain, op), def);
  return () => {
    for (const [k, old] of previous) {
      if (rules.get(k) !== def) continue; // replaced again since: leave the newer rule
      if (old) rules.set(k, old);
      else rules.delete(k);
    }
  };
}

for (const family of [
  arithmeticRules,
  unaryRules,
  matmulRules,
  softmaxRules,
  normalizationRules,
  reduceRules,
  layoutRules,
  slicingRules,
  gatherRules,
  miscRules,
  internalRules,
]) {
  for (const def of family) registerRule(def);
}

export function findRule(node: NodeProto): GradRuleDef | undefined {
  return rules.get(key(node.domain, node.op_type));
}

/** Every op with a gradient rule, with its domain ('' for ai.onnx), sorted. */
export function registeredOps(): { domain: string; op: string }[] {
  return [...rules.keys()].sort().map((k) => {
    const i = k.indexOf(':');
    return { domain: k.slice(0, i), op: k.slice(i + 1) };
  });
}

/** Op types (ai.onnx) with a gradient rule. */
export function supportedOps(): string[] {
  return [...rules.keys()]
    .filter((k) => k.startsWith(':'))
    .map((k) => k.slice(1))
    .sort();
}

/** Float-valued ops whose gradient is zero (piecewise constant) or that only depend on shapes. */
export const ZERO_GRADIENT_OPS = new Set([
  'Shape',
  'Size',
  'ConstantOfShape',
  'Range',
  'EyeLike',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'OneHot',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Constant',
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
  'Bernoulli',
]);
