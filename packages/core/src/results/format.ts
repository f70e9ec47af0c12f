/**
 * Saving and loading attributions as versioned JSON (schema.ts): `saveAttributions(outputs) -> string` and
 * `loadAttributions(json) -> AttributionOutput[]`. Loading refuses, with an InputError saying what is wrong and
 * where: text that is not JSON, a file of a later format version (written by a newer interpreto.js), anything the
 * schema rejects, and outputs whose parts do not fit together (a row that is not one value per unit, a unit
 * index out of range, token scores that are not one per token).
 *
 * The validator is @cfworker/json-schema: it interprets the schema without generating code (no `eval`, so it
 * runs under a strict Content-Security-Policy, unlike Ajv), has no dependencies and adds about 23 kB minified
 * (6 kB gzipped) to a browser bundle.
 *
 * Exports: `saveAttributions(outputs, { space? })`, `loadAttributions(json)`, `SavedAttributions`.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import { InputError } from '../errors.ts';
import type { AttributionOutput, UnitMembership } from '../types.ts';
import { ATTRIBUTIONS_SCHEMA_V1, FORMAT_VERSION } from './schema.ts';

/** A saved file, as JSON.parse reads it (NaN written null). */
export interface SavedAttributions {
  formatVersion: number;
  outputs: unknown[];
}

let validator: Validator | undefined;
const ENCLOSING = new Set(['properties', 'items', '$ref', 'additionalItems', 'prefixItems']);

/** NaN (and +-Infinity, which no output holds) as null: JSON.stringify does the same, said here explicitly. */
function toJsonMatrix(m: number[][]): (number | null)[][] {
  return m.map((row) => row.map((v) => (Number.isFinite(v) ? v : null)));
}

function fromJsonMatrix(m: (number | null)[][]): number[][] {
  return m.map((row) => row.map((v) => (v === null ? Number.NaN : v)));
}

/** The outputs as a format-1 JSON text (`space`: JSON.stringify's indentation). */
export function saveAttributions(
  outputs: AttributionOutput | AttributionOutput[],
  options: { space?: number } = {},
): string {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const file = {
    formatVersion: FORMAT_VERSION,
    outputs: list.map((o) => ({
      ...o,
      attributions: toJsonMatrix(o.attributions),
      ...(o.tokenLevel ? { tokenLevel: { ...o.tokenLevel, scores: toJsonMatrix(o.tokenLevel.scores) } } : {}),
    })),
  };
  return JSON.stringify(file, null, options.space);
}

function problem(where: string, what: string): InputError {
  return new InputError(`Not a valid attributions file: ${where}: ${what}.`);
}

function checkUnits(units: UnitMembership, nTokens: number, where: string): void {
  if (units.unitOfToken.length !== nTokens) {
    throw problem(where, `unitOfToken has ${units.unitOfToken.length} entries for ${nTokens} tokens`);
  }
  const bad = units.unitOfToken.find((u) => u >= units.nUnits);
  if (bad !== undefined) throw problem(where, `a token belongs to unit ${bad}, but there are ${units.nUnits} units`);
}

/** What the schema cannot say: the parts of one output fit together. */
function checkOutput(o: AttributionOutput, i: number): void {
  const at = `outputs[${i}]`;
  const n = o.inputs.inputIds.length;
  const G = o.inputs.units.nUnits;
  checkUnits(o.inputs.units, n, `${at}.inputs.units`);
  if (o.inputs.attentionMask.length !== n) throw problem(`${at}.inputs.attentionMask`, `not one entry per token`);
  if (o.elements.length !== G) throw problem(`${at}.elements`, `${o.elements.length} elements for ${G} units`);
  const r = o.attributions.findIndex((row) => row.length !== G);
  if (r >= 0) throw problem(`${at}.attributions[${r}]`, `${o.attributions[r]!.length} values for ${G} units`);
  if (o.modelTask === 'generation') {
    if (o.inputs.promptLength === undefined || !o.inputs.targetUnitTokens) {
      throw problem(`${at}.inputs`, 'a generation output needs promptLength and targetUnitTokens');
    }
    if (o.attributions.length !== o.inputs.targetUnitTokens.length) {
      throw problem(`${at}.attributions`, 'not one row per target unit');
    }
  } else if (o.attributions.length !== o.targets.length) {
    throw problem(`${at}.attributions`, 'not one row per target class');
  }
  if (o.tokenLevel) {
    const s = o.tokenLevel.scores;
    if (s.length !== o.targets.length) throw problem(`${at}.tokenLevel.scores`, 'not one row per entry of targets');
    if (s.some((row) => row.length !== n)) throw problem(`${at}.tokenLevel.scores`, 'not one score per token');
    for (const [g, u] of Object.entries(o.tokenLevel.units)) {
      checkUnits(u.units, n, `${at}.tokenLevel.units.${g}.units`);
      if (u.elements.length !== u.units.nUnits)
        throw problem(`${at}.tokenLevel.units.${g}`, 'not one element per unit');
    }
  }
}

/**
 * Reads a saved file (its text, or the value JSON.parse gave). The outputs come back as `explain` returned them
 * (null cells back to NaN), ready for the elements, the metrics, `reaggregate`, `diff` and `mean`.
 */
export function loadAttributions(json: string | unknown): AttributionOutput[] {
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new InputError(`Not a valid attributions file: it is not JSON (${(e as Error).message}).`);
    }
  }
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof data !== 'object' || data === null || Array.isArray(data) || version === undefined) {
    throw new InputError(
      'Not a valid attributions file: expected an object { formatVersion, outputs } as saveAttributions writes.',
    );
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > FORMAT_VERSION) {
    throw new InputError(
      `This attributions file has format version ${version}, written by a newer interpreto.js; this version reads ` +
        `format ${FORMAT_VERSION}. Update @interpreto-js/core to read it.`,
    );
  }
  validator ??= new Validator(ATTRIBUTIONS_SCHEMA_V1 as unknown as Schema, '2020-12', false);
  const result = validator.validate(data);
  if (!result.valid) {
    // The failures of leaf keywords say what is wrong; "properties" / "items" / "$ref" only enclose them.
    const leaves = result.errors.filter((e) => !ENCLOSING.has(e.keyword));
    const shown = (leaves.length ? leaves : result.errors).slice(0, 3);
    const more = leaves.length > shown.length ? ` (and ${leaves.length - shown.length} more)` : '';
    throw new InputError(
      `Not a valid attributions file (format ${FORMAT_VERSION}): ` +
        shown.map((e) => `${e.instanceLocation.replace(/^#/, '') || '/'}: ${e.error.replace(/\.$/, '')}`).join('; ') +
        more +
        '. Save outputs with saveAttributions.',
    );
  }
  const outputs = (data as SavedAttributions).outputs.map((raw) => {
    const o = raw as AttributionOutput;
    return {
      ...o,
      attributions: fromJsonMatrix(o.attributions),
      ...(o.tokenLevel ? { tokenLevel: { ...o.tokenLevel, scores: fromJsonMatrix(o.tokenLevel.scores) } } : {}),
    } as AttributionOutput;
  });
  outputs.forEach(checkOutput);
  return outputs;
}
