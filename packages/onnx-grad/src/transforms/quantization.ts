/**
 * Lowers onnxruntime's quantized graphs to float ops that onnx-grad differentiates, keeping the forward values:
 * - `quantize_dynamic` MatMuls: `DynamicQuantizeLinear(x) -> MatMulInteger(xq, Wq, xzp, Wzp) -> Cast(float) ->
 *   Mul(·, Mul(x_scale, W_scale))` becomes `MatMul(STE(x, deq(xq)), deq(Wq))` with `deq(q) = (q - zp) * scale`
 *   computed at run time from the stored uint8/int8 tensors (Cast/Sub/Mul, any opset; per-tensor or per-column
 *   weight scales broadcast). Weights are constants, so their dequantization needs no gradient: the gradient is
 *   exact for the dequantized weights.
 * - activation quantization (`DynamicQuantizeLinear`, and `QuantizeLinear -> DequantizeLinear` pairs on a
 *   non-constant tensor): the forward keeps the quantized value, the backward is the straight-through estimator
 *   (d deq(q(x)) / dx = 1), expressed with the build-time ops of `autodiff/rules/internal.ts`.
 * Quantization this module does not lower (an activation quantized for another integer op) is reported by
 * `findUnloweredQuantization`, so that it is never silently treated as constant.
 *
 * Exports: `lowerQuantization`, `findUnloweredQuantization`, `QuantizedTable`, `dequantizeTable`, `QUANTIZED_TYPES`.
 */
