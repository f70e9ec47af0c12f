/**
 * Option schemas: what each option of an explainer, a metric or an `explain` call accepts (type, default, bounds,
 * enum values, a docs line), and the validation that reads them. Pure data and checks, no model or runtime, so the
 * playground's form, the docs generator and the e2e tests read the very data the core validates with.
 *
 * Exports: the spec types (`NumberSpec`, `BooleanSpec`, `EnumSpec`, `BaselineSpec`, `CustomSpec`, `OptionSpec`,
 * `OptionsSchema`), `SchemaOf<O>` (the compile-time link between an options type and its schema),
 * `validateOptions(owner, schema, options, hint?)`, `optionProblem(name, spec, value, owner?)`, `describeAllowed(spec, owner?)`, `describeDefault(spec)`,
 * `nearestName(name, candidates)`, `editDistance(a, b)`.
 */
import { InputError } from '../errors.ts';

/** One end of a numeric range; `open` excludes the value itself. */
export interface Bound {
  readonly value: number;
  readonly open: boolean;
}

interface SpecBase {
  /** Short label for forms. */
  readonly label: string;
  /** One line for the docs and form tooltips. */
  readonly docs: string;
  /** Set where the option is accepted (it is common to every explainer) but changes nothing for this method: why. */
  readonly inert?: string;
}

export interface NumberSpec extends SpecBase {
  readonly type: 'number';
  readonly integer: boolean;
  /** Absent where the default is computed (then `defaultDocs` says how). */
  readonly default?: number;
  readonly defaultDocs?: string;
  readonly min?: Bound;
  readonly max?: Bound;
  /** Why `max` is where it is (said when a value is refused for being too large). */
  readonly maxWhy?: string;
  /** Form step of a non-integer option. */
  readonly step?: number;
}

export interface BooleanSpec extends SpecBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

export interface EnumSpec<T extends string = string> extends SpecBase {
  readonly type: 'enum';
  /** The enum object, key -> value (a TS string enum, or a plain record for a string union). */
  readonly values: Readonly<Record<string, T>>;
  readonly default: T;
  /** Where a user finds the enum: a core export (`Granularity`) or a static of the explainer (`distanceFunctions`). */
  readonly source?: { readonly export: string } | { readonly classStatic: string };
}

/** A number, or a [seq, hidden] array (its shape is checked against each input at `explain`). */
export interface BaselineSpec extends SpecBase {
  readonly type: 'baseline';
  readonly default: number;
}

/** Anything else (an AbortSignal, a callback, a model source, a nested options object). */
export interface CustomSpec extends SpecBase {
  readonly type: 'custom';
  readonly defaultDocs?: string;
  /** What is accepted, in words ("an AbortSignal"). */
  readonly expected: string;
  readonly check: (v: unknown) => boolean;
  /** Nested options (e.g. `generation`), validated with the same rules. */
  readonly nested?: OptionsSchema;
}

export type OptionSpec = NumberSpec | BooleanSpec | EnumSpec | BaselineSpec | CustomSpec;
export type OptionsSchema = { readonly [name: string]: OptionSpec };

/** The spec kind an option of type T must have: booleans, numbers, string enums, and the rest. */
export type SpecFor<T> = [T] extends [boolean]
  ? BooleanSpec
  : [T] extends [number]
    ? NumberSpec
    : [T] extends [string]
      ? EnumSpec<T>
      : BaselineSpec | CustomSpec;

/**
 * A schema with exactly the keys of the options type O, each of the matching kind. Writing a schema as
 * `{...} as const satisfies SchemaOf<O>` fails to compile when an option is added to O without its schema entry,
 * when the schema names an option O lacks, or when an enum default is not a value of O's enum.
 */
export type SchemaOf<O> = { readonly [K in keyof O]-?: SpecFor<NonNullable<O[K]>> };

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Case and underscores ignored, so Python spellings (`n_perturbations`, `batch_size`) find their camelCase twin. */
const fold = (s: string) => s.toLowerCase().replaceAll('_', '');

