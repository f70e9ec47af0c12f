/**
 * Known answers for the sampled perturbation methods (spec section 2), checked against values computed here in
 * float64 from the fixtures' own weights, independently of the library's estimators:
 * - Sobol (both orders) on the additive classifier tends to c_i^2 / sum_j c_j^2;
 * - sampled Kernel SHAP on the non-additive classifier tends to the brute-force Shapley values;
 * - Lime on the non-additive classifier equals the weighted least-squares fit with the spec's kernel, on the
 *   very samples the explainer sent to the model (recorded), and measurably differs from an unweighted fit or
 *   from a fit with another kernel width.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, bruteForceShapleyOf, expectClose, fixtureWeights } from './known-answers.ts';
import { KernelShap, Lime, Sobol, type AttributionOutput } from '../src/index.ts';
import { nonadditiveLogits } from '../../onnx-grad/test/fixtures/index.ts';

const relL2 = (a: readonly number[], b: readonly number[]) =>
  Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));

describe('Sobol', () => {
  // Additive model f = b + sum_i z_i c_i with z_i ~ Bernoulli(1/2) (kept) independent: Var f = sum c^2 / 4 and
  // E(f(A) - f(C_i))^2 = c_i^2 P(A_i != B_i) = c_i^2 / 2, so ST_i = c_i^2 / sum c^2; f has no interactions, so
  // S_i = ST_i as well. The indices sum to 1.
  test('both orders tend to c_i^2 / sum c^2 on the additive classifier', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const text = 'i loved every minute of it';
    for (const sobolIndicesOrder of Object.values(Sobol.sobolIndicesOrders)) {
      const [o] = await new Sobol(model, tokenizer, {
        nTokenPerturbations: 1024,
        sobolIndicesOrder,
        seed: 3,
        batchSize: 256,
      }).explain(text, 1);
      const c = additiveUnitContributions(o!, 1);
      const sum = c.reduce((s, v) => s + v * v, 0);
      // Tolerance 0.02 absolute: with k = 1024 iid rows the variance estimate V alone has a relative standard
      // error ~sqrt(2/k) = 0.044, i.e. ~0.035 on the largest index (0.82 here); scrambled Sobol rows do an order
      // better (observed 1e-3 for both orders, seeds 3). Dividing by V instead of 2V doubles every index
      // (error ~0.8), a swapped A/B or a wrong column in C_i breaks the sum-to-1.
      expectClose(
        o!.attributions[0]!,
        c.map((v) => (v * v) / sum),
        0.02,
      );
    }
  });
});

describe('KernelShap', () => {
  test('sampled coalitions tend to the brute-force Shapley values of the non-additive classifier', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const text = 'the movie was good and the actors were great but a bad'; // G = 12: 2^G = 4096 > n, so sampled
    const run = async (nPerturbations: number) => {
      const [o] = await new KernelShap(model, tokenizer, { nPerturbations, seed: 1, batchSize: 256 }).explain(text, 1);
      expect(o!.inputs.units.nUnits).toBe(12);
      return relL2(o!.attributions[0]!, bruteForceShapleyOf(o!, 1));
    };
    const coarse = await run(250);
    const fine = await run(4000);
    // Relative L2 error, measured over seeds 1-5: 0.21-0.51 at n = 250, 0.11-0.22 at 1000, 0.089-0.116 at 4000
    // (it shrinks about as 1/sqrt(n)). Accept 0.2 at n = 4000 (1.7x the worst seed). A non-Shapley answer is far
    // away: leave-one-out (Occlusion) is at relative error 3.1 from the Shapley values on this input.
    expect(fine).toBeLessThan(0.2);
    expect(fine).toBeLessThan(coarse);
  });
});

/** Solves the weighted least squares [1, z] beta ~ y by the normal equations (Gaussian elimination, float64). */
function weightedFit(Z: number[][], y: number[], w: number[]): number[] {
  const n = Z[0]!.length + 1;
  const A = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  Z.forEach((z, r) => {
    const row = [1, ...z];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) A[i]![j]! += w[r]! * row[i]! * row[j]!;
      A[i]![n]! += w[r]! * row[i]! * y[r]!;
    }
  });
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i]![k]!) > Math.abs(A[p]![k]!)) p = i;
    [A[k], A[p]] = [A[p]!, A[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = A[i]![k]! / A[k]![k]!;
      for (let j = k; j <= n; j++) A[i]![j]! -= f * A[k]![j]!;
    }
  }
  const beta = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = A[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= A[i]![j]! * beta[j]!;
    beta[i] = s / A[i]![i]!;
  }
  return beta.slice(1);
}

