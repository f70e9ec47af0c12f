/** Tutorial I.5: metrics. Run: pnpm tsx examples/05-classification-metrics.ts */
import { classifier } from './_setup.ts';
import { Deletion, Insertion, KernelShap } from '../packages/core/src/index.ts';

const { model, tokenizer } = await classifier();
const attributions = await new KernelShap(model, tokenizer).explain(
  ['I do not know if this is the best or the worst movie ever, I am confused.'],
  [[0, 1]],
);
// use the same model as for the explainer
const metric = new Deletion(model, tokenizer);
const { auc, detailedScores } = await metric.evaluate(attributions);
console.log(`Deletion AUC: ${auc.toFixed(3)} (lower is better)`);
console.log('curve of class 0:', detailedScores[0]![0]!.map((v) => v.toFixed(3)).join(' '));
const insertion = await new Insertion(model, tokenizer).evaluate(attributions);
console.log(`Insertion AUC: ${insertion.auc.toFixed(3)} (higher is better)`);
