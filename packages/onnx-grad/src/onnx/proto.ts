/**
 * ONNX protobuf codec. Decoding keeps `raw_data` (and every other `bytes` field) as views into the input buffer,
 * so initializer bytes are never copied; encoding writes them once into the output buffer.
 *
 * Exports: the ONNX message interfaces, `DataType`, `decodeModel`, `encodeModel`, `decodeTensor`, `encodeTensor`.
 */
import protobuf from 'protobufjs/light.js';
import Long from 'long';
import descriptor from './onnx-proto.json' with { type: 'json' };

export type Int64 = number | Long;

export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface StringStringEntryProto {
  key: string;
  value: string;
}
export interface OperatorSetIdProto {
  domain?: string;
  version: Int64;
}
export interface TensorShapeDimension {
  dim_value?: Int64;
  dim_param?: string;
  denotation?: string;
}
export interface TensorShapeProto {
  dim: TensorShapeDimension[];
}
export interface TypeProto {
  tensor_type?: { elem_type: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  denotation?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  doc_string?: string;
}
export interface TensorProto {
  name?: string;
  dims: Int64[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
  double_data?: number[];
  uint64_data?: Int64[];
  string_data?: Uint8Array[];
  external_data?: StringStringEntryProto[];
  data_location?: number;
  doc_string?: string;
}
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  ref_attr_name?: string;
  doc_string?: string;
}
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute: AttributeProto[];
  doc_string?: string;
}
export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  sparse_initializer?: unknown[];
  doc_string?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
  quantization_annotation?: unknown[];
  metadata_props?: StringStringEntryProto[];
}
export interface ModelProto {
  ir_version: Int64;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: StringStringEntryProto[];
  training_info?: unknown[];
  functions?: unknown[];
}

// protobufjs resolves int64 fields to Long only when it can find the `long` module; wire it explicitly so that
// bundlers (which cannot follow protobufjs' dynamic require) behave like Node.
protobuf.util.Long = Long as never;
protobuf.configure();

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ModelType = root.lookupType('onnx.ModelProto');
const TensorType = root.lookupType('onnx.TensorProto');

/** Error thrown for bytes that are not a well-formed ONNX model. */
export class OnnxDecodeError extends Error {
  override name = 'OnnxDecodeError';
}

/** Decodes ONNX bytes. Throws `OnnxDecodeError` with a readable reason for truncated or corrupted input. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array))
    throw new OnnxDecodeError('decodeModel expects the ONNX file bytes as a Uint8Array.');
  if (bytes.length === 0)
    throw new OnnxDecodeError('The ONNX file is empty (0 bytes): check the path or the download.');
  let model: ModelProto;
  try {
    model = ModelType.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new OnnxDecodeError(
      `These ${bytes.length} bytes are not a valid ONNX model (${(e as Error).message}). ` +
        'The file is probably truncated or corrupted (an interrupted download, a Git LFS pointer, or not an .onnx file): fetch it again.',
    );
  }
  if (!model.graph || !(model.opset_import?.length > 0)) {
    throw new OnnxDecodeError(
      `These ${bytes.length} bytes decode as protobuf but hold no ONNX graph or opset: they are not an ONNX model file.`,
    );
  }
  normalizeGraph(model.graph);
  return model;
}

/** Makes repeated fields always present, so the IR never checks for undefined arrays. */
function normalizeGraph(g: GraphProto): void {
  g.node ??= [];
  g.initializer ??= [];
  g.input ??= [];
  g.output ??= [];
  g.value_info ??= [];
  for (const n of g.node) {
    n.input ??= [];
    n.output ??= [];
    n.attribute ??= [];
    for (const a of n.attribute) {
      if (a.g) normalizeGraph(a.g);
      for (const sub of a.graphs ?? []) normalizeGraph(sub);
    }
  }
  for (const t of g.initializer) t.dims ??= [];
}

/** Encodes a model. The result is a view at offset 0 of a buffer that may be slightly longer: use it as a view. */
export function encodeModel(model: ModelProto): Uint8Array {
  // protobufjs grows its buffer by doubling (a copy each time) and copies it once more in finish(): for a model of
  // large initializers that is ~3x its size at peak. Start from a buffer sized to the tensor bytes plus a generous
  // allowance for the rest, and return a view of it (finish(true)): peak ~1x. An underestimate only costs a regrowth.
  const prev = protobuf.Writer.initialBufferSize;
  protobuf.Writer.initialBufferSize = estimateEncodedSize(model.graph) + (1 << 16);
  try {
    const writer = new protobuf.Writer();
    return ModelType.encode(model as never, writer).finish(true);
  } finally {
    protobuf.Writer.initialBufferSize = prev;
  }
}

function estimateEncodedSize(g: GraphProto): number {
  let n = 512 * g.node.length + 128 * (g.input.length + g.output.length + g.value_info.length);
  const tensor = (t: TensorProto) =>
    256 +
    (t.raw_data?.length ?? 0) +
    8 *
      ((t.float_data?.length ?? 0) +
        (t.int64_data?.length ?? 0) +
        (t.int32_data?.length ?? 0) +
        (t.double_data?.length ?? 0));
  for (const t of g.initializer) n += tensor(t);
  for (const node of g.node) {
    for (const a of node.attribute) {
      if (a.t) n += tensor(a.t);
      for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) n += estimateEncodedSize(sub);
    }
  }
  return n;
}

export function decodeTensor(bytes: Uint8Array): TensorProto {
  return TensorType.decode(bytes) as unknown as TensorProto;
}

export function encodeTensor(t: TensorProto): Uint8Array {
  return TensorType.encode(t as never).finish();
}

/** Converts an int64 proto value to a JS number, saturating at +-2^53 (ONNX uses INT64_MAX as "to the end"). */
export function toNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const n = Long.fromValue(v);
  if (n.greaterThan(Long.fromNumber(Number.MAX_SAFE_INTEGER))) return Number.MAX_SAFE_INTEGER;
  if (n.lessThan(Long.fromNumber(Number.MIN_SAFE_INTEGER))) return Number.MIN_SAFE_INTEGER;
  return n.toNumber();
}

/** The model's ai.onnx opset version. */
export function onnxOpset(model: ModelProto): number {
  const entry = model.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new OnnxDecodeError('The model imports no ai.onnx opset.');
  return toNumber(entry.version);
}
