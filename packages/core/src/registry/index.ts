/**
 * The method registry: each method's schema (../registry/methods.ts) with its explainer class, in one object that
 * the playground, the docs generator and the contract test loop over.
 *
 * Exports: `METHODS`, `MethodEntry`, `AnyExplainerClass`, `MethodSchema`, and everything of ./data.ts (the schemas,
 * names, spec types, `describeAllowed` / `describeDefault` / `optionProblem` for forms and docs).
 */
import {
  GradientShap,
  IntegratedGradients,
  Saliency,
  SmoothGrad,
  SquareGrad,
  VarGrad,
} from '../explainers/gradient.ts';
import { KernelShap, Lime, Occlusion, Sobol } from '../explainers/perturbation.ts';
import type { AttributionExplainer } from '../explainers/base.ts';
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import { METHOD_SCHEMAS, type MethodName, type MethodSchema } from './methods.ts';

export * from './data.ts';

/** A registry entry: the schema plus the class, `new entry.Explainer(model, tokenizer, options)`. */
export type MethodEntry<N extends MethodName = MethodName> = (typeof METHOD_SCHEMAS)[N] & {
  readonly Explainer: (typeof CLASSES)[N];
};

const CLASSES = {
  Occlusion,
  Lime,
  KernelShap,
  Sobol,
  Saliency,
  IntegratedGradients,
  SmoothGrad,
  SquareGrad,
  VarGrad,
  GradientShap,
};

/** Any explainer class of the registry, for code that loops over it with options it built itself. */
export type AnyExplainerClass = new (
  model: ModelLike,
  tokenizer: TokenizerLike,
  options?: object,
) => AttributionExplainer;

/** The ten methods, in the spec's order: name, family, docs, option schema and explainer class. */
export const METHODS: { readonly [N in MethodName]: MethodEntry<N> } = Object.fromEntries(
  Object.entries(METHOD_SCHEMAS).map(([name, schema]) => [name, { ...schema, Explainer: CLASSES[name as MethodName] }]),
) as { readonly [N in MethodName]: MethodEntry<N> };

// Compile-time: every class's static name is its registry key, and every schema is a MethodSchema.
type CheckNames = { [N in MethodName]: (typeof CLASSES)[N]['methodName'] extends N ? true : never };
const namesMatch: CheckNames = {
  Occlusion: true,
  Lime: true,
  KernelShap: true,
  Sobol: true,
  Saliency: true,
  IntegratedGradients: true,
  SmoothGrad: true,
  SquareGrad: true,
  VarGrad: true,
  GradientShap: true,
};
void namesMatch;
export type { MethodSchema };
