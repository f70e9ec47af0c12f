/**
 * From `explain(inputs, targets, options)` arguments to the prepared items every method works on: the explained
 * token ids, unit membership and element texts, and what each attribution row scores.
 *
 * Exports: `PreparedItem`, `prepareItems(adapter, inputs, targets, common, options, keep?)`,
 * `idRows(tokenized)` (tokenizer output -> id lists without padding).
 *
 * Decisions: texts longer than the model's positions are truncated (content cut at the end for classification,
 * prompt cut at the start for generation) and flagged `truncated: true`; an empty text, an input with no unit
 * to attribute, and targets of the wrong form, count or range are refused with an InputError.
 * A contrast (options.contrast) is one class per input, applied to each of its target rows, or one continuation
 * per input of exactly the target's token length; a contrast equal to a target row (classification) or to the
 * whole target (generation) is refused, as it would explain a score that is zero everywhere.
 * Generation targets and contrasts given as text get the leading space Interpreto gives them (target-text.ts)
 * unless `options.targetsAsGiven`; ids and tokenizer output are concatenated as given.
 * `options.units` (granularity/custom-units.ts) replaces the granularity's units where its spans lie (generation:
 * over the prompt; target units stay at the granularity); `unitsByGranularity` stays the built-in granularities.
 * With `keep.allGranularities` (methods whose pooling is post-hoc), each item also carries its units at every
 * granularity (`AttributionOutput.tokenLevel.units`), computed as for its own.
 */
import { computeUnits, tokenizerInfo, type TokenizerInfo } from '../granularity/index.ts';
import { applyCustomUnits, spansPerInput, type UnitSpan } from '../granularity/custom-units.ts';
import { Granularity, type GranularityUnits, type UnitMembership } from '../types.ts';
import { InputError, type ModelAdapter } from '../model/adapter.ts';
import type {
  ExplainContrast,
  ExplainInputs,
  ExplainOptions,
  ExplainTargets,
  IdsLike,
  ResolvedCommon,
} from './options.ts';
import { throwIfAborted } from './abort.ts';
import { promptTextOf, targetText } from './target-text.ts';

/** The units of an item at one granularity. */
export interface ItemUnits {
  units: UnitMembership;
  elements: string[];
  /** Per unit: whitespace separates it from the unit before (AttributionOutput.spaceBefore). */
  spaceBefore: boolean[];
  /** Generation: target-token rows (indices into `targets`) of each target unit. */
  targetUnitRows?: number[][];
  /** Generation: column (unit index) of the first target unit. */
  firstTargetUnit?: number;
}

export interface PreparedItem extends ItemUnits {
  /** Explained sequence (generation: prompt ids then target ids). */
  ids: number[];
  truncated: boolean;
  /** What each row scores: class ids, or target token ids (generation). */
  targets: number[];
  /** Contrastive runs: per row, the class or token whose score is subtracted from the target's (same position). */
  contrasts?: number[];
  /** Generation: number of prompt tokens. */
  promptLength?: number;
  /** Generation: logits position scoring each target row (the position before the target token). */
  positions?: number[];
  /** With `keep.allGranularities`: the units at every granularity. */
  unitsByGranularity?: Record<Granularity, GranularityUnits>;
  /** The units (generation: the prompt's) come from `options.units` (granularity/custom-units.ts). */
  customUnits?: boolean;
}

/** What `prepareItems` keeps beyond what the explained granularity needs. */
export interface PrepareKeep {
  allGranularities?: boolean;
}

function isIdsLike(x: unknown): x is { dims: number[]; data: ArrayLike<number | bigint> } {
  return !!x && typeof x === 'object' && 'dims' in x && 'data' in x;
}

function toRows(x: IdsLike, what: string): number[][] {
  if (isIdsLike(x)) {
    const data = Array.from(x.data as ArrayLike<number | bigint>, Number);
    if (x.dims.length === 1) return [data];
    if (x.dims.length !== 2)
      throw new InputError(`${what} must have shape [batch, sequence] (got [${x.dims.join(', ')}]).`);
    const [n, s] = x.dims as [number, number];
    return Array.from({ length: n }, (_, i) => data.slice(i * s, (i + 1) * s));
  }
  if (Array.isArray(x)) {
    if (x.length === 0) return [];
    if (x.every((v) => typeof v === 'number')) return [x as number[]];
    if (x.every((v) => Array.isArray(v))) return (x as number[][]).map((r) => r.map(Number));
  }
  throw new InputError(`${what} must be a Tensor, number[] or number[][].`);
}

