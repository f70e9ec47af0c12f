/** Tutorial I.2: explanations on multiple inputs. Run: pnpm tsx examples/02-multiple-inputs.ts */
import { classifier, plotAttributions } from './_setup.ts';
import { Saliency } from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const dicoNameClasses = { 0: 'negative', 1: 'positive' };

// Gradient-based methods have the exact same API
const explainer = new Saliency(model, tokenizer);
// Inputs can also be a list of strings, or even tokenizer output ({ input_ids, attention_mask })
const attributions = await explainer.explain([
  'This is the best movie I have ever seen.',
  'I hate this movie.',
  'This movie is super good. I love it.',
]);
// To visualize multiple attributions, simply loop over the list of attributions
for (const attr of attributions) plotAttributions(attr, dicoNameClasses);
