/** Tutorial I.1: minimal example. Run: pnpm tsx examples/01-minimal-classification.ts */
import { classifier, plotAttributions } from './_setup.ts';
import { Occlusion } from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const sentence = 'This is the best movie I have ever seen. The cinematography was uncharacteristically breathtaking.';

// Instantiate the Occlusion explainer with the model and tokenizer
const explainer = new Occlusion(model, tokenizer);
// Compute the attributions on a given sentence
const attributions = await explainer.explain(sentence);
// Visualize the attributions
plotAttributions(attributions[0]!, ['negative', 'positive']);
