export * from './perturbation.ts';
export * from './gradient.ts';
export { AttributionExplainer } from './base.ts';
export type {
  CommonExplainerOptions,
  ExplainOptions,
  GenerationOptions,
  ExplainInputs,
  ExplainTargets,
  ExplainContrast,
  TokenizedInput,
} from './options.ts';
