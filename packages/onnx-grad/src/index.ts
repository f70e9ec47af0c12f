export * from './onnx/proto.ts';
export { tensorData, makeTensor, type TypedArray } from './onnx/tensor.ts';
export {
  resolveExternalData,
  splitExternalData,
  type ExternalData,
  type ExternalDataPlan,
  type ExternalDataSource,
  type ExternalSegment,
} from './onnx/external-data.ts';
export * from './ir/attributes.ts';
export { Graph, GraphError } from './ir/graph.ts';
export * from './ir/builder.ts';
export * from './transforms/errors.ts';
export { cloneModel } from './transforms/clone.ts';
export { resolveIfs } from './transforms/resolve-if.ts';
export { dropPresentOutputs, removePastInputs } from './transforms/kv-cache.ts';
export * from './transforms/embedding-cut.ts';
export * from './transforms/non-standard-ops.ts';
export { decomposeContribOps, DECOMPOSED_CONTRIB_OPS, type ContribDecomposition } from './transforms/contrib/index.ts';
export {
  lowerQuantization,
  findUnloweredQuantization,
  dequantizeTable,
  halfToFloat,
  type QuantizedTable,
} from './transforms/quantization.ts';
export { computeInFloat32 } from './transforms/float32.ts';
export { checkElementTypes, elementTypes, TypeMismatchError, type TypeMismatch } from './transforms/type-check.ts';
export * from './gradient-model.ts';
export * from './transforms/target-score.ts';
export { selectRows, type RowSelection } from './transforms/row-selection.ts';
export {
  ROW_SOURCES,
  shareForward,
  type ShareForwardOptions,
  type ShareForwardResult,
} from './transforms/shared-forward.ts';
export { addDim, broadcastDims, divDim, mulDim, subDim, type Dim } from './shape/dims.ts';
export { inferShapes, ShapeInfo, type TensorType } from './shape/infer.ts';
export {
  differentiate,
  UnsupportedOpsError,
  type DifferentiateOptions,
  type DifferentiateResult,
} from './autodiff/differentiate.ts';
export { AutodiffError } from './autodiff/context.ts';
export { supportedOps, registerRule, type RegisterRuleOptions } from './autodiff/registry.ts';
export { RuleContractError } from './autodiff/rule-contract.ts';
export type { GradRule, GradRuleDef, GradContext } from './autodiff/types.ts';
export {
  validateModel,
  ModelValidationError,
  externalDataInfo,
  type ValidateOptions,
  type ValidationProblem,
  type ExternalDataInfo,
} from './validate/index.ts';
export { BuildBudgetError } from './budget.ts';
export {
  verifyGradientModel,
  VerificationError,
  VERIFY_TOLERANCE,
  type VerifyRuntime,
  type VerifyResult,
} from './verify.ts';
