/**
 * The embedding cut: the word-embedding lookup `Gather(W[vocab, hidden], ids)` is replaced by a float input
 * `inputs_embeds` [batch, sequence, hidden] (HF `inputs_embeds` semantics: word embeddings only, before position or
 * token-type embeddings and LayerNorm), so that gradients can be taken with respect to it.
 *
 * The lookup's indices may derive from `input_ids` through integer arithmetic (vespa embeds
 * `(input_ids * attention_mask) + token_type_ids`) and reshapes (`view(-1, S)`). What read the shape of `input_ids`
 * (position ids, masks) is rewired to the shape of `inputs_embeds`, so `input_ids` stays an input only when
 * something else still reads it. Another tensor can be chosen as the cut with `cut: { tensor }`.
 *
 * Exports: `EmbeddingLookup`, `EmbeddingCut`, `EmbeddingCutOptions`, `findWordEmbedding`, `cutEmbeddings`, `INPUTS_EMBEDS`.
 */
import {
  DataType,
  toNumber,
  type NodeProto,
  type TensorProto,
  type TensorShapeDimension,
  type ValueInfoProto,
} from '../onnx/proto.ts';
import { attrInt } from '../ir/attributes.ts';
import { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { constantTensor } from './constants.ts';
import { inferShapes } from '../shape/infer.ts';
import { isUnknown } from '../shape/dims.ts';
import { TransformError } from './errors.ts';
import { QUANTIZED_TYPES, type QuantizedTable } from './quantization.ts';
import { tensorSize } from '../onnx/tensor.ts';

export const INPUTS_EMBEDS = 'inputs_embeds';

export interface EmbeddingCutOptions {
  /** Default 'word-embeddings': the lookup found from `input_ids`. `{ tensor }` makes that tensor the input. */
  cut?: 'word-embeddings' | { tensor: string };
  /** From config.json: checked against the lookup table found. */
  config?: { vocab_size?: number; hidden_size?: number };
}

export interface EmbeddingLookup {
  node: NodeProto;
  /** Name of the [vocab, hidden] table (an initializer, or a Constant node's output; the integer one when quantized). */
  weightName: string;
  weight: TensorProto;
  vocabSize: number;
  hiddenSize: number;
  /** The looked-up embeddings: the Gather's output, or the DequantizeLinear's after a Gather of an integer table. */
  output: string;
  /** Element type of the looked-up embeddings (the scale's type for a quantized table). */
  elemType: number;
  /** Set for a quantized table: `weights = (weight - zeroPoint) * scale`. */
  quantization?: QuantizedTable;
  /** The lookup's nodes the cut removes (the Gather, and a DequantizeLinear after it). */
  nodes: NodeProto[];
}

export interface EmbeddingCut {
  /** The new graph input: always `inputs_embeds`. */
  input: string;
  /** The tensor it replaces (the lookup's output, or the chosen cut tensor). */
  replaced: string;
  /** The word-embedding lookup, for the default cut. */
  lookup?: EmbeddingLookup;
}

const INT_TYPES = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.INT16,
  DataType.INT8,
  DataType.UINT8,
  DataType.UINT16,
  DataType.UINT32,
  DataType.UINT64,
]);
const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);
/** Ops an index may pass through on its way from input_ids to the lookup; `true` when they keep the [batch, seq] layout. */
const INDEX_OPS: Record<string, boolean> = {
  Cast: true,
  Identity: true,
  Mul: true,
  Add: true,
  Sub: true,
  Reshape: false,
  Unsqueeze: false,
  Squeeze: false,
  Flatten: false,
};
const SEARCHED =
  'a Gather (axis 0) whose data is a rank-2 [vocab, hidden] float initializer or Constant (or a quantized one: ' +
  'DequantizeLinear before the Gather, or after it as quantize_dynamic writes it) and whose indices come from ' +
  '"input_ids", directly or through Cast/Identity/Add/Sub/Mul/Reshape/Unsqueeze/Squeeze/Flatten';
const HOW_TO_PICK =
  'Pass `cut: { tensor: "<tensor name>" }` (CLI: `--cut <tensor name>`) to make another tensor the `inputs_embeds` input.';