/** The closest candidate, when it is close enough to be a likely typo (or a snake_case spelling); else undefined. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(fold(name), fold(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `a ${(v as object).constructor?.name ?? 'value'}`;
}

function rangeText(s: NumberSpec): string {
  const { min, max } = s;
  if (min && max) return ` in ${min.open ? '(' : '['}${min.value}, ${max.value}${max.open ? ')' : ']'}`;
  if (min) return ` ${min.open ? '>' : '>='} ${min.value}`;
  if (max) return ` ${max.open ? '<' : '<='} ${max.value}`;
  return '';
}

/** What an option accepts, in words: "an integer >= 2", "a finite number in (0, 1)", "one of A, B". */
export function describeAllowed(s: OptionSpec, owner?: string): string {
  switch (s.type) {
    case 'number':
      return `${s.integer ? 'an integer' : 'a finite number'}${rangeText(s)}`;
    case 'boolean':
      return 'true or false';
    case 'enum': {
      const where = s.source
        ? ` (${'export' in s.source ? s.source.export : `${owner ?? 'the explainer'}.${s.source.classStatic}`})`
        : '';
      return `one of ${Object.values(s.values)
        .map((v) => JSON.stringify(v))
        .join(', ')}${where}`;
    }
    case 'baseline':
      return 'a finite number or a [seq, hidden] array of finite numbers';
    case 'custom':
      return s.expected;
  }
}

/** The default, in words ("100", "0.75 * sqrt(G)"), or undefined where there is none. */
export function describeDefault(s: OptionSpec): string | undefined {
  if ('default' in s && s.default !== undefined)
    return typeof s.default === 'string' ? JSON.stringify(s.default) : String(s.default);
  return 'defaultDocs' in s ? s.defaultDocs : undefined;
}

function inRange(v: number, s: NumberSpec): boolean {
  const { min, max } = s;
  if (min && (min.open ? v <= min.value : v < min.value)) return false;
  if (max && (max.open ? v >= max.value : v > max.value)) return false;
  return true;
}

function isFiniteNumberArray(v: unknown): boolean {
  if (v instanceof Float32Array || v instanceof Float64Array) return v.every(Number.isFinite);
  if (!Array.isArray(v) || v.length === 0) return false;
  return v.every((x) =>
    Array.isArray(x)
      ? x.length > 0 && x.every((y) => typeof y === 'number' && Number.isFinite(y))
      : typeof x === 'number' && Number.isFinite(x),
  );
}

function valueOk(s: OptionSpec, v: unknown): boolean {
  switch (s.type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (!s.integer || Number.isSafeInteger(v)) && inRange(v, s);
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && Object.values(s.values).includes(v);
    case 'baseline':
      return (typeof v === 'number' && Number.isFinite(v)) || isFiniteNumberArray(v);
    case 'custom':
      return s.check(v);
  }
}

/**
 * What is wrong with one option value, as a sentence naming the option, the value, what is allowed and what to do;
 * undefined when the value is fine (undefined stands for "not given" and is always fine).
 */
export function optionProblem(name: string, spec: OptionSpec, value: unknown, owner?: string): string | undefined {
  if (value === undefined || valueOk(spec, value)) return undefined;
  const def = describeDefault(spec);
  const why =
    spec.type === 'number' && spec.maxWhy && spec.max && typeof value === 'number' && value >= spec.max.value
      ? ` ${spec.maxWhy}`
      : '';
  return (
    `option ${name} must be ${describeAllowed(spec, owner)}; got ${showValue(value)}.${why} ` +
    `Pass such a value${def !== undefined ? `, or leave ${name} out for the default (${def})` : ''}.`
  );
}

/**
 * Throws an InputError naming the first unknown option (with the nearest valid name) or the first bad value (with
 * what is allowed and what to do). Undefined values stand for "not given". `hint(name)` may add a line about an
 * unknown name (e.g. which other methods take it).
 */
export function validateOptions(
  owner: string,
  schema: OptionsSchema,
  options: unknown,
  hint?: (name: string) => string | undefined,
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InputError(
      `${owner}: options must be an object such as { ${Object.keys(schema)[0]}: ... }; got ${showValue(options)}.`,
    );
  }
  const names = Object.keys(schema);
  for (const [name, value] of Object.entries(options)) {
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!spec) {
      const near = nearestName(name, names);
      const extra = hint?.(name);
      throw new InputError(
        `${owner}: unknown option '${name}'${near ? `; did you mean '${near}'?` : '.'}${extra ? ` ${extra}` : ''} ` +
          `Valid options: ${names.join(', ')}.`,
      );
    }
    const problem = optionProblem(name, spec, value, owner);
    if (problem) throw new InputError(`${owner}: ${problem}`);
    if (spec.type === 'custom' && spec.nested) validateOptions(`${owner} ${name}`, spec.nested, value);
  }
}
