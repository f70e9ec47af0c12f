/**
 * Seeded mutations of ONNX models for the fuzzer: structured edits of the families hostile files use (names,
 * opsets, dims, attributes, element types, external data, graph shape) and bit flips of the encoded bytes. Case `i`
 * is always the same input (base `i mod bases`, mutation from the seeded generator), so a failing case is replayed
 * from its id.
 *
 * Exports: `FuzzCase`, `makeCase`, `MUTATIONS`, `rng`.
 */
import { decodeModel, encodeModel, type ModelProto, type NodeProto, type TensorProto } from '../../src/index.ts';
import type { FuzzBase } from './bases.ts';
import { rng } from '../../src/rng.ts';

export interface FuzzCase {
  id: number;
  base: string;
  mutation: string;
  bytes: Uint8Array;
  externalData?: Record<string, Uint8Array>;
}

export { rng };

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const INTERESTING = [-(2 ** 40), -5, -1, 0, 1, 2, 3, 7, 100000000, 2 ** 40];

interface Ctx {
  m: ModelProto;
  r: Rand;
  ext?: Record<string, Uint8Array>;
}
const nodes = (c: Ctx) => c.m.graph.node;
const anyNode = (c: Ctx): NodeProto => pick(c.r, nodes(c));
const inits = (c: Ctx) => c.m.graph.initializer;
const anyInit = (c: Ctx): TensorProto => pick(c.r, inits(c));
const withData = (c: Ctx) => inits(c).filter((t) => (t.raw_data?.length ?? 0) > 0);