const elemType = (v: ValueInfoProto | undefined) => v?.type?.tensor_type?.elem_type;
const rankOf = (v: ValueInfoProto | undefined) => v?.type?.tensor_type?.shape?.dim.length;

interface Table {
  name: string;
  tensor: TensorProto;
  quantization?: QuantizedTable;
}

/** Follows Identity producers back to a constant table, or to a DequantizeLinear of constants (QDQ weights). */
function tableOf(graph: Graph, name: string): Table | undefined {
  for (let cur = name, hops = 0; hops < 8; hops++) {
    const t = constantTensor(graph, cur);
    if (t) return { name: cur, tensor: t };
    const p = graph.producer(cur);
    if (p && p.op_type === 'DequantizeLinear' && (p.domain ?? '') === '') {
      const quant = constantQuantization(graph, p);
      const q = constantTensor(graph, p.input[0]!);
      return quant && q && QUANTIZED_TYPES.has(q.data_type)
        ? { name: p.input[0]!, tensor: q, quantization: quant }
        : undefined;
    }
    if (p?.op_type !== 'Identity') return undefined;
    cur = p.input[0]!;
  }
  return undefined;
}

/** A DequantizeLinear's scale, zero point and axis when they are constants. */
function constantQuantization(graph: Graph, dq: NodeProto): QuantizedTable | undefined {
  const scale = constantTensor(graph, dq.input[1]!);
  const zeroPoint = dq.input[2]! ? constantTensor(graph, dq.input[2]!) : undefined;
  if (!scale || !FLOAT_TYPES.has(scale.data_type) || (dq.input[2]! && !zeroPoint)) return undefined;
  return { scale, zeroPoint, axis: attrInt(dq, 'axis', 1), blockSize: attrInt(dq, 'block_size', 0) };
}

/** The lookup for Gather `n` on `table`, or undefined when it is not a [vocab, hidden] float (or dequantized) lookup. */
function lookupOf(graph: Graph, n: NodeProto, table: Table): EmbeddingLookup | undefined {
  if (table.tensor.dims.length !== 2) return undefined;
  const [vocabSize = 0, hiddenSize = 0] = table.tensor.dims.map(toNumber);
  const base = { node: n, weightName: table.name, weight: table.tensor, vocabSize, hiddenSize };
  if (FLOAT_TYPES.has(table.tensor.data_type))
    return { ...base, output: n.output[0]!, elemType: table.tensor.data_type, nodes: [n] };
  if (table.quantization)
    return {
      ...base,
      output: n.output[0]!,
      elemType: table.quantization.scale.data_type,
      quantization: table.quantization,
      nodes: [n],
    };
  if (!QUANTIZED_TYPES.has(table.tensor.data_type)) return undefined;
  // onnxruntime's quantize_dynamic: Gather on the integer table, then DequantizeLinear (per tensor) of the rows
  const readers = graph.consumers(n.output[0]!);
  const dq =
    readers.length === 1 && readers[0]!.op_type === 'DequantizeLinear' && (readers[0]!.domain ?? '') === ''
      ? readers[0]!
      : undefined;
  const quant = dq && dq.input[0]! === n.output[0]! ? constantQuantization(graph, dq) : undefined;
  if (!dq || !quant || tensorSize(quant.scale) !== 1 || graph.proto.output.some((o) => o.name === n.output[0]!))
    return undefined;
  return {
    ...base,
    output: dq.output[0]!,
    elemType: quant.scale.data_type,
    quantization: { ...quant, axis: 0 },
    nodes: [n, dq],
  };
}

interface IndexFlow {
  /** Tensors derived from input_ids -> whether they keep its [batch, sequence] layout. */
  reached: Map<string, boolean>;
  candidates: EmbeddingLookup[];
  /** Non-standard or unexpected ops reading an index tensor (for the error message). */
  otherReaders: NodeProto[];
}

