/**
 * `runDataset`: every method and metric over a stream of rows, one result per row as soon as it is done. Pure of
 * I/O: rows come from any (async) iterable and results go to whoever iterates; readers, files, workers and
 * shards are the caller's (the CLI's, the playground's).
 *
 * Determinism: each row's sampling seed is `rowSeed(seed, row.id)`, and each row is explained on its own, so a
 * row's result does not depend on the order, batching or sharding of the rows.
 * A bad row (unreadable, no text, empty, too long for the model, a class that does not exist) and a method that
 * fails on one row are recorded in that row's result; the run goes on. Only an abort stops it.
 *
 * Exports: `runDataset`, `checkDatasetSettings`, `DATASET_METRICS`, `DatasetMetricName`, `DatasetMethod`, `RunDatasetOptions`,
 * `DatasetRowResult`, `DatasetMethodResult`, `DatasetMetricResult`, `DatasetProgress`, `datasetMethodLabel`.
 */
import type { AttributionOutput } from '../types.ts';
import { InputError, ModelAdapter } from '../model/adapter.ts';
import type { ModelLike, TokenizerLike } from '../model/types.ts';
import { throwIfAborted } from '../explainers/abort.ts';
import type { GenerationOptions } from '../explainers/options.ts';
import { METHODS, type AnyExplainerClass } from '../registry/index.ts';
import { METHOD_NAMES, METRIC_OPTIONS, type MethodName } from '../registry/methods.ts';
import { validateOptions } from '../registry/schema.ts';
import { validateExplainerOptions } from '../explainers/options.ts';
import { AOPCComprehensiveness, AOPCSufficiency, Deletion, Insertion, type MetricOptions } from '../metrics/curves.ts';
import { checkRow, DEFAULT_MAX_TEXT_LENGTH, rowSeed, type DatasetRow, type RawDatasetRow } from './rows.ts';
import { averageCurve } from './stats.ts';

/** The curve metrics, and whether a lower score means a more faithful explanation. */
export const DATASET_METRICS = {
  deletion: { Metric: Deletion, lowerIsBetter: true },
  insertion: { Metric: Insertion, lowerIsBetter: false },
  aopcComprehensiveness: { Metric: AOPCComprehensiveness, lowerIsBetter: false },
  aopcSufficiency: { Metric: AOPCSufficiency, lowerIsBetter: true },
} as const;
export type DatasetMetricName = keyof typeof DATASET_METRICS;

/** A method of the registry with its options (not `seed`: the run derives one per row). */
export interface DatasetMethod {
  name: MethodName;
  options?: Record<string, unknown>;
  /** The key of its results (default: the name); set it to run one method twice with other options. */
  label?: string;
}

export interface DatasetProgress {
  /** Rows finished (ok or failed). */
  done: number;
  failed: number;
  /** As given in the options (e.g. the rows of a file), when known. */
  total?: number;
}

export interface RunDatasetOptions {
  model: ModelLike;
  tokenizer: TokenizerLike;
  methods: readonly (MethodName | DatasetMethod)[];
  metrics?: readonly DatasetMetricName[];
  metricOptions?: MetricOptions;
  /** The run's seed (default 0): row seeds derive from it and the row ids. */
  seed?: number;
  /** Texts longer than this many characters are refused (default 10,000). */
  maxTextLength?: number;
  /** Generation models with no target: how much to generate. */
  generation?: GenerationOptions;
  signal?: AbortSignal;
  onProgress?: (progress: DatasetProgress) => void;
  total?: number;
}

export interface DatasetMetricResult {
  /** The metric's value on this row (AUC for Insertion/Deletion, AOPC otherwise). */
  score: number;
  /** Probability of the target at each curve step (mean over target rows in generation). */
  curve: number[];
}

export interface DatasetMethodResult {
  elements?: string[];
  /** One row per explained target; `null` where the method gives no value (NaN). */
  attributions?: (number | null)[][];
  metrics?: Partial<Record<DatasetMetricName, DatasetMetricResult>>;
  /** The method failed on this row. */
  error?: string;
}

