/**
 * Pure comparison of two attribution matrices computed on different backends.
 *
 * Exports: `rowDeviation(a, b)` -> per row { maxAbsDiff, scale, nanMismatch }.
 */

export interface RowDeviation {
  /** max over cells of |a - b| (cells NaN in both are skipped). */
  maxAbsDiff: number;
  /** max over cells of |b| (the reference row's largest magnitude). */
  scale: number;
  /** Cells NaN in one matrix and not in the other. */
  nanMismatch: number;
}

/** `b` is the reference. Rows and columns must have the same shape (checked by the caller). */
export function rowDeviation(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): RowDeviation[] {
  return b.map((refRow, r) => {
    const row = a[r]!;
    let maxAbsDiff = 0;
    let scale = 0;
    let nanMismatch = 0;
    refRow.forEach((ref, c) => {
      const v = row[c]!;
      if (Number.isNaN(ref) || Number.isNaN(v)) {
        if (Number.isNaN(ref) !== Number.isNaN(v)) nanMismatch++;
        return;
      }
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - ref));
      scale = Math.max(scale, Math.abs(ref));
    });
    return { maxAbsDiff, scale, nanMismatch };
  });
}
