/**
 * Tensor data helpers: typed views of initializers (no copy when the bytes are aligned) and tensor construction.
 * External data (`model.onnx_data`) is resolved in external-data.ts.
 *
 * Exports: `TypedArray`, `tensorData`, `makeTensor`, `bytesPerElement`, `tensorSize`.
 */
import Long from 'long';
import { DataType, type TensorProto, toNumber, OnnxDecodeError } from './proto.ts';

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | BigUint64Array;

const CTORS: Partial<
  Record<
    number,
    { new (b: ArrayBuffer, o: number, n: number): TypedArray; BYTES_PER_ELEMENT: number } & {
      from(a: ArrayLike<never>): TypedArray;
    }
  >
> = {
  [DataType.FLOAT]: Float32Array as never,
  [DataType.DOUBLE]: Float64Array as never,
  [DataType.INT32]: Int32Array as never,
  [DataType.INT64]: BigInt64Array as never,
  [DataType.UINT8]: Uint8Array as never,
  [DataType.INT8]: Int8Array as never,
  [DataType.UINT16]: Uint16Array as never,
  [DataType.INT16]: Int16Array as never,
  [DataType.FLOAT16]: Uint16Array as never,
  [DataType.BFLOAT16]: Uint16Array as never,
  [DataType.BOOL]: Uint8Array as never,
  [DataType.UINT32]: Uint32Array as never,
  [DataType.UINT64]: BigUint64Array as never,
};

export function bytesPerElement(dataType: number): number {
  const c = CTORS[dataType];
  if (!c) throw new Error(`Unsupported tensor data type ${dataType}.`);
  return c.BYTES_PER_ELEMENT;
}

export function tensorSize(t: TensorProto): number {
  return t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
}

/**
 * The tensor's elements as a typed array. Views `raw_data` in place when aligned (read-only by convention);
 * float16/bfloat16 come back as their raw Uint16 bits.
 */
export function tensorData(t: TensorProto): TypedArray {
  const ctor = CTORS[t.data_type];
  if (!ctor) throw new Error(`Tensor "${t.name}" has data type ${t.data_type}, which onnx-grad cannot read.`);
  if (t.data_location === 1) {
    throw new Error(
      `Tensor "${t.name}" stores its data externally: load the model with its external data files (resolveExternalData).`,
    );
  }
  const n = tensorSize(t);
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    const bpe = ctor.BYTES_PER_ELEMENT;
    if (raw.length !== n * bpe) {
      throw new OnnxDecodeError(
        `Tensor "${t.name}" holds ${raw.length} bytes but its shape needs ${n * bpe}: the file is corrupted.`,
      );
    }
    if (raw.byteOffset % bpe === 0) return new ctor(raw.buffer as ArrayBuffer, raw.byteOffset, n);
    const copy = new Uint8Array(raw); // unaligned views are not allowed for typed arrays: copy just this tensor
    return new ctor(copy.buffer, 0, n);
  }
  let src: ArrayLike<unknown> = [];
  switch (t.data_type) {
    case DataType.FLOAT:
      src = t.float_data ?? [];
      break;
    case DataType.DOUBLE:
      src = t.double_data ?? [];
      break;
    case DataType.INT64:
      src = (t.int64_data ?? []).map((v) => BigInt(Long.fromValue(v as never).toString()));
      break;
    case DataType.UINT64:
      src = (t.uint64_data ?? []).map((v) => BigInt(Long.fromValue(v as never).toString()));
      break;
    default:
      src = t.int32_data ?? [];
  }
  if (src.length !== n) {
    throw new OnnxDecodeError(
      `Tensor "${t.name}" holds ${src.length} values but its shape needs ${n}: the file is corrupted.`,
    );
  }
  return (ctor as unknown as { from(a: ArrayLike<unknown>): TypedArray }).from(src);
}

const DTYPE_OF: [abstract new (...args: never[]) => unknown, number][] = [
  [Float32Array, DataType.FLOAT],
  [Float64Array, DataType.DOUBLE],
  [Int32Array, DataType.INT32],
  [BigInt64Array, DataType.INT64],
  [Int8Array, DataType.INT8],
  [Uint16Array, DataType.UINT16],
  [Int16Array, DataType.INT16],
  [Uint32Array, DataType.UINT32],
  [BigUint64Array, DataType.UINT64],
  [Uint8Array, DataType.UINT8],
];

/** Builds a TensorProto around `data` (its bytes are referenced, not copied). Pass `dataType` for BOOL/FLOAT16. */
export function makeTensor(name: string, dims: readonly number[], data: TypedArray, dataType?: number): TensorProto {
  const dt = dataType ?? DTYPE_OF.find(([c]) => data instanceof c)?.[1];
  if (dt === undefined) throw new Error(`makeTensor: unsupported array type for "${name}".`);
  const n = dims.reduce((a, d) => a * d, 1);
  if (n !== data.length) throw new Error(`makeTensor: "${name}" has ${data.length} values for shape [${dims}].`);
  return {
    name,
    dims: [...dims],
    data_type: dt,
    raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
