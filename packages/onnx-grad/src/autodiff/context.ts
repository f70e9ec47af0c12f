/**
 * The per-node context handed to gradient rules: names of inputs/outputs/incoming gradients, shape facts, typed
 * constants, and the broadcast reduction `reduceTo` (static axes where shapes decide, a runtime fallback where
 * they do not).
 *
 * Exports: `NodeGradContext`, `AutodiffError`.
 */
import { DataType, type NodeProto } from '../onnx/proto.ts';
import { attrFloat, attrInt, attrInts, attrString } from '../ir/attributes.ts';
import type { OpBuilder } from '../ir/builder.ts';
import type { Graph } from '../ir/graph.ts';
import { type Dim, isUnknown } from '../shape/dims.ts';
import type { ShapeInfo } from '../shape/infer.ts';
import { isFloatType } from '../shape/infer.ts';
import type { GradContext } from './types.ts';

export class AutodiffError extends Error {
  override name = 'AutodiffError';
}

export class NodeGradContext implements GradContext {
  readonly elemType: number;

  constructor(
    readonly node: NodeProto,
    readonly b: OpBuilder,
    readonly graph: Graph,
    readonly shapes: ShapeInfo,
    private readonly grads: (string | undefined)[],
    private readonly needMask: boolean[],
  ) {
    this.elemType = firstFloatType(node.output, shapes) || firstFloatType(node.input, shapes) || DataType.FLOAT;
  }

  get opset(): number {
    return this.graph.opset;
  }
  x(k: number): string {
    return this.node.input[k] ?? '';
  }
  y(k: number): string {
    return this.node.output[k]!;
  }
  dy(k: number): string | undefined {
    return this.grads[k];
  }
  dyOrZeros(k: number): string {
    return this.grads[k] ?? this.zerosLike(this.y(k));
  }
  needs(k: number): boolean {
    return this.needMask[k] ?? false;
  }
  c(value: number): string {
    return this.b.scalar(value, this.elemType === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT);
  }
  shape(name: string): Dim[] | undefined {
    return this.shapes.shape(name);
  }
  rank(name: string): number {
    const r = this.shapes.rank(name);
    if (r === undefined) {
      throw new AutodiffError(
        `The rank of "${name}" (node "${this.node.name}", ${this.node.op_type}) is unknown, and its gradient rule needs it: give the model's inputs shapes.`,
      );
    }
    return r;
  }
  ints(name: string): number[] | undefined {
    return name ? this.shapes.ints(name) : undefined;
  }
  attrInt(name: string, dflt: number): number {
    return attrInt(this.node, name, dflt);
  }
  attrInts(name: string): number[] | undefined {
    return attrInts(this.node, name);
  }
  attrFloat(name: string, dflt: number): number {
    return attrFloat(this.node, name, dflt);
  }
  attrString(name: string, dflt = ''): string {
    return attrString(this.node, name, dflt);
  }

  shapeOf(name: string): string {
    const s = this.shapes.staticShape(name);
    return s ? this.b.i64(s) : this.b.shape(name);
  }

  dimsOf(name: string, start: number, end: number): string {
    const s = this.shapes.shape(name);
    if (s) {
      const part = s.slice(start, end);
      if (part.every((d) => typeof d === 'number')) return this.b.i64(part as number[]);
    }
    return this.b.shape(name, start, end);
  }

  zerosLike(name: string): string {
    // Expand of a scalar zero: unlike ConstantOfShape, Expand has WebGPU kernels.
    return this.b.expand(this.c(0), this.shapeOf(name));
  }

  reduceTo(g: string, gShape: Dim[] | undefined, target: string): string {
    return reduceToShape(this, g, gShape, target);
  }
}

/** The element type of the first float tensor among `names`, or 0. */
function firstFloatType(names: readonly string[], shapes: ShapeInfo): number {
  for (const n of names) {
    const t = n ? shapes.elemType(n) : 0;
    if (isFloatType(t)) return t;
  }
  return 0;
}

/**
 * ↓b(g, x): sum `g` over the axes along which `x` was broadcast. Leading extra axes and axes where x has a 1 (and g
 * does not) are decided statically; an axis where x's dim is symbolic and differs from g's is resolved at run time:
 * `Slice(Where(dim_x == 1, Expand(ReduceSum(g, axis)), g), 0, dim_x)`, valid at every opset.
 */
function reduceToShape(ctx: NodeGradContext, g: string, gShape: Dim[] | undefined, target: string): string {
  const xs = ctx.shape(target);
  if (!gShape || !xs) {
    throw new AutodiffError(
      `Cannot reduce the gradient of node "${ctx.node.name}" (${ctx.node.op_type}) to the shape of "${target}": the rank of ${gShape ? `"${target}"` : 'the gradient'} is unknown. Give the model's inputs shapes.`,
    );
  }
  const b = ctx.b;
  const lead = gShape.length - xs.length;
  if (lead < 0)
    throw new AutodiffError(
      `Gradient of rank ${gShape.length} cannot reduce to "${target}" of rank ${xs.length} (node "${ctx.node.name}").`,
    );
  const axes: number[] = [];
  const uncertain: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  xs.forEach((d, i) => {
    const gd = gShape[lead + i]!;
    if (d === gd) return;
    if (d === 1) axes.push(lead + i);
    else if (typeof d === 'number')
      return; // x has a real extent: no broadcast along it
    else if (isUnknown(d) || isUnknown(gd) || gd === 1 || typeof gd === 'number' || d !== gd) {
      // d symbolic: g's dim is either d or x was 1; only run time can tell, unless g's dim is 1 as well
      if (gd !== 1) uncertain.push(i);
    }
  });
  let out = g;
  if (axes.length) out = b.reduceSum(out, axes, true);
  if (lead > 0)
    out = b.squeeze(
      out,
      Array.from({ length: lead }, (_, i) => i),
    );
  for (const i of uncertain) {
    const dimX = b.shape(target, i, i + 1); // [1]
    const isOne = b.equal(dimX, b.i64([1]));
    const summed = b.expand(b.reduceSum(out, [i], true), b.shape(out));
    out = b.slice(b.where(isOne, summed, out), [0], dimX, [i]);
  }
  return out;
}