/** Each mutation edits the model in place; it may be a no-op on a model without the needed part. */
export const MUTATIONS: Record<string, (c: Ctx) => void> = {
  'names/duplicate-initializer': (c) => {
    const t = anyInit(c);
    if (t) inits(c).push({ ...t, raw_data: t.raw_data && new Uint8Array(t.raw_data.length).fill(int(c.r, 0, 255)) });
  },
  'names/empty-initializer': (c) => {
    const t = anyInit(c);
    if (t) t.name = '';
  },
  'names/output-shadows-initializer': (c) => {
    const t = anyInit(c);
    if (t) anyNode(c).output[0] = t.name!;
  },
  'names/output-written-twice': (c) => {
    anyNode(c).output[0] = anyNode(c).output[0]!;
  },
  'names/unknown-input': (c) => {
    const n = anyNode(c);
    if (n.input.length > 0) n.input[int(c.r, 0, n.input.length - 1)] = pick(c.r, ['', 'nope', ' ']);
  },
  'names/graph-io': (c) => {
    const io = pick(c.r, [c.m.graph.input, c.m.graph.output]);
    if (io.length > 0) pick(c.r, io).name = pick(c.r, ['', 'nope', io[0]!.name]);
  },
  'opsets/version': (c) => {
    const o = c.m.opset_import.find((x) => !x.domain || x.domain === 'ai.onnx') ?? c.m.opset_import[0];
    if (o) o.version = pick(c.r, [-1, 0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 21, 23, 26, 27, 30]);
  },
  'opsets/duplicate-import': (c) => {
    c.m.opset_import.push({ domain: pick(c.r, ['', 'ai.onnx']), version: pick(c.r, [7, 11, 14, 17]) });
  },
  'opsets/drop-import': (c) => {
    c.m.opset_import = c.m.opset_import.filter((o) => o.domain && o.domain !== 'ai.onnx');
  },
  'opsets/ir-version': (c) => {
    c.m.ir_version = pick(c.r, [-1, 0, 1, 3, 7, 10, 13, 14, 99]);
  },
  'dims/initializer': (c) => {
    const t = anyInit(c);
    if (!t || t.dims.length === 0) return;
    const k = int(c.r, 0, t.dims.length - 1);
    const how = pick(c.r, ['interesting', 'swap', 'plus1', 'drop', 'add']);
    if (how === 'interesting') t.dims[k] = pick(c.r, INTERESTING);
    else if (how === 'swap') t.dims.reverse();
    else if (how === 'plus1') t.dims[k] = Number(t.dims[k]) + 1;
    else if (how === 'drop') t.dims.splice(k, 1);
    else t.dims.push(1);
  },
  'dims/declared-input': (c) => {
    const v = pick(c.r, c.m.graph.input);
    const dims = v?.type?.tensor_type?.shape?.dim;
    if (dims && dims.length > 0) dims[int(c.r, 0, dims.length - 1)] = { dim_value: pick(c.r, INTERESTING) };
  },
  'dims/short-raw-data': (c) => {
    const t = pick(c.r, withData(c));
    if (t?.raw_data) t.raw_data = t.raw_data.subarray(0, Math.max(0, t.raw_data.length - int(c.r, 1, 8)));
  },
  'dims/huge-shape-tensor': (c) => {
    // an input declared [100000000] feeding ConstantOfShape or a Reshape target
    const g = c.m.graph;
    const name = 'fuzz_shape';
    g.input.push({ name, type: { tensor_type: { elem_type: 7, shape: { dim: [{ dim_value: 100000000 }] } } } });
    const src = pick(c.r, g.output)?.name;
    if (!src) return;
    const op = pick(c.r, ['ConstantOfShape', 'Reshape', 'Expand']);
    const out = 'fuzz_out';
    g.node.push({
      op_type: op,
      name: `fuzz_${op}`,
      input: op === 'ConstantOfShape' ? [name] : [src, name],
      output: [out],
      attribute: [],
    });
    g.output.push({ name: out, type: { tensor_type: { elem_type: 1 } } });
  },
  'attributes/int': (c) => {
    const withInts = nodes(c).filter((n) => n.attribute.some((a) => a.type === 2 || a.type === 7));
    const n = pick(c.r, withInts);
    if (!n) return;
    const a = pick(
      c.r,
      n.attribute.filter((x) => x.type === 2 || x.type === 7),
    );
    if (a.type === 2) a.i = pick(c.r, INTERESTING);
    else {
      const len = a.ints?.length ?? 0;
      a.ints = Array.from({ length: pick(c.r, [len, len, len + 1, Math.max(len - 1, 0)]) }, () =>
        c.r() < 0.5 ? pick(c.r, INTERESTING) : int(c.r, -4, 7),
      );
    }
  },
  'attributes/perm': (c) => {
    const n = pick(
      c.r,
      nodes(c).filter((x) => x.op_type === 'Transpose'),
    );
    if (n)
      n.attribute = [
        {
          name: 'perm',
          type: 7,
          ints: pick(c.r, [
            [7, 7, 7, 7],
            [0, 0, 1, 2],
            [3, 2, 1],
            [1, 0],
          ]),
        },
      ];
  },
  'attributes/axis': (c) => {
    const n = pick(
      c.r,
      nodes(c).filter((x) => x.attribute.some((a) => a.name === 'axis' || a.name === 'axes')),
    );
    const a = n?.attribute.find((x) => x.name === 'axis' || x.name === 'axes');
    if (!a) return;
    if (a.name === 'axis') a.i = int(c.r, -9, 9);
    else a.ints = [int(c.r, -9, 9)];
  },
  'attributes/drop': (c) => {
    const n = pick(
      c.r,
      nodes(c).filter((x) => x.attribute.length > 0),
    );
    if (n) n.attribute.splice(int(c.r, 0, n.attribute.length - 1), 1);
  },
  'dtypes/initializer': (c) => {
    const t = anyInit(c);
    if (t) t.data_type = pick(c.r, [0, 1, 2, 6, 7, 8, 9, 10, 11, 16, 17, 21, 99]);
  },
  'dtypes/cast': (c) => {
    const n = pick(
      c.r,
      nodes(c).filter((x) => x.op_type === 'Cast'),
    );
    const a = n?.attribute.find((x) => x.name === 'to');
    if (a) a.i = pick(c.r, [0, 1, 6, 7, 8, 9, 10, 11, 99]);
  },
  'dtypes/input': (c) => {
    const v = pick(c.r, c.m.graph.input);
    if (v?.type?.tensor_type) v.type.tensor_type.elem_type = pick(c.r, [0, 1, 6, 7, 9, 10, 11]);
  },
  'external-data/entries': (c) => {
    const t = pick(c.r, withData(c));
    if (!t?.raw_data) return;
    const raw = t.raw_data;
    const location = pick(c.r, ['model.onnx_data', '../model.onnx_data', '/etc/passwd', 'sub/../../x', '']);
    const length = pick(c.r, [String(raw.length), 'abc', '-5', String(raw.length + 4), '1e3', String(raw.length - 4)]);
    const offset = pick(c.r, ['0', '8', '-1', 'x', '99999999']);
    t.external_data = [
      { key: 'location', value: location },
      { key: 'offset', value: offset },
      { key: 'length', value: length },
    ];
    t.data_location = 1;
    t.raw_data = undefined;
    const file = new Uint8Array(raw.length + 8);
    file.set(raw, 8 * Number(offset === '8'));
    c.ext = { [location]: file };
  },
  'graph/reverse': (c) => {
    c.m.graph.node.reverse();
  },
  'graph/shuffle': (c) => {
    const ns = c.m.graph.node;
    for (let i = ns.length - 1; i > 0; i--) {
      const j = int(c.r, 0, i);
      [ns[i], ns[j]] = [ns[j]!, ns[i]!];
    }
  },
  'graph/delete-node': (c) => {
    c.m.graph.node.splice(int(c.r, 0, c.m.graph.node.length - 1), 1);
  },
  'graph/duplicate-node': (c) => {
    const n = anyNode(c);
    c.m.graph.node.push({ ...n, name: `${n.name}_dup` });
  },
  'graph/cycle': (c) => {
    const ns = c.m.graph.node;
    const a = int(c.r, 0, ns.length - 1);
    const b = int(c.r, a, ns.length - 1);
    if (ns[a]!.input.length > 0 && ns[b]!.output[0]) ns[a]!.input[0] = ns[b]!.output[0]!;
  },
  'graph/rewire-input': (c) => {
    const n = anyNode(c);
    const other = anyNode(c);
    if (n.input.length > 0 && other.output[0]) n.input[int(c.r, 0, n.input.length - 1)] = other.output[0];
  },
  'graph/op-type': (c) => {
    anyNode(c).op_type = pick(c.r, ['Identity', 'Relu', 'Transpose', 'Softmax', 'Gather', 'MatMul', 'Nope', '']);
  },
  'graph/long-identity-chain': (c) => {
    const g = c.m.graph;
    const out = g.output[0];
    const p = out && g.node.find((n) => n.output.includes(out.name));
    if (!out || !p) return;
    const n = int(c.r, 100, 3000);
    const k = p.output.indexOf(out.name);
    p.output[k] = 'fuzz_chain_0';
    for (let i = 0; i < n; i++)
      g.node.push({
        op_type: 'Identity',
        name: `fuzz_id_${i}`,
        input: [`fuzz_chain_${i}`],
        output: [i === n - 1 ? out.name : `fuzz_chain_${i + 1}`],
        attribute: [],
      });
    if (c.r() < 0.5) g.node.reverse();
  },
};

