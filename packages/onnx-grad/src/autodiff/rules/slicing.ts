/**
 * Ops that cut or assemble tensors: Concat (one Slice of dy per input), Split (Concat of the dy_i, zeros for
 * outputs without gradient), Slice (static Pad when all is known and steps are 1; otherwise a scatter along each
 * sliced axis of the indices that `Slice(Range(0, dim))` selects, which reproduces ORT's clamping exactly),
 * Pad (constant mode: Pad by -pads crops), Tile (reshape to [r0, d0, r1, d1, ...] and sum the repeat axes).
 */
import type { GradContext, GradRuleDef } from '../types.ts';
import { sliceRange } from '../../shape/infer.ts';

const norm = (a: number, r: number) => (a < 0 ? a + r : a);

function concatGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const dy = c.dy(0)!;
  const r = c.rank(c.y(0));
  const axis = norm(c.attrInt('axis', 0), r);
  const inputs = c.node.input;
  // offsets along the axis: static sums where the dims are known, else Shape arithmetic
  let offset: number | string = 0;
  const out: (string | undefined)[] = [];
  for (const x of inputs) {
    const d = c.shape(x)?.[axis];
    const end: number | string =
      typeof offset === 'number' && typeof d === 'number'
        ? offset + d
        : b.add(typeof offset === 'number' ? b.i64([offset]) : offset, c.dimsOf(x, axis, axis + 1));
    if (c.needs(out.length)) {
      const s = typeof offset === 'number' ? b.i64([offset]) : offset;
      const e = typeof end === 'number' ? b.i64([end]) : end;
      out.push(b.slice(dy, s, e, [axis]));
    } else out.push(undefined);
    offset = end;
  }
  return out;
}

function splitGrads(c: GradContext): (string | undefined)[] {
  const r = c.rank(c.x(0));
  const axis = norm(c.attrInt('axis', 0), r);
  const parts = c.node.output.map((_, k) => c.dyOrZeros(k));
  return [parts.length === 1 ? parts[0] : c.b.concat(parts, axis)];
}

interface SliceSpec {
  starts: string;
  ends: string;
  axes: number[];
  steps?: string;
  stepVals?: number[];
  startVals?: number[];
  endVals?: number[];
}

function sliceSpec(c: GradContext): SliceSpec {
  const r = c.rank(c.x(0));
  const { b } = c;
  if (c.opset < 10) {
    const starts = c.attrInts('starts')!;
    const ends = c.attrInts('ends')!;
    const axes = (c.attrInts('axes') ?? starts.map((_, i) => i)).map((a) => norm(a, r));
    return {
      starts: b.i64(starts),
      ends: b.i64(ends),
      axes,
      startVals: starts,
      endVals: ends,
      stepVals: starts.map(() => 1),
    };
  }
  const startVals = c.ints(c.x(1));
  const endVals = c.ints(c.x(2));
  const axesRaw = c.x(3) ? c.ints(c.x(3)) : undefined;
  const n = startVals?.length ?? endVals?.length ?? axesRaw?.length ?? c.shapes.staticShape(c.x(1))?.[0];
  const axes = (axesRaw ?? Array.from({ length: n ?? 0 }, (_, i) => i)).map((a) => norm(a, r));
  const stepVals = c.x(4) ? c.ints(c.x(4)) : axes.map(() => 1);
  return { starts: c.x(1), ends: c.x(2), axes, steps: c.x(4) || undefined, stepVals, startVals, endVals };
}

function sliceGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const dy = c.dy(0)!;
  const r = c.rank(x);
  const spec = sliceSpec(c);
  const xs = c.shape(x)!;
  // fast path: every step is 1 and the crop is known, so dx = Pad(dy, [begin..., end...])
  if (spec.stepVals?.every((s) => s === 1) && spec.startVals && spec.endVals) {
    const pads = new Array<number>(2 * r).fill(0);
    let ok = true;
    let symbolic = false;
    spec.axes.forEach((a, k) => {
      const d = xs[a];
      const s = spec.startVals![k]!;
      const e = spec.endVals![k]!;
      if (typeof d === 'number') {
        const { start, count } = sliceRange(d, s, e, 1);
        pads[a] = start;
        pads[a + r] = d - start - count;
      } else if (s >= 0 && e >= 2 ** 31 && c.opset >= 12) {
        // from a known offset to the end of a symbolic dim: the slice starts at min(s, dim) (an offset past the
        // end selects nothing), so the leading pad is Min(s, dim) at run time (int64 Min needs opset 12)
        pads[a] = s;
        if (s > 0) symbolic = true;
      } else ok = false;
    });
    if (ok && !symbolic) return [b.pad(dy, pads)];
    if (ok) {
      const begins = b.op('Min', [b.i64(pads.slice(0, r)), c.shapeOf(x)]);
      return [b.pad(dy, b.concat([begins, b.i64(pads.slice(r))], 0))];
    }
  }
  // general path: scatter dy back along each sliced axis, one axis at a time
  let g = dy;
  spec.axes.forEach((a, k) => {
    const pick = (t: string) => b.slice(t, [k], [k + 1]); // the k-th entry of starts/ends/steps
    const dim = b.shape(x, a, a + 1);
    const range = b.op('Range', [b.i64(0), b.squeeze(dim, [0]), b.i64(1)]);
    const idx = b.slice(range, pick(spec.starts), pick(spec.ends), [0], spec.steps ? pick(spec.steps) : undefined);
    // indices shaped like g with idx along axis a
    const bshape = Array.from({ length: r }, (_, i) => (i === a ? -1 : 1));
    const idxB = b.expand(b.reshape(idx, bshape), b.shape(g));
    const onehotA = Array.from({ length: r }, (_, i) => (i === a ? 1 : 0));
    const zshape = b.add(b.mul(b.shape(g), b.i64(onehotA.map((v) => 1 - v))), b.mul(c.shapeOf(x), b.i64(onehotA)));
    const zeros = b.expand(c.c(0), zshape);
    g = b.op('ScatterElements', [zeros, idxB, g], { axis: a });
  });
  return [g];
}

function padGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const dy = c.dy(0)!;
  if (c.opset < 11) {
    const pads = c.attrInts('pads')!;
    return [
      b.pad(
        dy,
        pads.map((p) => -p),
      ),
    ];
  }
  const padsVals = c.ints(c.x(1));
  const pads = padsVals ? b.i64(padsVals.map((p) => -p)) : b.neg(c.x(1));
  const inputs = [dy, pads];
  if (c.x(3)) inputs.push('', c.x(3));
  return [b.op('Pad', inputs, { mode: 'constant' })];
}

function tileGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const x = c.x(0);
  const r = c.rank(x);
  const reps = c.ints(c.x(1));
  const xs = c.shape(x)!;
  // dy viewed as [r0, d0, r1, d1, ...], summed over the repeat axes
  let shape: string;
  if (reps && xs.every((d) => typeof d === 'number')) shape = b.i64(reps.flatMap((rep, i) => [rep, xs[i] as number]));
  else {
    const parts: string[] = [];
    for (let i = 0; i < r; i++)
      parts.push(reps ? b.i64([reps[i]!]) : b.slice(c.x(1), [i], [i + 1]), c.dimsOf(x, i, i + 1));
    shape = b.concat(parts, 0);
  }
  const g = b.reshape(c.dy(0)!, shape);
  return [
    b.reduceSum(
      g,
      Array.from({ length: r }, (_, i) => 2 * i),
      false,
    ),
  ];
}

export const slicingRules: GradRuleDef[] = [
  { ops: ['Concat'], rule: concatGrads },
  { ops: ['Split'], rule: splitGrads },
  {
    ops: ['Slice'],
    check: (c) => {
      if (c.opset >= 10 && c.node.input[3] && !c.ints(c.node.input[3])) return 'its axes are not constant';
      if (
        c.opset >= 10 &&
        !c.node.input[3] &&
        !c.ints(c.node.input[1]!) &&
        !c.ints(c.node.input[2]!) &&
        c.shapes.staticShape(c.node.input[1]!) === undefined
      ) {
        return 'the number of sliced axes is unknown';
      }
      return undefined;
    },
    rule: sliceGrads,
  },
  {
    ops: ['Pad'],
    check: (c) => {
      const mode = c.attrString('mode', 'constant');
      if (mode !== 'constant') return `mode="${mode}" is not supported (constant only)`;
      if (c.needs(2)) return 'a gradient for the pad value is not supported';
      return undefined;
    },
    rule: padGrads,
  },
  { ops: ['Tile'], rule: tileGrads },
];
