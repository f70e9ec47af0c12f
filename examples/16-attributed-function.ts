/** Attributing a function of the output distribution. Run: pnpm tsx examples/16-attributed-function.ts */
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import {
  entropy,
  IntegratedGradients,
  klToReference,
  Occlusion,
  Saliency,
  type AttributedFunction,
} from '../packages/core/src/index.ts';

// Which words make the model unsure? `attributedFunction` replaces the target's score by a function of the whole
// distribution: here its entropy (nats). Occlusion scores each word by H(x) - H(x without the word): positive
// where the model is surer without the word (it added uncertainty), negative where the word made it surer.
const { model, tokenizer } = await classifier();
const text = 'The acting was great but the plot was thin.';
const [unsure] = await new Occlusion(model, tokenizer).explain(text, undefined, { attributedFunction: entropy() });
plotAttributions(unsure!);
console.log('attributed function recorded in the output:', unsure!.attributedFunction);

// KL to the unperturbed distribution: how far each word's removal moves the prediction, whatever the class.
// KL is 0 on the input itself, so Occlusion's f(x) - f(x without the word) is -KL: the most negative words
// matter most. (Saliency of KL is 0 everywhere: the input is KL's minimum. A path method sees it.)
const [moved] = await new Occlusion(model, tokenizer).explain(text, undefined, { attributedFunction: klToReference() });
plotAttributions(moved!);
const ig = new IntegratedGradients(model, tokenizer, { nInterpolations: 8 });
const [path] = await ig.explain(text, undefined, { attributedFunction: klToReference() });
plotAttributions(path!);

// Your own function: a score of the logits and its gradient with respect to them, in closed form (gradient
// methods seed the model with it; nothing is differentiated numerically). Here the margin between the target's
// logit and the mean logit: d/dz_k = [k = target] - 1/C.
const margin: AttributedFunction = {
  name: 'marginOverMean',
  score: (z, { target }) => z[target]! - z.reduce((s, v) => s + v, 0) / z.length,
  gradient: (z, { target }) => Float32Array.from(z, (_, k) => (k === target ? 1 : 0) - 1 / z.length),
};
const [own] = await new Saliency(model, tokenizer).explain(text, undefined, { attributedFunction: margin });
plotAttributions(own!);

// Generation: the function scores each target step's distribution over the vocabulary, so every generated token
// gets its own row: which words of the prompt make the model unsure at that step?
const lm = await languageModel();
const [steps] = await new Saliency(lm.model, lm.tokenizer).explain('Roses are red, the snow is', ' white', {
  attributedFunction: entropy(),
});
plotAttributions(steps!);
