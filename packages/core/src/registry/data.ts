/**
 * The registry's data without the explainer classes, importable without loading any model runtime: the playground's
 * main thread (its form, its dtype menu), the docs generator and the e2e tests read it as `@interpreto-js/core/registry`.
 */
export * from './methods.ts';
export { DTYPE_NOTES, DTYPE_SUFFIXES, dtypeOfFile, dtypesOfFiles } from '../model/dtypes.ts';
export {
  describeAllowed,
  describeDefault,
  optionProblem,
  type Bound,
  type NumberSpec,
  type BooleanSpec,
  type EnumSpec,
  type BaselineSpec,
  type CustomSpec,
  type OptionSpec,
  type OptionsSchema,
} from './schema.ts';
