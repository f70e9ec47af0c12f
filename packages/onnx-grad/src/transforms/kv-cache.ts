/**
 * KV-cache removal for decoders. A gradient model covers the whole sequence with an empty cache, so every
 * `past_key_values.*` (or `past_N`, `past.*`) input is replaced by an empty tensor that is simplified away at build
 * time: `Concat` drops it (one input left: the Concat disappears), `Shape`/`Size` of it and index reads of that shape
 * become constants, `Identity`/`Cast`/`Transpose`/`Unsqueeze` pass the emptiness on, and a `Concat` of empty caches
 * only along another axis (key and value stacked into one `[2, B, N, 0, h]` past, as onnxruntime's fused Attention
 * takes it) is empty too. `present.*` outputs are dropped.
 *
 * Exports: `isPastName`, `isPresentName`, `dropPresentOutputs`, `removePastInputs`.
 */
import { toNumber, type NodeProto, type ValueInfoProto } from '../onnx/proto.ts';
import { attrInt, attrInts } from '../ir/attributes.ts';
import type { Graph } from '../ir/graph.ts';
import { addInt64Constant, constantInts, constantTensor } from './constants.ts';
import { TransformError } from './errors.ts';

const PAST = /^past(_key_values)?([._]|$)/;
const PRESENT = /^present([._]|$)/;

export const isPastName = (name: string): boolean => PAST.test(name);
export const isPresentName = (name: string): boolean => PRESENT.test(name);

/** Removes `present.*` graph outputs (their producers die in dead-code elimination). Returns their names. */
export function dropPresentOutputs(graph: Graph): string[] {
  const dropped = graph.proto.output.filter((o) => isPresentName(o.name)).map((o) => o.name);
  graph.proto.output = graph.proto.output.filter((o) => !isPresentName(o.name));
  return dropped;
}

/** Static dims of an empty tensor: a number where known, null where symbolic; the cache axis is 0. */
type Dims = (number | null)[];

function declaredDims(v: ValueInfoProto): Dims | undefined {
  const shape = v.type?.tensor_type?.shape;
  if (!shape) return undefined;
  return shape.dim.map((d) =>
    d.dim_value !== undefined && d.dim_value !== null && !d.dim_param ? toNumber(d.dim_value) : null,
  );
}

/** The cache-length axis of a past input: the dim named like `past_sequence_length`, else the axis its Concat joins on. */
function cacheAxis(graph: Graph, v: ValueInfoProto): number {
  const dims = v.type?.tensor_type?.shape?.dim ?? [];
  const byName = (re: RegExp) => dims.findIndex((d) => !!d.dim_param && re.test(d.dim_param));
  for (const re of [/past/i, /seq|len/i]) {
    const i = byName(re);
    if (i >= 0) return i;
  }
  const concat = followAliases(graph, v.name).find((n) => n.op_type === 'Concat');
  if (concat && dims.length > 0) {
    const a = attrInt(concat, 'axis', 0);
    return a < 0 ? a + dims.length : a;
  }
  throw new TransformError(
    `Cannot tell which axis of the KV-cache input "${v.name}" is the cache length: its shape names no past/sequence ` +
      'dimension and it feeds no Concat. Export the model without past inputs, or declare the input shape.',
  );
}

/** Consumers of `name`, looking through Identity/Cast. */
function followAliases(graph: Graph, name: string): NodeProto[] {
  const out: NodeProto[] = [];
  for (const c of graph.consumers(name)) {
    if (c.op_type === 'Identity' || c.op_type === 'Cast') out.push(...followAliases(graph, c.output[0]!));
    else out.push(c);
  }
  return out;
}

/**
 * Replaces every KV-cache input by an empty cache and simplifies it away. Throws a TransformError naming the node
 * when an empty cache reaches an op this simplifier does not know (the graph would need a runtime empty tensor).
 * Returns the removed input names.
 */
