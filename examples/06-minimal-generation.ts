/** Tutorial II.1: generation, minimal example. Run: pnpm tsx examples/06-minimal-generation.ts */
import { languageModel, plotAttributions } from './_setup.ts';
import { Granularity, GranularityAggregationStrategy, SmoothGrad } from '../packages/core/src/index.ts';

const { model, tokenizer } = await languageModel();
// the API is the same as classification
const explainer = new SmoothGrad(model, tokenizer, {
  granularity: Granularity.WORD,
  granularityAggregationStrategy: GranularityAggregationStrategy.MAX,
});
// if no target is given, the model generates the continuation first (greedy); generation options are optional
const attributions = await explainer.explain('Roses are red, the sky is', undefined, {
  generation: { max_length: 16 },
});
plotAttributions(attributions[0]!);
