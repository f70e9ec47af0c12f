/** Tutorial I.3: granularity and inference mode. Run: pnpm tsx examples/03-granularity-inference-mode.ts */
import { classifier, plotAttributions } from './_setup.ts';
import {
  Granularity,
  GranularityAggregationStrategy,
  InferenceModes,
  Lime,
  Saliency,
} from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const dicoNameClasses = { 0: 'negative', 1: 'positive' };

// Let's modify the default parameters of the Lime explainer
const lime = new Lime(model, tokenizer, {
  // common to all attribution methods
  batchSize: 32, // default is 4
  inferenceMode: InferenceModes.SOFTMAX, // study the softmax of the logits; default is the logits
  granularity: Granularity.WORD, // attribution at the word level (the default)
  // common to all perturbation-based methods
  nPerturbations: 20,
  // specific to Lime: possible values hang off the class
  distanceFunction: Lime.distanceFunctions.HAMMING,
  seed: 0,
});
let attrs = await lime.explain('Would Interpreto be a good movie name?');
plotAttributions(attrs[0]!, dicoNameClasses);

// For gradient-based methods, token scores are aggregated into words with a strategy
const saliency = new Saliency(model, tokenizer, {
  granularity: Granularity.WORD,
  granularityAggregationStrategy: GranularityAggregationStrategy.SIGNED_MAX,
});
attrs = await saliency.explain('Would Interpreto be a bad movie name?');
plotAttributions(attrs[0]!, dicoNameClasses);
