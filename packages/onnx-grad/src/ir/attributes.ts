/**
 * Reading and writing node attributes with JS values.
 * Exports: `AttrValue`, `makeAttribute`, `getAttr`, `attrInt`, `attrInts`, `attrFloat`, `attrString`, `attrTensor`, `attrGraph`.
 */
import {
  AttributeType,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  toNumber,
} from '../onnx/proto.ts';

export type AttrValue =
  | number
  | string
  | number[]
  | string[]
  | TensorProto
  | GraphProto
  | { float: number }
  | { floats: number[] };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Integers become INT(S), `{ float }`/`{ floats }` or non-integers become FLOAT(S), strings STRING(S). */
export function makeAttribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: utf8.encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string')
      return { name, type: AttributeType.STRINGS, strings: (v as string[]).map((s) => utf8.encode(s)) };
    const nums = v as number[];
    return nums.every(Number.isInteger)
      ? { name, type: AttributeType.INTS, ints: nums }
      : { name, type: AttributeType.FLOATS, floats: nums };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ('node' in v) return { name, type: AttributeType.GRAPH, g: v as GraphProto };
  return { name, type: AttributeType.TENSOR, t: v as TensorProto };
}

export function getAttr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string): number | undefined;
export function attrInt(node: NodeProto, name: string, dflt: number): number;
export function attrInt(node: NodeProto, name: string, dflt?: number): number | undefined {
  const a = getAttr(node, name);
  return a ? toNumber(a.i) : dflt;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}

export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = getAttr(node, name);
  return a ? (a.f ?? 0) : dflt;
}

export function attrString(node: NodeProto, name: string, dflt = ''): string {
  const a = getAttr(node, name);
  return a?.s ? fromUtf8.decode(a.s) : dflt;
}

export function attrTensor(node: NodeProto, name: string): TensorProto | undefined {
  return getAttr(node, name)?.t;
}

export function attrGraph(node: NodeProto, name: string): GraphProto | undefined {
  return getAttr(node, name)?.g;
}