/** Id lists of tokenizer output, with padding (attention_mask 0) removed. */
export function idRows(tok: { input_ids: IdsLike; attention_mask?: IdsLike }): number[][] {
  const ids = toRows(tok.input_ids, 'input_ids');
  if (tok.attention_mask === undefined) return ids;
  const mask = toRows(tok.attention_mask, 'attention_mask');
  if (mask.length !== ids.length || mask.some((m, i) => m.length !== ids[i]!.length)) {
    throw new InputError('attention_mask does not have the shape of input_ids.');
  }
  return ids.map((row, i) => row.filter((_, s) => mask[i]![s] !== 0));
}

function isTokenized(x: unknown): x is { input_ids: IdsLike; attention_mask?: IdsLike } {
  return !!x && typeof x === 'object' && !Array.isArray(x) && 'input_ids' in x;
}

interface RawInput {
  ids: number[];
  truncated: boolean;
  /** The text the ids encode, when given as text (unknown tokens then show their piece of it). */
  text?: string;
}

function readInputs(adapter: ModelAdapter, inputs: ExplainInputs, generation: boolean): RawInput[] {
  let rows: { ids: number[]; text?: string }[];
  if (typeof inputs === 'string' || (Array.isArray(inputs) && inputs.every((t) => typeof t === 'string'))) {
    const texts = typeof inputs === 'string' ? [inputs] : (inputs as string[]);
    if (texts.length === 0)
      throw new InputError('No input to explain: pass a string, an array of strings or tokenizer output.');
    rows = texts.map((text, i) => {
      if (text.trim() === '') throw new InputError(`Input ${i} is an empty text; there is nothing to explain.`);
      return { ids: adapter.encode(text, true), text };
    });
  } else if (isTokenized(inputs)) {
    rows = idRows(inputs).map((ids) => ({ ids }));
    if (rows.length === 0) throw new InputError('The tokenized input holds no sequence.');
  } else {
    throw new InputError(
      'inputs must be a string, an array of strings, or tokenizer output { input_ids, attention_mask }.',
    );
  }
  return rows.map(({ ids, text }, i) => {
    if (ids.length === 0) throw new InputError(`Input ${i} has no tokens; there is nothing to explain.`);
    adapter.checkIds(ids);
    if (generation) return { ids, truncated: false, text }; // fitted with its target below
    return { ...adapter.fitToPositions(ids), text };
  });
}

function checkClass(adapter: ModelAdapter, t: unknown, where: string): number {
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= adapter.nClasses) {
    throw new InputError(
      `${where}: ${String(t)} is not a class of this model; classes are integers 0..${adapter.nClasses - 1}` +
        (adapter.classes ? ` (${adapter.classes.join(', ')})` : '') +
        '.',
    );
  }
  return t;
}

function classTargets(adapter: ModelAdapter, targets: ExplainTargets, n: number): number[][] {
  let t: unknown = targets;
  if (isIdsLike(t)) t = toRows(t as IdsLike, 'targets').map((r) => r);
  if (typeof t === 'number') return Array.from({ length: n }, () => [checkClass(adapter, t, 'target')]);
  if (typeof t === 'string' || (Array.isArray(t) && t.some((v) => typeof v === 'string')) || isTokenized(t)) {
    throw new InputError(
      'This is a classification model: targets are class ids (a number, number[] or number[][]), not text.',
    );
  }
  if (!Array.isArray(t))
    throw new InputError('targets must be a number, number[] (one per input) or number[][] (classes per input).');
  if (t.length !== n) {
    throw new InputError(
      `Got ${t.length} targets for ${n} input(s): give one target (or one list of classes) per input, e.g. [[0, 1]] for one input and two classes.`,
    );
  }
  return t.map((row, i) => {
    if (Array.isArray(row)) {
      if (row.length === 0) throw new InputError(`targets[${i}] is empty; list at least one class.`);
      return row.map((c) => checkClass(adapter, c, `targets[${i}]`));
    }
    return [checkClass(adapter, row, `targets[${i}]`)];
  });
}

