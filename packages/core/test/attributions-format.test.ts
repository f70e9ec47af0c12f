/**
 * The saved format (results/format.ts, schema.ts): a round trip gives back the outputs exactly (NaN cells
 * included) and they re-pool as the originals do; docs/schema/attributions.v1.json is the schema the code
 * validates with; malformed files and files of a later format version are refused with an error saying where.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../../../fixtures/index.ts';
import { loadFixture } from './helpers.ts';
import {
  ATTRIBUTIONS_SCHEMA_V1,
  FORMAT_VERSION,
  Granularity,
  GranularityAggregationStrategy,
  InputError,
  IntegratedGradients,
  loadAttributions,
  Occlusion,
  reaggregate,
  saveAttributions,
  type AttributionOutput,
} from '../src/index.ts';

async function outputs(): Promise<{ classification: AttributionOutput[]; generation: AttributionOutput[] }> {
  const bert = await loadFixture('bert-tiny-opset11');
  const gpt2 = await loadFixture('gpt2-tiny-opset13');
  const classification = [
    ...(await new IntegratedGradients(bert.model, bert.tokenizer, { nInterpolations: 3 }).explain(
      ['the movie was good. a bad film!', 'great actors'],
      [[0, 1], [1]],
    )),
    ...(await new Occlusion(bert.model, bert.tokenizer).explain('the movie was good', 1)),
  ];
  const generation = await new IntegratedGradients(gpt2.model, gpt2.tokenizer, { nInterpolations: 3 }).explain(
    'the sky is',
    ' blue and the grass is green',
  );
  return { classification, generation };
}

/** A valid file of one small hand-made output, to break field by field. */
function smallFile(): any {
  return JSON.parse(
    saveAttributions({
      attributions: [[0.5, -1]],
      elements: ['a', 'b'],
      targets: [1],
      modelTask: 'classification',
      granularity: Granularity.WORD,
      granularityAggregationStrategy: GranularityAggregationStrategy.MEAN,
      inferenceMode: 'LOGITS' as never,
      inputs: {
        inputIds: [101, 7, 8, 102],
        attentionMask: [1, 1, 1, 1],
        units: { unitOfToken: [-1, 0, 1, -1], nUnits: 2 },
        replaceTokenId: 103,
      },
    }),
  );
}

describe('saveAttributions / loadAttributions', () => {
  test('round trip: every field back, NaN cells included, and the loaded outputs re-pool as the originals', async () => {
    const { classification, generation } = await outputs();
    const all = [...classification, ...generation];
    const text = saveAttributions(all);
    const file = JSON.parse(text);
    expect(file.formatVersion).toBe(FORMAT_VERSION);
    expect(file.outputs[3].attributions[0][generation[0]!.inputs.units.nUnits - 1]).toBeNull(); // NaN -> null
    const back = loadAttributions(text);
    expect(back).toEqual(all);
    expect(Number.isNaN(back[3]!.attributions[0]!.at(-1))).toBe(true);
    expect(loadAttributions(file)).toEqual(all); // an already parsed value too
    for (const [i, o] of [0, 3].map((i) => [i, back[i]!] as const)) {
      const again = {
        granularity: Granularity.TOKEN,
        granularityAggregationStrategy: GranularityAggregationStrategy.MAX,
      };
      expect(reaggregate(o, again)).toEqual(reaggregate(all[i]!, again));
    }
    expect(loadAttributions(saveAttributions(all[0]!))).toEqual([all[0]]);
  });

  test('docs/schema/attributions.v1.json is the schema the code validates with', () => {
    const doc = JSON.parse(readFileSync(`${REPO_ROOT}/docs/schema/attributions.v1.json`, 'utf8'));
    expect(doc).toEqual(JSON.parse(JSON.stringify(ATTRIBUTIONS_SCHEMA_V1)));
    expect(doc.properties.formatVersion).toEqual({ const: FORMAT_VERSION });
  });

  test('a later format version is refused, asking to update', () => {
    const file = smallFile();
    expect(loadAttributions(file)).toHaveLength(1);
    file.formatVersion = FORMAT_VERSION + 1;
    expect(() => loadAttributions(file)).toThrow(InputError);
    expect(() => loadAttributions(JSON.stringify(file))).toThrow(
      /format version 2, written by a newer interpreto\.js; this version reads format 1\. Update @interpreto-js\/core/,
    );
  });

  test('malformed files are refused, saying what and where', () => {
    const broken = (edit: (f: any) => void) => {
      const f = smallFile();
      edit(f);
      return () => loadAttributions(f);
    };
    expect(() => loadAttributions('{"formatVersion": 1, "outputs": [')).toThrow(/it is not JSON/);
    expect(() => loadAttributions('[]')).toThrow(/expected an object \{ formatVersion, outputs \}/);
    expect(() => loadAttributions({ outputs: [] })).toThrow(/expected an object \{ formatVersion, outputs \}/);
    expect(broken((f) => (f.formatVersion = 0))).toThrow(/Not a valid attributions file \(format 1\)/);
    expect(broken((f) => (f.formatVersion = '1'))).toThrow(/formatVersion/);
    expect(broken((f) => (f.outputs[0].attributions[0][1] = 'x'))).toThrow(/\/outputs\/0\/attributions\/0\/1/);
    expect(broken((f) => (f.outputs[0].granularity = 'WORDS'))).toThrow(/\/outputs\/0\/granularity/);
    expect(broken((f) => delete f.outputs[0].inputs)).toThrow(/\/outputs\/0.*inputs/);
    expect(broken((f) => (f.outputs[0].targets = [-1]))).toThrow(/\/outputs\/0\/targets\/0/);
    expect(broken((f) => (f.extra = 1))).toThrow(/extra/);
    // What the schema cannot say
    expect(broken((f) => f.outputs[0].attributions[0].push(2))).toThrow(
      /outputs\[0\]\.attributions\[0\]: 3 values for 2 units/,
    );
    expect(broken((f) => (f.outputs[0].inputs.units.unitOfToken[1] = 5))).toThrow(
      /outputs\[0\]\.inputs\.units: a token belongs to unit 5, but there are 2 units/,
    );
    expect(broken((f) => f.outputs[0].elements.pop())).toThrow(/1 elements for 2 units/);
    expect(broken((f) => (f.outputs[0].modelTask = 'generation'))).toThrow(/needs promptLength and targetUnitTokens/);
    // Unknown output fields are kept (a later 1.x may add optional ones)
    expect(loadAttributions(Object.assign(smallFile(), {})).at(0)).not.toHaveProperty('later');
    const later = smallFile();
    later.outputs[0].later = { x: 1 };
    expect((loadAttributions(later)[0] as unknown as { later: unknown }).later).toEqual({ x: 1 });
  });

  test('token-level scores that do not fit the tokens are refused', async () => {
    const { classification } = await outputs();
    const f = JSON.parse(saveAttributions(classification[0]!));
    f.outputs[0].tokenLevel.scores[0].pop();
    expect(() => loadAttributions(f)).toThrow(/tokenLevel\.scores: not one score per token/);
    delete f.outputs[0].tokenLevel.units.SENTENCE;
    expect(() => loadAttributions(f)).toThrow(/tokenLevel\/units.*SENTENCE/);
  });
});
