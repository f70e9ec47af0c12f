/**
 * What `<interpreto-heatmap>` accepts, read into what `plotAttributions` takes: the output (an
 * object, or JSON text from an attribute or a fetched file) and the class names (an array or
 * object, or their JSON). Pure, so the rules are testable without a DOM.
 */
import type { AttributionOutput } from '@interpreto-js/core';
import { attributionOutputFromJSON, nullsToNaN, validateOutput, type ClassNames } from './view-model.ts';

/** JSON text of an AttributionOutput, with `source` (e.g. 'the output attribute') named in a syntax error. */
export function parseOutputJSON(text: string, source: string): AttributionOutput {
  try {
    return attributionOutputFromJSON(text);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new SyntaxError(
        `${source} is not valid JSON (${e.message}). Give the AttributionOutput as saved by exportView(output, 'json') or JSON.stringify(output).`,
      );
    }
    throw e;
  }
}

/**
 * The output to show: undefined when nothing is set (undefined, null or an empty string), JSON text
 * parsed, an object checked as is (nulls of a JSON-parsed object read as NaN, on a copy).
 */
export function resolveOutput(value: unknown, source = 'the output attribute'): AttributionOutput | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return parseOutputJSON(value, source);
  const output = nullsToNaN(value);
  validateOutput(output);
  return output;
}

const NAMES_HELP =
  'give a JSON array of names (["negative", "positive"]) or an object from class id to name ({"0": "negative", "1": "positive"})';

/** Class names from an array, an object keyed by class id, or the JSON of either; undefined when unset. */
export function parseClassesNames(value: unknown): ClassNames | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let names = value;
  if (typeof value === 'string') {
    try {
      names = JSON.parse(value);
    } catch (e) {
      throw new SyntaxError(`classes-names is not valid JSON (${(e as Error).message}): ${NAMES_HELP}.`);
    }
  }
  if (Array.isArray(names)) {
    const bad = names.findIndex((n) => typeof n !== 'string');
    if (bad >= 0)
      throw new TypeError(`classes-names[${bad}] is ${JSON.stringify(names[bad])}, not a string: ${NAMES_HELP}.`);
    return names as string[];
  }
  if (names === null || typeof names !== 'object') {
    throw new TypeError(
      `classes-names must be an array or an object, got ${names === null ? 'null' : typeof names}: ${NAMES_HELP}.`,
    );
  }
  const out: Record<number, string> = {};
  for (const [key, name] of Object.entries(names)) {
    if (!/^(0|[1-9]\d*)$/.test(key))
      throw new TypeError(`classes-names key "${key}" is not a class id (a non-negative integer): ${NAMES_HELP}.`);
    if (typeof name !== 'string')
      throw new TypeError(`classes-names["${key}"] is ${JSON.stringify(name)}, not a string: ${NAMES_HELP}.`);
    out[Number(key)] = name;
  }
  return out;
}
