/**
 * Symbolic tensor dimensions. A dimension is a known integer or a string: a `dim_param` name (`batch`,
 * `sequence`), a canonical product/sum of names (`batch*sequence`, `(past+sequence)`), or a fresh unknown (`?12`).
 * Two dimensions are known equal when they are the same number or the same string; fresh unknowns only equal
 * themselves.
 *
 * Exports: `Dim`, `isUnknown`, `freshDim`, `mulDim`, `divDim`, `addDim`, `subDim`, `broadcastDims`, `dimsEqual`.
 */

export type Dim = number | string;

let fresh = 0;
/** A new dimension about which nothing is known. */
export function freshDim(): string {
  return `?${++fresh}`;
}

export function isUnknown(d: Dim): boolean {
  return typeof d === 'string' && d.includes('?');
}

interface Monomial {
  c: number;
  f: string[];
}

/** Splits `a*b*(c+d)` at the top-level `*`. */
function factors(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '*' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parse(d: Dim): Monomial {
  if (typeof d === 'number') return { c: d, f: [] };
  let c = 1;
  const f: string[] = [];
  for (const p of factors(d)) {
    if (/^-?\d+$/.test(p)) c *= Number(p);
    else f.push(p);
  }
  return { c, f: f.sort() };
}

function format(m: Monomial): Dim {
  if (m.f.length === 0) return m.c;
  return (m.c === 1 ? '' : `${m.c}*`) + m.f.join('*');
}

export function mulDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 0 || b === 0) return 0;
  const x = parse(a);
  const y = parse(b);
  return format({ c: x.c * y.c, f: [...x.f, ...y.f].sort() });
}

/** Exact division where it is known to be exact, else a fresh unknown. */
export function divDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : Math.trunc(a / b);
  const x = parse(a);
  const y = parse(b);
  if (y.c === 0 || x.c % y.c !== 0) return freshDim();
  const rest = [...x.f];
  for (const f of y.f) {
    const i = rest.indexOf(f);
    if (i < 0) return freshDim();
    rest.splice(i, 1);
  }
  return format({ c: x.c / y.c, f: rest });
}

export function addDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  if (isUnknown(a) || isUnknown(b)) return freshDim();
  const terms = (d: Dim) =>
    typeof d === 'string' && d.startsWith('(') && d.endsWith(')') && factors(d).length === 1
      ? d.slice(1, -1).split('+')
      : [String(d)];
  return `(${[...terms(a), ...terms(b)].sort().join('+')})`;
}

export function subDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (b === 0) return a;
  if (a === b) return 0;
  if (typeof a === 'string' && a.startsWith('(') && a.endsWith(')') && factors(a).length === 1) {
    const terms = a.slice(1, -1).split('+');
    const i = terms.indexOf(String(b));
    if (i >= 0) {
      terms.splice(i, 1);
      if (terms.length === 1) return /^-?\d+$/.test(terms[0]!) ? Number(terms[0]) : terms[0]!;
      return `(${terms.join('+')})`;
    }
  }
  return freshDim();
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return a === b;
}

/** Numpy broadcasting of two shapes (right-aligned); dims that cannot be decided become fresh unknowns. */
export function broadcastDims(a: Dim[], b: Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (typeof x === 'number')
      out.push(x); // a valid model: y must be x (or 1, excluded above)
    else if (typeof y === 'number') out.push(y);
    else if (!isUnknown(x) && isUnknown(y)) out.push(x);
    else if (isUnknown(x) && !isUnknown(y)) out.push(y);
    else out.push(freshDim());
  }
  return out;
}
