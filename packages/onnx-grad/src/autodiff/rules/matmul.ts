/** MatMul (numpy semantics, batched, 1-D operands), Gemm, and two-operand Einsum contractions. */
import { attrInts } from '../../ir/attributes.ts';
import type { Dim } from '../../shape/dims.ts';
import { broadcastDims } from '../../shape/dims.ts';
import type { GradContext, GradRuleDef } from '../types.ts';

/** Perm swapping the last two axes of a rank-r tensor. */
const swapLast = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];

/**
 * `t` transposed on its last two axes: the input of the Transpose that made `t` when it swapped exactly those (Q·Kᵀ
 * in attention), so that no Transpose of a Transpose is emitted; else a Transpose (onnxruntime fuses a last-two-axes
 * Transpose into the MatMul that reads it, as FusedMatMul with transA/transB).
 */
function swapped(c: GradContext, t: string, r: number): string {
  const p = c.graph.producer(t);
  const perm = p?.op_type === 'Transpose' && !p.domain ? attrInts(p, 'perm') : undefined;
  if (perm && r >= 2 && perm.length === r && perm.every((v, i) => v === swapLast(r)[i])) return p!.input[0]!;
  return c.b.transpose(t, swapLast(r));
}

function matmulGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  let A = c.x(0);
  let B = c.x(1);
  let dy = c.dy(0)!;
  let as = c.shape(A) ?? Array.from({ length: c.rank(A) }, () => 0 as Dim);
  let bs = c.shape(B) ?? Array.from({ length: c.rank(B) }, () => 0 as Dim);
  // promote 1-D operands as numpy does (A: [K] -> [1,K]; B: [K] -> [K,1]), and the gradient with them
  const aVec = as.length === 1;
  const bVec = bs.length === 1;
  const note = (name: string, shape: Dim[]) => c.shapes.types.set(name, { elemType: c.elemType, shape });
  if (aVec) note((A = b.unsqueeze(A, [0])), (as = [1, as[0]!]));
  if (bVec) note((B = b.unsqueeze(B, [1])), (bs = [bs[0]!, 1]));
  const ry = c.rank(c.y(0));
  if (aVec && bVec) dy = b.reshape(dy, [1, 1]);
  else if (aVec) dy = b.unsqueeze(dy, [ry - 1]);
  else if (bVec) dy = b.unsqueeze(dy, [ry]);
  const ra = as.length;
  const rb = bs.length;
  const batch = broadcastDims(as.slice(0, -2), bs.slice(0, -2));
  const [M, K, N] = [as[ra - 2]!, as[ra - 1]!, bs[rb - 1]!]; // both ranks are >= 2 after the promotion above
  let dA: string | undefined;
  let dB: string | undefined;
  if (c.needs(0)) {
    // dA = dY · Bᵀ, summed over the batch axes A was broadcast along
    dA = c.reduceTo(b.matmul(dy, swapped(c, B, rb)), [...batch, M, K], A);
    if (aVec) dA = b.squeeze(dA, [0]);
  }
  if (c.needs(1)) {
    if (rb === 2 && ra > 2 && !bVec) {
      // a weight B[K,N] shared across the batch: flatten A and dY to 2-D, one Gemm(transA) (ORT's dB_2d_case)
      const a2 = b.reshape(A, typeof K === 'number' ? [-1, K] : b.concat([b.i64([-1]), b.shape(A, ra - 1, ra)], 0));
      const dy2 = b.reshape(dy, typeof N === 'number' ? [-1, N] : b.concat([b.i64([-1]), b.shape(dy, ra - 1, ra)], 0));
      dB = b.gemm(a2, dy2, undefined, { transA: 1 });
    } else {
      // dB = Aᵀ · dY, summed over the batch axes B was broadcast along
      dB = c.reduceTo(b.matmul(swapped(c, A, ra), dy), [...batch, K, N], B);
      if (bVec) dB = b.squeeze(dB, [1]);
    }
  }
  return [dA, dB];
}

