/**
 * Pure reading of an AttributionOutput into what the views show: which view, class names, row
 * bounds, dominant classes, the generation split, and the coloured lines ("blocks") that the
 * exporters draw. The components and the exporters share it so that both show the same thing.
 */
import type { AttributionOutput } from '@interpreto-js/core';
import { type CellColor, cellColor, classColor, type RGB, type Theme } from './color.ts';
import {
  applyNoiseFloor,
  DEFAULT_NOISE_FLOOR,
  formatCompact,
  isFlat,
  isUnsigned,
  type ScaleMode,
  scaleBounds,
  scaleScope,
} from './scale.ts';

export type ClassNames = string[] | Record<number, string>;
export type ViewKind = 'single-class' | 'multi-class' | 'generation';

/**
 * Checks the shape the views rely on, with an error that says what is wrong and what to do.
 * Cells must be numbers (NaN allowed); JSON turns NaN into null, so revive JSON with
 * `attributionOutputFromJSON`.
 */
export function validateOutput(output: unknown): asserts output is AttributionOutput {
  const where = 'AttributionOutput';
  if (output === null || typeof output !== 'object') {
    throw new TypeError(
      `${where}: expected an object as returned by explainer.explain(...)[i], got ${output === null ? 'null' : typeof output}.`,
    );
  }
  const o = output as Partial<AttributionOutput>;
  if (!Array.isArray(o.elements) || o.elements.some((e) => typeof e !== 'string')) {
    throw new TypeError(`${where}.elements must be an array of strings (one text per unit).`);
  }
  if (!Array.isArray(o.attributions) || o.attributions.length === 0) {
    throw new TypeError(`${where}.attributions must be a non-empty array of rows (rows x elements).`);
  }
  const n = o.elements.length;
  o.attributions.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw new TypeError(
        `${where}.attributions[${r}] has ${Array.isArray(row) ? row.length : 'no'} cells but there are ${n} elements; every row needs one cell per element.`,
      );
    }
    const bad = row.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) {
      throw new TypeError(
        `${where}.attributions[${r}][${bad}] is ${JSON.stringify(row[bad])}, not a number. If the output came from JSON (where NaN becomes null), load it with attributionOutputFromJSON().`,
      );
    }
  });
  if (
    o.spaceBefore !== undefined &&
    (!Array.isArray(o.spaceBefore) || o.spaceBefore.length !== n || o.spaceBefore.some((b) => typeof b !== 'boolean'))
  ) {
    throw new TypeError(
      `${where}.spaceBefore, when given, must hold one boolean per element (${n}); omit it to draw the elements as they are.`,
    );
  }
  if (o.modelTask !== 'classification' && o.modelTask !== 'generation') {
    throw new TypeError(
      `${where}.modelTask must be 'classification' or 'generation', got ${JSON.stringify(o.modelTask)}.`,
    );
  }
  if (o.modelTask === 'generation' && o.attributions.length > n) {
    throw new TypeError(
      `${where}: a generation output has one row per generated unit and the generated units are the last columns, but there are ${o.attributions.length} rows for ${n} elements.`,
    );
  }
}

/** Parses JSON written by `toJSON`/`JSON.stringify`, turning the nulls that stand for NaN back into NaN. */
export function attributionOutputFromJSON(text: string): AttributionOutput {
  const parsed = nullsToNaN(JSON.parse(text) as unknown);
  validateOutput(parsed);
  return parsed;
}

/**
 * The nulls of `attributions` (NaN once written as JSON) back as NaN. Returns the value itself when
 * there is nothing to revive, else a shallow copy: the caller's object is never changed.
 */
export function nullsToNaN<T>(value: T): T {
  const rows = (value as { attributions?: unknown } | null)?.attributions;
  if (!Array.isArray(rows) || !rows.some((row) => Array.isArray(row) && row.includes(null))) return value;
  return {
    ...value,
    attributions: rows.map((row) => (Array.isArray(row) ? row.map((v) => (v === null ? Number.NaN : v)) : row)),
  } as T;
}

export function viewKind(output: AttributionOutput): ViewKind {
  if (output.modelTask === 'generation') return 'generation';
  return output.attributions.length > 1 ? 'multi-class' : 'single-class';
}

/**
 * Name of classification row `row`: `classesNames` is indexed by class id (as in the tutorial's
 * `classes_names=["negative", "positive"]` or `{0: "negative", 1: "positive"}`), then the model's
 * own labels, then "#<id>".
 */
export function className(output: AttributionOutput, row: number, classesNames?: ClassNames): string {
  const id = output.targets?.[row];
  if (id === undefined) return `row ${row}`;
  const given = classesNames ? (classesNames as Record<number, string>)[id] : undefined;
  if (typeof given === 'string') return given;
  const own = output.classes?.[id];
  return typeof own === 'string' ? own : `#${id}`;
}

