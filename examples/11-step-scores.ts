/**
 * Step scores: the model's own view of each step, next to the attributions (no extra model call).
 * Run: pnpm tsx examples/11-step-scores.ts
 */
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import { Granularity, Occlusion, Saliency } from '../packages/core/src/index.ts';

// generation: every target token comes with its probability, rank, entropy and the top-k alternatives
const { model, tokenizer } = await languageModel();
const explainer = new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN });
const [generated] = await explainer.explain('Roses are red, the sky is', undefined, {
  generation: { max_new_tokens: 6 },
  topK: 3, // alternatives listed per step (default 5)
});
plotAttributions(generated!);
for (const s of generated!.stepScores!) {
  const alternatives = s.topK.map((t) => `${JSON.stringify(t.text)} ${t.probability.toFixed(3)}`).join(', ');
  console.log(
    `${JSON.stringify(s.text).padEnd(12)} p=${s.probability.toFixed(3)} rank=${s.rank} entropy=${s.entropy.toFixed(2)} nats | ${alternatives}`,
  );
}

// a given continuation: the scores tell how surprising each of its tokens is to the model (rank > 1: not greedy)
const [given] = await explainer.explain('Roses are red, the sky is', ' green and the grass is blue');
for (const s of given!.stepScores!) {
  console.log(
    `${JSON.stringify(s.text).padEnd(12)} p=${s.probability.toFixed(4)} log p=${s.logProbability.toFixed(2)} rank=${s.rank}`,
  );
}

// classification: the class probabilities of the unperturbed input, from any method
const { model: clf, tokenizer: clfTokenizer } = await classifier();
const [review] = await new Saliency(clf, clfTokenizer).explain('This is the best movie I have ever seen.');
console.log('class probabilities:', review!.classProbabilities!.map((p) => p.toFixed(3)).join(' '));