import { DataType, toNumber, type NodeProto, type TensorProto } from '../onnx/proto.ts';
import { tensorData, tensorSize } from '../onnx/tensor.ts';
import { attrInt } from '../ir/attributes.ts';
import { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { INTERNAL_DOMAIN } from '../autodiff/rules/internal.ts';
import { constantTensor } from './constants.ts';

export const QUANTIZED_TYPES = new Set<number>([
  DataType.UINT8,
  DataType.INT8,
  DataType.UINT16,
  DataType.INT16,
  DataType.INT32,
]);
const PREFIX = 'quantization/';

/**
 * A quantized constant table: `value = (q - zeroPoint) * scale`, per tensor, along `axis`, or (opset 21
 * `block_size` > 0) per block of `blockSize` entries along `axis`, with scale and zero point shaped like the table
 * but `ceil(dim / blockSize)` along `axis`.
 */
export interface QuantizedTable {
  scale: TensorProto;
  zeroPoint?: TensorProto;
  axis: number;
  blockSize?: number;
}

/** Dequantizes a constant quantized tensor (per tensor, per `axis` with 1-D scale and zero point, or blocked). */
export function dequantizeTable(q: TensorProto, quant: QuantizedTable): Float32Array {
  const values = tensorData(q) as ArrayLike<number>;
  const scales = floatValues(quant.scale);
  const zps = quant.zeroPoint ? (tensorData(quant.zeroPoint) as ArrayLike<number>) : [0];
  const dims = q.dims.map(toNumber);
  const axis = quant.axis < 0 ? quant.axis + dims.length : quant.axis;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const along = dims[axis] ?? 1;
  const block = quant.blockSize ?? 0;
  const blocks = block > 0 ? Math.ceil(along / block) : 0;
  if (block > 0 && scales.length !== (values.length / along) * blocks)
    throw new Error(
      `dequantizeTable: "${q.name}" [${dims}] in blocks of ${block} along axis ${axis} needs ${(values.length / along) * blocks} scales, got ${scales.length}.`,
    );
  const out = new Float32Array(values.length);
  const perTensor = scales.length === 1;
  for (let i = 0; i < values.length; i++) {
    let k: number;
    if (block > 0) {
      const a = Math.floor(i / inner) % along;
      k = (Math.floor(i / (inner * along)) * blocks + Math.floor(a / block)) * inner + (i % inner);
    } else k = perTensor ? 0 : Math.floor(i / inner) % along;
    out[i] = (values[i]! - Number(zps[zps.length === 1 ? 0 : k])) * scales[k]!;
  }
  return out;
}

function floatValues(t: TensorProto): Float32Array {
  const d = tensorData(t);
  if (t.data_type === DataType.FLOAT16) return Float32Array.from(d as Uint16Array, halfToFloat);
  return Float32Array.from(d as ArrayLike<number>);
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const isStd = (n: NodeProto) => (n.domain ?? '') === '' || n.domain === 'ai.onnx';
const only = (graph: Graph, tensor: string, op: string): NodeProto | undefined => {
  const cs = graph.consumers(tensor);
  return cs.length === 1 && cs[0]!.op_type === op && isStd(cs[0]!) && !graph.proto.output.some((o) => o.name === tensor)
    ? cs[0]!
    : undefined;
};

/** A MatMulInteger operand: the integer tensor, its zero point, its scale, and the float it quantizes (activations). */
interface Operand {
  q: string;
  zp: string;
  scale: string;
  source?: string;
}

/** The DynamicQuantizeLinear that produced `q` as its quantized output, if any. */
function dynamicQuantizer(graph: Graph, q: string): NodeProto | undefined {
  const p = graph.producer(q);
  return p && p.op_type === 'DynamicQuantizeLinear' && isStd(p) && p.output[0]! === q ? p : undefined;
}

/**
 * Matches `Mul(Cast(MatMulInteger(a, b, azp, bzp), to=float), Mul(sa, sb))` (either operand order) and returns the
 * operands with their scales and the final Mul, or undefined when the node is not in that shape.
 */
function matchMatMulInteger(graph: Graph, m: NodeProto): { a: Operand; b: Operand; out: NodeProto } | undefined {
  const cast = only(graph, m.output[0]!, 'Cast');
  if (!cast) return undefined;
  if (attrInt(cast, 'to', 0) !== DataType.FLOAT) return undefined;
  const out = only(graph, cast.output[0]!, 'Mul');
  if (!out) return undefined;
  const scaleProduct = out.input[0]! === cast.output[0]! ? out.input[1]! : out.input[0]!;
  const sp = graph.producer(scaleProduct);
  if (sp?.op_type !== 'Mul' || !isStd(sp)) return undefined;
  const [aq = '', bq = '', azp = '', bzp = ''] = m.input;
  const da = dynamicQuantizer(graph, aq);
  const db = dynamicQuantizer(graph, bq);
  const scales = [...sp.input];
  const take = (s: string) => {
    const i = scales.indexOf(s);
    if (i < 0) return false;
    scales.splice(i, 1);
    return true;
  };
  // scales of dynamically quantized operands are known; a constant operand's scale is the Mul's other factor
  if (da && (!take(da.output[1]!) || (azp && azp !== da.output[2]!))) return undefined;
  if (db && (!take(db.output[1]!) || (bzp && bzp !== db.output[2]!))) return undefined;
  const rest = () => scales.shift();
  const a: Operand = da
    ? { q: aq, zp: azp, scale: da.output[1]!, source: da.input[0]! }
    : { q: aq, zp: azp, scale: rest()! };
  const b: Operand = db
    ? { q: bq, zp: bzp, scale: db.output[1]!, source: db.input[0]! }
    : { q: bq, zp: bzp, scale: rest()! };
  if (!a.scale || !b.scale || scales.length > 0) return undefined;
  // a constant operand must be a constant integer tensor whose scale and zero point are constants
  for (const o of [a, b]) {
    if (o.source) continue;
    if (!constantTensor(graph, o.q) || !constantTensor(graph, o.scale) || (o.zp && !constantTensor(graph, o.zp)))
      return undefined;
  }
  // a per-row zero point on the left operand would need a reshape; onnxruntime writes scalars there
  if (a.zp && (constantTensor(graph, a.zp)?.dims.length ?? 0) > 0 && tensorSize(constantTensor(graph, a.zp)!) > 1)
    return undefined;
  return { a, b, out };
}

/** Rewrites the quantized patterns of the module comment in place; returns how many nodes were lowered. */
export function lowerQuantization(graph: Graph): number {
  const b = new OpBuilder(graph, PREFIX);
  const dequantized = new Map<string, string>();
  const deq = (o: Operand): string => {
    const key = `${o.q}|${o.zp}|${o.scale}`;
    let v = dequantized.get(key);
    if (!v) {
      const q = b.cast(o.q, DataType.FLOAT);
      v = b.mul(o.zp ? b.sub(q, b.cast(o.zp, DataType.FLOAT)) : q, o.scale);
      if (o.source) v = straightThrough(graph, o.source, v);
      dequantized.set(key, v);
    }
    return v;
  };
  let lowered = 0;
  for (const m of graph.nodes.slice()) {
    if (m.op_type !== 'MatMulInteger' || !isStd(m)) continue;
    const match = matchMatMulInteger(graph, m);
    if (!match) continue;
    const result = match.out.output[0]!;
    graph.removeNodes(new Set([match.out]));
    graph.addNode('MatMul', [deq(match.a), deq(match.b)], { outputs: [result], name: `${PREFIX}${m.name}` });
    lowered++;
  }
  // QuantizeLinear -> DequantizeLinear on activations: straight-through
  for (const qn of graph.nodes.slice()) {
    if (qn.op_type !== 'QuantizeLinear' || !isStd(qn) || constantTensor(graph, qn.input[0]!)) continue;
    for (const dn of graph.consumers(qn.output[0]!)) {
      if (dn.op_type !== 'DequantizeLinear' || !isStd(dn) || dn.input[0]! !== qn.output[0]!) continue;
      const out = dn.output[0]!;
      dn.output = [graph.uniqueName(`${out}/dequantized`)];
      graph.invalidate();
      straightThrough(graph, qn.input[0]!, dn.output[0]!, out);
      lowered++;
    }
  }
  if (lowered > 0) {
    graph.toposort();
    graph.eliminateDeadCode(graph.proto.input.map((v) => v.name));
  }
  return lowered;
}

/** `StraightThrough(x, StopGradient(q))`: forward q, gradient to x unchanged. */
function straightThrough(graph: Graph, x: string, q: string, output?: string): string {
  const stopped = graph.addNode('StopGradient', [q], { domain: INTERNAL_DOMAIN, name: `${PREFIX}stop_gradient` })[0]!;
  const outputs = output ? [output] : 1;
  return graph.addNode('StraightThrough', [x, stopped], {
    domain: INTERNAL_DOMAIN,
    name: `${PREFIX}straight_through`,
    outputs,
  })[0]!;
}

/**
 * Quantizers of non-constant tensors still read by something else than this module's rewrites (and integer ops
 * left in the graph): their float inputs would silently get no gradient through the integer tensors.
 */
export function findUnloweredQuantization(
  graph: Graph,
): { opType: string; domain: string; node: string; reason: string }[] {
  const out: { opType: string; domain: string; node: string; reason: string }[] = [];
  for (const n of graph.nodes) {
    if (!isStd(n)) continue;
    if (n.op_type === 'DynamicQuantizeLinear' || n.op_type === 'QuantizeLinear') {
      if (constantTensor(graph, n.input[0]!)) continue;
      const readers = graph
        .consumers(n.output[0]!)
        .filter(
          (c) =>
            !(c.name ?? '').startsWith(PREFIX) && !(n.op_type === 'QuantizeLinear' && c.op_type === 'DequantizeLinear'),
        );
      if (readers.length > 0) {
        out.push({
          opType: n.op_type,
          domain: '',
          node: n.name ?? '',
          reason: `quantizes an activation read by ${readers.map((r) => `"${r.name}" (${r.op_type})`).join(', ')}, a pattern onnx-grad does not lower (it lowers MatMulInteger followed by Cast and the scale Mul, and DequantizeLinear)`,
        });
      }
    } else if (['MatMulInteger', 'ConvInteger', 'QLinearMatMul', 'QLinearConv'].includes(n.op_type)) {
      if (n.input.some((i) => i && !constantTensor(graph, i) && (graph.producer(i) || graph.isGraphInput(i)))) {
        out.push({
          opType: n.op_type,
          domain: '',
          node: n.name ?? '',
          reason: 'an integer op on activations that onnx-grad does not lower',
        });
      }
    }
  }
  return out;
}