/**
 * For each unit, the row (class) with the largest positive attribution; -1 where no row is positive above
 * the noise floor (the unit is then left uncoloured in the dominant view).
 */
export function dominantRows(output: AttributionOutput, noiseFloor: number = DEFAULT_NOISE_FLOOR): number[] {
  return output.elements.map((_, c) => {
    let best = -1;
    let bestValue = 0;
    output.attributions.forEach((row, r) => {
      const v = row[c]!;
      if (Number.isFinite(v) && v >= noiseFloor && v > bestValue) {
        best = r;
        bestValue = v;
      }
    });
    return best;
  });
}

export interface GenerationLayout {
  /** Number of prompt units (the first columns). */
  nPrompt: number;
  /** Number of generated units (rows; the last columns). */
  nOutputs: number;
}

export function generationLayout(output: AttributionOutput): GenerationLayout {
  const nOutputs = output.attributions.length;
  return { nPrompt: output.elements.length - nOutputs, nOutputs };
}

/** Column index of generated unit `i`. */
export function outputColumn(layout: GenerationLayout, i: number): number {
  return layout.nPrompt + i;
}

/**
 * Value shown at column `c` when generated unit `row` is active: the prompt and the outputs
 * before it carry row `row`; the output itself and later ones are never coloured.
 */
export function generationCellValue(output: AttributionOutput, row: number, c: number): number {
  const { nPrompt } = generationLayout(output);
  return c < nPrompt + row ? output.attributions[row]![c]! : Number.NaN;
}

/**
 * Whether a visible space goes before element `c`: the output says whitespace separates it from the element
 * before (`spaceBefore`, e.g. WordPiece words) and its text does not already start with whitespace (GPT-2
 * units keep theirs). Outputs without `spaceBefore` draw their elements as they are.
 */
export function spaceBefore(output: AttributionOutput, c: number): boolean {
  return output.spaceBefore?.[c] === true && !/^\s/u.test(output.elements[c] ?? '');
}

/** One cell of a drawn line. */
export interface Cell {
  text: string;
  /** Draw a space before the cell (see `spaceBefore`). */
  spaceBefore?: boolean;
  value: number;
  bound: number;
  /** Extra words for tooltips ("positive", "dominant: negative", ...). */
  note?: string;
  /** The generated unit a generation line explains (drawn outlined). */
  target?: boolean;
  /** One-sided scale (the output's scores are magnitudes). */
  unsigned?: boolean;
  /** A hue whatever the sign (the dominant-class view: the unit's class). */
  hue?: RGB;
  /** Scores with |value| under it are drawn as 0 (default DEFAULT_NOISE_FLOOR). */
  noiseFloor?: number;
}

/** How a cell is painted: its value after the noise floor, on its bound, signed or one-sided. */
export function paintCell(cell: Cell, theme: Theme = 'light'): CellColor {
  return cellColor(applyNoiseFloor(cell.value, cell.noiseFloor ?? DEFAULT_NOISE_FLOOR), cell.bound, theme, {
    unsigned: cell.unsigned,
    hue: cell.hue,
  });
}

/** The scale a line is drawn on, for its colour bar and legend. */
export interface BlockScale {
  bound: number;
  unsigned: boolean;
  /** Every finite score is within the noise floor of 0: nothing to show. */
  flat: boolean;
  /** How the bound was chosen ("bound per class", ...). */
  scope: string;
  noiseFloor: number;
}

/** One labelled line of cells. */
export interface Block {
  title: string;
  cells: Cell[];
  /** The line's scale; absent for the dominant-class line (one hue and bound per class). */
  scale?: BlockScale;
  /** Dominant-class line: the classes and their hues, for the legend. */
  classes?: { name: string; hue: RGB }[];
  /** Contrastive outputs: the line's "why A rather than B?" (the exports draw it above the colour bar). */
  contrast?: ContrastLegend;
}

/** Which rows an export draws: every row, one row, or (multi-class) the dominant-class view. */
export type RowChoice = 'all' | 'dominant' | number;

export interface BlockOptions {
  classesNames?: ClassNames;
  row?: RowChoice;
  /** Which cells share a bound (default: per class for classification, the whole matrix for generation). */
  scaleMode?: ScaleMode;
  /** The bound of scale 'shared' (sharedBound(outputs)). */
  sharedBound?: number;
  /** Default DEFAULT_NOISE_FLOOR; 0 keeps every value. */
  noiseFloor?: number;
  /** Contrastive generation: the contrast continuation's text, named in the legend (else its token ids). */
  contrastText?: string;
}

/** The default scale of a view: per class for classification, the whole matrix for generation (as before). */
export function defaultScale(output: Pick<AttributionOutput, 'modelTask'>): ScaleMode {
  return output.modelTask === 'generation' ? 'output' : 'row';
}

