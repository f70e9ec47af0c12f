/**
 * `buildGradientModel`: a forward ONNX model in, a gradient model out (docs/spec.md §1). Steps: decode (external data
 * resolved as views), resolve merged-decoder `If`s to their no-cache branch, drop `present.*` outputs, lower 4-bit
 * MatMulNBits / MatMulBnb4 / GatherBlockQuantized, decompose onnxruntime contrib ops into standard ops
 * (transforms/contrib/), refuse the remaining non-standard ops, replace the KV cache by an empty one, lower 8-bit
 * quantization, cut the word embeddings into `inputs_embeds` (4-bit tables left behind are repacked), compute in
 * float32, compute the last layer only for the positions a pooled head reads (transforms/row-selection.ts), keep
 * decomposed LayerNorm/GELU whole for a compact backward (transforms/fused-patterns.ts), differentiate, name the
 * gradient outputs, remove dead code, sort, encode (large initializers optionally to an external data plan). Initializer bytes are shared with the input (or read lazily from its external data)
 * until they are written once.
 *
 * Exports: `GradientModelOptions`, `GradientModel`, `buildGradientModel`, `NonStandardOpsError`.
 */
import {
  DataType,
  decodeModel,
  encodeModel,
  onnxOpset,
  toNumber,
  OnnxDecodeError,
  type ModelProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx/proto.ts';
import { tensorData } from './onnx/tensor.ts';
import {
  allTensors,
  hasExternalData,
  resolveExternalData,
  splitExternalData,
  type ExternalData,
  type ExternalDataPlan,
} from './onnx/external-data.ts';
import { Graph } from './ir/graph.ts';
import { differentiate, UnsupportedOpsError } from './autodiff/differentiate.ts';
import { cloneModel } from './transforms/clone.ts';
import { resolveIfs } from './transforms/resolve-if.ts';
import { dropPresentOutputs, removePastInputs } from './transforms/kv-cache.ts';
import { cutEmbeddings, INPUTS_EMBEDS } from './transforms/embedding-cut.ts';
import { findNonStandardOps, type NonStandardOp } from './transforms/non-standard-ops.ts';
import { decomposeContribOps, DECOMPOSED_CONTRIB_OPS } from './transforms/contrib/index.ts';
import { TransformError } from './transforms/errors.ts';
import {
  dequantizeTable,
  findUnloweredQuantization,
  halfToFloat,
  lowerQuantization,
  type QuantizedTable,
} from './transforms/quantization.ts';
import { computeInFloat32 } from './transforms/float32.ts';
import { keepPackedAtRunTime, lowerBlockQuantization, repackTables } from './transforms/block-quantization.ts';
import { checkElementTypes } from './transforms/type-check.ts';
import { resolveInternalOps } from './autodiff/rules/internal.ts';
import { fusePatterns } from './transforms/fused-patterns.ts';
import {
  addTargetScore,
  TARGET_IDS,
  TARGET_LOGITS,
  TARGET_POSITIONS,
  TARGET_WEIGHTS,
} from './transforms/target-score.ts';
import { ROW_SOURCES, shareForward, type ShareForwardResult } from './transforms/shared-forward.ts';
import { selectRows } from './transforms/row-selection.ts';
import { ModelValidationError, validateModel } from './validate/index.ts';
import { budgetCheckpoint } from './budget.ts';

export interface GradientModelOptions {
  /** Default: the word-embedding Gather becomes the `inputs_embeds` input. `{ tensor }` cuts at another tensor. */
  cut?: 'word-embeddings' | { tensor: string };
  /** Differentiated outputs; default ['logits'] if present, else the first output. */
  outputs?: string[];
  /** Extra tensors (e.g. initializers) whose gradients become outputs `grad_<name>`. */
  wrt?: string[];
  /** From config.json, to check the embedding table found. */
  config?: { vocab_size?: number; hidden_size?: number };
  /**
   * External data files by the `location` the model names (`model.onnx_data`, ...): their bytes, or a reader whose
   * ranges are read per tensor when first needed (the CLI's, so that weights are read once and never all at once).
   */
  externalData?: Record<string, ExternalData>;
  /**
   * Write the gradient model's large initializers to the data file `location` (beside the model) instead of inline:
   * `bytes` is then the model without them and `externalData` says what to write (needed past protobuf's 2 GB).
   */
  externalDataOut?: { location: string; threshold?: number };
  /**
   * Differentiate one score per row computed in the graph from target ids, weights, positions and the inference
   * mode given as inputs, instead of the logits against a caller-built seed (transforms/target-score.ts).
   * Not with `outputs`.
   */
  targetScore?: boolean;
  /**
   * Compute the last layer only for the positions the outputs read (default true): a classifier's pooled position
   * selection is pushed above the position-wise ops (FFN, LayerNorms, output and Q projections) into the attention,
   * forward and backward (transforms/row-selection.ts). Exact up to float32 rounding; false keeps the graph as it is.
   */
  pruneRows?: boolean;
  /**
   * With `targetScore`: run the forward once per distinct input and the score head and backward once per row
   * (transforms/shared-forward.ts). The model then takes `row_sources` [rows]: the batch inputs are fed with the
   * distinct inputs, the target inputs and the seed with one row each, row r reading input row_sources[r]. Applied
   * only where the forward is proven batch-major where the backward reads it; `GradientModel.sharedForward` says.
   */
  shareForward?: boolean;
  /** Abort with `BuildBudgetError` when the build takes longer than this (checked between and inside passes). */
  timeBudgetMs?: number;
}

export interface GradientModel {
  /** The encoded model (without its large initializers when `externalDataOut` was given). */
  bytes: Uint8Array;
  /** With `externalDataOut`: the data file's contents, as segments to write (onnx/files.ts writes them). */
  externalData?: ExternalDataPlan;
  inputNames: string[];
  outputNames: string[];
  /** The cut lookup table: `inputs_embeds[b, s] = weights[ids[b, s] * hiddenSize ...]` (a view when possible). */
  embedding?: { weightName: string; vocabSize: number; hiddenSize: number; weights: Float32Array };
  opset: number;
  /** Whether `shareForward` was applied; when asked for and not applied, why (`sharedForwardRefused`). */
  sharedForward: boolean;
  sharedForwardRefused?: string;
  /** What the build converted: quantized nodes lowered to float ops, half-precision tensors moved to float32. */
  conversions: { quantization: number; float16: number };
}

/**
 * Thrown for ops outside ai.onnx left after lowering and decomposition: an `UnsupportedOpsError` naming every one,
 * with the reason where a lowering or a decomposition refused the node's form.
 */
export class NonStandardOpsError extends UnsupportedOpsError {
  override name = 'NonStandardOpsError';
  /**
   * `notLowered`: node name -> why a normally lowered 4-bit op (MatMulNBits, ...) was left in place.
   * `refused`: node name -> why a contrib op with a decomposition (Attention, ...) was left in place.
   */
  constructor(
    ops: NonStandardOp[],
    notLowered: ReadonlyMap<string, string> = new Map(),
    refused: ReadonlyMap<string, string> = new Map(),
  ) {
    super(
      ops.map((o) => ({ ...o, reason: notLowered.get(o.node) ?? refused.get(o.node) ?? 'not a standard ai.onnx op' })),
    );
    const byType = new Map<string, string[]>();
    for (const o of ops) {
      const key = `${o.domain}:${o.opType}`;
      byType.set(key, [...(byType.get(key) ?? []), o.node]);
    }
    const reasons = ops.filter((o) => notLowered.has(o.node)).map((o) => `"${o.node}": ${notLowered.get(o.node)}`);
    this.message =
      `The model uses ${ops.length} op(s) outside the standard ai.onnx domain, which onnx-grad cannot differentiate: ` +
      [...byType].map(([t, nodes]) => `${t} (nodes ${nodes.map((n) => `"${n}"`).join(', ')})`).join('; ') +
      (reasons.length > 0
        ? `. 4-bit nodes left as they are: ${reasons.join('; ')}; load another file of the model instead ` +
          '(onnx/model.onnx, model_fp16.onnx, model_quantized.onnx)'
        : '') +
      ops
        .filter((o) => refused.has(o.node))
        .map((o) => `. "${o.node}" (${o.opType}) is not decomposed because ${refused.get(o.node)}`)
        .join('') +
      (ops.some((o) => !notLowered.has(o.node))
        ? `. These are onnxruntime fusions (transformer optimizer / genai builder exports); onnx-grad decomposes ` +
          `com.microsoft ${DECOMPOSED_CONTRIB_OPS.join(', ')} into standard ops, not these: convert the unoptimized fp32 ` +
          'export of the model instead (e.g. `optimum-cli export onnx` without `--optimize`, or the plain `onnx/model.onnx` of a transformers.js repo).'
        : '.');
  }
}

/**
 * The embedding descriptor with `weights` read on first access: a view when the bytes are 4-byte aligned, else one
 * copy of that tensor (made only by callers that use the table, not by the CLI).
 */
function lazyTable(
  weightName: string,
  vocabSize: number,
  hiddenSize: number,
  t: TensorProto,
  quant?: QuantizedTable,
): NonNullable<GradientModel['embedding']> {
  let table: Float32Array | undefined;
  return {
    weightName,
    vocabSize,
    hiddenSize,
    get weights() {
      return (table ??= quant ? dequantizeTable(t, quant) : float32Table(t));
    },
  };
}

function float32Table(t: TensorProto): Float32Array {
  const data = tensorData(t);
  if (data instanceof Float32Array) return data;
  if (t.data_type === DataType.DOUBLE) return Float32Array.from(data as Float64Array);
  if (t.data_type === DataType.FLOAT16) return Float32Array.from(data as Uint16Array, halfToFloat);
  throw new TransformError(
    `The embedding table "${t.name}" has element type ${t.data_type}; only float32/float16/float64 tables can be read.`,
  );
}

function externalLocations(model: ModelProto): string[] {
  const out = new Set<string>();
  for (const t of allTensors(model.graph))
    if (t.data_location === 1) out.add(t.external_data?.find((e) => e.key === 'location')?.value ?? '?');
  return [...out];
}

/** Turns a forward model into its gradient model (see the module comment and docs/spec.md §1). */
export function buildGradientModel(model: Uint8Array | ModelProto, options: GradientModelOptions = {}): GradientModel {
  const checkpoint = budgetCheckpoint(options.timeBudgetMs);
  const proto = model instanceof Uint8Array ? decodeModel(model) : cloneModel(model);
  checkpoint('decode');
  const fileSizes = new Map(Object.entries(options.externalData ?? {}).map(([k, v]) => [k, v.byteLength]));
  validateModel(proto, { fileSizes, checkpoint });
  if (options.externalData) resolveExternalData(proto, options.externalData);
  if (hasExternalData(proto)) {
    throw new OnnxDecodeError(
      `The model keeps tensors in external data file(s) ${externalLocations(proto)
        .map((l) => `"${l}"`)
        .join(', ')} ` +
        'that were not provided: pass them as `externalData` (the CLI reads them from beside the model).',
    );
  }
  const graph = new Graph(proto);
  graph.toposort(); // onnxruntime accepts nodes in any order; the passes below walk them in topological order

  resolveIfs(graph);
  dropPresentOutputs(graph);
  checkpoint('If and KV-cache outputs');
  const blockQuantized = lowerBlockQuantization(graph);
  const contrib = decomposeContribOps(graph);
  checkpoint('contrib ops');
  const nonStandard = findNonStandardOps(graph);
  if (nonStandard.length > 0) throw new NonStandardOpsError(nonStandard, blockQuantized.skipped, contrib.refused);
  removePastInputs(graph);
  const quantization = lowerQuantization(graph) + blockQuantized.lowered;

  checkpoint('quantization');
  const cut = cutEmbeddings(graph, { cut: options.cut, config: options.config });
  checkpoint('embedding cut');
  repackTables(graph, blockQuantized.tables); // 4-bit tables the cut left in the graph stay packed in the file
  if (!graph.isGraphInput(INPUTS_EMBEDS)) throw new TransformError(`The cut left no "${INPUTS_EMBEDS}" input.`);
  const float16 = computeInFloat32(graph);
  const unlowered = findUnloweredQuantization(graph);
  if (unlowered.length > 0) throw new UnsupportedOpsError(unlowered);
  if (quantization > 0 || float16 > 0) checkElementTypes(graph); // name a conversion's mismatch before differentiating

  const forwardOutputs = graph.proto.output.map((o) => o.name);
  const defaultOutput = forwardOutputs.includes('logits') ? 'logits' : forwardOutputs[0];
  let outputs = options.outputs ?? (defaultOutput === undefined ? [] : [defaultOutput]);
  if (outputs.length === 0) throw new TransformError('The model has no outputs to differentiate.');
  if (options.targetScore) {
    if (options.outputs)
      throw new TransformError('targetScore differentiates its own score: pass `outputs` or `targetScore`, not both.');
    outputs = [addTargetScore(graph, outputs[0]!).score];
  }
  const wrt = [INPUTS_EMBEDS, ...(options.wrt ?? []).filter((w) => w !== INPUTS_EMBEDS)];
  for (const w of options.wrt ?? []) {
    if (!graph.initializer(w) && !graph.producer(w) && !graph.isGraphInput(w)) {
      throw new TransformError(
        `--wrt "${w}": no such tensor in the graph after the cut (it may have been removed as dead code, e.g. the word-embedding table).`,
      );
    }
  }

  checkpoint('float32');
  if (options.pruneRows !== false) selectRows(graph, { keep: wrt }); // before fusing: the selected rows fuse alike
  fusePatterns(graph);
  const forwardNodes = new Set(graph.nodes);
  const { seeds, grads } = differentiate(graph, { outputs, wrt });
  checkpoint('differentiate');
  const backward = new Set(graph.nodes.filter((n) => !forwardNodes.has(n)));
  resolveInternalOps(graph);

  const gradOutputs: ValueInfoProto[] = [];
  const named = new Map<string, string>(); // a gradient tensor shared by two wrt names is renamed once
  for (const w of wrt) {
    const name = `grad_${w}`;
    const g = grads.get(w)!;
    nameTensor(graph, named.get(g) ?? g, name);
    if (!named.has(g)) named.set(g, name);
    gradOutputs.push({ name, type: typeOf(graph, w) });
  }
  graph.proto.output.push(...gradOutputs);
  let shared: ShareForwardResult | undefined;
  if (options.shareForward) {
    if (!options.targetScore) throw new TransformError('shareForward needs targetScore (its per-row target inputs).');
    const rowInputs = [TARGET_IDS, TARGET_WEIGHTS, TARGET_POSITIONS, ...seeds.values()];
    shared = shareForward(graph, { backward, rowInputs, rowOutputs: [TARGET_LOGITS], batchInput: INPUTS_EMBEDS });
    checkpoint('shared forward');
  }
  graph.toposort();
  graph.eliminateDeadCode([INPUTS_EMBEDS, ...seeds.values(), ...(shared?.shared ? [ROW_SOURCES] : [])]);
  checkElementTypes(graph); // a mixed-type graph is never written: onnxruntime could not load it
  checkpoint('dead code');
  verifyOutput(proto, checkpoint);
  const inputNames = graph.proto.input.map((v) => v.name);
  if (blockQuantized.lowered > 0) keepPackedAtRunTime(graph); // after the names: not inputs a caller feeds

  const opset = onnxOpset(proto);
  const out = options.externalDataOut;
  const externalData = out ? splitExternalData(proto, out.location, out.threshold) : undefined;
  const bytes = encodeModel(proto);
  const lookup = cut?.lookup;
  return {
    bytes,
    externalData,
    inputNames,
    outputNames: graph.proto.output.map((v) => v.name),
    embedding:
      lookup && lazyTable(lookup.weightName, lookup.vocabSize, lookup.hiddenSize, lookup.weight, lookup.quantization),
    opset,
    sharedForward: shared?.shared === true,
    ...(shared && !shared.shared ? { sharedForwardRefused: shared.reason } : {}),
    conversions: { quantization, float16 },
  };
}

/**
 * The output passes the checks the input did, so a file onnxruntime refuses is never written. A backward op newer
 * than the model's opset (Expand 8, Where 9, Range 11) is the model's limit, not a bug: say which opset it needs.
 */
function verifyOutput(proto: ModelProto, checkpoint: (stage: string) => void): void {
  try {
    validateModel(proto, {
      what: 'The gradient model onnx-grad built (a bug: please report it with the model)',
      checkpoint,
    });
  } catch (e) {
    if (!(e instanceof ModelValidationError)) throw e;
    const needs = e.problems.map((p) => /exists from ai\.onnx opset (\d+)/.exec(p.message)?.[1]);
    if (needs.some((n) => n === undefined)) throw e;
    const min = Math.max(...needs.map(Number));
    const ops = [...new Set(e.problems.map((p) => /\((\w+)\)$/.exec(p.where)?.[1] ?? p.where))];
    throw new TransformError(
      `The gradient of this model needs ${ops.join(', ')}, which exist from ai.onnx opset ${min}, but the model ` +
        `declares opset ${onnxOpset(proto)}: re-export it with opset >= ${min} (e.g. torch.onnx.export(..., opset_version=17)).`,
    );
  }
}

/** Makes the gradient available under `name`: renames its producer's output, or adds an Identity. */
function nameTensor(graph: Graph, tensor: string, name: string): void {
  if (graph.producer(name) || graph.initializer(name) || graph.proto.input.some((v) => v.name === name)) {
    throw new TransformError(
      `The graph already has a tensor named "${name}": rename it before building the gradient model.`,
    );
  }
  const p = graph.producer(tensor);
  const isIo = graph.proto.output.some((o) => o.name === tensor) || graph.proto.input.some((v) => v.name === tensor);
  if (p && !isIo && p.op_type !== 'Constant') {
    p.output = p.output.map((o) => (o === tensor ? name : o));
    graph.replaceUses(tensor, name);
  } else {
    graph.addNode('Identity', [tensor], { outputs: [name], name: `${name}/identity` });
  }
}

/** The declared type of `name` (an input, initializer or value-info'd tensor), for the gradient output. */
function typeOf(graph: Graph, name: string): ValueInfoProto['type'] {
  const init = graph.initializer(name);
  if (init)
    return {
      tensor_type: { elem_type: init.data_type, shape: { dim: init.dims.map((d) => ({ dim_value: toNumber(d) })) } },
    };
  const vi = graph.valueInfo(name);
  return vi?.type ?? { tensor_type: { elem_type: DataType.FLOAT } };
}
