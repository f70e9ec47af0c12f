/** Contrastive explanations: "why A rather than B?". Run: pnpm tsx examples/10-contrastive.ts */
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import { InferenceModes, Occlusion, Saliency } from '../packages/core/src/index.ts';

// Classification: why positive rather than negative? Each row attributes score(target) - score(contrast), both
// read from the same model outputs: no extra model call. In LOGITS mode that is the margin between the two logits.
const { model, tokenizer } = await classifier();
// The last class is positive: negative, neutral, positive (default model); negative, positive (fixture fallback).
const { id2label } = model.config as unknown as { id2label: Record<number, string> };
const positive = Object.keys(id2label).length - 1;
const explainer = new Occlusion(model, tokenizer);
const [margin] = await explainer.explain('The acting was great but the plot was thin.', positive, { contrast: 0 });
plotAttributions(margin!); // class names from the model's config
console.log('contrast recorded in the output:', margin!.contrast);

// Generation: why " white" rather than " red"? The contrast is a continuation of the same token length; each
// contrast token is scored at its target token's position, after the same prefix (the prompt and the earlier
// target tokens), as in Yin & Neubig (2022). LOG_SOFTMAX differences equal LOGITS differences.
const lm = await languageModel();
const saliency = new Saliency(lm.model, lm.tokenizer, { inferenceMode: InferenceModes.LOG_SOFTMAX });
const [why] = await saliency.explain('Roses are red, the snow is', ' white', { contrast: ' red' });
console.log(`\ncontrast tokens: ${JSON.stringify(lm.tokenizer.decode(why!.contrast!))}`);
plotAttributions(why!);