/** Bounds (one per row) and the scale of each row, as every view and export computes them. */
export function outputScales(output: AttributionOutput, options: BlockOptions = {}): BlockScale[] {
  const mode = options.scaleMode ?? defaultScale(output);
  const noiseFloor = options.noiseFloor ?? DEFAULT_NOISE_FLOOR;
  const bounds = scaleBounds(output.attributions, { mode, shared: options.sharedBound, noiseFloor });
  const unsigned = isUnsigned(output);
  const scope = scaleScope(mode, output.modelTask);
  return output.attributions.map((row, r) => ({
    bound: bounds[r]!,
    unsigned,
    flat: isFlat(row, noiseFloor),
    scope,
    noiseFloor,
  }));
}

function checkRow(output: AttributionOutput, row: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= output.attributions.length) {
    throw new RangeError(`row ${row} does not exist: this output has rows 0..${output.attributions.length - 1}.`);
  }
}

/** The lines a static rendering (SVG, HTML) shows for the given choice of rows. */
export function buildBlocks(output: AttributionOutput, options: BlockOptions = {}): Block[] {
  validateOutput(output);
  const kind = viewKind(output);
  const choice: RowChoice = options.row ?? (kind === 'multi-class' ? 'all' : kind === 'generation' ? 'all' : 0);
  if (typeof choice === 'number') checkRow(output, choice);
  else if (choice !== 'all' && choice !== 'dominant') {
    throw new RangeError(`row ${JSON.stringify(choice)} is not a row choice: use 'all', 'dominant' or a row index.`);
  }
  const scales = outputScales(output, options);
  const contrastOf = (r: number) => {
    const c = contrastLegend(output, r, options.classesNames, options.contrastText);
    return c ? { contrast: c } : {};
  };
  const cellScale = (r: number) => ({
    bound: scales[r]!.bound,
    unsigned: scales[r]!.unsigned,
    noiseFloor: scales[r]!.noiseFloor,
  });
  if (kind === 'generation') {
    if (choice === 'dominant') throw new RangeError(`row 'dominant' only applies to multi-class outputs.`);
    const layout = generationLayout(output);
    const rows = choice === 'all' ? output.attributions.map((_, r) => r) : [choice];
    return rows.map((r) => ({
      title: `Output ${r + 1}: ${JSON.stringify(output.elements[outputColumn(layout, r)])}`,
      scale: scales[r],
      ...contrastOf(r),
      cells: output.elements.map((text, c) => ({
        text,
        spaceBefore: spaceBefore(output, c),
        value: generationCellValue(output, r, c),
        ...cellScale(r),
        ...(c === outputColumn(layout, r) ? { target: true } : {}),
      })),
    }));
  }
  if (choice === 'dominant') {
    if (kind !== 'multi-class') throw new RangeError(`row 'dominant' only applies to multi-class outputs.`);
    const dom = dominantRows(output, options.noiseFloor);
    return [
      {
        title: 'Dominant class',
        classes: output.attributions.map((_, r) => ({
          name: className(output, r, options.classesNames),
          hue: classColor(r),
        })),
        cells: output.elements.map((text, c) => {
          const r = dom[c]!;
          const sp = spaceBefore(output, c);
          if (r < 0) return { text, spaceBefore: sp, value: Number.NaN, bound: 0, note: 'no positive class' };
          return {
            text,
            spaceBefore: sp,
            value: output.attributions[r]![c]!,
            ...cellScale(r),
            unsigned: true,
            hue: classColor(r),
            note: `dominant: ${className(output, r, options.classesNames)}`,
          };
        }),
      },
    ];
  }
  const rows = choice === 'all' ? output.attributions.map((_, r) => r) : [choice];
  return rows.map((r) => ({
    title: `${scoreTitle(output)}Class: ${className(output, r, options.classesNames)}`,
    scale: scales[r],
    ...contrastOf(r),
    cells: output.elements.map((text, c) => ({
      text,
      spaceBefore: spaceBefore(output, c),
      value: output.attributions[r]![c]!,
      ...cellScale(r),
    })),
  }));
}

/** The model's own view of one generated unit (AttributionOutput.stepScores of its tokens). */
export interface StepCell {
  /** Probability of the whole unit given what precedes it: the product of its tokens' probabilities. */
  probability: number;
  /** Rank of each of its tokens (1 = the model's first choice). */
  ranks: number[];
  /** One line per token: its text, probability and rank, then its top-k alternatives. */
  detail: string;
  /** The unit's tokens, each with its probability, rank and the model's top-k alternatives at that step. */
  tokens: StepToken[];
}

export interface StepToken {
  text: string;
  probability: number;
  rank: number;
  topK: { text: string; probability: number }[];
}