function classContrasts(adapter: ModelAdapter, contrast: ExplainContrast, n: number): number[] {
  if (typeof contrast === 'number') return Array.from({ length: n }, () => checkClass(adapter, contrast, 'contrast'));
  if (Array.isArray(contrast) && contrast.every((c) => typeof c === 'number')) {
    if (contrast.length !== n) {
      throw new InputError(
        `Got ${contrast.length} contrast classes for ${n} input(s): give one class (a number) or one per input.`,
      );
    }
    return contrast.map((c, i) => checkClass(adapter, c, `contrast[${i}]`));
  }
  throw new InputError(
    'This is a classification model: contrast is a class id (a number, for every input) or number[] (one per input).',
  );
}

/** One contrast row of token ids per input: texts are tokenised as targets are; ids are taken as given. */
function contrastContinuations(
  adapter: ModelAdapter,
  contrast: ExplainContrast,
  n: number,
  asText: (text: string, i: number) => string,
): number[][] {
  let rows: number[][];
  if (typeof contrast === 'string' || (Array.isArray(contrast) && contrast.every((c) => typeof c === 'string'))) {
    rows = (typeof contrast === 'string' ? [contrast] : (contrast as string[])).map((t, i) =>
      adapter.encode(asText(t, i), false),
    );
  } else if (isTokenized(contrast)) {
    rows = idRows(contrast);
  } else if (Array.isArray(contrast) || isIdsLike(contrast)) {
    rows = toRows(contrast as IdsLike, 'contrast');
  } else {
    throw new InputError(
      'This is a generation model: contrast is a continuation (a string, string[] one per input, token ids or tokenizer output).',
    );
  }
  if (rows.length !== n)
    throw new InputError(`Got ${rows.length} contrast continuation(s) for ${n} input(s); give one per input.`);
  rows.forEach((r) => adapter.checkIds(r));
  return rows;
}

/** Checks a generation contrast against its target: same token length, not the target itself. */
function alignContrast(adapter: ModelAdapter, contrast: number[], target: number[], i: number): number[] {
  if (contrast.length !== target.length) {
    const show = (ids: number[]) => JSON.stringify(adapter.tokenizer.decode(ids));
    throw new InputError(
      `Contrast ${i} has ${contrast.length} token(s) but target ${i} has ${target.length}: a contrast is compared ` +
        `with the target token by token, so it needs the same token length (target ${show(target)}, contrast ` +
        `${show(contrast)}).`,
    );
  }
  if (contrast.every((c, j) => c === target[j])) {
    throw new InputError(`Contrast ${i} is the target itself; give a different continuation.`);
  }
  return contrast;
}

async function predictedClasses(
  adapter: ModelAdapter,
  inputs: RawInput[],
  batchSize: number,
  signal?: AbortSignal,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let start = 0; start < inputs.length; start += batchSize) {
    throwIfAborted(signal);
    const batch = inputs.slice(start, start + batchSize).map((r) => r.ids);
    const { data, dims } = await adapter.forward(batch);
    const C = dims[1]!;
    for (let b = 0; b < batch.length; b++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (data[b * C + c]! > data[b * C + best]!) best = c;
      out.push([best]);
    }
  }
  return out;
}

/** Generation targets given as text, one per input (undefined when they are ids or tokenizer output). */
function targetTextsOf(targets: ExplainTargets | undefined): string[] | undefined {
  if (typeof targets === 'string') return [targets];
  if (Array.isArray(targets) && targets.length > 0 && targets.every((t) => typeof t === 'string')) {
    return targets as string[];
  }
  return undefined;
}

function generationTargets(
  adapter: ModelAdapter,
  targets: ExplainTargets,
  n: number,
  texts: string[] | undefined,
): number[][] {
  let rows: number[][];
  if (texts) {
    rows = texts.map((text, i) => {
      if (text === '')
        throw new InputError(
          `Target ${i} is an empty text; give the continuation to explain, or omit targets to generate one.`,
        );
      return adapter.encode(text, false);
    });
  } else if (isTokenized(targets)) {
    rows = idRows(targets);
  } else {
    throw new InputError(
      'This is a generation model: targets are continuation texts (a string or string[]) or tokenizer output, or omitted to generate.',
    );
  }
  if (rows.length !== n)
    throw new InputError(`Got ${rows.length} target continuation(s) for ${n} input(s); give one per input.`);
  rows.forEach((r, i) => {
    if (r.length === 0) throw new InputError(`Target ${i} has no tokens.`);
    adapter.checkIds(r);
  });
  return rows;
}