export interface DatasetRowResult {
  id: string;
  status: 'ok' | 'failed';
  /** Why the row failed: the row itself, or `<method>: <message>` per failed method. */
  error?: string;
  text?: string;
  label?: number | string;
  /** The explained target(s): class indices (classification) or token ids (generation). */
  targets?: number[];
  /** Classification: the predicted class and every class probability. */
  predicted?: number;
  probabilities?: number[];
  /** Whether the prediction equals the label (when there is a label the model's classes resolve). */
  correct?: boolean;
  methods: Record<string, DatasetMethodResult>;
}

interface PreparedMethod {
  label: string;
  name: MethodName;
  Explainer: AnyExplainerClass;
  options: Record<string, unknown>;
}

/** The key a method's results are stored under. */
export const datasetMethodLabel = (m: MethodName | DatasetMethod): string =>
  typeof m === 'string' ? m : (m.label ?? m.name);

/**
 * Checks the methods, their options, the metrics and the metric options without a model, so that a caller (the
 * CLI, a form) can refuse them before any work. Throws an InputError naming what is wrong.
 */
export function checkDatasetSettings(
  methods: RunDatasetOptions['methods'],
  metrics: readonly string[] = [],
  metricOptions?: MetricOptions,
): void {
  if (!methods.length) throw new InputError(`No method to run: pass one or more of ${METHOD_NAMES.join(', ')}.`);
  const seen = new Set<string>();
  for (const m of methods) {
    const spec: DatasetMethod = typeof m === 'string' ? { name: m } : m;
    if (!(METHOD_NAMES as readonly string[]).includes(spec.name))
      throw new InputError(`Unknown method '${spec.name}': use one of ${METHOD_NAMES.join(', ')}.`);
    const label = datasetMethodLabel(m);
    if (seen.has(label)) throw new InputError(`Method '${label}' is listed twice: give each a distinct label.`);
    seen.add(label);
    if (spec.options && 'seed' in spec.options)
      throw new InputError(`${label}: a dataset run derives each row's seed from the run's seed; set seed on the run.`);
    validateExplainerOptions(spec.name, spec.options);
  }
  for (const m of metrics)
    if (!Object.hasOwn(DATASET_METRICS, m))
      throw new InputError(`Unknown metric '${m}': use one of ${Object.keys(DATASET_METRICS).join(', ')}.`);
  validateOptions('metric options', METRIC_OPTIONS, metricOptions);
}

function prepareMethods(model: ModelLike, tokenizer: TokenizerLike, methods: RunDatasetOptions['methods']) {
  return methods.map((m): PreparedMethod => {
    const spec: DatasetMethod = typeof m === 'string' ? { name: m } : m;
    const options = { ...spec.options };
    const Explainer = METHODS[spec.name].Explainer as unknown as AnyExplainerClass;
    new Explainer(model, tokenizer, options); // checks the model's side (e.g. replaceTokenId in the vocabulary)
    return { label: datasetMethodLabel(m), name: spec.name, Explainer, options };
  });
}

/** A class given as index or name -> its index, or an error message. */
function classIndex(ref: number | string, classes: readonly string[]): number | string {
  if (typeof ref === 'number')
    return ref < classes.length ? ref : `class ${ref} does not exist (the model has ${classes.length} classes)`;
  const i = classes.indexOf(ref);
  if (i >= 0) return i;
  if (/^\d+$/.test(ref) && Number(ref) < classes.length) return Number(ref);
  return `unknown class '${ref}': the model's classes are ${classes.join(', ')}`;
}

const jsonRow = (row: readonly number[]) => row.map((v) => (Number.isNaN(v) ? null : v));

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Runs the methods and metrics on each row; yields one `DatasetRowResult` per row, in input order. Throws (before
 * any row) on unknown methods, metrics or options, and stops with an AbortError when `signal` aborts.
 */
