/**
 * Lowers onnxruntime's block-quantized `com.microsoft` MatMulNBits (transformers.js q4 / q4f16 files), MatMulBnb4
 * (bnb4) and GatherBlockQuantized to standard ops. MatMulNBits: `Y = A · deq(B)^T (+ bias)` where B [N, k_blocks,
 * blob_size] packs `bits`-bit values along K, low bits first, and
 * `deq(q)[n, k] = (q - zp[n, k / block_size]) * scale[n, k / block_size]`; zero points are absent (default
 * 2^(bits-1)), packed like B (uint8 [N, ceil(k_blocks * bits / 8)]) or unpacked in the scales' type. K need not be
 * a multiple of block_size: the padding of the last block is dropped. With `g_idx` (act-order exports, GPTQ
 * `desc_act`: int32 [K], the quantization group of each row of K) row k reads the scale and zero point of group
 * g_idx[k] instead of k / block_size, as onnxruntime's CPU kernel does (4 bits only, like that kernel; packed uint8
 * zero points are refused with g_idx: onnxruntime 1.30's kernel ignores them there, measured, so the model's own
 * outputs would not be its quantizer's).
 *
 * The packed bytes stay in the file and are unpacked at run time by one `Gather` from a 256-row table of each
 * byte's fields (`table[b, j] = floor(b / 2^(bits*j)) mod 2^bits`, float32) indexed by the bytes cast to int32:
 * exact, no integer kernels (BitShift/BitwiseAnd are missing from some backends and opsets), and one pass (the float
 * form Mul-by-shifts/Floor/Sub broadcast over a trailing axis of 2 took 14 of the 18 s of a 124M q4 gradient run on
 * onnxruntime-node). The packed inputs are overridable initializers (`keepPackedAtRunTime`), so onnxruntime does not
 * fold the dequantization at load. The weights are constants, so the gradient w.r.t. A is exact for the
 * dequantized weights.
 *
 * Half scales (q4f16) are read as float32 and the dequantized weight is cast back to the scales' type, so the graph
 * stays type-consistent until `computeInFloat32` moves the model to float32.
 *
 * `GatherBlockQuantized` (quantized embedding tables of onnxruntime-genai builder exports: uint8 data [rows, cols *
 * bits / 8] packed along the last axis, scales [rows, ceil(cols / block_size)], optional packed zero points) becomes
 * `Gather(table, indices)` on the table dequantized here, so that the embedding cut finds an ordinary float lookup
 * (its `weights` are the dequantized table). A table the cut did not remove is put back packed by `repackTables`:
 * the file keeps the uint8 bytes and dequantizes them at run time, as for MatMulNBits.
 *
 * `MatMulBnb4` (bitsandbytes FP4/NF4, transformers.js bnb4 files) is lowered the same way: its codes (two a byte,
 * high nibble first, over the flattened [N, K] weight) index the 16-value code book with a Gather, times the absmax
 * of their block.
 *
 * Not lowered, and reported by name with the reason: `g_idx` with other widths than 4 bits, with packed zero points
 * or not a constant int32 [K] of group indices; non-constant weights, scales or zero points, other bit widths than 2, 4 and 8, int4/uint4-typed or non-2-D tables, shapes that disagree with the
 * attributes.
 *
 * Exports: `lowerBlockQuantization`, `repackTables`, `keepPackedAtRunTime`, `BlockQuantizationResult`, `PackedTable`,
 * `dequantizeMatMulNBits`, `dequantizeTableBlocks`, `BNB4_CODES`.
 */
