/**
 * The parts of the ONNX op schemas onnxruntime enforces at load, for the standard ops transformer exports use:
 * input and output counts (required inputs not left empty), the attributes each op knows (an unknown one is refused),
 * required attributes, and element-type constraints (indices and shapes are integers, float-only math gets floats,
 * conditions are bool). Ops outside these tables are not checked here.
 *
 * Exports: `checkNodeSchema`.
 */
import { DataType, type NodeProto, toNumber } from '../onnx/proto.ts';
import { nodeLabel, type Problems } from './errors.ts';

/** [min inputs, max inputs, max outputs]. */
const ARITY: Record<string, [number, number, number]> = {};
const set = (ops: string[], a: [number, number, number]) => {
  for (const op of ops) ARITY[op] = a;
};
const UNARY = [
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Abs',
  'Cos',
  'Sin',
  'Floor',
];
const UNARY2 = ['Ceil', 'Round', 'Sign', 'Not', 'IsNaN', 'Softplus', 'Softsign', 'Identity', 'Cast', 'Shape', 'Size'];
const UNARY3 = ['Transpose', 'Flatten', 'Softmax', 'LogSoftmax', 'LeakyRelu', 'Elu', 'Selu', 'HardSigmoid', 'Gelu'];
set([...UNARY, ...UNARY2, ...UNARY3, 'ConstantOfShape', 'NonZero'], [1, 1, 1]);
set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'PRelu', 'Equal', 'Less', 'Greater', 'LessOrEqual'], [2, 2, 1]);
set(
  ['GreaterOrEqual', 'And', 'Or', 'Xor', 'MatMul', 'Gather', 'GatherElements', 'Expand', 'Tile', 'CastLike'],
  [2, 2, 1],
);
set(['Reshape'], [2, 2, 1]);
set(['Where', 'Range'], [3, 3, 1]);
set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2'], [1, 2, 1]);
set(['ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'], [1, 2, 1]);
set(['ArgMax', 'ArgMin'], [1, 1, 1]);
set(['Gemm'], [2, 3, 1]);
set(['LayerNormalization'], [2, 3, 3]);
set(['Concat', 'Max', 'Min', 'Sum', 'Mean'], [1, 2 ** 31, 1]);
set(['Slice'], [3, 5, 1]);
set(['Squeeze', 'Unsqueeze'], [1, 2, 1]);
set(['Split'], [1, 2, 2 ** 31]);
set(['Dropout'], [1, 3, 2]);
set(['Clip'], [1, 3, 1]);
set(['Pad'], [2, 4, 1]);
set(['CumSum'], [2, 2, 1]);
set(['Trilu'], [1, 2, 1]);
set(['OneHot'], [3, 3, 1]);
set(['Einsum'], [1, 2 ** 31, 1]);
set(['Constant'], [0, 0, 1]);
set(['If'], [1, 1, 2 ** 31]);

/** Attributes each op knows (opset 11-26 union); a node with another is refused by onnxruntime. */
const ATTRS: Record<string, string[]> = {
  Concat: ['axis'],
  Gather: ['axis'],
  GatherElements: ['axis'],
  Softmax: ['axis'],
  LogSoftmax: ['axis'],
  Transpose: ['perm'],
  Flatten: ['axis'],
  Cast: ['to', 'saturate', 'round_mode'],
  Gemm: ['alpha', 'beta', 'transA', 'transB'],
  MatMul: [],
  Add: [],
  Sub: [],
  Mul: [],
  Div: [],
  Pow: [],
  Relu: [],
  Tanh: [],
  Sigmoid: [],
  Erf: [],
  Sqrt: [],
  Exp: [],
  Log: [],
  Neg: [],
  Reciprocal: [],
  Identity: [],
  Where: [],
  Equal: [],
  Expand: [],
  Range: [],
  Shape: ['start', 'end'],
  Reshape: ['allowzero'],
  LayerNormalization: ['axis', 'epsilon', 'stash_type'],
  Unsqueeze: ['axes'],
  Squeeze: ['axes'],
  Slice: ['starts', 'ends', 'axes'],
  Split: ['axis', 'split', 'num_outputs'],
  Gelu: ['approximate'],
  ConstantOfShape: ['value'],
};
/** Required attributes, by op (Unsqueeze's `axes` before opset 13 is checked with the opset). */
const REQUIRED_ATTRS: Record<string, string[]> = {
  Concat: ['axis'],
  Cast: ['to'],
  Einsum: ['equation'],
  If: ['then_branch', 'else_branch'],
  Loop: ['body'],
  Scan: ['body', 'num_scan_inputs'],
};

