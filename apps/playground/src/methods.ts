/**
 * Every explainer the playground offers, with every option it takes, read from the core's registry (docs/spec.md §2)
 * (`@interpreto-js/core/registry`: names, labels, defaults, bounds, enum values, docs), so the form cannot
 * accept a value the core refuses. The form is drawn from it, the URL stores values by these names, and
 * the worker passes them to `new Method(model, tokenizer, options)`. Enum options hold the enum's key; the
 * worker maps the key to the value on the class (e.g. `Lime.distanceFunctions[key]`). Options that change
 * nothing for a method (the registry's `inert`, e.g. Occlusion's seed) and non-scalar ones (modelSource)
 * are not shown; a constant baseline is.
 */
import {
  METHOD_NAMES,
  METHOD_SCHEMAS,
  describeDefault,
  optionProblem,
  type MethodName,
  type OptionSpec as CoreSpec,
} from '@interpreto-js/core/registry';

export { METHOD_NAMES, type MethodName };

interface FormSpecBase {
  name: string;
  label: string;
  help?: string;
  /** The registry's spec: parseOption checks values with the core's own rule. */
  core: CoreSpec;
}

export type OptionSpec = FormSpecBase &
  (
    | { kind: 'int'; default?: number; min?: number; max?: number }
    | { kind: 'float'; default?: number; min?: number; max?: number; step?: number }
    | { kind: 'bool'; default: boolean }
    | {
        kind: 'enum';
        default: string;
        values: readonly string[];
        /** Where the worker finds the enum: a core export (`Granularity`) or a static on the method class. */
        source: { export: string } | { classStatic: string };
      }
    | { kind: 'choice'; default: string; values: readonly string[] }
  );

export type OptionValues = Record<string, number | boolean | string | undefined>;

/** Key of an enum value (the URL and the form hold keys; the worker maps them back). */
function keyOf(values: Readonly<Record<string, string>>, value: string): string {
  return Object.keys(values).find((k) => values[k] === value) ?? value;
}

/** The form field of one registry option, or null for an option the form does not show. */
function formSpec(name: string, spec: CoreSpec): OptionSpec | null {
  if (spec.inert) return null;
  // The Baseline menu names the replacement token by its text (results/units-baseline.ts): no raw ids in the form.
  if (name === 'replaceTokenId') return null;
  const def = describeDefault(spec);
  const help = [spec.docs, 'default' in spec && spec.default !== undefined ? undefined : def && `empty: ${def}`]
    .filter(Boolean)
    .join(' ');
  const base = { name, label: spec.label, help, core: spec };
  switch (spec.type) {
    case 'number':
      return spec.integer
        ? { ...base, kind: 'int', default: spec.default, min: spec.min?.value, max: spec.max?.value }
        : {
            ...base,
            kind: 'float',
            default: spec.default,
            min: spec.min?.value,
            max: spec.max?.value,
            step: spec.step,
          };
    case 'baseline':
      return { ...base, kind: 'float', default: spec.default, step: spec.default };
    case 'boolean':
      return { ...base, kind: 'bool', default: spec.default };
    case 'enum': {
      const values = Object.keys(spec.values);
      const d = keyOf(spec.values, spec.default);
      return spec.source
        ? { ...base, kind: 'enum', default: d, values, source: spec.source }
        : { ...base, kind: 'choice', default: d, values };
    }
    case 'custom':
      return null;
  }
}

export const METHODS: Readonly<
  Record<MethodName, { family: 'perturbation' | 'gradient'; docs: string; options: OptionSpec[] }>
> = Object.fromEntries(
  METHOD_NAMES.map((m) => {
    const s = METHOD_SCHEMAS[m];
    const options = Object.entries(s.options as Record<string, CoreSpec>)
      .map(([name, spec]) => formSpec(name, spec))
      .filter((o): o is OptionSpec => o !== null);
    return [m, { family: s.family, docs: s.docs, options }];
  }),
) as Record<MethodName, { family: 'perturbation' | 'gradient'; docs: string; options: OptionSpec[] }>;

export function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

/** Default value of every option of a method (options without a default are left out). */
export function defaultOptions(method: MethodName): OptionValues {
  const out: OptionValues = {};
  for (const o of METHODS[method].options) if (o.default !== undefined) out[o.name] = o.default;
  return out;
}

/**
 * Parses one option from its text form (URL or form field). Returns undefined for an empty field
 * (the library default) and throws an Error naming the option and the allowed values otherwise: the
 * core's own check (bounds, integer, enum), so what the form takes the core takes.
 */
export function parseOption(spec: OptionSpec, text: string): number | boolean | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  let value: number | boolean | string;
  switch (spec.kind) {
    case 'bool':
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw new Error(`${spec.label}: expected true or false, got "${t}".`);
    case 'int':
    case 'float':
      value = Number(t);
      break;
    case 'enum':
    case 'choice': {
      if (!spec.values.includes(t)) throw new Error(`${spec.label}: "${t}" is not one of ${spec.values.join(', ')}.`);
      const values = spec.core.type === 'enum' ? spec.core.values : {};
      const problem = optionProblem(spec.name, spec.core, values[t] ?? t);
      if (problem) throw new Error(`${spec.label}: ${problem}`);
      return t;
    }
  }
  const problem = optionProblem(spec.name, spec.core, value);
  if (problem) throw new Error(`${spec.label}: ${problem}`);
  return value;
}
