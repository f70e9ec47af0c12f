/**
 * Tensor checks (initializers, Constant values): a name, a known element type, dims that are non-negative integers
 * whose product fits, stored bytes that match the dims (onnxruntime refuses a short `raw_data`), and external-data
 * entries with a relative location inside the model's folder and decimal offset/length within the named file.
 *
 * Exports: `checkTensor`, `externalDataInfo`, `ExternalDataInfo`, `MAX_ELEMENTS`.
 */
import { pendingBytes } from '../onnx/external-data.ts';
import { DataType, type TensorProto, toNumber } from '../onnx/proto.ts';
import type { Problems } from './errors.ts';

/** Element counts above this cannot be a tensor any runtime allocates (and overflow exact integer arithmetic). */
export const MAX_ELEMENTS = 2 ** 50;

/** Bits per element of the fixed-size types; STRING is variable-size; 0 / unknown codes are refused. */
const BITS: Record<number, number> = {
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  [DataType.UINT16]: 16,
  [DataType.INT16]: 16,
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32,
  [DataType.UINT64]: 64,
  14: 64,
  15: 128,
  [DataType.BFLOAT16]: 16,
  17: 8,
  18: 8,
  19: 8,
  20: 8,
  21: 4,
  22: 4,
  23: 4,
};

export interface ExternalDataInfo {
  location: string;
  offset: number;
  length?: number;
}

const DECIMAL = /^[0-9]{1,16}$/;

/**
 * The parsed external-data entry of a tensor, or a reason it is unusable: the location must be a relative path
 * without `..` (inside the model's folder), offset/length plain decimal integers.
 */
export function externalDataInfo(t: TensorProto): ExternalDataInfo | string {
  const entries = t.external_data ?? [];
  const get = (k: string) => {
    const found = entries.filter((e) => e.key === k);
    return found.length > 1 ? null : found[0]?.value;
  };
  const location = get('location');
  if (location === null) return 'names "location" twice';
  if (!location) return 'is marked as external data but names no "location" file';
  const parts = location.split(/[\\/]/);
  if (location.startsWith('/') || /^[a-zA-Z]:/.test(location) || parts.includes('..') || location.includes('\0'))
    return `names the external data file "${location}", which is outside the model's folder`;
  const num = (k: string): number | undefined | string => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (v === null) return `names "${k}" twice`;
    if (!DECIMAL.test(v)) return `has external-data ${k} "${v}", not a non-negative decimal integer`;
    return Number(v);
  };
  const offset = num('offset');
  if (typeof offset === 'string') return offset;
  const length = num('length');
  if (typeof length === 'string') return length;
  return { location, offset: offset ?? 0, length };
}

/** Bytes the tensor's dims need, or undefined for variable-size types (strings). */
function byteSize(t: TensorProto, n: number): number | undefined {
  const bits = BITS[t.data_type];
  return bits === undefined ? undefined : Math.ceil((n * bits) / 8);
}

/**
 * Checks one tensor; `fileSizes` maps external-data locations to their byte size where known. Returns the element
 * count when the dims are usable.
 */
export function checkTensor(
  t: TensorProto,
  where: string,
  p: Problems,
  fileSizes?: ReadonlyMap<string, number>,
): number | undefined {
  if (t.data_type !== DataType.STRING && BITS[t.data_type] === undefined) {
    p.add(where, `element type ${t.data_type} is not an ONNX tensor type`);
    return undefined;
  }
  let n = 1;
  for (const d of t.dims) {
    const v = toNumber(d);
    if (!Number.isInteger(v) || v < 0) {
      p.add(where, `dims [${t.dims.map(toNumber).join(', ')}] hold ${v}; dims are non-negative integers`);
      return undefined;
    }
    n *= v;
  }
  if (n > MAX_ELEMENTS) {
    p.add(where, `dims [${t.dims.map(toNumber).join(', ')}] describe ${n} elements, more than any tensor can hold`);
    return undefined;
  }
  const need = byteSize(t, n);
  if (t.data_location === 1) {
    const info = externalDataInfo(t);
    if (typeof info === 'string') {
      p.add(where, info);
      return n;
    }
    if (need !== undefined && info.length !== undefined && info.length !== need)
      p.add(where, `external data length ${info.length} bytes, but dims [${t.dims.map(toNumber)}] need ${need}`);
    const size = fileSizes?.get(info.location);
    const end = info.offset + (info.length ?? need ?? 0);
    if (size !== undefined && end > size)
      p.add(where, `external data ends at byte ${end} but "${info.location}" has ${size} bytes (truncated file?)`);
    return n;
  }
  if (need === undefined) return n;
  const typed =
    (t.float_data?.length ?? 0) +
    (t.int32_data?.length ?? 0) +
    (t.int64_data?.length ?? 0) +
    (t.double_data?.length ?? 0) +
    (t.uint64_data?.length ?? 0);
  // bytes still in their external data file (read on first use): their length, without reading them
  const raw = pendingBytes(t)?.length ?? t.raw_data?.length ?? 0;
  if (raw > 0 && typed > 0) p.add(where, 'holds both raw_data and typed data fields; a tensor stores its values once');
  else if (raw > 0 && raw !== need)
    p.add(where, `raw_data holds ${raw} bytes but dims [${t.dims.map(toNumber)}] need ${need}`);
  else if (raw === 0 && n > 0 && typed !== n && !(typed === 0 && need === 0)) {
    // 16-bit and 8-bit types pack into int32_data one value per entry; 4-bit ones two per entry
    const bits = BITS[t.data_type]!;
    const expected = bits === 4 ? Math.ceil(n / 2) : n;
    if (typed !== expected) p.add(where, `holds ${typed} values but dims [${t.dims.map(toNumber)}] need ${expected}`);
  }
  return n;
}
