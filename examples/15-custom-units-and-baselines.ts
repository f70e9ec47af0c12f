/** Custom units and perturbation baselines. Run: pnpm tsx examples/15-custom-units-and-baselines.ts */
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import { Granularity, KernelShap, Occlusion, Saliency } from '../packages/core/src/index.ts';

// Custom units: the words "not" and "bad" mean something together. Give their character range as one unit: the
// span is removed as a whole, and scored as a whole. Tokens outside every span keep their granularity unit (words
// here), so the sentence still reads whole.
const { model, tokenizer } = await classifier();
const text = 'The movie was not bad at all.';
const notBad = { start: text.indexOf('not bad'), end: text.indexOf('not bad') + 'not bad'.length };
const occlusion = new Occlusion(model, tokenizer);
const [words] = await occlusion.explain(text);
plotAttributions(words!); // one score per word
const [grouped] = await occlusion.explain(text, words!.targets, { units: [notBad] });
plotAttributions(grouped!); // "not bad" is one element
console.log('elements:', grouped!.elements, 'customUnits:', grouped!.customUnits);
// The pair's score is not the sum of its words' scores: removing "not" alone turns the sentence negative, removing
// both leaves a neutral one. Which question to ask (each word, or the phrase) is what custom units choose.

// A unit may also be a group of token positions (output.inputs.inputIds, special tokens included), not
// necessarily contiguous: here "movie" and "all", scored together. Gradient methods pool the group's token scores
// with the aggregation strategy. A text view shows a unit at its first token's place.
const movie = words!.elements.indexOf('movie');
const all = words!.elements.indexOf('all');
const tokenOf = (unit: number) => words!.inputs.units.unitOfToken.indexOf(unit);
const [group] = await new Saliency(model, tokenizer).explain(text, words!.targets, {
  units: [{ tokens: [tokenOf(movie), tokenOf(all)] }],
});
plotAttributions(group!);

// A character range that cuts a token is refused, with the token-aligned ranges to use instead.
try {
  await occlusion.explain(text, words!.targets, { units: [{ start: 4, end: 7 }] });
} catch (e) {
  console.log(`\nrefused: ${(e as Error).message}`);
}

// Baselines: what a removed unit becomes is the question's reference point. The default replaces each token by
// the replacement token ([MASK] for BERT, what it was trained to read as "missing"); a named token asks "rather
// than this word?"; 'pad' / 'unk' / 'eos' use those tokens; 'zero-embedding' sets the unit's input embeddings to
// zero (the reference point of the gradient methods' default baseline; it runs the gradient model).
for (const baseline of ['replacement', { kind: 'token', token: 'the' }, 'pad', 'zero-embedding'] as const) {
  const [o] = await new Occlusion(model, tokenizer, { baseline }).explain(text, words!.targets);
  console.log(`\nbaseline ${JSON.stringify(baseline)}: output.baseline = ${o!.baseline ?? '(default)'}`);
  plotAttributions(o!);
}

// Generation: 'delete' removes the unit's tokens (a shorter prompt), the natural counterfactual for a prompt:
// "the same request without this part". Custom units apply to the prompt; the target keeps its granularity.
// KernelShap enumerates every coalition of these few units: exact Shapley values of the deletion game.
const lm = await languageModel();
const prompt = 'Roses are red, the snow is';
const clause = { start: 0, end: prompt.indexOf(',') }; // "Roses are red"
const shap = new KernelShap(lm.model, lm.tokenizer, { baseline: 'delete', granularity: Granularity.WORD });
const [deleted] = await shap.explain(prompt, ' white', { units: [clause] });
console.log(`\nbaseline ${deleted!.baseline}, elements ${JSON.stringify(deleted!.elements)}`);
plotAttributions(deleted!);
