/** Tutorial II.2: explain your own outputs. Run: pnpm tsx examples/07-explain-your-outputs.ts */
import { languageModel, plotAttributions } from './_setup.ts';
import { IntegratedGradients } from '../packages/core/src/index.ts';

const { model, tokenizer } = await languageModel();
const explainer = new IntegratedGradients(model, tokenizer);
// strings as targets, several samples at once
const attributions = await explainer.explain(
  ['Interpreto can explain', 'And even treat'],
  [' the outputs you provide.', ' several samples at once.'],
);
for (const attr of attributions) plotAttributions(attr);
