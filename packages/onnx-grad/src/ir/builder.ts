/**
 * An opset-aware builder that appends standard ai.onnx nodes to a Graph and returns tensor names, so that gradient
 * rules and model generators read like their formulas. Ops whose form changed across opsets (axes as attribute or
 * input, Split sizes, Squeeze/Unsqueeze, Pad, Clip) are emitted in the form valid for the graph's own opset.
 *
 * Exports: `OpBuilder`.
 */
import { DataType, type TensorProto } from '../onnx/proto.ts';
import { makeTensor, type TypedArray } from '../onnx/tensor.ts';
import type { AttrValue } from './attributes.ts';
import type { Graph } from './graph.ts';

type Attrs = Record<string, AttrValue | undefined>;

export class OpBuilder {
  /** Interned constants: one initializer per distinct (dtype, shape, values). */
  private readonly constants = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly prefix = '',
  ) {}

  get opset(): number {
    return this.graph.opset;
  }

  /** Generic single-output node. */
  op(type: string, inputs: string[], attrs?: Attrs): string {
    return this.graph.addNode(type, inputs, { attrs, name: `${this.prefix}${type}` })[0]!;
  }

  /** Generic multi-output node. */
  opN(type: string, inputs: string[], nOutputs: number, attrs?: Attrs): string[] {
    return this.graph.addNode(type, inputs, { attrs, outputs: nOutputs, name: `${this.prefix}${type}` });
  }

  // ---- constants -------------------------------------------------------------------------------------------------

  /** An initializer holding `data` with shape `dims` (interned by value for small tensors). */
  tensor(data: TypedArray, dims: readonly number[], dataType?: number, name = 'const'): string {
    const small = data.length <= 64;
    const key = small
      ? `${dataType ?? data.constructor.name}|${dims.join(',')}|${Array.from(data as ArrayLike<number>).join(',')}`
      : '';
    if (small && this.constants.has(key)) return this.constants.get(key)!;
    const t: TensorProto = makeTensor(this.graph.uniqueName(`${this.prefix}${name}`), dims, data, dataType);
    const out = this.graph.addInitializer(t);
    if (small) this.constants.set(key, out);
    return out;
  }

  f32(values: number | number[], dims?: number[]): string {
    const arr = Float32Array.from(typeof values === 'number' ? [values] : values);
    return this.tensor(arr, dims ?? (typeof values === 'number' ? [] : [arr.length]));
  }

  i64(values: number | number[], dims?: number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const arr = BigInt64Array.from(list.map((v) => BigInt(v)));
    return this.tensor(arr, dims ?? (typeof values === 'number' ? [] : [arr.length]));
  }

  /** A scalar of the given element type (FLOAT, DOUBLE, INT64, ...). */
  scalar(value: number, dataType: number = DataType.FLOAT): string {
    switch (dataType) {
      case DataType.DOUBLE:
        return this.tensor(Float64Array.from([value]), []);
      case DataType.INT64:
        return this.i64(value);
      case DataType.INT32:
        return this.tensor(Int32Array.from([value]), []);
      case DataType.FLOAT:
        return this.f32(value);
      default:
        throw new Error(`OpBuilder.scalar: unsupported data type ${dataType}.`);
    }
  }

  // ---- elementwise -----------------------------------------------------------------------------------------------

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  pow(a: string, b: string): string {
    return this.op('Pow', [a, b]);
  }
  neg(x: string): string {
    return this.op('Neg', [x]);
  }
  exp(x: string): string {
    return this.op('Exp', [x]);
  }
  log(x: string): string {
    return this.op('Log', [x]);
  }
  sqrt(x: string): string {
    return this.op('Sqrt', [x]);
  }
  reciprocal(x: string): string {
    return this.op('Reciprocal', [x]);
  }
  tanh(x: string): string {
    return this.op('Tanh', [x]);
  }
  sigmoid(x: string): string {
    return this.op('Sigmoid', [x]);
  }
  erf(x: string): string {
    return this.op('Erf', [x]);
  }
  relu(x: string): string {
    return this.op('Relu', [x]);
  }
  identity(x: string): string {
    return this.op('Identity', [x]);
  }
  equal(a: string, b: string): string {
    return this.op('Equal', [a, b]);
  }
  greater(a: string, b: string): string {
    return this.op('Greater', [a, b]);
  }
  less(a: string, b: string): string {
    return this.op('Less', [a, b]);
  }
  not(x: string): string {
    return this.op('Not', [x]);
  }
  where(c: string, a: string, b: string): string {
    return this.op('Where', [c, a, b]);
  }
  cast(x: string, to: number): string {
    return this.op('Cast', [x], { to });
  }
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  gemm(
    a: string,
    b: string,
    c: string | undefined,
    attrs: { alpha?: number; beta?: number; transA?: number; transB?: number } = {},
  ): string {
    const at: Attrs = {
      alpha: attrs.alpha === undefined ? undefined : { float: attrs.alpha },
      beta: attrs.beta === undefined ? undefined : { float: attrs.beta },
      transA: attrs.transA,
      transB: attrs.transB,
    };
    return this.op('Gemm', c ? [a, b, c] : [a, b], at);
  }

  // ---- shape ----------------------------------------------------------------------------------------------------

  shape(x: string, start?: number, end?: number): string {
    if (start === undefined && end === undefined) return this.op('Shape', [x]);
    if (this.opset >= 15) return this.op('Shape', [x], { start, end });
    const s = this.op('Shape', [x]);
    return this.slice(s, [start ?? 0], [end ?? Number.MAX_SAFE_INTEGER], [0]);
  }
  reshape(x: string, shape: string | number[]): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.i64(shape)]);
  }
  transpose(x: string, perm?: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  expand(x: string, shape: string): string {
    return this.op('Expand', [x, shape]);
  }
  flatten(x: string, axis: number): string {
    return this.op('Flatten', [x], { axis });
  }
  gather(data: string, indices: string, axis = 0): string {
    return this.op('Gather', [data, indices], { axis });
  }
  concat(xs: string[], axis: number): string {
    return this.op('Concat', xs, { axis });
  }
  constantOfShape(shape: string, value = 0, dataType: number = DataType.FLOAT): string {
    const v =
      dataType === DataType.FLOAT
        ? Float32Array.from([value])
        : dataType === DataType.INT64
          ? BigInt64Array.from([BigInt(value)])
          : Float64Array.from([value]);
    return this.op('ConstantOfShape', [shape], { value: makeTensor('value', [1], v) });
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.i64(axes)]) : this.op('Unsqueeze', [x], { axes });
  }
  squeeze(x: string, axes?: number[]): string {
    if (!axes) return this.op('Squeeze', [x]);
    return this.opset >= 13 ? this.op('Squeeze', [x, this.i64(axes)]) : this.op('Squeeze', [x], { axes });
  }
  slice(
    x: string,
    starts: number[] | string,
    ends: number[] | string,
    axes?: number[] | string,
    steps?: number[] | string,
  ): string {
    const t = (v: number[] | string) => (typeof v === 'string' ? v : this.i64(v));
    const inputs = [x, t(starts), t(ends)];
    if (axes !== undefined) inputs.push(t(axes));
    if (steps !== undefined) inputs.push(t(steps));
    return this.op('Slice', inputs);
  }
  /** Split into pieces of the given sizes along `axis`. */
  split(x: string, sizes: number[], axis: number): string[] {
    if (this.opset >= 13) return this.opN('Split', [x, this.i64(sizes)], sizes.length, { axis });
    return this.opN('Split', [x], sizes.length, { axis, split: sizes });
  }
  /** Constant-mode Pad with pads [begin_0..begin_n, end_0..end_n]. */
  pad(x: string, pads: number[] | string, value?: string): string {
    if (this.opset >= 11)
      return this.op(
        'Pad',
        value
          ? [x, typeof pads === 'string' ? pads : this.i64(pads), value]
          : [x, typeof pads === 'string' ? pads : this.i64(pads)],
      );
    if (typeof pads === 'string') throw new Error('Pad with a dynamic pads tensor needs opset 11 or later.');
    return this.op('Pad', [x], { pads });
  }

  // ---- reductions -----------------------------------------------------------------------------------------------

  /** ReduceSum over `axes` (all axes when empty), in the form of the graph's opset. */
  reduceSum(x: string, axes: number[], keepdims = true): string {
    const kd = keepdims ? 1 : 0;
    if (this.opset >= 13) return this.op('ReduceSum', axes.length ? [x, this.i64(axes)] : [x], { keepdims: kd });
    return this.op('ReduceSum', [x], { axes: axes.length ? axes : undefined, keepdims: kd });
  }
  /** ReduceMean; axes became an input at opset 18. */
  reduceMean(x: string, axes: number[], keepdims = true): string {
    const kd = keepdims ? 1 : 0;
    if (this.opset >= 18) return this.op('ReduceMean', axes.length ? [x, this.i64(axes)] : [x], { keepdims: kd });
    return this.op('ReduceMean', [x], { axes: axes.length ? axes : undefined, keepdims: kd });
  }
  /** ReduceMax/ReduceLogSumExp etc.: axes became an input at opset 18. */
  reduce(
    op: 'ReduceMax' | 'ReduceMin' | 'ReduceLogSumExp' | 'ReduceSumSquare' | 'ReduceL2',
    x: string,
    axes: number[],
    keepdims = true,
  ): string {
    const kd = keepdims ? 1 : 0;
    if (this.opset >= 18) return this.op(op, axes.length ? [x, this.i64(axes)] : [x], { keepdims: kd });
    return this.op(op, [x], { axes: axes.length ? axes : undefined, keepdims: kd });
  }

  softmax(x: string, axis = -1): string {
    return this.op('Softmax', [x], { axis });
  }
}