import { DataType, type NodeProto, type TensorProto } from '../onnx/proto.ts';
import { bytesPerElement, makeTensor, tensorData, tensorSize } from '../onnx/tensor.ts';
import { attrInt } from '../ir/attributes.ts';
import { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { constantTensor } from './constants.ts';
import { halfToFloat } from './quantization.ts';

const MS_DOMAIN = 'com.microsoft';
const PREFIX = 'deq4/'; // short: node and tensor names are a large part of a small model's file

export interface BlockQuantizationResult {
  /** MatMulNBits, MatMulBnb4 and GatherBlockQuantized nodes replaced by standard ops. */
  lowered: number;
  /** Nodes left in place (then reported as non-standard ops), by node name, with why. */
  skipped: Map<string, string>;
  /** Dequantized GatherBlockQuantized tables (float initializers) by name, for `repackTables`. */
  tables: Map<string, PackedTable>;
}

/** A GatherBlockQuantized table: its packed operands, to write it back packed. */
export interface PackedTable {
  rows: number;
  cols: number;
  bits: number;
  blockSize: number;
  data: TensorProto;
  scales: TensorProto;
  zeroPoints?: TensorProto;
}

interface NBits {
  K: number;
  N: number;
  bits: number;
  blockSize: number;
  kBlocks: number;
  blob: number;
  B: TensorProto;
  scales: TensorProto;
  zeroPoints?: TensorProto;
  /** Act-order group of each row of K (`g_idx`), when given. */
  gIdx?: Int32Array;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const isFloatType = (t: number) => t === DataType.FLOAT || t === DataType.FLOAT16 || t === DataType.BFLOAT16;

/** The node's attributes and constant operands, or why it cannot be lowered. */
function readNode(graph: Graph, n: NodeProto): NBits | string {
  const K = attrInt(n, 'K', 0);
  const N = attrInt(n, 'N', 0);
  const bits = attrInt(n, 'bits', 4);
  const blockSize = attrInt(n, 'block_size', 0);
  if (K <= 0 || N <= 0 || blockSize <= 0)
    return `attributes K, N and block_size must be positive (K=${K}, N=${N}, block_size=${blockSize})`;
  if (![2, 4, 8].includes(bits))
    return `bits=${bits}: only 2, 4 and 8 are lowered (the widths onnxruntime's CPU kernel runs)`;
  const [a = '', b = '', s = '', zp = '', gIdx = ''] = n.input;
  const B = constantTensor(graph, b);
  const scales = constantTensor(graph, s);
  const zeroPoints = zp ? constantTensor(graph, zp) : undefined;
  if (!a) return 'no input A';
  if (!B || !scales || (zp && !zeroPoints))
    return 'the packed weights, scales and zero points must be constants (initializers or Constant nodes)';
  const kBlocks = ceilDiv(K, blockSize);
  const blob = (blockSize * bits) / 8;
  if (B.data_type !== DataType.UINT8) return `B has element type ${B.data_type}; only packed uint8 is lowered`;
  if (tensorSize(B) !== N * kBlocks * blob)
    return `B has ${tensorSize(B)} bytes, expected N * ceil(K / block_size) * block_size * bits / 8 = ${N * kBlocks * blob}`;
  if (!isFloatType(scales.data_type) || tensorSize(scales) !== N * kBlocks)
    return `scales must be ${N * kBlocks} floats (N * ceil(K / block_size))`;
  if (zeroPoints) {
    const packed = zeroPoints.data_type === DataType.UINT8;
    const expected = packed ? N * ceilDiv(kBlocks * bits, 8) : N * kBlocks;
    if ((!packed && zeroPoints.data_type !== scales.data_type) || tensorSize(zeroPoints) !== expected)
      return `zero_points must be packed uint8 [N, ceil(k_blocks * bits / 8)] or ${N * kBlocks} values of the scales' type`;
  }
  if (!gIdx) return { K, N, bits, blockSize, kBlocks, blob, B, scales, zeroPoints };
  if (bits !== 4) return `g_idx with bits=${bits}: onnxruntime runs act-order (g_idx) weights with 4 bits only`;
  if (zeroPoints?.data_type === DataType.UINT8) {
    return (
      'g_idx with packed uint8 zero points: onnxruntime 1.30 ignores those zero points when g_idx is given, so the ' +
      "model's outputs are not its quantizer's; re-export with float zero points or without act-order"
    );
  }
  const g = constantTensor(graph, gIdx);
  if (!g || g.data_type !== DataType.INT32 || tensorSize(g) !== K)
    return `g_idx must be a constant int32 tensor of K = ${K} group indices`;
  const groups = tensorData(g) as Int32Array;
  const bad = groups.findIndex((v) => v < 0 || v >= kBlocks);
  if (bad >= 0) return `g_idx[${bad}] = ${groups[bad]} is not a group index in [0, ${kBlocks})`;
  return { K, N, bits, blockSize, kBlocks, blob, B, scales, zeroPoints, gIdx: groups };
}

/** bitsandbytes' 4-bit code books (onnxruntime blockwise_quant_block_bnb4.h), by `quant_type`: 0 FP4, 1 NF4. */
export const BNB4_CODES: readonly (readonly number[])[] = [
  [
    0, 5.208333333e-3, 0.66666667, 1, 0.33333333, 0.5, 0.16666667, 0.25, -0, -5.208333333e-3, -0.66666667, -1,
    -0.33333333, -0.5, -0.16666667, -0.25,
  ],
  [
    -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
    -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1,
  ],
];

/** A MatMulBnb4 node: B [N, K] flattened, two codes a byte (high nibble first), one absmax a block of the stream. */
interface Bnb4 {
  K: number;
  N: number;
  blockSize: number;
  quantType: number;
}

function readBnb4(graph: Graph, n: NodeProto): Bnb4 | string {
  const K = attrInt(n, 'K', 0);
  const N = attrInt(n, 'N', 0);
  const blockSize = attrInt(n, 'block_size', 0);
  const quantType = attrInt(n, 'quant_type', -1);
  if (K <= 0 || N <= 0 || blockSize <= 0) return `attributes K, N and block_size must be positive`;
  if (quantType !== 0 && quantType !== 1) return `quant_type=${quantType}: only 0 (FP4) and 1 (NF4) exist`;
  if (attrInt(n, 'transB', 1) !== 1) return 'transB=0 is not lowered (onnxruntime computes A · B^T)';
  const B = constantTensor(graph, n.input[1] ?? '');
  const absmax = constantTensor(graph, n.input[2] ?? '');
  if (!B || !absmax) return 'the packed weights and absmax must be constants (initializers or Constant nodes)';
  if ((N * K) % blockSize !== 0) return `N * K = ${N * K} is not a multiple of block_size ${blockSize}`;
  if (B.data_type !== DataType.UINT8 || tensorSize(B) !== Math.ceil((N * K) / 2))
    return `B must be ${Math.ceil((N * K) / 2)} packed uint8 bytes`;
  if (!isFloatType(absmax.data_type) || tensorSize(absmax) !== (N * K) / blockSize)
    return `absmax must be ${(N * K) / blockSize} floats`;
  return { K, N, blockSize, quantType };
}

/** The dequantized [K, N] weight of a MatMulBnb4: `code[nibble] * absmax[block]`, transposed. */
function bnb4Weight(b: OpBuilder, n: NodeProto, q: Bnb4): string {
  const { K, N, blockSize, quantType } = q;
  const blocks = (N * K) / blockSize;
  const codes = unpack(b, n.input[1]!, 1, (N * K) / 2, 4, true);
  const values = b.gather(b.f32([...BNB4_CODES[quantType]!]), b.cast(b.reshape(codes, [N * K]), DataType.INT64));
  const absmax = b.reshape(b.cast(n.input[2]!, DataType.FLOAT), [blocks, 1]);
  const w = b.reshape(b.mul(b.reshape(values, [blocks, blockSize]), absmax), [N, K]);
  return b.transpose(w, [1, 0]);
}

/** A GatherBlockQuantized node's table, or why it cannot be lowered. */
function readTable(graph: Graph, n: NodeProto): PackedTable | string {
  const bits = attrInt(n, 'bits', 4);
  const blockSize = attrInt(n, 'block_size', 128);
  const [d = '', , s = '', zp = ''] = n.input;
  const data = constantTensor(graph, d);
  const scales = constantTensor(graph, s);
  const zeroPoints = zp ? constantTensor(graph, zp) : undefined;
  if (!data || !scales || (zp && !zeroPoints))
    return 'the packed table, scales and zero points must be constants (initializers or Constant nodes)';
  if (data.data_type !== DataType.UINT8) return `data has element type ${data.data_type}; only packed uint8 is lowered`;
  if (![2, 4, 8].includes(bits)) return `bits=${bits}: only 2, 4 and 8 are lowered`;
  if (data.dims.length !== 2) return `the table has rank ${data.dims.length}; only [rows, packed columns] is lowered`;
  const rank = 2;
  const axis = (a: number) => (a < 0 ? a + rank : a);
  if (axis(attrInt(n, 'gather_axis', 0)) !== 0 || axis(attrInt(n, 'quantize_axis', 1)) !== 1)
    return 'only gather_axis 0 and quantize_axis 1 (the last) are lowered, as onnxruntime requires for uint8 data';
  const [rows = 0, bytes = 0] = data.dims.map(Number);
  const cols = (bytes * 8) / bits;
  const kBlocks = ceilDiv(cols, blockSize);
  if (!isFloatType(scales.data_type) || tensorSize(scales) !== rows * kBlocks)
    return `scales must be [${rows}, ${kBlocks}] floats (rows, ceil(columns / block_size))`;
  if (
    zeroPoints &&
    (zeroPoints.data_type !== DataType.UINT8 || tensorSize(zeroPoints) !== rows * ceilDiv(kBlocks * bits, 8))
  )
    return `zero_points must be packed uint8 [${rows}, ${ceilDiv(kBlocks * bits, 8)}]`;
  return { rows, cols, bits, blockSize, data, scales, zeroPoints };
}

const floatsOf = (t: TensorProto) =>
  t.data_type === DataType.FLOAT16
    ? Float32Array.from(tensorData(t) as Uint16Array, halfToFloat)
    : Float32Array.from(tensorData(t) as ArrayLike<number>);

/** Field `i` (`bits` wide, low bits first) of row `row` of a packed uint8 buffer with `rowBytes` bytes a row. */
function field(data: Uint8Array, rowBytes: number, row: number, i: number, bits: number): number {
  const byte = data[row * rowBytes + Math.floor((i * bits) / 8)]!;
  return (byte >> ((i * bits) % 8)) & ((1 << bits) - 1);
}

/** The dequantized table [rows, cols] of a GatherBlockQuantized, row-major float32. */
export function dequantizeTableBlocks(t: PackedTable): Float32Array {
  const { rows, cols, bits, blockSize } = t;
  const kBlocks = ceilDiv(cols, blockSize);
  const data = tensorData(t.data) as Uint8Array;
  const scales = floatsOf(t.scales);
  const zps = t.zeroPoints ? (tensorData(t.zeroPoints) as Uint8Array) : undefined;
  const zpBytes = ceilDiv(kBlocks * bits, 8);
  const rowBytes = (cols * bits) / 8;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const blk = Math.floor(c / blockSize);
      const zp = zps ? field(zps, zpBytes, r, blk, bits) : 2 ** (bits - 1);
      out[r * cols + c] = (field(data, rowBytes, r, c, bits) - zp) * scales[r * kBlocks + blk]!;
    }
  }
  return out;
}

