/**
 * Writes the saved AttributionOutputs that the standalone-bundle test renders (test/standalone/*.json):
 * real explanations from the embedded default models, saved the way a user saves them
 * (exportView(output, 'json'), NaN written as null). Deterministic methods only, so a rerun writes
 * the same numbers. Run: pnpm tsx packages/elements/scripts/saved-outputs.ts
 */
import { writeFileSync } from 'node:fs';
import { classifier, languageModel } from '../../../examples/_setup.ts';
import { Occlusion, Saliency } from '../../core/src/index.ts';
import { exportView } from '../src/export.ts';

const dir = new URL('../test/standalone/', import.meta.url);

const bert = await classifier();
const [classification] = await new Occlusion(bert.model, bert.tokenizer).explain(
  ['This is the best movie I have ever seen.'],
  [[0, 1, 2]],
);
writeFileSync(new URL('classification.json', dir), `${exportView(classification!, 'json')}\n`);

const gpt2 = await languageModel();
const [generation] = await new Saliency(gpt2.model, gpt2.tokenizer).explain(
  'Roses are red, the sky is',
  ' blue and the grass is green.',
);
writeFileSync(new URL('generation.json', dir), `${exportView(generation!, 'json')}\n`);
console.log(
  'wrote',
  classification!.elements.length,
  'classification units,',
  generation!.elements.length,
  'generation units',
);