function mergeUnits(prompt: UnitMembership, target: UnitMembership): UnitMembership {
  return {
    unitOfToken: [...prompt.unitOfToken, ...target.unitOfToken.map((u) => (u < 0 ? -1 : u + prompt.nUnits))],
    nUnits: prompt.nUnits + target.nUnits,
  };
}

type UnitsTokenizer = Parameters<typeof computeUnits>[0];

function classificationUnits(tokenizer: UnitsTokenizer, ids: number[], text: string | undefined, g: Granularity) {
  return computeUnits(tokenizer, ids, g, { text }) as ItemUnits;
}

/** Prompt units then target units (the target continues the prompt), and which rows form each target unit. */
function generationUnits(
  tokenizer: UnitsTokenizer,
  prompt: { ids: number[]; text?: string },
  target: { ids: number[]; text?: string },
  g: Granularity,
  custom?: (own: ItemUnits) => ItemUnits,
): ItemUnits & { targetUnitRows: number[][]; firstTargetUnit: number } {
  const computed = computeUnits(tokenizer, prompt.ids, g, { text: prompt.text });
  const pu = custom ? custom(computed) : computed;
  const tu = computeUnits(tokenizer, target.ids, g, { continues: pu.units.nUnits > 0, text: target.text });
  const targetUnitRows: number[][] = Array.from({ length: tu.units.nUnits }, () => []);
  tu.units.unitOfToken.forEach((u, j) => {
    if (u >= 0) targetUnitRows[u]!.push(j);
  });
  return {
    units: mergeUnits(pu.units, tu.units),
    elements: [...pu.elements, ...tu.elements],
    spaceBefore: [...pu.spaceBefore, ...tu.spaceBefore],
    targetUnitRows,
    firstTargetUnit: pu.units.nUnits,
  };
}

/** An item's units as an output records them (target rows as token positions). */
function granularityUnits(u: ItemUnits, promptLength?: number): GranularityUnits {
  return {
    units: u.units,
    elements: u.elements,
    spaceBefore: u.spaceBefore,
    ...(u.targetUnitRows ? { targetUnitTokens: u.targetUnitRows.map((g) => g.map((j) => promptLength! + j)) } : {}),
  };
}

/** The units at every granularity, the explained one reused. */
function everyGranularity(own: ItemUnits, g: Granularity, at: (g: Granularity) => ItemUnits, promptLength?: number) {
  return Object.fromEntries(
    Object.values(Granularity).map((h) => [h, granularityUnits(h === g ? own : at(h), promptLength)]),
  ) as Record<Granularity, GranularityUnits>;
}