/**
 * `x` (uint8 [rows, bytes]) split into its `bits`-bit fields, low bits first (bitsandbytes: high first), as float
 * minus `offset` (a default zero point, subtracted in the table for free): [rows, bytes * 8/bits]. One Gather of a
 * [256, 8/bits] table of every byte's fields.
 */
function unpack(
  b: OpBuilder,
  x: string,
  rows: number,
  bytes: number,
  bits: number,
  highFirst = false,
  offset = 0,
): string {
  if (bits === 8) {
    const v = b.reshape(b.cast(x, DataType.FLOAT), [rows, bytes]);
    return offset ? b.sub(v, b.f32(offset)) : v;
  }
  const perByte = 8 / bits;
  // one table per form in the graph (a tiny model has many small 4-bit weights)
  const tableName = `${PREFIX}fields_${bits}${highFirst ? 'h' : 'l'}${offset ? `_minus${offset}` : ''}`;
  if (b.graph.initializer(tableName)) {
    return b.reshape(b.gather(tableName, b.cast(x, DataType.INT32), 0), [rows, bytes * perByte]);
  }
  const table = new Float32Array(256 * perByte);
  for (let v = 0; v < 256; v++) {
    for (let j = 0; j < perByte; j++) {
      const shift = bits * (highFirst ? perByte - 1 - j : j);
      table[v * perByte + j] = (Math.floor(v / 2 ** shift) % 2 ** bits) - offset;
    }
  }
  b.graph.addInitializer(makeTensor(tableName, [256, perByte], table));
  const fields = b.gather(tableName, b.cast(x, DataType.INT32), 0);
  return b.reshape(fields, [rows, bytes * perByte]);
}

