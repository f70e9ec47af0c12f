/**
 * Weighted least squares by Householder QR (no normal equations, no explicit inverse).
 *
 * Exports:
 * - `weightedLeastSquares(X, y, w, { ridge?, unpenalized? }) -> { coef, ridgeUsed }`: minimises
 *   sum_r w_r (y_r - X_r . coef)^2. X is given as rows (m rows of n values). Rows with weight 0 are ignored.
 *   Rank deficiency (fewer informative rows than unknowns, or collinear columns: |R_jj| <= 1e-10 max|R_ii|)
 *   is handled by re-solving with a tiny ridge lambda * ||coef||^2, lambda = 1e-9 * (mean squared column norm),
 *   which picks (close to) the minimum-norm solution; columns listed in `unpenalized` (e.g. an intercept) are
 *   not penalised. `ridge` forces a given lambda (absolute) instead.
 */

export interface LeastSquaresOptions {
  /** Absolute ridge strength to use from the start (default: none unless the problem is rank deficient). */
  ridge?: number;
  /** Column indices exempt from the ridge penalty. */
  unpenalized?: number[];
}

export interface LeastSquaresResult {
  coef: Float64Array;
  /** Ridge strength actually used (0 when the plain problem had full column rank). */
  ridgeUsed: number;
}

/** Householder QR of a column-major m x n matrix (m >= n), applied to b; returns x and |diag R|. */
function qrSolve(A: Float64Array, b: Float64Array, m: number, n: number): { x: Float64Array; diag: Float64Array } {
  const diag = new Float64Array(n);
  const v = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm += (A[ck + i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    // Reflect onto -sign(a_kk) * norm to avoid cancellation.
    const alpha = (A[ck + k] as number) > 0 ? -norm : norm;
    let vv = 0;
    for (let i = k; i < m; i++) {
      v[i] = (A[ck + i] as number) - (i === k ? alpha : 0);
      vv += (v[i] as number) ** 2;
    }
    if (vv === 0) {
      diag[k] = Math.abs(alpha);
      continue;
    }
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      let s = 0;
      for (let i = k; i < m; i++) s += (v[i] as number) * (A[cj + i] as number);
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) A[cj + i] = (A[cj + i] as number) - f * (v[i] as number);
    }
    let s = 0;
    for (let i = k; i < m; i++) s += (v[i] as number) * (b[i] as number);
    const f = (2 * s) / vv;
    for (let i = k; i < m; i++) b[i] = (b[i] as number) - f * (v[i] as number);
    A[ck + k] = alpha;
    diag[k] = Math.abs(alpha);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let j = i + 1; j < n; j++) s -= (A[j * m + i] as number) * (x[j] as number);
    const r = A[i * m + i] as number;
    x[i] = r === 0 ? 0 : s / r;
  }
  return { x, diag };
}

function solveWithRidge(
  rows: ArrayLike<number>[],
  y: ArrayLike<number>,
  sw: Float64Array,
  n: number,
  lambda: number,
  unpenalized: Set<number>,
): { x: Float64Array; diag: Float64Array } {
  const penalised = lambda > 0 ? Array.from({ length: n }, (_, j) => j).filter((j) => !unpenalized.has(j)) : [];
  const m = rows.length + penalised.length;
  const A = new Float64Array(m * n);
  const b = new Float64Array(m);
  rows.forEach((row, r) => {
    const s = sw[r] as number;
    for (let j = 0; j < n; j++) A[j * m + r] = s * (row[j] as number);
    b[r] = s * (y[r] as number);
  });
  const sl = Math.sqrt(lambda);
  penalised.forEach((j, t) => {
    A[j * m + rows.length + t] = sl;
  });
  if (m < n) {
    // Only reachable when every column is unpenalised and rows are short: pad with zero rows.
    const pad = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) pad[j * n + i] = A[j * m + i] as number;
    const pb = new Float64Array(n);
    pb.set(b);
    return qrSolve(pad, pb, n, n);
  }
  return qrSolve(A, b, m, n);
}

export function weightedLeastSquares(
  X: ArrayLike<number>[],
  y: ArrayLike<number>,
  w: ArrayLike<number>,
  options: LeastSquaresOptions = {},
): LeastSquaresResult {
  if (X.length !== y.length || X.length !== w.length) {
    throw new Error(`weightedLeastSquares: X has ${X.length} rows, y ${y.length}, w ${w.length}; they must match.`);
  }
  const n = X.length > 0 ? (X[0] as ArrayLike<number>).length : 0;
  const rows: ArrayLike<number>[] = [];
  const ys: number[] = [];
  const sws: number[] = [];
  X.forEach((row, r) => {
    const wr = w[r] as number;
    if (!(wr >= 0) || !Number.isFinite(wr))
      throw new Error(`weightedLeastSquares: weight ${r} is ${wr}; weights must be finite and >= 0.`);
    if (row.length !== n) throw new Error(`weightedLeastSquares: row ${r} has ${row.length} columns, expected ${n}.`);
    if (wr > 0) {
      rows.push(row);
      ys.push(y[r] as number);
      sws.push(Math.sqrt(wr));
    }
  });
  const sw = Float64Array.from(sws);
  const unpen = new Set(options.unpenalized ?? []);
  if (n === 0) return { coef: new Float64Array(0), ridgeUsed: 0 };
  if (options.ridge !== undefined) {
    return { coef: solveWithRidge(rows, ys, sw, n, options.ridge, unpen).x, ridgeUsed: options.ridge };
  }
  if (rows.length >= n) {
    const { x, diag } = solveWithRidge(rows, ys, sw, n, 0, unpen);
    const max = Math.max(...diag);
    if (max > 0 && diag.every((d) => d > 1e-10 * max)) return { coef: x, ridgeUsed: 0 };
  }
  // Rank deficient: a ridge scaled to the data picks a (nearly) minimum-norm solution.
  let colNorm = 0;
  rows.forEach((row, r) => {
    for (let j = 0; j < n; j++) colNorm += ((sw[r] as number) * (row[j] as number)) ** 2;
  });
  const lambda = 1e-9 * Math.max(colNorm / n, 1e-300);
  return { coef: solveWithRidge(rows, ys, sw, n, lambda, unpen).x, ridgeUsed: lambda };
}