const INTEGER = new Set<number>([DataType.INT32, DataType.INT64]);
const FLOAT = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);
/** Input positions that must be int32/int64 (indices) or int64 (shapes, axes). */
const INDEX_INPUTS: Record<string, [number, Set<number>][]> = {
  Gather: [[1, INTEGER]],
  GatherElements: [[1, INTEGER]],
  Reshape: [[1, new Set([DataType.INT64])]],
  Expand: [[1, new Set([DataType.INT64])]],
  ConstantOfShape: [[0, new Set([DataType.INT64])]],
  Tile: [[1, new Set([DataType.INT64])]],
  Unsqueeze: [[1, new Set([DataType.INT64])]],
  Squeeze: [[1, new Set([DataType.INT64])]],
  Slice: [
    [1, INTEGER],
    [2, INTEGER],
    [3, INTEGER],
    [4, INTEGER],
  ],
  Where: [[0, new Set([DataType.BOOL])]],
  Not: [[0, new Set([DataType.BOOL])]],
  And: [
    [0, new Set([DataType.BOOL])],
    [1, new Set([DataType.BOOL])],
  ],
  Or: [
    [0, new Set([DataType.BOOL])],
    [1, new Set([DataType.BOOL])],
  ],
};
/** Ops computed in floating point only (onnxruntime has no integer kernel and the schema refuses one). */
const FLOAT_ONLY = new Set([
  'Softmax',
  'LogSoftmax',
  'Exp',
  'Log',
  'Sqrt',
  'Tanh',
  'Sigmoid',
  'Erf',
  'Reciprocal',
  'Cos',
  'Sin',
  'LayerNormalization',
  'Gelu',
  'Softplus',
]);
const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]),
);

/** Every ai.onnx op (opset 26) and the ops onnxruntime registers in the onnx domain; another name has no kernel. */
const ONNX_OPS = new Set(
  (
    'Abs Acos Acosh Add AffineGrid And ArgMax ArgMin Asin Asinh Atan Atanh Attention AveragePool BatchNormalization ' +
    'Bernoulli BitCast BitShift BitwiseAnd BitwiseNot BitwiseOr BitwiseXor BlackmanWindow Cast CastLike Ceil Celu ' +
    'CenterCropPad Clip Col2Im Compress Concat ConcatFromSequence Constant ConstantOfShape Conv ConvInteger ' +
    'ConvTranspose Cos Cosh CumProd CumSum DFT DeformConv DepthToSpace DequantizeLinear Det Div Dropout ' +
    'DynamicQuantizeLinear Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor GRU Gather GatherElements GatherND ' +
    'Gelu Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample GroupNormalization ' +
    'HammingWindow HannWindow HardSigmoid HardSwish Hardmax Identity If ImageDecoder InstanceNormalization IsInf IsNaN ' +
    'LRN LSTM LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax Loop LpNormalization LpPool MatMul ' +
    'MatMulInteger Max MaxPool MaxRoiPool MaxUnpool Mean MeanVarianceNormalization MelWeightMatrix Min Mish Mod Mul ' +
    'Multinomial Neg NegativeLogLikelihoodLoss NonMaxSuppression NonZero Not OneHot Optional OptionalGetElement ' +
    'OptionalHasElement Or PRelu Pad Pow QLinearConv QLinearMatMul QuantizeLinear RMSNormalization RNN RandomNormal ' +
    'RandomNormalLike RandomUniform RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ' +
    'ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare RegexFullMatch Relu Reshape Resize ' +
    'ReverseSequence RoiAlign RotaryEmbedding Round STFT Scan Scatter ScatterElements ScatterND Selu SequenceAt ' +
    'SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength SequenceMap Shape Shrink Sigmoid Sign ' +
    'Sin Sinh Size Slice Softmax SoftmaxCrossEntropyLoss Softplus Softsign SpaceToDepth Split SplitToSequence Sqrt ' +
    'Squeeze StringConcat StringNormalizer StringSplit Sub Sum Swish Tan Tanh TensorScatter TfIdfVectorizer ' +
    'ThresholdedRelu Tile TopK Transpose Trilu Unique Unsqueeze Upsample Where Xor ' +
    // onnxruntime's own ops in the onnx domain
    'SimplifiedLayerNormalization SkipSimplifiedLayerNormalization'
  ).split(' '),
);

/** 0/1 flags: kernels disagree on what another value means (Gemm: any non-zero, Attention: only 1), so refuse it. */
const FLAGS = new Set([
  'transA',
  'transB',
  'keepdims',
  'allowzero',
  'exclusive',
  'reverse',
  'upper',
  'noop_with_empty_axes',
  'select_last_index',
  'unidirectional',
  'do_rotary',
  'interleaved',
  'rotary_interleaved',
]);

