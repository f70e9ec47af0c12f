/**
 * Working on outputs without the model: `reaggregate(output, { granularity, granularityAggregationStrategy })`
 * re-pools a gradient method's token scores at another granularity or aggregation strategy, and `diff(a, b)` /
 * `mean(outputs)` combine outputs of the same input cell by cell.
 *
 * - Re-pooling is exact where the method pools after the fact: gradient methods compute one score per token and
 *   pool them into units at the end (and, for generation, pool target-token rows into target units), so the
 *   output keeps the token scores and the units at every granularity (`tokenLevel`) and the same pooling code
 *   (pool.ts) gives what a run at that granularity and strategy gives, to the last bit.
 * - Perturbation methods (Occlusion, Lime, KernelShap, Sobol) replace whole units: a word's score is the effect
 *   of replacing the whole word, not a pooling of its tokens' effects, so they are refused with a pointer to
 *   re-running (except a classification output's strategy alone, which changes none of its cells).
 * - Custom units (`explain`'s `units`, `output.customUnits`) are re-pooled as they are with another strategy; naming
 *   a granularity switches to that granularity's own units (the custom ones are not kept at other granularities).
 * - `diff` / `mean` need outputs of the same input, units, targets, inference mode and strategy; the result
 *   carries no token-level scores (re-pool first, then combine: a difference of maxima is not the maximum of
 *   differences), and keeps step scores and class probabilities only where all outputs agree on them.
 *
 * Exports: `reaggregate`, `ReaggregateOptions`, `diff`, `mean`.
 */
import { InputError } from '../errors.ts';
import { poolTokensToUnits } from '../math/index.ts';
import { METHOD_SCHEMAS } from '../registry/methods.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  type AttributionOutput,
  type GranularityUnits,
} from '../types.ts';
import { attributionMatrix, targetUnitsOf } from './pool.ts';

export interface ReaggregateOptions {
  /** Default: the output's own. */
  granularity?: Granularity;
  /** Default: the output's own. */
  granularityAggregationStrategy?: GranularityAggregationStrategy;
}

function checkEnum<T extends string>(name: string, value: unknown, values: Record<string, T>): T | undefined {
  if (value === undefined) return undefined;
  if (!Object.values(values).includes(value as T)) {
    throw new InputError(`reaggregate: ${name} ${String(value)} is not one of ${Object.values(values).join(', ')}.`);
  }
  return value as T;
}

function refusal(output: AttributionOutput, g: Granularity, s: GranularityAggregationStrategy): InputError {
  const method = output.method ?? 'this method';
  const family = (METHOD_SCHEMAS as Record<string, { family: string } | undefined>)[method]?.family;
  const rerun = `re-run the explainer with { granularity: Granularity.${g}, granularityAggregationStrategy: GranularityAggregationStrategy.${s} }`;
  if (family === 'perturbation') {
    return new InputError(
      `reaggregate: ${method} perturbs whole units (here ${output.granularity} units): a unit's score is the ` +
        `effect of replacing all of it, not a pooling of its tokens' scores, so it cannot be re-pooled without ` +
        `the model. To explain at another granularity or strategy, ${rerun}.`,
    );
  }
  return new InputError(
    `reaggregate: this output has no token-level scores (tokenLevel): only gradient methods keep them, and ` +
      `diff / mean results do not (re-aggregate the outputs first, then combine them). Otherwise ${rerun}.`,
  );
}

