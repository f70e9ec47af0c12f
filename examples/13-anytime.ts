/** Anytime results: watch a sampling method's estimate settle, and stop when it is good enough. Run: pnpm tsx examples/13-anytime.ts */
import { classifier, languageModel, plotAttributions } from './_setup.ts';
import { KernelShap, SmoothGrad, type PartialAttribution } from '../packages/core/src/index.ts';

// Sampling methods (Lime, KernelShap, Sobol, SmoothGrad, SquareGrad, VarGrad, GradientShap) refine an estimate
// sample after sample. onProgress receives, after each batch, the current estimate as a complete output (the same
// shape explain returns), with output.sampling saying how many samples it used and how much it still moves.
const { model, tokenizer } = await classifier();
const text = 'The acting was great but the plot was thin.';
const explainer = new KernelShap(model, tokenizer, { nPerturbations: 400, batchSize: 16 });
const partials: PartialAttribution[] = [];
const [full] = await explainer.explain(text, undefined, {
  onProgress: (done, total, estimates) => {
    for (const { output } of estimates ?? []) {
      partials.push({ index: 0, output });
      const s = output.sampling!;
      console.log(
        `rows ${done}/${total}: ${s.samplesUsed}/${s.budget} samples, largest coefficient change ` +
          `${s.convergence?.toExponential(2) ?? '(first estimate)'}`,
      );
    }
  },
});
// The last estimate is the result itself, exactly.
console.log(
  'last partial equals the result:',
  JSON.stringify(partials.at(-1)!.output.attributions) === JSON.stringify(full!.attributions),
);
plotAttributions(full!);

// Stop early: stopWhen ends an input once its convergence is within the tolerance (here: no coefficient moved by
// more than 0.05 since the previous estimate), after minSamples. The output records the samples it used.
const large = new KernelShap(model, tokenizer, { nPerturbations: 2000, batchSize: 16 });
// (With 2^G <= nPerturbations KernelShap enumerates every coalition, which is exact only once complete and never
// stops early; this longer text has 2^15 coalitions, so they are sampled.)
const longer = 'The acting was great but the plot was thin and the ending dragged on.';
const [early] = await large.explain(longer, undefined, { stopWhen: { tolerance: 0.05, minSamples: 100 } });
const s = early!.sampling!;
console.log(
  `\nstopped early: ${s.stoppedEarly}, ${s.samplesUsed} of ${s.budget} samples (convergence ${s.convergence})`,
);
plotAttributions(early!);
// How far from the whole budget's answer? (A change-based criterion bounds the movement, not the error.)
const [whole] = await large.explain(longer);
const gap = Math.max(...early!.attributions[0]!.map((v, g) => Math.abs(v - whole!.attributions[0]![g]!)));
console.log(`largest difference to the ${whole!.sampling!.samplesUsed}-sample result: ${gap.toFixed(3)}`);

// Gradient methods measure convergence by the running standard error of the token scores. Stopping is per input,
// here on a generated continuation; an AbortSignal stops the whole call within one batch, as for every method.
const lm = await languageModel();
const smooth = new SmoothGrad(lm.model, lm.tokenizer, { nPerturbations: 200, batchSize: 8 });
const [gen] = await smooth.explain('Roses are red, the snow is', ' white', { stopWhen: { tolerance: 0.02 } });
console.log(
  `\nSmoothGrad: ${gen!.sampling!.samplesUsed} of ${gen!.sampling!.budget} noisy samples, standard error ${gen!.sampling!.convergence?.toExponential(2)}`,
);
plotAttributions(gen!);