const pct = (p: number) => `${(100 * p).toFixed(p >= 0.001 || p === 0 ? 1 : 3)}%`;

/**
 * One cell per generated unit from `stepScores` (matched to the unit's tokens by position), or null when the
 * output carries none (an older output, or classification).
 */
export function generationStepCells(output: AttributionOutput): StepCell[] | null {
  const steps = output.stepScores;
  const units = output.inputs?.targetUnitTokens;
  if (!steps?.length || !units) return null;
  const byPosition = new Map(steps.map((s) => [s.position, s]));
  return units.map((positions) => {
    const tokens = positions.map((p) => byPosition.get(p)).filter((s) => s !== undefined);
    const probability = tokens.reduce((acc, s) => acc * s.probability, 1);
    const detail = tokens
      .map((s) => {
        const alternatives = s.topK.map((t) => `${JSON.stringify(t.text)} ${pct(t.probability)}`).join(', ');
        return `${JSON.stringify(s.text)}: ${pct(s.probability)}, rank ${s.rank}${alternatives ? `; top: ${alternatives}` : ''}`;
      })
      .join('\n');
    const detailed = tokens.map((s) => ({
      text: s.text,
      probability: s.probability,
      rank: s.rank,
      topK: s.topK.map((t) => ({ text: t.text, probability: t.probability })),
    }));
    return { probability, ranks: tokens.map((s) => s.rank), detail, tokens: detailed };
  });
}

/** A probability in percent, as the step cells write it. */
export function stepPercent(p: number): string {
  return pct(p);
}

/** The text of a step cell: the unit's probability in percent. */
export function stepCellText(cell: StepCell): string {
  return pct(cell.probability);
}

/**
 * The sampling mark of an output of a sampling method: "in progress: 120 / 1,000 samples" on a partial result
 * (`sampling.inProgress`), "stopped early: 120 / 1,000 samples" when `stopWhen` stopped it; null otherwise (a full
 * budget, or a method that does not sample).
 */
export function samplingMark(
  output: AttributionOutput,
): { state: 'in-progress' | 'stopped-early'; text: string } | null {
  const s = output.sampling;
  if (!s || !Number.isFinite(s.samplesUsed) || !Number.isFinite(s.budget)) return null;
  const n = (v: number) => v.toLocaleString('en-US');
  const count = `${n(s.samplesUsed)} / ${n(s.budget)} samples`;
  if (s.inProgress) {
    const c = s.convergence;
    const conv = c !== undefined && Number.isFinite(c) ? `, convergence ${formatCompact(c)}` : '';
    return { state: 'in-progress', text: `in progress: ${count}${conv}` };
  }
  if (s.stoppedEarly) return { state: 'stopped-early', text: `stopped early: ${count}` };
  return null;
}

/** A title's prefix naming an attributed function ("entropy · "): its rows score that, not the class. */
export function scoreTitle(output: Pick<AttributionOutput, 'attributedFunction'>): string {
  return output.attributedFunction ? `${output.attributedFunction} · ` : '';
}

/** The two sides of a contrastive row: "why `target` rather than `contrast`?". */
export interface ContrastLegend {
  target: string;
  contrast: string;
  /** False for magnitude scores (no sign: the colours cannot say which side a unit pushes towards). */
  signed: boolean;
  text: string;
}

/**
 * The legend of a contrastive output (`output.contrast`), null otherwise. Classification: the row's class against
 * its contrast class. Generation: the generated text against `contrastText` (the output holds only the contrast's
 * token ids, which the views cannot decode; without it the ids are named).
 */
export function contrastLegend(
  output: AttributionOutput,
  row: number,
  classesNames?: ClassNames,
  contrastText?: string,
): ContrastLegend | null {
  const ids = output.contrast;
  if (!ids?.length) return null;
  let target: string;
  let contrast: string;
  if (output.modelTask === 'generation') {
    target = output.elements.slice(generationLayout(output).nPrompt).join('');
    contrast = contrastText ?? `token ids ${ids.join(', ')}`;
  } else {
    const r = Math.min(Math.max(row, 0), ids.length - 1);
    target = className(output, r, classesNames);
    const id = ids[r]!;
    const given = classesNames ? (classesNames as Record<number, string>)[id] : undefined;
    contrast = typeof given === 'string' ? given : (output.classes?.[id] ?? `#${id}`);
  }
  const q = (t: string) => JSON.stringify(t);
  const signed = !output.unsigned;
  const why = `Why ${q(target)} rather than ${q(contrast)}?`;
  const text = signed
    ? `${why} Red pushes towards ${q(target)}, blue towards ${q(contrast)}.`
    : `${why} Magnitudes only: how much each unit matters to the difference, not which way.`;
  return { target, contrast, signed, text };
}