export function removePastInputs(graph: Graph): string[] {
  const pasts = graph.proto.input.filter((v) => isPastName(v.name) && !graph.initializer(v.name));
  const dead = new Set<NodeProto>();
  /** Every value known to be an empty cache, with its dims; Concats of such values along a non-cache axis wait here. */
  const empty = new Map<string, Dims>();
  const stacking = new Map<NodeProto, string>();
  const isGraphOutput = (name: string) => graph.proto.output.some((o) => o.name === name);

  const visit = (name: string, dims: Dims, origin: string): void => {
    empty.set(name, dims);
    for (const n of [...graph.consumers(name)]) {
      if (dead.has(n)) continue;
      const fail = (why: string): never => {
        throw new TransformError(
          `Cannot remove the KV cache: "${origin}" (made empty) reaches node "${n.name}" (${n.op_type}), ${why}. ` +
            'Export the model without past inputs (e.g. optimum `--no-post-process`/`use_cache=False`) or cut it yourself.',
        );
      };
      switch (n.op_type) {
        case 'Identity':
        case 'Cast':
          dead.add(n);
          visit(n.output[0]!, dims, origin);
          break;
        case 'Transpose': {
          const perm = attrInts(n, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
          dead.add(n);
          visit(
            n.output[0]!,
            perm.map((p) => dims[p]!),
            origin,
          );
          break;
        }
        case 'Unsqueeze': {
          const axes = attrInts(n, 'axes') ?? (n.input[1] ? constantInts(graph, n.input[1]) : undefined);
          if (!axes) fail('whose axes are not constant');
          const rank = dims.length + axes!.length;
          const out: Dims = [...dims];
          for (const a of axes!.map((a) => (a < 0 ? a + rank : a)).sort((x, y) => x - y)) out.splice(a, 0, 1);
          dead.add(n);
          visit(n.output[0]!, out, origin);
          break;
        }
        case 'Concat': {
          const rank = dims.length;
          const axis = (attrInt(n, 'axis', 0) + rank) % rank;
          if (dims[axis] !== 0) {
            // empty caches stacked along another axis stay empty once every input is known to be one
            stacking.set(
              n,
              `"${origin}" (made empty) reaches node "${n.name}" (Concat) along axis ${axis}, not the cache axis`,
            );
            if (n.input.every((i) => empty.has(i))) {
              const out = [...dims];
              out[axis] = n.input.reduce<number | null>((sum, i) => {
                const d = empty.get(i)![axis]!;
                return sum === null || d === null ? null : sum + d;
              }, 0);
              dead.add(n);
              stacking.delete(n);
              visit(n.output[0]!, out, origin);
            }
            break;
          }
          n.input = n.input.filter((i) => i !== name);
          if (n.input.length === 0) fail('whose inputs are all empty');
          if (n.input.length === 1 && !isGraphOutput(n.output[0]!)) {
            dead.add(n);
            graph.replaceUses(n.output[0]!, n.input[0]!);
          }
          graph.invalidate();
          break;
        }
        case 'Gather': {
          // A slice of the stacked cache (e.g. past[0], the keys): empty along the cache axis still.
          const rank = dims.length;
          const axis = (attrInt(n, 'axis', 0) + rank) % rank;
          const idx = n.input[0] === name && n.input[1] ? constantInts(graph, n.input[1]) : undefined;
          if (!idx || dims[axis] === 0) fail('with an index that is not a constant on a stacking axis');
          const scalar = constantTensor(graph, n.input[1]!)?.dims.length === 0;
          const out = [...dims];
          if (scalar) out.splice(axis, 1);
          else out[axis] = idx!.length;
          dead.add(n);
          visit(n.output[0]!, out, origin);
          break;
        }
        case 'Size':
          dead.add(n);
          graph.replaceUses(n.output[0]!, addInt64Constant(graph, `${n.output[0]}_empty`, [0], []));
          break;
        case 'Shape': {
          const rank = dims.length;
          const norm = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
          const start = norm(attrInt(n, 'start', 0));
          const end = norm(attrInt(n, 'end', rank));
          const part = dims.slice(start, end);
          if (part.every((d) => d !== null)) {
            dead.add(n);
            graph.replaceUses(n.output[0]!, addInt64Constant(graph, `${n.output[0]}_empty`, part as number[]));
          } else {
            foldShapeReads(graph, n, part, dead, fail);
          }
          break;
        }
        default:
          fail('which the KV-cache simplifier does not handle');
      }
    }
  };

  for (const v of pasts) {
    const dims = declaredDims(v);
    if (!dims)
      throw new TransformError(`The KV-cache input "${v.name}" declares no shape, so its empty form is unknown.`);
    dims[cacheAxis(graph, v)] = 0;
    visit(v.name, dims, v.name);
  }
  for (const why of stacking.values()) {
    throw new TransformError(
      `Cannot remove the KV cache: ${why}, and not all of its inputs are empty caches. ` +
        'Export the model without past inputs (e.g. optimum `--no-post-process`/`use_cache=False`) or cut it yourself.',
    );
  }
  graph.removeNodes(dead);
  const names = new Set(pasts.map((v) => v.name));
  graph.proto.input = graph.proto.input.filter((v) => !names.has(v.name));
  return [...names];
}

/** `Gather(Shape(past), k)` and `Slice(Shape(past), ...)` with constant indices over known dims become constants. */
function foldShapeReads(
  graph: Graph,
  shapeNode: NodeProto,
  dims: Dims,
  dead: Set<NodeProto>,
  fail: (why: string) => never,
): void {
  for (const c of [...graph.consumers(shapeNode.output[0]!)]) {
    let values: (number | null)[] | undefined;
    let scalar = false;
    if (c.op_type === 'Gather' && c.input[0] === shapeNode.output[0]) {
      const idx = constantInts(graph, c.input[1]!);
      const idxTensor = graph.initializer(c.input[1]!) ?? undefined;
      if (idx) {
        values = idx.map((i) => dims[i < 0 ? i + dims.length : i] ?? null);
        scalar = idxTensor ? idxTensor.dims.length === 0 : isScalarConstant(graph, c.input[1]!);
      }
    } else if (c.op_type === 'Slice' && c.input[0] === shapeNode.output[0]) {
      const starts = constantInts(graph, c.input[1]!);
      const ends = constantInts(graph, c.input[2]!);
      const steps = c.input[4] ? constantInts(graph, c.input[4]) : [1];
      if (starts?.length === 1 && ends?.length === 1 && steps?.[0] === 1) {
        const n = dims.length;
        const s = Math.min(Math.max(starts[0]! < 0 ? starts[0]! + n : starts[0]!, 0), n);
        const e = Math.min(Math.max(ends[0]! < 0 ? ends[0]! + n : ends[0]!, 0), n);
        values = dims.slice(s, Math.max(s, e));
      }
    }
    if (!values || values.some((v) => v === null)) {
      fail(`whose shape is read by "${c.name}" (${c.op_type}) at a dimension that is not known statically`);
    }
    dead.add(c);
    graph.replaceUses(
      c.output[0]!,
      addInt64Constant(graph, `${c.output[0]}_empty`, values as number[], scalar ? [] : [values!.length]),
    );
  }
  dead.add(shapeNode);
}

function isScalarConstant(graph: Graph, name: string): boolean {
  const p = graph.producer(name);
  const t = p?.attribute.find((a) => a.name === 'value')?.t;
  return !!t && t.dims.length === 0;
}