export async function* runDataset(
  rows: Iterable<RawDatasetRow> | AsyncIterable<RawDatasetRow>,
  options: RunDatasetOptions,
): AsyncGenerator<DatasetRowResult> {
  const { model, tokenizer, signal, seed = 0, maxTextLength = DEFAULT_MAX_TEXT_LENGTH } = options;
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be an integer (got ${String(seed)}).`);
  const metricNames = options.metrics ?? [];
  checkDatasetSettings(options.methods, metricNames, options.metricOptions);
  const adapter = ModelAdapter.for(model, tokenizer);
  const methods = prepareMethods(model, tokenizer, options.methods);
  const metrics = metricNames.map((name) => ({
    name,
    metric: new DATASET_METRICS[name].Metric(model, tokenizer, options.metricOptions),
  }));
  const classes = adapter.classes ?? [];
  const seen = new Set<string>();
  const progress: DatasetProgress = { done: 0, failed: 0, total: options.total };

  const explainRow = async (row: DatasetRow): Promise<DatasetRowResult> => {
    const result: DatasetRowResult = { id: row.id, status: 'ok', text: row.text, methods: {} };
    if (row.label !== undefined) result.label = row.label;
    let target: number | string | undefined;
    if (row.target !== undefined) {
      if (adapter.task === 'classification') {
        const t = classIndex(row.target, classes);
        if (typeof t === 'string') return { ...result, status: 'failed', error: `target: ${t}` };
        target = t;
      } else target = String(row.target);
    }
    const errors: string[] = [];
    for (const m of methods) {
      throwIfAborted(signal);
      let out: AttributionOutput;
      try {
        const explainer = new m.Explainer(model, tokenizer, { ...m.options, seed: rowSeed(seed, row.id) });
        [out] = (await explainer.explain(row.text, target as never, {
          signal,
          ...(options.generation ? { generation: options.generation } : {}),
        })) as [AttributionOutput];
      } catch (e) {
        if (signal?.aborted) throw e;
        result.methods[m.label] = { error: messageOf(e) };
        errors.push(`${m.label}: ${messageOf(e)}`);
        continue;
      }
      if (out.truncated) {
        const n = adapter.maxPositions;
        return { ...result, methods: {}, status: 'failed', error: `text too long for the model (at most ${n} tokens)` };
      }
      if (result.targets === undefined) {
        result.targets = out.targets;
        if (out.classProbabilities) {
          result.probabilities = out.classProbabilities;
          const p = out.classProbabilities;
          result.predicted = p.indexOf(Math.max(...p));
          if (row.label !== undefined) {
            const l = classIndex(row.label, classes);
            if (typeof l === 'number') result.correct = l === result.predicted;
          }
        }
      }
      const entry: DatasetMethodResult = { elements: out.elements, attributions: out.attributions.map(jsonRow) };
      result.methods[m.label] = entry;
      for (const { name, metric } of metrics) {
        try {
          const r = await metric.evaluate(out, { signal });
          const curves = r.detailedScores[0]!;
          const score = 'auc' in r ? r.auc : r.aopc;
          entry.metrics ??= {};
          entry.metrics[name] = { score, curve: averageCurve(curves, Math.max(...curves.map((c) => c.length))) };
        } catch (e) {
          if (signal?.aborted) throw e;
          entry.error = `${name}: ${messageOf(e)}`;
          errors.push(`${m.label}: ${entry.error}`);
        }
      }
    }
    if (errors.length) return { ...result, status: 'failed', error: errors.join('; ') };
    return result;
  };

  for await (const raw of rows) {
    throwIfAborted(signal);
    let result: DatasetRowResult;
    const id = typeof raw?.id === 'string' && raw.id !== '' ? raw.id : undefined;
    if (id === undefined)
      result = { id: String(raw?.id ?? ''), status: 'failed', error: 'row without an id', methods: {} };
    else if (seen.has(id)) result = { id, status: 'failed', error: `duplicate id '${id}'`, methods: {} };
    else {
      seen.add(id);
      const row = checkRow(raw, maxTextLength);
      result = 'error' in row ? { id, status: 'failed', error: row.error, methods: {} } : await explainRow(row);
    }
    progress.done++;
    if (result.status === 'failed') progress.failed++;
    options.onProgress?.({ ...progress });
    yield result;
  }
}
