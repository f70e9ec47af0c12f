/**
 * What every bench section shares: timings taken in interleaved rounds (A, B, C, A, B, C, ...) so that a load
 * swing hits every contender alike, summaries as median [min-max], ratios per round (A_i / B_i, then the
 * median of those), the machine's load beside each table, and plain-text tables.
 *
 * Exports: `Summary`, `summarize(xs)`, `fmt(s, digits)`, `interleave(rounds, contenders)`, `ratioOf(a, b)`,
 * `loadLine()`, `table(title, head, rows)`, `flag(name)`, `numArg(name, def)`, `strArg(name)`.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** `12.3 [11.9-14.0]`. */
export function fmt(s: Summary | undefined, digits = 1): string {
  if (!s || s.n === 0) return '-';
  return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`;
}

/**
 * Runs every contender once per round, in the same order each round, and returns each one's times (ms). A
 * contender may return its own duration as a number (e.g. measured inside a browser page) instead of being timed
 * here; any other result is ignored.
 */
export async function interleave(
  rounds: number,
  contenders: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const t0 = performance.now();
      const own = await fn();
      out[name]!.push(typeof own === 'number' ? own : performance.now() - t0);
    }
  }
  return out;
}

/** Per-round ratios a_i / b_i (both taken in the same round), summarized. */
export function ratioOf(a: readonly number[], b: readonly number[]): Summary {
  return summarize(a.map((x, i) => x / b[i]!));
}

/** The load the numbers were taken under: 1-minute load average against the cores. */
export function loadLine(): string {
  const [one, five] = loadavg();
  const cores = availableParallelism?.() ?? cpus().length;
  return `machine load: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${cores} cores`;
}

export function table(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(
    `${title}\n${loadLine()}\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows
      .map(line)
      .join('\n')}\n`,
  );
}

export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

export function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function numArg(name: string, def: number): number {
  const v = strArg(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} takes a number, got "${v}".`);
  return n;
}
