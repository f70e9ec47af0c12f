/** Tutorial II.3: explain from tokenized inputs. Run: pnpm tsx examples/08-tokenized-inputs.ts */
import { languageModel, plotAttributions } from './_setup.ts';
import { Granularity, Sobol } from '../packages/core/src/index.ts';

const { model, tokenizer } = await languageModel();
// the default granularity ignores special tokens; ALL_TOKENS includes them
const explainer = new Sobol(model, tokenizer, { granularity: Granularity.ALL_TOKENS });
const tokenizedInputs = tokenizer('Hi there, how are you?');
const tokenizedTargets = tokenizer('I am fine, thank you!');
const attributions = await explainer.explain(tokenizedInputs, tokenizedTargets);
plotAttributions(attributions[0]!);
