/**
 * Cosine over the cells both outputs define (generation rows have NaN where a target cannot see a unit). Shared by
 * the dtype tests in Node and in the browser e2e; it imports nothing, so the e2e runner loads no library with it.
 */
export function cosine(a: number[][], b: number[][]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((row, r) =>
    row.forEach((x, c) => {
      const y = b[r]![c]!;
      if (Number.isNaN(x) || Number.isNaN(y)) return;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }),
  );
  return ab / Math.sqrt(aa * bb);
}