function traceIndices(graph: Graph, source: string): IndexFlow {
  const reached = new Map<string, boolean>([[source, true]]);
  const candidates: EmbeddingLookup[] = [];
  const otherReaders: NodeProto[] = [];
  const queue = [source];
  while (queue.length > 0) {
    const x = queue.shift()!;
    for (const n of graph.consumers(x)) {
      if (n.op_type === 'Gather' && (n.domain ?? '') === '' && n.input[1] === x && attrInt(n, 'axis', 0) === 0) {
        const table = tableOf(graph, n.input[0]!);
        const lookup = table && lookupOf(graph, n, table);
        if (lookup && !candidates.some((c) => c.node === n)) candidates.push(lookup);
        continue;
      }
      const keeps = INDEX_OPS[n.op_type];
      const dataInput = n.op_type === 'Mul' || n.op_type === 'Add' || n.op_type === 'Sub' || n.input[0] === x;
      if (keeps === undefined || (n.domain ?? '') !== '' || !dataInput) {
        otherReaders.push(n);
        continue;
      }
      if (n.op_type === 'Cast' && !INT_TYPES.has(attrInt(n, 'to', 0))) continue;
      const out = n.output[0]!;
      if (reached.has(out)) continue;
      const layout = keeps && reached.get(x)! && n.input.every((i) => !i || i === x || reached.get(i) !== false);
      reached.set(out, layout);
      queue.push(out);
    }
  }
  return { reached, candidates, otherReaders };
}

/** Finds the word-embedding lookup reached from `input_ids`; throws a TransformError saying what was searched. */
export function findWordEmbedding(graph: Graph, config: EmbeddingCutOptions['config'] = {}): EmbeddingLookup {
  if (!graph.isGraphInput('input_ids')) {
    throw new TransformError(
      `The graph has no "input_ids" input (inputs: ${graph.proto.input.map((v) => v.name).join(', ') || 'none'}), so no word-embedding lookup can be found. ${HOW_TO_PICK}`,
    );
  }
  const flow = traceIndices(graph, 'input_ids');
  let found = flow.candidates;
  if (found.length === 0) {
    const fused = flow.otherReaders.filter((n) => (n.domain ?? '') !== '' && n.domain !== 'ai.onnx');
    const readers =
      fused.length > 0
        ? ` "input_ids" is read by ${fused.map((n) => `"${n.name}" (${n.op_type}, domain ${n.domain})`).join(', ')}: a fused op that hides the lookup.`
        : '';
    throw new TransformError(`No word-embedding lookup found: searched for ${SEARCHED}.${readers} ${HOW_TO_PICK}`);
  }
  const describe = (c: EmbeddingLookup) =>
    `Gather "${c.node.name}" on "${c.weightName}" [${c.vocabSize}, ${c.hiddenSize}]`;
  if (config.vocab_size !== undefined || config.hidden_size !== undefined) {
    const matching = found.filter(
      (c) =>
        (config.vocab_size === undefined || c.vocabSize === config.vocab_size) &&
        (config.hidden_size === undefined || c.hiddenSize === config.hidden_size),
    );
    if (matching.length === 0) {
      throw new TransformError(
        `The embedding lookup found (${found.map(describe).join('; ')}) does not match config.json ` +
          `(vocab_size ${config.vocab_size ?? 'unset'}, hidden size ${config.hidden_size ?? 'unset'}): is this the config of another model? ${HOW_TO_PICK}`,
      );
    }
    found = matching;
  }
  if (found.length > 1) {
    const biggest = Math.max(...found.map((c) => c.vocabSize));
    const top = found.filter((c) => c.vocabSize === biggest);
    if (top.length > 1)
      throw new TransformError(
        `Several word-embedding lookups read "input_ids": ${top.map(describe).join('; ')}. ${HOW_TO_PICK}`,
      );
    found = top; // the vocabulary table is the largest one the ids index
  }
  return found[0]!; // non-empty: checked above
}

/**
 * Replaces the word-embedding lookup (or `options.cut.tensor`) by the input `inputs_embeds`, rewires shape reads of
 * `input_ids`, and removes what became dead. Returns undefined when the graph already takes `inputs_embeds`.
 */