/** com.microsoft inputs that must be int32 (the kernels read int32 ids and masks). */
const CONTRIB_INT32: Record<string, number[]> = {
  EmbedLayerNormalization: [0, 1, 7, 8],
  Attention: [3], // mask_index
  GroupQueryAttention: [5, 6], // seqlens_k, total_sequence_length
};

/** com.microsoft inputs that must be floating point (activations, weights, caches). */
const CONTRIB_FLOAT: Record<string, number[]> = {
  Attention: [0, 1, 2, 4, 5],
  MultiHeadAttention: [0, 1, 2, 3, 5, 6, 7],
  GroupQueryAttention: [0, 1, 2, 3, 4, 7, 8],
  SkipLayerNormalization: [0, 1, 2, 3, 4],
  SkipSimplifiedLayerNormalization: [0, 1, 2, 3],
  EmbedLayerNormalization: [2, 3, 4, 5, 6],
  FastGelu: [0, 1],
  BiasGelu: [0, 1],
  Gelu: [0],
  QuickGelu: [0],
  RotaryEmbedding: [0, 2, 3],
};

/** Contrib ops whose float type parameter also allows double; the others take float, float16 or bfloat16. */
const CONTRIB_DOUBLE = new Set(['Gelu', 'QuickGelu']);

/** Element types of contrib-op inputs onnxruntime's schemas fix. */
export function checkContribTypes(n: NodeProto, index: number, types: (name: string) => number, p: Problems): void {
  if (n.domain !== 'com.microsoft') return;
  // the float inputs of each of these ops are one type parameter T: one element type among them
  const bound: string[] = [];
  for (const k of CONTRIB_FLOAT[n.op_type] ?? []) {
    const t = n.input[k] ? types(n.input[k]!) : 0;
    if (!t) continue;
    if (!FLOAT.has(t) || (t === DataType.DOUBLE && !CONTRIB_DOUBLE.has(n.op_type)))
      p.add(
        nodeLabel(n, index),
        `input ${k} "${n.input[k]}" is ${TYPE_NAMES[t] ?? `type ${t}`}; ${n.op_type} takes ${CONTRIB_DOUBLE.has(n.op_type) ? 'floats' : 'float, float16 or bfloat16'} there`,
      );
    else bound.push(`"${n.input[k]}" ${TYPE_NAMES[t]}`);
  }
  if (new Set(bound.map((b) => b.split(' ').pop())).size > 1)
    p.add(nodeLabel(n, index), `inputs bound to one type parameter have different element types: ${bound.join(', ')}`);
  for (const k of CONTRIB_INT32[n.op_type] ?? []) {
    const t = n.input[k] ? types(n.input[k]!) : 0;
    if (t && t !== DataType.INT32)
      p.add(
        nodeLabel(n, index),
        `input ${k} "${n.input[k]}" is ${TYPE_NAMES[t] ?? `type ${t}`}; ${n.op_type} takes int32 there`,
      );
  }
}

const ATTRIBUTE_TYPES = new Set<unknown>([
  'FLOAT',
  'INT',
  'STRING',
  'TENSOR',
  'GRAPH',
  'FLOATS',
  'INTS',
  'STRINGS',
  'TENSORS',
  'GRAPHS',
  'SPARSE_TENSOR',
  'SPARSE_TENSORS',
  'TYPE_PROTO',
  'TYPE_PROTOS',
  ...Array.from({ length: 14 }, (_, i) => i + 1),
]);

/** Attributes of any domain that must be 0 or 1; every attribute must say its type (onnxruntime refuses it else). */
export function checkFlags(n: NodeProto, index: number, p: Problems): void {
  for (const a of n.attribute)
    if (!ATTRIBUTE_TYPES.has(a.type as unknown))
      p.add(nodeLabel(n, index), `the attribute "${a.name}" has type ${String(a.type)}, not an attribute type`);
  for (const a of n.attribute) {
    if (!FLAGS.has(a.name) || a.i === undefined || a.i === null) continue;
    const v = toNumber(a.i);
    if (v !== 0 && v !== 1) p.add(nodeLabel(n, index), `the flag "${a.name}" is ${v}; it must be 0 or 1`);
  }
}