export function reaggregate(output: AttributionOutput, options: ReaggregateOptions = {}): AttributionOutput {
  const known = ['granularity', 'granularityAggregationStrategy'];
  const unknown = Object.keys(options ?? {}).filter((k) => !known.includes(k));
  if (unknown.length) throw new InputError(`reaggregate: unknown option ${unknown[0]}; it takes ${known.join(', ')}.`);
  const g = checkEnum('granularity', options.granularity, Granularity) ?? output.granularity;
  const s =
    checkEnum(
      'granularityAggregationStrategy',
      options.granularityAggregationStrategy,
      GranularityAggregationStrategy,
    ) ?? output.granularityAggregationStrategy;
  const tl = output.tokenLevel;
  if (!tl) {
    // Same units: the cells stay (classification pools nothing across rows; a perturbation method's strategy is
    // inert there). Generation rows pool target tokens with the strategy: that needs the token rows.
    const sameCells = s === output.granularityAggregationStrategy || output.modelTask === 'classification';
    const sameUnits = g === output.granularity && !(output.customUnits && options.granularity !== undefined);
    if (sameUnits && sameCells) return { ...output, granularityAggregationStrategy: s };
    throw refusal(output, g, s);
  }
  // Custom units (explain's `units`) re-pool as they are unless a granularity is named: they are in no tokenLevel.
  const keepCustom = output.customUnits === true && options.granularity === undefined;
  const at: GranularityUnits = keepCustom
    ? {
        units: output.inputs.units,
        elements: output.elements,
        spaceBefore: output.spaceBefore ?? output.elements.map(() => false),
        ...(output.inputs.targetUnitTokens ? { targetUnitTokens: output.inputs.targetUnitTokens } : {}),
      }
    : tl.units[g];
  if (at.units.nUnits === 0) {
    throw new InputError(`reaggregate: the input has no unit at granularity ${g} (only special tokens).`);
  }
  const rows = tl.scores.map((t) => poolTokensToUnits(t, at.units, s));
  const generation = output.modelTask === 'generation';
  const promptLength = output.inputs.promptLength ?? 0;
  const target = generation ? targetUnitsOf(at.targetUnitTokens ?? [], at.units, promptLength) : undefined;
  if (target && target.targetUnitRows.length === 0) {
    throw new InputError(`reaggregate: the target has no unit at granularity ${g} (only special tokens).`);
  }
  const { customUnits: _custom, ...rest } = output;
  return {
    ...(keepCustom ? output : rest),
    attributions: attributionMatrix(rows, s, target),
    elements: [...at.elements],
    spaceBefore: [...at.spaceBefore],
    granularity: g,
    granularityAggregationStrategy: s,
    inputs: {
      ...output.inputs,
      units: { unitOfToken: [...at.units.unitOfToken], nUnits: at.units.nUnits },
      ...(generation ? { targetUnitTokens: (at.targetUnitTokens ?? []).map((p) => [...p]) } : {}),
    },
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The first way outputs[k] cannot be combined with outputs[0], or undefined. */
function mismatch(a: AttributionOutput, b: AttributionOutput): string | undefined {
  const fields = ['modelTask', 'granularity', 'granularityAggregationStrategy', 'inferenceMode'] as const;
  for (const f of fields) {
    if (a[f] !== b[f]) {
      const fix =
        f === 'granularity' || f === 'granularityAggregationStrategy'
          ? ' (bring them to one with reaggregate, for gradient methods, or re-run)'
          : '';
      return `${f} ${a[f]} vs ${b[f]}${fix}`;
    }
  }
  if (!same(a.inputs.inputIds, b.inputs.inputIds)) return 'they explain different token sequences';
  if (!same(a.inputs.units, b.inputs.units)) return 'their units differ';
  if (!same(a.targets, b.targets)) return 'targets differ (for target against target, explain with { contrast })';
  if (!same(a.contrast, b.contrast)) return 'contrasts differ';
  if (a.attributedFunction !== b.attributedFunction) return 'attributed functions differ';
  if (a.attributions.length !== b.attributions.length) return 'their numbers of rows differ';
  return undefined;
}

function combine(op: 'diff' | 'mean', outputs: AttributionOutput[]): AttributionOutput {
  const [first] = outputs;
  if (!first) throw new InputError('mean: give at least one output.');
  outputs.forEach((o, k) => {
    const why = k > 0 ? mismatch(first, o) : undefined;
    if (why) throw new InputError(`${op}: outputs 0 and ${k} cannot be combined cell by cell: ${why}.`);
  });
  const attributions = first.attributions.map((row, r) =>
    row.map((_, c) => {
      const vs = outputs.map((o) => o.attributions[r]![c]!);
      return op === 'diff' ? vs[0]! - vs[1]! : vs.reduce((x, y) => x + y, 0) / vs.length;
    }),
  );
  const { tokenLevel: _t, stepScores: _s, classProbabilities: _c, device: _d, modelDtype: _m, ...rest } = first;
  const agreed = <K extends 'stepScores' | 'classProbabilities' | 'device' | 'modelDtype'>(k: K) =>
    first[k] !== undefined && outputs.every((o) => same(o[k], first[k])) ? { [k]: first[k] } : {};
  const names = outputs.map((o) => o.method ?? '?').join(', ');
  return {
    ...rest,
    ...agreed('stepScores'),
    ...agreed('classProbabilities'),
    ...agreed('device'),
    ...agreed('modelDtype'),
    attributions,
    method: `${op}(${names})`,
  };
}

/** a - b, cell by cell (NaN where either is NaN), for two outputs of the same input, units and targets. */
export function diff(a: AttributionOutput, b: AttributionOutput): AttributionOutput {
  return combine('diff', [a, b]);
}

/** The cell-by-cell mean of outputs of the same input, units and targets (e.g. several seeds or methods). */
export function mean(outputs: AttributionOutput[]): AttributionOutput {
  if (!Array.isArray(outputs)) throw new InputError('mean: give an array of outputs.');
  return combine('mean', outputs);
}
