/**
 * Change granularity or aggregation after the fact, without the model; compare and average explanations; save
 * them and load them back. Run: pnpm tsx examples/12-reaggregate.ts
 */
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import {
  diff,
  Granularity,
  GranularityAggregationStrategy,
  IntegratedGradients,
  loadAttributions,
  mean,
  Occlusion,
  reaggregate,
  Saliency,
  saveAttributions,
  SmoothGrad,
} from '../packages/core/src/index.ts';

// Gradient methods score every token, then pool the tokens of each unit: the output keeps the token scores, so
// any granularity and aggregation strategy is a re-pooling away, exactly what a new run there would give.
const { model, tokenizer } = await classifier();
const saliency = new Saliency(model, tokenizer, { granularity: Granularity.WORD });
const [words] = await saliency.explain('The cinematography was uncharacteristically breathtaking. I loved it.');
plotAttributions(words!);
const sentences = reaggregate(words!, {
  granularity: Granularity.SENTENCE,
  granularityAggregationStrategy: GranularityAggregationStrategy.MAX,
});
plotAttributions(sentences);
plotAttributions(reaggregate(words!, { granularity: Granularity.TOKEN }));

// Perturbation methods replace whole units: a word's score is not a pooling of its tokens' scores. They are
// refused, with the way to get the other granularity: re-run.
const [occluded] = await new Occlusion(model, tokenizer).explain('I loved it.');
try {
  reaggregate(occluded!, { granularity: Granularity.TOKEN });
} catch (e) {
  console.log(`\n${(e as Error).message}\n`);
}

// The difference of two explanations of the same input (methods, seeds, model files, ...), and their mean.
const text = 'I do not know if this is the best or the worst movie ever.';
const [ig] = await new IntegratedGradients(model, tokenizer).explain(text);
const [sal] = await saliency.explain(text);
plotAttributions(diff(ig!, sal!));
const seeds = await Promise.all([0, 1, 2].map((seed) => new SmoothGrad(model, tokenizer, { seed }).explain(text)));
plotAttributions(mean(seeds.map(([o]) => o!)));

// Save to versioned JSON (docs/schema/attributions.v1.json) and load back: the outputs return as explain gave
// them, NaN cells included, and still re-pool without the model.
const lm = await languageModel();
const generated = await new IntegratedGradients(lm.model, lm.tokenizer).explain('Roses are red, the sky is', 'blue');
// (a string target after a prompt reads as Interpreto reads it: " blue"; { targetsAsGiven: true } keeps "blue")
console.log(`target: ${JSON.stringify(lm.tokenizer.decode(generated[0]!.targets))}`);
const file = join(mkdtempSync(join(tmpdir(), 'interpreto-')), 'attributions.json');
writeFileSync(file, saveAttributions(generated));
const [loaded] = loadAttributions(readFileSync(file, 'utf8'));
plotAttributions(reaggregate(loaded!, { granularity: Granularity.ALL_TOKENS }));
