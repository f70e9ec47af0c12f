export * from './perturbation.ts';
export * from './gradient.ts';
export { AttributionExplainer } from './base.ts';
export type { PartialAttribution, StopWhen } from './anytime.ts';
export { MAX_SAMPLE_BYTES } from './budget.ts';
export type {
  CommonExplainerOptions,
  ExplainOptions,
  GenerationOptions,
  ExplainInputs,
  ExplainTargets,
  ExplainContrast,
  TokenizedInput,
} from './options.ts';
export type { PerturbationBaseline } from './baseline.ts';
export type { UnitSpan, UnitsOption } from '../granularity/custom-units.ts';
export {
  entropy,
  klToReference,
  type AttributedFunction,
  type AttributedFunctionContext,
} from './attributed-function.ts';
