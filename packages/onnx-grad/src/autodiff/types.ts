/**
 * The shape of a gradient rule: given the incoming gradients of a node's outputs, return the gradient of each of
 * its inputs (undefined where none is needed or the input is not differentiable). Rules append nodes through the
 * context's OpBuilder, so each reads like its formula.
 *
 * Exports: `GradRule`, `GradRuleDef`, `GradContext` (interface).
 */
import type { NodeProto } from '../onnx/proto.ts';
import type { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import type { Dim } from '../shape/dims.ts';
import type { ShapeInfo } from '../shape/infer.ts';

export interface GradContext {
  readonly node: NodeProto;
  readonly b: OpBuilder;
  readonly graph: Graph;
  readonly shapes: ShapeInfo;
  readonly opset: number;
  /** Input name k ('' when absent). */
  x(k: number): string;
  /** Output name k. */
  y(k: number): string;
  /** Incoming gradient of output k, or undefined when that output has none. */
  dy(k: number): string | undefined;
  /** Incoming gradient of output k, zeros when it has none. */
  dyOrZeros(k: number): string;
  /** Whether input k needs a gradient. */
  needs(k: number): boolean;
  /** The element type of the node's differentiable tensors (input 0's, or the first float input). */
  readonly elemType: number;
  /** A scalar constant of the node's float element type. */
  c(value: number): string;
  shape(name: string): Dim[] | undefined;
  /** Rank of a tensor; throws a clear error if unknown. */
  rank(name: string): number;
  /** A 1-D int64 tensor holding `name`'s shape: a constant when static, else Shape(name). */
  shapeOf(name: string): string;
  /** dims [start, end) of `name`'s shape as an int64 1-D tensor (constant when static). */
  dimsOf(name: string, start: number, end: number): string;
  /** Zeros with the shape of `name` (in the node's element type). */
  zerosLike(name: string): string;
  /** Sums broadcast gradient `g` (shaped like `gShape`) down to the shape of tensor `target`. */
  reduceTo(g: string, gShape: Dim[] | undefined, target: string): string;
  /** Constant int values of a tensor (initializer, Constant or folded shape arithmetic). */
  ints(name: string): number[] | undefined;
  attrInt(name: string, dflt: number): number;
  attrInts(name: string): number[] | undefined;
  attrFloat(name: string, dflt: number): number;
  attrString(name: string, dflt?: string): string;
}

/**
 * Returns the gradient of each input, in input order: entry k names the tensor holding d(objective)/d(input k), or is
 * undefined where input k needs none (`ctx.needs(k)` is false: integer, shape or inactive inputs); trailing undefined
 * entries may be omitted. Every input that needs a gradient must get one, with that input's shape and element type;
 * a rule that cannot give it must refuse the node in `check`. The engine checks this after each rule
 * (rule-contract.ts) and fails with a `RuleContractError` naming the op, the node and the input.
 */
export type GradRule = (ctx: GradContext) => (string | undefined)[];

export interface GradRuleDef {
  /** Op types (ai.onnx domain unless `domain` says otherwise). */
  ops: string[];
  domain?: string;
  /** Optional static check: a reason string when this node cannot be differentiated (reported as unsupported). */
  check?: (
    ctx: Pick<GradContext, 'node' | 'shapes' | 'opset' | 'ints' | 'attrInt' | 'attrInts' | 'attrString'> & {
      needs(k: number): boolean;
      usesOutput(k: number): boolean;
    },
  ) => string | undefined;
  rule: GradRule;
}