const BIT_FLIPS = ['bits/flip', 'bits/bytes', 'bits/truncate'] as const;

function flipBits(bytes: Uint8Array, r: Rand, how: (typeof BIT_FLIPS)[number]): Uint8Array {
  const out = new Uint8Array(bytes);
  if (how === 'bits/truncate') return out.subarray(0, int(r, 0, out.length - 1));
  const n = int(r, 1, 8);
  for (let k = 0; k < n; k++) {
    const at = int(r, 0, out.length - 1);
    if (how === 'bits/flip') out[at]! ^= 1 << int(r, 0, 7);
    else out[at] = int(r, 0, 255);
  }
  return out;
}

const NAMES = [...Object.keys(MUTATIONS), ...BIT_FLIPS];

/** The input of case `id`, from `seed`: one or two structured mutations, or bit flips (a quarter of the cases). */
export function makeCase(id: number, bases: readonly FuzzBase[], seed = 1): FuzzCase {
  const r = rng((seed * 0x9e3779b1) ^ (id * 0x85ebca6b));
  const base = bases[id % bases.length]!;
  const kind = pick(r, NAMES);
  if ((BIT_FLIPS as readonly string[]).includes(kind))
    return { id, base: base.name, mutation: kind, bytes: flipBits(base.bytes, r, kind as (typeof BIT_FLIPS)[number]) };
  const c: Ctx = { m: decodeModel(base.bytes), r };
  const applied = [kind];
  MUTATIONS[kind]!(c);
  if (r() < 0.25) {
    const second = pick(r, Object.keys(MUTATIONS));
    MUTATIONS[second]!(c);
    applied.push(second);
  }
  return { id, base: base.name, mutation: applied.join(' + '), bytes: encodeModel(c.m), externalData: c.ext };
}