const toFloat = (b: OpBuilder, x: string, t: TensorProto) =>
  t.data_type === DataType.FLOAT ? x : b.cast(x, DataType.FLOAT);

/** The dequantized weight [K, N] in the scales' element type, from the node's inputs (see the module comment). */
function dequantizedWeight(b: OpBuilder, n: NodeProto, q: NBits): string {
  const { K, N, bits, blockSize, kBlocks, blob } = q;
  // without zero points the default 2^(bits-1) is subtracted inside the unpacking table
  const values = unpack(b, n.input[1]!, N * kBlocks, blob, bits, false, q.zeroPoints ? 0 : 2 ** (bits - 1));
  const blocks = b.reshape(values, [N, kBlocks, blockSize]);
  let zp: string | undefined;
  if (!q.zeroPoints) zp = undefined;
  else if (q.zeroPoints.data_type === DataType.UINT8) {
    const bytes = ceilDiv(kBlocks * bits, 8);
    const all = unpack(b, b.reshape(n.input[3]!, [N, bytes]), N, bytes, bits);
    zp = b.reshape(bytes * (8 / bits) === kBlocks ? all : b.slice(all, [0], [kBlocks], [1]), [N, kBlocks, 1]);
  } else zp = b.reshape(toFloat(b, n.input[3]!, q.zeroPoints), [N, kBlocks, 1]);
  const scale = b.reshape(toFloat(b, n.input[2]!, q.scales), [N, kBlocks, 1]);
  let w: string;
  if (q.gIdx) {
    // act-order: row k takes the scale (and float zero point) of group g_idx[k], gathered to [N, K]
    let v = b.reshape(values, [N, kBlocks * blockSize]);
    if (kBlocks * blockSize !== K) v = b.slice(v, [0], [K], [1]);
    const groups = b.graph.addInitializer(
      makeTensor(`${PREFIX}${n.name || n.output[0]}/g_idx`, [K], BigInt64Array.from(q.gIdx, BigInt), DataType.INT64),
    );
    const perRow = (t: string) => b.gather(b.reshape(t, [N, kBlocks]), groups, 1);
    w = b.mul(zp ? b.sub(v, perRow(zp)) : v, perRow(scale));
  } else {
    w = b.reshape(b.mul(zp ? b.sub(blocks, zp) : blocks, scale), [N, kBlocks * blockSize]);
    if (kBlocks * blockSize !== K) w = b.slice(w, [0], [K], [1]);
  }
  w = b.transpose(w, [1, 0]);
  return q.scales.data_type === DataType.FLOAT ? w : b.cast(w, q.scales.data_type);
}

