/**
 * Whether a result still matches the form: the run's key is taken when the run starts; any later change of
 * what the run depends on (model, device, text, target, contrast, score, method, options, curves) makes the result stale, and
 * the page says so instead of showing an old answer under a new question.
 */
export interface RunInputs {
  model: unknown;
  device: unknown;
  text: string;
  target: unknown;
  contrast?: unknown;
  units?: unknown;
  baseline?: unknown;
  score?: unknown;
  method?: unknown;
  options?: unknown;
  metrics?: unknown;
}

/** A stable text key of what a run depends on (object keys sorted, so key order never matters). */
export function runKey(inputs: RunInputs): string {
  return JSON.stringify(inputs, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** True when the result was made from other inputs than the form holds now. */
export function isStale(resultKey: string | null, current: RunInputs): boolean {
  return resultKey !== null && resultKey !== runKey(current);
}