export function cutEmbeddings(graph: Graph, options: EmbeddingCutOptions = {}): EmbeddingCut | undefined {
  if (graph.isGraphInput(INPUTS_EMBEDS)) return undefined;
  const custom = typeof options.cut === 'object' ? options.cut.tensor : undefined;
  const result =
    custom !== undefined ? cutAtTensor(graph, custom) : cutAtLookup(graph, findWordEmbedding(graph, options.config));
  graph.toposort();
  graph.eliminateDeadCode([INPUTS_EMBEDS]);
  return result;
}

function checkNameFree(graph: Graph, except?: string): void {
  const taken =
    graph.producer(INPUTS_EMBEDS) ||
    graph.initializer(INPUTS_EMBEDS) ||
    graph.proto.input.some((v) => v.name === INPUTS_EMBEDS);
  if (taken && except !== INPUTS_EMBEDS) {
    throw new TransformError(
      `The graph already has a tensor named "${INPUTS_EMBEDS}" that is not the cut: rename it before cutting.`,
    );
  }
}

/** Inserts `info` as a graph input at `position` (or last). */
function addInput(graph: Graph, info: ValueInfoProto, position?: number): void {
  const at = position === undefined || position < 0 ? graph.proto.input.length : position;
  graph.proto.input.splice(at, 0, info);
}

function cutAtLookup(graph: Graph, lookup: EmbeddingLookup): EmbeddingCut {
  checkNameFree(graph);
  const b = new OpBuilder(graph, 'embedding_cut/');
  const idsInfo = graph.valueInfo('input_ids');
  if (rankOf(idsInfo) !== undefined && rankOf(idsInfo) !== 2) {
    throw new TransformError(
      `"input_ids" has rank ${rankOf(idsInfo)}; the inputs_embeds cut expects [batch, sequence] ids. ${HOW_TO_PICK}`,
    );
  }
  const idsDims: TensorShapeDimension[] = idsInfo?.type?.tensor_type?.shape?.dim.map((d) => ({ ...d })) ?? [
    { dim_param: 'batch' },
    { dim_param: 'sequence' },
  ];
  addInput(
    graph,
    {
      name: INPUTS_EMBEDS,
      type: {
        tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [...idsDims, { dim_value: lookup.hiddenSize }] } },
      },
    },
    graph.proto.input.findIndex((v) => v.name === 'input_ids'),
  );

  const flow = traceIndices(graph, 'input_ids');
  const gatherOut = lookup.output;
  let embeds = INPUTS_EMBEDS;
  if (lookup.elemType !== DataType.FLOAT) embeds = b.cast(embeds, lookup.elemType); // fp16/fp64 tables
  if (flow.reached.get(lookup.node.input[1]!) !== true) {
    // The indices were reshaped (e.g. view(-1, S)): replay the index path on zeros shaped like input_ids to learn
    // the lookup's layout, and reshape inputs_embeds to it.
    const zeros = b.op('ConstantOfShape', [b.shape(INPUTS_EMBEDS, 0, 2)], {
      value: {
        name: 'value',
        dims: [1],
        data_type: elemType(idsInfo) ?? DataType.INT64,
        raw_data: new Uint8Array(elemType(idsInfo) === DataType.INT32 ? 4 : 8),
      },
    });
    const idx = replayPath(graph, 'input_ids', zeros, lookup.node.input[1]!, flow.reached);
    embeds = b.reshape(embeds, b.concat([b.shape(idx), b.i64([lookup.hiddenSize])], 0));
  }
  replaceTensor(graph, gatherOut, embeds);
  graph.removeNodes(new Set(lookup.nodes));
  rewireShapeReads(graph, b, flow.reached);
  return { input: INPUTS_EMBEDS, replaced: gatherOut, lookup };
}