/**
 * Replaces every lowerable MatMulNBits of the main graph by `MatMul(A, deq(B)) (+ bias)`, writing the node's own
 * output name. The others stay, so that the non-standard-op check names them (with `skipped`'s reason).
 */
export function lowerBlockQuantization(graph: Graph): BlockQuantizationResult {
  const b = new OpBuilder(graph, PREFIX);
  const skipped = new Map<string, string>();
  const tables = new Map<string, PackedTable>();
  let lowered = 0;
  for (const n of graph.nodes.slice()) {
    if (n.domain !== MS_DOMAIN || !['MatMulNBits', 'GatherBlockQuantized', 'MatMulBnb4'].includes(n.op_type)) continue;
    const q =
      n.op_type === 'MatMulNBits'
        ? readNode(graph, n)
        : n.op_type === 'MatMulBnb4'
          ? readBnb4(graph, n)
          : readTable(graph, n);
    if (typeof q === 'string') {
      skipped.set(n.name ?? '', q);
      continue;
    }
    const y = n.output[0]!;
    graph.removeNodes(new Set([n]));
    const name = `${PREFIX}${n.name ?? n.op_type}`;
    if ('cols' in q) {
      const table = graph.uniqueName(`${n.input[0]!}/dequantized`);
      graph.addInitializer(makeTensor(table, [q.rows, q.cols], dequantizeTableBlocks(q)));
      tables.set(table, q);
      graph.addNode('Gather', [table, n.input[1]!], { outputs: [y], attrs: { axis: 0 }, name });
    } else if ('quantType' in q) {
      graph.addNode('MatMul', [n.input[0]!, bnb4Weight(b, n, q)], { outputs: [y], name });
    } else {
      const w = dequantizedWeight(b, n, q);
      const bias = n.input[5];
      if (bias) {
        const product = graph.addNode('MatMul', [n.input[0]!, w], { name })[0]!;
        graph.addNode('Add', [product, bias], { outputs: [y], name: `${name}/bias` });
      } else graph.addNode('MatMul', [n.input[0]!, w], { outputs: [y], name });
    }
    lowered++;
  }
  if (lowered > 0) {
    graph.invalidate();
    graph.toposort();
  }
  return { lowered, skipped, tables };
}

/**
 * Puts the dequantized GatherBlockQuantized tables still read (a lookup the embedding cut did not remove) back in
 * packed form: the float initializer becomes the output of a run-time dequantization of the stored uint8 bytes.
 * Returns how many were repacked.
 */