export async function prepareItems(
  adapter: ModelAdapter,
  inputs: ExplainInputs,
  targets: ExplainTargets | undefined,
  common: ResolvedCommon,
  options: ExplainOptions,
  keep: PrepareKeep = {},
): Promise<PreparedItem[]> {
  const generation = adapter.task === 'generation';
  const raw = readInputs(adapter, inputs, generation);
  const g = common.granularity;
  const tokenizer = adapter.tokenizer as unknown as UnitsTokenizer;
  const spans = options.units === undefined ? undefined : spansPerInput(options.units, raw.length);
  // The granularity's units with the input's spans applied (generation: over the prompt), when it has any.
  const customize = (i: number, ids: number[], truncated: boolean) => {
    const given: UnitSpan[] | undefined = spans?.[i];
    if (!given || given.length === 0) return undefined;
    return (own: ItemUnits): ItemUnits =>
      applyCustomUnits(tokenizer, ids, own.units, given, {
        input: i,
        text: raw[i]!.text,
        truncated,
        isSpecial: (id) => adapter.specialIds.has(id),
      });
  };

  if (!generation) {
    const classes =
      targets === undefined || targets === null
        ? await predictedClasses(adapter, raw, common.batchSize, options.signal)
        : classTargets(adapter, targets, raw.length);
    const contrasts =
      options.contrast === undefined ? undefined : classContrasts(adapter, options.contrast, raw.length);
    contrasts?.forEach((c, i) => {
      if (classes[i]!.includes(c)) {
        throw new InputError(
          `Input ${i}: the contrast class ${c} is also a target` +
            (targets === undefined || targets === null ? ' (the predicted class)' : '') +
            '; "why c rather than c" is zero everywhere: give a target and a contrast that differ.',
        );
      }
    });
    return raw.map((r, i) => {
      const computed = classificationUnits(tokenizer, r.ids, r.text, g);
      const custom = customize(i, r.ids, r.truncated);
      const own = custom ? custom(computed) : computed;
      if (own.units.nUnits === 0)
        throw new InputError(`Input ${i} has no unit to attribute at granularity ${g} (only special tokens).`);
      const item: PreparedItem = { ids: r.ids, ...own, truncated: r.truncated, targets: classes[i]! };
      if (contrasts) item.contrasts = item.targets.map(() => contrasts[i]!);
      if (custom) item.customUnits = true;
      if (keep.allGranularities) {
        item.unitsByGranularity = everyGranularity(computed, g, (h) =>
          classificationUnits(tokenizer, r.ids, r.text, h),
        );
      }
      return item;
    });
  }

  // Texts read after their prompt: the leading space Interpreto adds (target-text.ts), unless kept as given.
  const info: TokenizerInfo = tokenizerInfo(tokenizer);
  const asText = (text: string, i: number) =>
    options.targetsAsGiven ? text : targetText(adapter, info, promptTextOf(adapter, raw[i]!), text);
  const givenTexts = targetTextsOf(targets);
  const targetTexts =
    givenTexts && givenTexts.length === raw.length
      ? givenTexts.map((t, i) => (t === '' ? t : asText(t, i)))
      : givenTexts;
  let targetIds: number[][];
  if (targets === undefined || targets === null) {
    targetIds = [];
    for (const [i, r] of raw.entries()) {
      throwIfAborted(options.signal);
      const prompt = adapter.fitToPositions(r.ids, adapter.maxPositions - 1, 'end').ids;
      const gen = await adapter.generate(prompt, options.generation);
      if (gen.length === 0)
        throw new InputError(
          `The model generated nothing for input ${i}; raise generation.max_new_tokens / max_length.`,
        );
      targetIds.push(gen);
    }
  } else {
    targetIds = generationTargets(adapter, targets, raw.length, targetTexts);
  }
  const contrastIds =
    options.contrast === undefined
      ? undefined
      : contrastContinuations(adapter, options.contrast, raw.length, (t, i) => (i < raw.length ? asText(t, i) : t));
  return raw.map((r, i) => {
    const target = targetIds[i]!;
    if (target.length >= adapter.maxPositions) {
      throw new InputError(
        `Target ${i} has ${target.length} tokens; the model takes at most ${adapter.maxPositions} positions, prompt included.`,
      );
    }
    const fitted = adapter.fitToPositions(r.ids, adapter.maxPositions - target.length, 'end');
    const prompt = fitted.ids;
    const unitsAt = (h: Granularity, custom?: (own: ItemUnits) => ItemUnits) =>
      generationUnits(tokenizer, { ids: prompt, text: r.text }, { ids: target, text: targetTexts?.[i] }, h, custom);
    const custom = customize(i, prompt, fitted.truncated);
    const own = unitsAt(g, custom);
    if (own.targetUnitRows.length === 0)
      throw new InputError(`Target ${i} has no unit to attribute at granularity ${g} (only special tokens).`);
    const P = prompt.length;
    return {
      ids: [...prompt, ...target],
      ...own,
      truncated: fitted.truncated,
      targets: target,
      ...(contrastIds ? { contrasts: alignContrast(adapter, contrastIds[i]!, target, i) } : {}),
      promptLength: P,
      positions: target.map((_, j) => P + j - 1),
      ...(keep.allGranularities
        ? { unitsByGranularity: everyGranularity(custom ? unitsAt(g) : own, g, unitsAt, P) }
        : {}),
      ...(custom ? { customUnits: true } : {}),
    };
  });
}
