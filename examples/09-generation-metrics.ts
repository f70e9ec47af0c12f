/** Tutorial II.4: metrics for generation. Run: pnpm tsx examples/09-generation-metrics.ts */
import { languageModel } from './_setup.ts';
import { Insertion, IntegratedGradients } from '../packages/core/src/index.ts';

const { model, tokenizer } = await languageModel();
const attributions = await new IntegratedGradients(model, tokenizer).explain(
  ['Interpreto can explain', 'And even treat'],
  [' the outputs you provide.', ' several samples at once.'],
);
// use the same model as for the explainer
const metric = new Insertion(model, tokenizer);
const { auc, detailedScores } = await metric.evaluate(attributions);
console.log(`Insertion AUC: ${auc.toFixed(3)} (higher is better)`);
console.log(`curves: ${detailedScores.map((rows) => rows.length).join(', ')} target units`);
