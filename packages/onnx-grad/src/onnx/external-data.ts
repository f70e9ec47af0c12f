/**
 * External data (`model.onnx_data`) read lazily and written as a plan, so that a model of any size (past protobuf's
 * 2 GB limit) is converted with its tensor bytes read once, on demand, and written straight to their file:
 * - reading: a location maps to the file's bytes (tensors become views) or to an `ExternalDataSource` (a random-
 *   access reader, e.g. over a file descriptor): each tensor's `raw_data` is then read on first access only, so the
 *   weights a transform never looks at are never in memory;
 * - writing: `splitExternalData` moves the large initializers out of the model into one data file and returns the
 *   segments to write, each either the tensor's bytes or, for a tensor never read, where to copy them from.
 * Pure (no file system): the CLI supplies readers and writes the segments (onnx/files.ts).
 *
 * Exports: `ExternalDataSource`, `ExternalData`, `ExternalSegment`, `ExternalDataPlan`, `resolveExternalData`,
 * `allTensors`, `hasExternalData`, `pendingBytes`, `copyTensorLazily`, `splitExternalData`, `EXTERNAL_DATA_THRESHOLD`.
 */
import { OnnxDecodeError, type GraphProto, type ModelProto, type TensorProto } from './proto.ts';
import { bytesPerElement, tensorSize } from './tensor.ts';

/** Random access to an external data file: its size and a copy of any byte range. */
export interface ExternalDataSource {
  readonly byteLength: number;
  read(offset: number, length: number): Uint8Array;
}

export type ExternalData = Uint8Array | ExternalDataSource;

/** Where a tensor's bytes are until first read. */
interface Pending {
  source: ExternalDataSource;
  offset: number;
  length: number;
}

const PENDING = Symbol('onnx-grad.pendingExternalData');
type LazyTensor = TensorProto & { [PENDING]?: Pending };

/** Every tensor of a graph: initializers and tensor attributes, subgraphs included. */
export function* allTensors(g: GraphProto): Generator<TensorProto> {
  yield* g.initializer;
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) yield a.t;
      if (a.g) yield* allTensors(a.g);
      for (const sub of a.graphs ?? []) yield* allTensors(sub);
    }
  }
}

export function hasExternalData(model: ModelProto): boolean {
  for (const t of allTensors(model.graph)) if (t.data_location === 1) return true;
  return false;
}

/**
 * Makes `raw_data` read its bytes from `pending` on first access (then keeps them); assigning replaces them. The
 * property stays enumerable, so a spread copy reads the bytes (correct, only not lazy): copy tensors with
 * `copyTensorLazily` to keep them unread.
 */
function defineLazyRawData(t: LazyTensor, pending: Pending): void {
  let bytes: Uint8Array | undefined;
  Object.defineProperty(t, PENDING, { value: pending, configurable: true, writable: true, enumerable: false });
  Object.defineProperty(t, 'raw_data', {
    configurable: true,
    enumerable: true,
    get() {
      if (bytes === undefined) {
        const p = (this as LazyTensor)[PENDING];
        if (!p) return undefined;
        bytes = p.source.read(p.offset, p.length);
        if (bytes.length !== p.length)
          throw new OnnxDecodeError(`External data for "${t.name}": read ${bytes.length} of ${p.length} bytes.`);
        (this as LazyTensor)[PENDING] = undefined;
      }
      return bytes;
    },
    set(v: Uint8Array | undefined) {
      bytes = v;
      (this as LazyTensor)[PENDING] = undefined;
    },
  });
}

/** Where the bytes of `t` still are, when they were never read (undefined once read or for inline tensors). */
export function pendingBytes(t: TensorProto): Readonly<Pending> | undefined {
  return (t as LazyTensor)[PENDING];
}

/** A shallow copy of `t` (new object, same bytes) that does not read lazily resolved bytes. */
export function copyTensorLazily(t: TensorProto, overrides: Partial<TensorProto> = {}): TensorProto {
  const { raw_data: raw, [PENDING]: _p, ...descriptors } = Object.getOwnPropertyDescriptors(t as LazyTensor);
  const copy = Object.defineProperties({}, descriptors) as LazyTensor;
  const pending = (t as LazyTensor)[PENDING];
  // the copy gets its own accessor over the same range: reading one never changes the other
  if (pending) defineLazyRawData(copy, pending);
  else if (raw) copy.raw_data = t.raw_data; // own bytes only: a prototype default must not become an empty field
  return Object.assign(copy, overrides);
}

