/**
 * Opset and IR checks, as onnxruntime makes them when it loads a model: one import per domain, ai.onnx versions it
 * knows, ops that exist at the model's opset, and attributes that later opsets moved to inputs (a node written for
 * one opset and stamped with another computes something else or does not load).
 *
 * Exports: `MAX_IR_VERSION`, `MAX_ONNX_OPSET`, `checkModelHeader`, `checkOpForOpset`.
 */
import { type ModelProto, type NodeProto, toNumber } from '../onnx/proto.ts';
import { nodeLabel, type Problems } from './errors.ts';

/** The newest IR version and ai.onnx opset onnxruntime-node 1.30 loads (it refuses IR 14 and opset 27). */
export const MAX_IR_VERSION = 13;
export const MAX_ONNX_OPSET = 26;

/** The opset in which each standard op first appeared; a node at an older opset has no kernel in onnxruntime. */
const SINCE: Record<string, number> = {
  Acos: 7,
  Asin: 7,
  Atan: 7,
  Cos: 7,
  Sin: 7,
  Tan: 7,
  Acosh: 9,
  Asinh: 9,
  Atanh: 9,
  Cosh: 9,
  Sinh: 9,
  Erf: 9,
  Sign: 9,
  IsNaN: 9,
  NonZero: 9,
  OneHot: 9,
  ConstantOfShape: 9,
  Where: 9,
  Expand: 8,
  DequantizeLinear: 10,
  QuantizeLinear: 10,
  MatMulInteger: 10,
  Mod: 10,
  IsInf: 10,
  Resize: 10,
  BitShift: 11,
  CumSum: 11,
  DynamicQuantizeLinear: 11,
  GatherElements: 11,
  GatherND: 11,
  Range: 11,
  Round: 11,
  ScatterElements: 11,
  ScatterND: 11,
  Celu: 12,
  Einsum: 12,
  GreaterOrEqual: 12,
  LessOrEqual: 12,
  HardSwish: 14,
  Trilu: 14,
  CastLike: 15,
  LayerNormalization: 17,
  Mish: 18,
  BitwiseAnd: 18,
  Gelu: 20,
  RMSNormalization: 23,
  RotaryEmbedding: 23,
  Attention: 23,
};

/** Attributes that became inputs: [op, attribute, opset where the attribute was removed, inputs allowed before]. */
const MOVED: [string[], string, number, number][] = [
  [['Squeeze', 'Unsqueeze', 'ReduceSum'], 'axes', 13, 1],
  [['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum'], 'axes', 18, 1],
  [['ReduceLogSumExp', 'ReduceSumSquare'], 'axes', 18, 1],
  [['Split'], 'split', 13, 1],
  [['Slice'], 'starts', 10, 1],
  [['Pad'], 'pads', 11, 1],
  [['Clip'], 'min', 11, 1],
  [['TopK'], 'k', 10, 1],
  [['Dropout'], 'ratio', 12, 1],
  [['Reshape'], 'shape', 5, 1],
];
const MOVED_BY_OP = new Map<string, { attr: string; opset: number; inputsBefore: number }>();
for (const [ops, attr, opset, inputsBefore] of MOVED)
  for (const op of ops) MOVED_BY_OP.set(op, { attr, opset, inputsBefore });

const isOnnxDomain = (d: string | undefined) => !d || d === 'ai.onnx';

/** IR version and opset imports; returns the ai.onnx opset when it is usable. */
export function checkModelHeader(model: ModelProto, p: Problems): number | undefined {
  const ir = toNumber(model.ir_version);
  if (!(ir >= 1 && ir <= MAX_IR_VERSION))
    p.add('model', `ir_version ${ir} is outside 1..${MAX_IR_VERSION} (the IR versions onnxruntime loads)`);
  const seen = new Map<string, number>();
  let onnx: number | undefined;
  for (const o of model.opset_import) {
    const domain = isOnnxDomain(o.domain) ? 'ai.onnx' : o.domain!;
    const v = toNumber(o.version);
    if (seen.has(domain)) {
      p.add(
        'opset import',
        `the domain "${domain}" is imported twice (versions ${seen.get(domain)} and ${v}); a model imports each domain once`,
      );
      continue;
    }
    seen.set(domain, v);
    if (domain === 'ai.onnx') {
      if (!Number.isInteger(v) || v < 1 || v > MAX_ONNX_OPSET)
        p.add('opset import', `ai.onnx opset ${v} is outside 1..${MAX_ONNX_OPSET} (the opsets onnxruntime implements)`);
      else onnx = v;
    } else if (!Number.isInteger(v) || v < 1)
      p.add('opset import', `domain "${domain}" has version ${v}; versions start at 1`);
  }
  if (!seen.has('ai.onnx')) p.add('opset import', 'the model imports no ai.onnx opset');
  return onnx;
}

/** Whether an ai.onnx node exists at `opset` and uses the inputs/attributes of that opset's form. */
export function checkOpForOpset(n: NodeProto, index: number, opset: number, p: Problems): void {
  if (!isOnnxDomain(n.domain)) return;
  const since = SINCE[n.op_type];
  if (since !== undefined && opset < since)
    p.add(
      nodeLabel(n, index),
      `${n.op_type} exists from ai.onnx opset ${since}, but the model declares opset ${opset}`,
    );
  const moved = MOVED_BY_OP.get(n.op_type);
  if (!moved) return;
  if (opset >= moved.opset && n.attribute.some((a) => a.name === moved.attr))
    p.add(
      nodeLabel(n, index),
      `the attribute "${moved.attr}" was removed in opset ${moved.opset} (it is an input there), but the model declares opset ${opset}`,
    );
  if (opset < moved.opset && n.input.length > moved.inputsBefore)
    p.add(
      nodeLabel(n, index),
      `${n.input.length} inputs, but at opset ${opset} ${n.op_type} takes ${moved.inputsBefore} ("${moved.attr}" is an attribute before opset ${moved.opset})`,
    );
}