/** Gemm: Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A, likewise B'. */
function gemmGrads(c: GradContext): (string | undefined)[] {
  const { b } = c;
  const alpha = c.attrFloat('alpha', 1);
  const beta = c.attrFloat('beta', 1);
  const tA = c.attrInt('transA', 0);
  const tB = c.attrInt('transB', 0);
  const A = c.x(0);
  const B = c.x(1);
  const dy = c.dy(0)!;
  const al = alpha === 1 ? undefined : alpha;
  let dA: string | undefined;
  let dB: string | undefined;
  if (c.needs(0)) {
    // dA' = alpha dY B'ᵀ ; dA = tA ? (dA')ᵀ = alpha B' dYᵀ
    if (!tA) dA = b.gemm(dy, B, undefined, { alpha: al, transB: tB ? 0 : 1 });
    else dA = b.gemm(B, dy, undefined, { alpha: al, transA: tB ? 1 : 0, transB: 1 });
  }
  if (c.needs(1)) {
    // dB' = alpha A'ᵀ dY ; dB = tB ? (dB')ᵀ = alpha dYᵀ A'
    if (!tB) dB = b.gemm(A, dy, undefined, { alpha: al, transA: tA ? 0 : 1 });
    else dB = b.gemm(dy, A, undefined, { alpha: al, transA: 1, transB: tA ? 1 : 0 });
  }
  let dC: string | undefined;
  if (c.needs(2)) dC = c.reduceTo(beta === 1 ? dy : b.mul(dy, c.c(beta)), c.shape(c.y(0)), c.x(2));
  return [dA, dB, dC];
}

interface EinsumParse {
  inputs: string[];
  output: string;
}

function parseEinsum(eq: string): EinsumParse | undefined {
  const clean = eq.replace(/\s/g, '');
  const [lhs = '', rhs] = clean.split('->');
  if (rhs === undefined) return undefined;
  return { inputs: lhs.split(','), output: rhs };
}

/** Letters of a term, with `...` kept as one token. */
const tokens = (t: string): string[] => t.replace('...', '.').split('');

function einsumCheck(eq: string): string | undefined {
  const p = parseEinsum(eq);
  if (!p) return `equation "${eq}" has no explicit output ("->")`;
  if (p.inputs.length !== 2) return `only two-operand Einsum is supported, not "${eq}"`;
  for (const t of p.inputs) {
    const letters = tokens(t);
    if (new Set(letters).size !== letters.length) return `repeated index in "${t}" (diagonals) is not supported`;
  }
  const [a, b2] = p.inputs.map(tokens) as [string[], string[]]; // two operands: checked above
  const out = tokens(p.output);
  for (const [mine, other] of [
    [a, b2],
    [b2, a],
  ] as const) {
    for (const l of mine)
      if (!out.includes(l) && !other.includes(l)) return `index "${l}" is summed within one operand in "${eq}"`;
  }
  return undefined;
}

/** For y = einsum("A,B->O"): dA = einsum("O,B->A"), dB = einsum("A,O->B"). */
function einsumGrads(c: GradContext): (string | undefined)[] {
  const p = parseEinsum(c.attrString('equation'))!;
  const [ta, tb] = p.inputs;
  const dy = c.dy(0)!;
  return [
    c.needs(0) ? c.b.op('Einsum', [dy, c.x(1)], { equation: `${p.output},${tb}->${ta}` }) : undefined,
    c.needs(1) ? c.b.op('Einsum', [c.x(0), dy], { equation: `${ta},${p.output}->${tb}` }) : undefined,
  ];
}

export const matmulRules: GradRuleDef[] = [
  { ops: ['MatMul'], rule: matmulGrads },
  { ops: ['Gemm'], rule: gemmGrads },
  { ops: ['Einsum'], check: (c) => einsumCheck(c.attrString('equation')), rule: einsumGrads },
];