/** Schema checks of one ai.onnx node; `types` maps tensor names to element types where known (0 unknown). */
export function checkNodeSchema(
  n: NodeProto,
  index: number,
  opset: number,
  types: (name: string) => number,
  p: Problems,
): void {
  if (n.domain && n.domain !== 'ai.onnx') return;
  if (!ONNX_OPS.has(n.op_type)) {
    p.add(nodeLabel(n, index), `"${n.op_type}" is not an ai.onnx op (onnxruntime has no kernel for it)`);
    return;
  }
  const arity = ARITY[n.op_type];
  if (arity) {
    const [min, max, maxOut] = arity;
    const reshapeAttr = n.op_type === 'Reshape' && opset < 5;
    const sliceAttr = n.op_type === 'Slice' && opset < 10;
    const axesAttr = (n.op_type === 'Squeeze' || n.op_type === 'Unsqueeze') && opset < 13;
    const padAttr = n.op_type === 'Pad' && opset < 11;
    const gemmC = n.op_type === 'Gemm' && opset < 11; // C is optional from opset 11
    const unsqueezeAxes = n.op_type === 'Unsqueeze' && opset >= 13; // axes became a required input
    const lo = reshapeAttr || sliceAttr || padAttr ? 1 : gemmC ? 3 : unsqueezeAxes ? 2 : min;
    const hi = reshapeAttr || sliceAttr || axesAttr || padAttr ? 1 : max;
    if (n.input.length < lo || n.input.length > hi)
      p.add(
        nodeLabel(n, index),
        `has ${n.input.length} inputs; ${n.op_type} takes ${lo === hi ? lo : `${lo} to ${hi}`}`,
      );
    for (let k = 0; k < Math.min(lo, n.input.length); k++)
      if (!n.input[k]) p.add(nodeLabel(n, index), `leaves its required input ${k} empty`);
    if (n.output.length > maxOut || n.output.length === 0 || !n.output[0])
      p.add(
        nodeLabel(n, index),
        `has ${n.output.length} outputs (first "${n.output[0] ?? ''}"); ${n.op_type} has ${maxOut === 1 ? 'one' : `at most ${maxOut}`}`,
      );
  }
  const known = ATTRS[n.op_type];
  if (known && opset >= 7) {
    // before opset 7, elementwise ops had `broadcast`/`axis` and most ops `consumed_inputs`
    for (const a of n.attribute)
      if (!known.includes(a.name))
        p.add(nodeLabel(n, index), `has the attribute "${a.name}", which ${n.op_type} does not define`);
  }
  const required = n.op_type === 'Unsqueeze' && opset < 13 ? ['axes'] : REQUIRED_ATTRS[n.op_type];
  for (const a of required ?? [])
    if (!n.attribute.some((x) => x.name === a))
      p.add(nodeLabel(n, index), `has no "${a}" attribute, which ${n.op_type} requires`);
  const to = n.op_type === 'Cast' ? n.attribute.find((a) => a.name === 'to') : undefined;
  if (to && (toNumber(to.i) === 0 || !TYPE_NAMES[toNumber(to.i)]))
    p.add(nodeLabel(n, index), `"to" is ${toNumber(to.i)}, not a tensor element type`);
  if (n.op_type === 'Constant' && n.attribute.length !== 1)
    p.add(nodeLabel(n, index), `has ${n.attribute.length} attributes; a Constant holds exactly one value attribute`);
  for (const [k, allowed] of INDEX_INPUTS[n.op_type] ?? []) {
    const t = n.input[k] ? types(n.input[k]!) : 0;
    if (t && !allowed.has(t))
      p.add(
        nodeLabel(n, index),
        `input ${k} "${n.input[k]}" is ${TYPE_NAMES[t] ?? `type ${t}`}; ${n.op_type} takes ${[...allowed].map((x) => TYPE_NAMES[x]).join(' or ')} there`,
      );
  }
  // bfloat16 joined the type constraints of the ai.onnx ops at opset 13 (Pow's exponent at 15)
  if (opset < 15)
    n.input.forEach((x, k) => {
      if (x && types(x) === DataType.BFLOAT16 && (opset < 13 || (n.op_type === 'Pow' && k === 1)))
        p.add(
          nodeLabel(n, index),
          `input ${k} "${x}" is bfloat16, which ${n.op_type} accepts there only from opset ${opset < 13 ? 13 : 15} (the model declares ${opset})`,
        );
    });
  if (FLOAT_ONLY.has(n.op_type) && n.input[0]) {
    const t = types(n.input[0]);
    if (t && !FLOAT.has(t))
      p.add(
        nodeLabel(n, index),
        `input "${n.input[0]}" is ${TYPE_NAMES[t] ?? `type ${t}`}; ${n.op_type} computes on floats`,
      );
  }
}