function cutAtTensor(graph: Graph, tensor: string): EmbeddingCut {
  if (graph.isGraphInput(tensor)) {
    checkNameFree(graph);
    const info = graph.proto.input.find((v) => v.name === tensor)!;
    graph.replaceUses(tensor, INPUTS_EMBEDS);
    info.name = INPUTS_EMBEDS;
    return { input: INPUTS_EMBEDS, replaced: tensor };
  }
  const producer = graph.producer(tensor);
  if (!producer) {
    throw new TransformError(
      `The cut tensor "${tensor}" is not produced by any node of the graph (nor is it a graph input). ` +
        'Name a node output, e.g. the output of the word-embedding Gather (inspect the graph with Netron).',
    );
  }
  checkNameFree(graph, tensor);
  const declared = graph.valueInfo(tensor)?.type?.tensor_type;
  // Exports rarely declare intermediate shapes: infer them (symbolic dims keep their names; unknown ones stay open).
  const inferred = declared?.shape ? undefined : inferShapes(graph).type(tensor);
  const type = declared?.elem_type || inferred?.elemType || DataType.FLOAT;
  if (!FLOAT_TYPES.has(type))
    throw new TransformError(
      `The cut tensor "${tensor}" holds ${type === DataType.INT64 ? 'int64' : `type ${type}`} values; gradients need a float tensor.`,
    );
  const shape =
    declared?.shape ??
    (inferred?.shape && {
      dim: inferred.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : isUnknown(d) ? {} : { dim_param: d })),
    });
  addInput(graph, { name: INPUTS_EMBEDS, type: { tensor_type: { elem_type: DataType.FLOAT, shape } } });
  const b = new OpBuilder(graph, 'embedding_cut/');
  replaceTensor(graph, tensor, type === DataType.FLOAT ? INPUTS_EMBEDS : b.cast(INPUTS_EMBEDS, type));
  producer.output = producer.output.map((o) => (o === tensor ? '' : o));
  if (producer.output.every((o) => !o)) graph.removeNodes(new Set([producer]));
  graph.invalidate();
  return { input: INPUTS_EMBEDS, replaced: tensor };
}

/** Replaces reads of `from` by `to`, graph outputs included (an output named `from` keeps its name through an Identity). */
function replaceTensor(graph: Graph, from: string, to: string): void {
  graph.replaceUses(from, to);
  if (graph.proto.output.some((o) => o.name === from))
    graph.addNode('Identity', [to], { outputs: [from], name: 'embedding_cut/output' });
}

/** Clones the nodes on the path source -> target with `source` replaced by `replacement`; returns the new target. */
function replayPath(
  graph: Graph,
  source: string,
  replacement: string,
  target: string,
  reached: Map<string, boolean>,
): string {
  const onPath = new Set<NodeProto>();
  const walk = (t: string) => {
    if (t === source) return;
    const p = graph.producer(t);
    if (!p || onPath.has(p)) return;
    onPath.add(p);
    for (const i of p.input) if (reached.has(i)) walk(i);
  };
  walk(target);
  const renamed = new Map<string, string>([[source, replacement]]);
  for (const n of graph.nodes.filter((x) => onPath.has(x))) {
    const outs = graph.addNode(
      n.op_type,
      n.input.map((i) => renamed.get(i) ?? i),
      { outputs: n.output.length, name: `embedding_cut/replay_${n.op_type}`, domain: n.domain },
    );
    graph.nodes[graph.nodes.length - 1]!.attribute = n.attribute;
    n.output.forEach((o, k) => renamed.set(o, outs[k]!));
  }
  return renamed.get(target)!;
}

/** `Shape` of input_ids (or of a same-layout derivative) becomes `Shape(inputs_embeds)[0:2]`. */
function rewireShapeReads(graph: Graph, b: OpBuilder, reached: Map<string, boolean>): void {
  let embShape: string | undefined;
  const dead = new Set<NodeProto>();
  for (const [tensor, sameLayout] of reached) {
    if (!sameLayout) continue;
    for (const n of graph.consumers(tensor)) {
      if (n.op_type !== 'Shape' || (n.domain ?? '') !== '') continue;
      embShape ??= b.shape(INPUTS_EMBEDS, 0, 2);
      const start = attrInt(n, 'start');
      const end = attrInt(n, 'end');
      const replacement =
        start === undefined && end === undefined ? embShape : b.slice(embShape, [start ?? 0], [end ?? 2], [0]);
      replaceTensor(graph, n.output[0]!, replacement);
      dead.add(n);
    }
  }
  graph.removeNodes(dead);
}
