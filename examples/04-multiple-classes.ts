/** Tutorial I.4: explaining multiple classes at once. Run: pnpm tsx examples/04-multiple-classes.ts */
import { classifier, plotAttributions } from './_setup.ts';
import { KernelShap } from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const explainer = new KernelShap(model, tokenizer);
// For n inputs, targets has n elements; each lists the classes to explain: shape (n, t)
const attributions = await explainer.explain(
  ['I do not know if this is the best or the worst movie ever, I am confused.'],
  [[0, 1]],
);
plotAttributions(attributions[0]!, { 0: 'negative', 1: 'positive' });