const isBytes = (d: ExternalData): d is Uint8Array => d instanceof Uint8Array;
const sizeOf = (d: ExternalData) => (isBytes(d) ? d.length : d.byteLength);

/**
 * Resolves every external tensor of the model against `files` (the `location` written in the model -> the file's
 * bytes or a reader). Bytes are views (no copy); readers are read per tensor on first access.
 */
export function resolveExternalData(
  model: ModelProto,
  files: Record<string, ExternalData> | Map<string, ExternalData>,
): void {
  const get = (k: string) => (files instanceof Map ? files.get(k) : files[k]);
  for (const t of allTensors(model.graph)) {
    if (t.data_location !== 1) continue;
    const info = Object.fromEntries((t.external_data ?? []).map((e) => [e.key, e.value]));
    if (info.location === undefined)
      throw new OnnxDecodeError(`Tensor "${t.name}" is marked as external data but names no "location" file.`);
    const file = get(info.location);
    if (!file) {
      throw new OnnxDecodeError(
        `Tensor "${t.name}" lives in the external data file "${info.location}", which was not provided: pass it next to the model.`,
      );
    }
    const offset = Number(info.offset ?? 0);
    const length = info.length !== undefined ? Number(info.length) : tensorSize(t) * bytesPerElement(t.data_type);
    if (offset + length > sizeOf(file)) {
      throw new OnnxDecodeError(
        `External data for "${t.name}" ends at byte ${offset + length} but "${info.location}" has ${sizeOf(file)} bytes: the file is truncated.`,
      );
    }
    t.data_location = 0;
    t.external_data = [];
    if (isBytes(file)) t.raw_data = file.subarray(offset, offset + length);
    else defineLazyRawData(t, { source: file, offset, length });
  }
}

/** Initializers of at least this many bytes go to the data file (onnx's `save_model` default size threshold). */
export const EXTERNAL_DATA_THRESHOLD = 1024;
/** Data offsets are aligned so that onnxruntime can map large tensors in place. */
const ALIGN = 4096;

/** One tensor's bytes at `offset` in the data file: in memory, or a range of a source to copy. */
export type ExternalSegment = { offset: number } & ({ bytes: Uint8Array } | { pending: Readonly<Pending> });

export interface ExternalDataPlan {
  location: string;
  /** Size of the data file. */
  byteLength: number;
  /** In increasing offset order, gaps between them are zero padding. */
  segments: ExternalSegment[];
}

/**
 * Moves the main graph's initializers of `threshold` bytes or more to the data file `location` (in place: they are
 * marked external, their bytes dropped from the model) and returns what to write there. Bytes never read are not
 * read here either: their segment says where to copy them from.
 */
export function splitExternalData(
  model: ModelProto,
  location: string,
  threshold = EXTERNAL_DATA_THRESHOLD,
): ExternalDataPlan {
  if (!location || location.includes('/') || location.includes('\\'))
    throw new Error(`External data location "${location}" must be a file name (written beside the model).`);
  const segments: ExternalSegment[] = [];
  let end = 0;
  model.graph.initializer = model.graph.initializer.map((t) => {
    const pending = pendingBytes(t);
    const bytes = pending ? undefined : t.raw_data;
    const length = pending ? pending.length : (bytes?.length ?? 0);
    if (t.data_location === 1 || length < threshold) return t;
    const offset = length >= ALIGN ? Math.ceil(end / ALIGN) * ALIGN : end;
    segments.push(pending ? { offset, pending } : { offset, bytes: bytes! });
    end = offset + length;
    const { raw_data: _r, [PENDING]: _p, ...descriptors } = Object.getOwnPropertyDescriptors(t as LazyTensor);
    const external = Object.defineProperties({}, descriptors) as TensorProto;
    external.data_location = 1;
    external.external_data = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ];
    return external;
  });
  return { location, byteLength: end, segments };
}