/** A proxy of the transformers.js model that records every (unpadded) sequence sent to it. */
function recording(model: any): { proxy: any; seqs: number[][] } {
  const seqs: number[][] = [];
  const proxy = new Proxy(model, {
    apply(target, thisArg, args) {
      const { input_ids, attention_mask } = args[0];
      const [B, S] = input_ids.dims;
      const ids = Array.from(input_ids.data as BigInt64Array, Number);
      const mask = Array.from(attention_mask.data as BigInt64Array, Number);
      for (let b = 0; b < B; b++) seqs.push(ids.slice(b * S, (b + 1) * S).filter((_, s) => mask[b * S + s] === 1));
      return Reflect.apply(target, thisArg, args);
    },
  });
  return { proxy, seqs };
}

/** Kept indicator (1 = kept) of each unit in a recorded sequence. */
function keptOf(o: AttributionOutput, seq: number[]): number[] {
  const z = new Array<number>(o.inputs.units.nUnits).fill(1);
  seq.forEach((id, t) => {
    const u = o.inputs.units.unitOfToken[t]!;
    if (u >= 0 && id === o.inputs.replaceTokenId && o.inputs.inputIds[t] !== id) z[u] = 0;
  });
  return z;
}

describe('Lime', () => {
  // The target is the non-additive classifier's logit on each sample, recomputed in float64 from its weights;
  // the samples are the ones the explainer actually sent (recorded), so the expected coefficients are exact:
  // weighted least squares with intercept on the kept indicators, weight exp(-d^2 / width^2), width 0.75 sqrt(G),
  // d the distance of the kept vector to all-kept (spec section 2). Tolerance 1e-4 relative: float32 model
  // outputs (~1e-7) amplified by the conditioning of 100 samples over 7 unknowns.
  const distances = {
    COSINE: (z: number[]) => {
      const kept = z.reduce((s, v) => s + v, 0);
      return kept === 0 ? 1 : 1 - Math.sqrt(kept / z.length); // 1 - cos(z, 1)
    },
    HAMMING: (z: number[]) => z.reduce((s, v) => s + (1 - v), 0),
    EUCLIDEAN: (z: number[]) => Math.sqrt(z.reduce((s, v) => s + (1 - v), 0)),
  };
  const text = 'the movie was good and great';

  for (const [name, distance] of Object.entries(distances)) {
    test(`${name}: the spec's weighted fit of a non-additive target, not an unweighted one nor another width`, async () => {
      const { model, tokenizer } = await loadFixture('nonadditive-classifier');
      const { proxy, seqs: sent } = recording(model);
      const opts =
        name === 'COSINE' ? { seed: 4 } : { seed: 4, distanceFunction: Lime.distanceFunctions[name as 'HAMMING'] };
      const [o] = await new Lime(proxy, tokenizer, opts).explain(text, 1); // defaults: 100 samples, p = 0.5
      // The first batch (batchSize 4) also carries the unperturbed input, read for the class probabilities.
      expect(sent).toHaveLength(101);
      expect(sent[4]).toEqual(o!.inputs.inputIds);
      const seqs = sent.filter((_, i) => i !== 4);
      const G = o!.inputs.units.nUnits;
      const Z = seqs.map((s) => keptOf(o!, s));
      const y = seqs.map((s) => nonadditiveLogits(fixtureWeights('nonadditive-classifier'), s)[1]!);
      const fit = (width: number) =>
        weightedFit(
          Z,
          y,
          Z.map((z) => Math.exp(-(distance(z) ** 2) / (width * width))),
        );
      const expected = fit(0.75 * Math.sqrt(G));
      expectClose(o!.attributions[0]!, expected, 1e-4);
      // The wrong answers are measurably elsewhere (> 20x the tolerance; COSINE, whose distances stay in [0, 1],
      // is the closest at ~9e-3): unweighted, and width 0.75 G.
      const unweighted = weightedFit(
        Z,
        y,
        Z.map(() => 1),
      );
      for (const wrong of [unweighted, fit(0.75 * G)]) {
        expect(Math.max(...wrong.map((v, i) => Math.abs(v - expected[i]!)))).toBeGreaterThan(2e-3);
      }
    });
  }
});