export function repackTables(graph: Graph, tables: ReadonlyMap<string, PackedTable>): number {
  const b = new OpBuilder(graph, `${PREFIX}repack/`);
  let repacked = 0;
  for (const [name, t] of tables) {
    if (!graph.initializer(name) || graph.consumers(name).length === 0) continue;
    const stored = (x: TensorProto) => graph.initializer(x.name!)?.name ?? graph.addInitializer({ ...x });
    const { rows, cols, bits, blockSize } = t;
    const kBlocks = ceilDiv(cols, blockSize);
    const rowBytes = (cols * bits) / 8;
    const q = unpack(b, stored(t.data), rows, rowBytes, bits);
    const blockOf = b.tensor(
      BigInt64Array.from({ length: cols }, (_, c) => BigInt(Math.floor(c / blockSize))),
      [cols],
      DataType.INT64,
      'block_of_column',
    );
    const perColumn = (x: string) => b.gather(b.reshape(x, [rows, -1]), blockOf, 1);
    const scale = perColumn(b.cast(stored(t.scales), DataType.FLOAT));
    let zp: string;
    if (t.zeroPoints) {
      const zpBytes = ceilDiv(kBlocks * bits, 8);
      zp = perColumn(unpack(b, stored(t.zeroPoints), rows, zpBytes, bits));
    } else zp = b.f32(2 ** (bits - 1));
    graph.removeInitializer(name);
    graph.addNode('Mul', [b.sub(q, zp), scale], { outputs: [name], name: `${PREFIX}repack/${name}` });
    repacked++;
  }
  if (repacked > 0) {
    graph.invalidate();
    graph.toposort();
  }
  return repacked;
}

/**
 * The dequantized weight [K, N] (row-major) of a MatMulNBits node's constant inputs, computed in TypeScript: the
 * reference the tests hold the graph lowering to, and a way to read a q4 weight.
 */
export function dequantizeMatMulNBits(graph: Graph, node: NodeProto): Float32Array {
  const q = readNode(graph, node);
  if (typeof q === 'string') throw new Error(`MatMulNBits "${node.name}": ${q}.`);
  const { K, N, bits, blockSize, kBlocks, blob } = q;
  const bytes = tensorData(q.B) as Uint8Array;
  const scales = floatsOf(q.scales);
  const zpBytes = ceilDiv(kBlocks * bits, 8);
  const zpPacked = q.zeroPoints?.data_type === DataType.UINT8 ? (tensorData(q.zeroPoints) as Uint8Array) : undefined;
  const zpFloat = q.zeroPoints && !zpPacked ? floatsOf(q.zeroPoints) : undefined;
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const blk = q.gIdx ? q.gIdx[k]! : Math.floor(k / blockSize);
      const v = field(bytes, kBlocks * blob, n, k, bits);
      const zp = zpPacked
        ? field(zpPacked, zpBytes, n, blk, bits)
        : zpFloat
          ? zpFloat[n * kBlocks + blk]!
          : 2 ** (bits - 1);
      out[k * N + n] = (v - zp) * scales[n * kBlocks + blk]!;
    }
  }
  return out;
}

/** Packed tensors smaller than this are left constant: folding them costs nothing worth avoiding. */
const RUN_TIME_MIN_BYTES = 1024;

/**
 * Declares the packed 4-bit weights (and their scales and zero points) that the lowered nodes dequantize as
 * overridable initializers (listed among the graph inputs, IR >= 4), so that onnxruntime dequantizes them at run
 * time instead of constant-folding every weight to float32 at load (8x the file in memory, plus the folding's
 * intermediates: a 124M q4 model's gradient model went past 5 GB at session creation). Runtimes list only
 * the inputs without an initializer as the session's inputs. Returns the names declared.
 */
export function keepPackedAtRunTime(graph: Graph): string[] {
  const declared: string[] = [];
  const inputs = new Set(graph.proto.input.map((v) => v.name));
  for (const t of graph.proto.initializer) {
    const name = t.name!;
    // the model's own tensors only: the unpacking tables the lowering adds are constants worth folding into kernels
    if (
      inputs.has(name) ||
      name.startsWith(PREFIX) ||
      tensorSize(t) * bytesPerElement(t.data_type) < RUN_TIME_MIN_BYTES
    )
      continue;
    if (!graph.consumers(name).some((c) => c.name?.startsWith(PREFIX))) continue;
    graph.proto.input.push({
      name,
      type: { tensor_type: { elem_type: t.data_type, shape: { dim: t.dims.map((d) => ({ dim_value: d })) } } },
    });
    declared.push(name);
  }
  if (declared.length > 0) graph.invalidate();
  return declared;
}
