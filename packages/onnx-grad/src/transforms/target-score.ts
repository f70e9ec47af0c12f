/**
 * Target score head (GradientModelOptions.targetScore): instead of differentiating the whole logits tensor against a
 * seed the caller builds, the gradient model takes the targets and the inference mode as inputs and differentiates
 * one score per row, computed inside the graph:
 *
 *   z        = logits[b]                    (classification, [B, C])
 *            = logits[b, target_positions[b, 0]]  (sequence logits [B, S, V]: the row's scored position)
 *   score[b] = sum_k target_weights[b, k] * (m0 z[t_k] + m1 softmax(z)[t_k] + m2 log_softmax(z)[t_k])
 *
 * with t = target_ids[b] (e.g. [target, contrast] with weights [1, -1], or [target, target] with [1, 0]) and
 * m = inference_mode, a one-hot float [3] over (logits, softmax, log-softmax). A row with zero weights is
 * forward only. So a SOFTMAX / LOG_SOFTMAX gradient needs one call (no forward pass to build the seed from), and no
 * dense [B, S, V] seed exists anywhere. The model outputs `target_logits` instead of `logits`: the classification
 * logits, or the logits at the P positions `target_positions[b]` ([B, P, V]). When the sequence logits come from
 * a position-wise MatMul (the LM head, optionally plus a bias), the positions are gathered before it, so the head
 * runs on B x P rows instead of B x S, forward and backward.
 *
 * Exports: `TARGET_IDS`, `TARGET_WEIGHTS`, `INFERENCE_MODE`, `TARGET_POSITIONS`, `TARGET_SCORE`, `TARGET_LOGITS`,
 * `addTargetScore(graph, logits)`.
 */
import { DataType, type ValueInfoProto } from '../onnx/proto.ts';
import { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { inferShapes } from '../shape/infer.ts';
import { TransformError } from './errors.ts';

export const TARGET_IDS = 'target_ids';
export const TARGET_WEIGHTS = 'target_weights';
export const INFERENCE_MODE = 'inference_mode';
export const TARGET_POSITIONS = 'target_positions';
export const TARGET_SCORE = 'target_score';
export const TARGET_LOGITS = 'target_logits';

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  } as ValueInfoProto;
}

/**
 * Adds the score head on `logits` (see the module comment): new inputs, outputs `target_logits` and
 * `target_score` in place of `logits`. Returns the score to differentiate and whether the positions were gathered
 * before the LM head.
 */
export function addTargetScore(graph: Graph, logits: string): { score: string; beforeHead: boolean } {
  const shapes = inferShapes(graph);
  const rank = shapes.rank(logits);
  if (rank !== 2 && rank !== 3) {
    throw new TransformError(
      `targetScore: the logits "${logits}" must be [batch, classes] or [batch, sequence, vocabulary]; ` +
        `their rank is ${rank ?? 'unknown'}.`,
    );
  }
  for (const n of [TARGET_IDS, TARGET_WEIGHTS, INFERENCE_MODE, TARGET_POSITIONS, TARGET_SCORE, TARGET_LOGITS]) {
    if (graph.producer(n) || graph.initializer(n) || graph.isGraphInput(n))
      throw new TransformError(`targetScore: the graph already has a tensor named "${n}".`);
  }
  const b = new OpBuilder(graph, 'target_score/');
  graph.proto.input.push(
    tensorInfo(TARGET_IDS, DataType.INT64, ['batch_size', 'n_targets']),
    tensorInfo(TARGET_WEIGHTS, DataType.FLOAT, ['batch_size', 'n_targets']),
    tensorInfo(INFERENCE_MODE, DataType.FLOAT, [3]),
  );
  let selected: string;
  let beforeHead = false;
  if (rank === 3) {
    graph.proto.input.push(tensorInfo(TARGET_POSITIONS, DataType.INT64, ['batch_size', 'n_positions']));
    // rows[b, p, :] = x[b, positions[b, p], :], by GatherElements on indices expanded over the last axis.
    const gatherRows = (x: string) => {
      const shape = b.concat([b.shape(TARGET_POSITIONS), b.shape(x, 2, 3)], 0);
      return b.op('GatherElements', [x, b.expand(b.unsqueeze(TARGET_POSITIONS, [2]), shape)], { axis: 1 });
    };
    const head = positionWiseHead(graph, shapes, logits);
    if (head) {
      const rows = b.matmul(gatherRows(head.hidden), head.weight);
      selected = head.bias ? b.add(rows, head.bias) : rows;
      beforeHead = true;
    } else {
      selected = gatherRows(logits);
    }
  } else {
    selected = logits;
  }
  const targetLogits = b.identity(selected);
  renameOutput(graph, targetLogits, TARGET_LOGITS);
  // The scored row: position slot 0 of sequence logits.
  const z = rank === 3 ? b.gather(TARGET_LOGITS, b.i64(0), 1) : TARGET_LOGITS;
  const pick = (x: string) => b.op('GatherElements', [x, TARGET_IDS], { axis: 1 });
  const logp = b.op('LogSoftmax', [z], { axis: 1 });
  const zt = pick(z);
  const lt = pick(logp);
  const pt = b.exp(lt);
  const m = (k: number) => b.gather(INFERENCE_MODE, b.i64(k), 0);
  const perTarget = b.add(b.add(b.mul(m(0), zt), b.mul(m(1), pt)), b.mul(m(2), lt));
  const score = b.reduceSum(b.mul(perTarget, TARGET_WEIGHTS), [1], false);
  renameOutput(graph, score, TARGET_SCORE);

  const batch = 'batch_size';
  graph.proto.output = graph.proto.output.filter((o) => o.name !== logits);
  graph.proto.output.push(
    tensorInfo(TARGET_LOGITS, DataType.FLOAT, rank === 3 ? [batch, 'n_positions', 'vocab'] : [batch, 'classes']),
    tensorInfo(TARGET_SCORE, DataType.FLOAT, [batch]),
  );
  return { score: TARGET_SCORE, beforeHead };
}

/** Renames a node output produced by this module. */
function renameOutput(graph: Graph, tensor: string, name: string): void {
  const p = graph.producer(tensor)!;
  p.output = p.output.map((o) => (o === tensor ? name : o));
  graph.replaceUses(tensor, name);
  graph.invalidate();
}

/**
 * `logits = MatMul(hidden, weight) [+ bias]` with hidden [B, S, H] and a rank-2 weight: each position's logits
 * depend on that position's hidden state alone, so positions can be picked before the head. Else undefined.
 */
function positionWiseHead(
  graph: Graph,
  shapes: ReturnType<typeof inferShapes>,
  logits: string,
): { hidden: string; weight: string; bias?: string } | undefined {
  let node = graph.producer(logits);
  let bias: string | undefined;
  if (node?.op_type === 'Add' && !node.domain) {
    const [x, y] = node.input as [string, string];
    const mmX = graph.producer(x)?.op_type === 'MatMul' && (shapes.rank(y) ?? 9) <= 1;
    const mmY = graph.producer(y)?.op_type === 'MatMul' && (shapes.rank(x) ?? 9) <= 1;
    if (!mmX && !mmY) return undefined;
    bias = mmX ? y : x;
    node = graph.producer(mmX ? x : y);
  }
  if (node?.op_type !== 'MatMul' || node.domain) return undefined;
  const [hidden, weight] = node.input as [string, string];
  if (shapes.rank(hidden) !== 3 || shapes.rank(weight) !== 2) return undefined;
  return { hidden, weight, bias };
}
