/**
 * The JSON Schema (draft 2020-12) of saved attributions, format version 1: the one source of truth for
 * `saveAttributions` / `loadAttributions` and for docs/schema/attributions.v1.json (a test keeps that file equal
 * to this object). A file is `{ formatVersion: 1, outputs: AttributionOutput[] }`; NaN cells (undefined
 * generation cells, see types.ts) are written `null`, as JSON has no NaN. Unknown fields of an output are allowed
 * (a later 1.x may add optional fields, which older readers keep untouched); known fields must have their type.
 * What a schema cannot say (row lengths equal to the number of units, unit indices in range) is checked by
 * format.ts after it.
 *
 * Exports: `FORMAT_VERSION`, `ATTRIBUTIONS_SCHEMA_V1`.
 */
import { Granularity, GranularityAggregationStrategy, InferenceModes } from '../types.ts';

export const FORMAT_VERSION = 1;

const int = { type: 'integer' } as const;
const ints = { type: 'array', items: int } as const;
const nonNegativeInts = { type: 'array', items: { type: 'integer', minimum: 0 } } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const booleans = { type: 'array', items: { type: 'boolean' } } as const;
/** A number, or null for NaN. */
const cell = { type: ['number', 'null'] } as const;
const matrix = { type: 'array', items: { type: 'array', items: cell } } as const;

export const ATTRIBUTIONS_SCHEMA_V1 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:interpreto-js:attributions:v1',
  title: 'interpreto.js saved attributions, format version 1',
  description:
    'Written by saveAttributions and read by loadAttributions (@interpreto-js/core). Generated from ' +
    'packages/core/src/results/schema.ts; null stands for NaN in number matrices.',
  type: 'object',
  required: ['formatVersion', 'outputs'],
  additionalProperties: false,
  properties: {
    formatVersion: { const: FORMAT_VERSION },
    outputs: { type: 'array', items: { $ref: '#/$defs/output' } },
  },
  $defs: {
    unitMembership: {
      type: 'object',
      required: ['unitOfToken', 'nUnits'],
      properties: {
        unitOfToken: { type: 'array', items: { type: 'integer', minimum: -1 } },
        nUnits: { type: 'integer', minimum: 0 },
      },
    },
    granularityUnits: {
      type: 'object',
      required: ['units', 'elements', 'spaceBefore'],
      properties: {
        units: { $ref: '#/$defs/unitMembership' },
        elements: strings,
        spaceBefore: booleans,
        targetUnitTokens: { type: 'array', items: nonNegativeInts },
      },
    },
    tokenAlternative: {
      type: 'object',
      required: ['tokenId', 'text', 'probability'],
      properties: { tokenId: int, text: { type: 'string' }, probability: { type: 'number' } },
    },
    stepScore: {
      type: 'object',
      required: ['tokenId', 'text', 'position', 'probability', 'logit', 'logProbability', 'entropy', 'rank', 'topK'],
      properties: {
        tokenId: int,
        text: { type: 'string' },
        position: int,
        probability: { type: 'number' },
        logit: { type: 'number' },
        logProbability: { type: 'number' },
        entropy: { type: 'number' },
        rank: { type: 'integer', minimum: 1 },
        topK: { type: 'array', items: { $ref: '#/$defs/tokenAlternative' } },
      },
    },
    output: {
      type: 'object',
      required: [
        'attributions',
        'elements',
        'targets',
        'modelTask',
        'granularity',
        'granularityAggregationStrategy',
        'inferenceMode',
        'inputs',
      ],
      properties: {
        attributions: matrix,
        elements: strings,
        spaceBefore: booleans,
        targets: nonNegativeInts,
        contrast: nonNegativeInts,
        attributedFunction: { type: 'string' },
        modelTask: { enum: ['classification', 'generation'] },
        granularity: { enum: Object.values(Granularity) },
        customUnits: { type: 'boolean' },
        granularityAggregationStrategy: { enum: Object.values(GranularityAggregationStrategy) },
        inferenceMode: { enum: Object.values(InferenceModes) },
        stepScores: { type: 'array', items: { $ref: '#/$defs/stepScore' } },
        classProbabilities: { type: 'array', items: { type: 'number' } },
        classes: strings,
        method: { type: 'string' },
        device: { type: 'string' },
        deviceNotice: { type: 'string' },
        modelDtype: { type: 'string' },
        truncated: { type: 'boolean' },
        unsigned: { type: 'boolean' },
        baseline: { enum: ['token', 'pad', 'unk', 'eos', 'zero-embedding', 'delete'] },
        sampling: {
          type: 'object',
          required: ['samplesUsed', 'budget', 'convergenceMeasure', 'stoppedEarly'],
          properties: {
            samplesUsed: { type: 'integer', minimum: 0 },
            budget: { type: 'integer', minimum: 0 },
            convergenceMeasure: { enum: ['coefficientChange', 'indexChange', 'standardError'] },
            convergence: { type: ['number', 'null'] },
            stoppedEarly: { type: 'boolean' },
            inProgress: { type: 'boolean' },
          },
        },
        tokenLevel: {
          type: 'object',
          required: ['scores', 'units'],
          properties: {
            scores: matrix,
            units: {
              type: 'object',
              required: Object.values(Granularity),
              additionalProperties: false,
              properties: Object.fromEntries(
                Object.values(Granularity).map((g) => [g, { $ref: '#/$defs/granularityUnits' }]),
              ),
            },
          },
        },
        inputs: {
          type: 'object',
          required: ['inputIds', 'attentionMask', 'units', 'replaceTokenId'],
          properties: {
            inputIds: nonNegativeInts,
            attentionMask: ints,
            units: { $ref: '#/$defs/unitMembership' },
            promptLength: { type: 'integer', minimum: 0 },
            targetUnitTokens: { type: 'array', items: nonNegativeInts },
            replaceTokenId: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  },
};
