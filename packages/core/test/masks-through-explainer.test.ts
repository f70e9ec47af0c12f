/**
 * Mask structures seen from the model's side: a recording proxy around the transformers.js model captures
 * every sequence the explainer sends. Occlusion = [original; unit g replaced], Sobol C_i = A with unit i taken
 * from B, Lime/KernelShap rows replace whole units and never special tokens; packing several inputs keeps
 * each input's rows intact. A method without an all-kept row carries the unperturbed input in its first batch.
 */
import { describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.ts';
import { Granularity, KernelShap, Lime, Occlusion, QmcSampler, Sobol, type AttributionOutput } from '../src/index.ts';
import { createRng, sobolMasks } from '../src/math/index.ts';

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

/** Which units of `o` are replaced in seq (1) or kept (0); throws if a unit is partly replaced or a special token changed. */
function maskOf(o: AttributionOutput, seq: number[]): number[] {
  const { inputIds, units, replaceTokenId } = o.inputs;
  expect(seq.length).toBe(inputIds.length);
  const m = new Array(units.nUnits).fill(-1);
  seq.forEach((id, t) => {
    const u = units.unitOfToken[t]!;
    if (u < 0) return expect(id).toBe(inputIds[t]);
    const replaced = id === replaceTokenId && inputIds[t] !== replaceTokenId ? 1 : 0;
    if (id !== replaceTokenId) expect(id).toBe(inputIds[t]);
    if (m[u] === -1) m[u] = replaced;
    else expect(m[u]).toBe(replaced);
  });
  return m;
}

describe('masks through the explainer', () => {
  test('Occlusion sends [0; I] per input, inputs packed in order', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const { proxy, seqs } = recording(model);
    const out = await new Occlusion(proxy, tokenizer, { batchSize: 3 }).explain(
      ['the movie was good', 'a very bad film indeed'],
      1,
    );
    let k = 0;
    for (const o of out) {
      const G = o.inputs.units.nUnits;
      for (let r = 0; r <= G; r++) {
        const m = maskOf(o, seqs[k++]!);
        expect(m).toEqual(Array.from({ length: G }, (_, g) => (r > 0 && g === r - 1 ? 1 : 0)));
      }
    }
    expect(k).toBe(seqs.length);
  });

  test('Sobol: sample by sample A_r, B_r, C_0r..; C_ir equals A_r except unit i, taken from B_r; the rows of sobolMasks', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const { proxy, seqs } = recording(model);
    const k = 4;
    const [o] = await new Sobol(proxy, tokenizer, { nTokenPerturbations: k, granularity: Granularity.TOKEN }).explain(
      'the movie was good and fun',
      1,
    );
    const G = o!.inputs.units.nUnits;
    const all = seqs.map((s) => maskOf(o!, s));
    // The first batch (batchSize 4) also carries the unperturbed input, read for the class probabilities.
    expect(all[4]).toEqual(new Array(G).fill(0));
    const rows = [...all.slice(0, 4), ...all.slice(5)];
    expect(rows.length).toBe((G + 2) * k);
    // Rows are sent sample by sample (so that each completed sample updates the anytime estimate) ...
    const A: number[][] = [];
    const B: number[][] = [];
    const C: number[][][] = Array.from({ length: G }, () => []);
    for (let r = 0; r < k; r++) {
      const s = rows.slice(r * (G + 2), (r + 1) * (G + 2));
      A.push(s[0]!);
      B.push(s[1]!);
      for (let i = 0; i < G; i++) {
        expect(s[2 + i]).toEqual(s[0]!.map((v, g) => (g === i ? s[1]![g]! : v)));
        C[i]!.push(s[2 + i]!);
      }
    }
    // ... and are the rows of sobolMasks in its block order, drawn from the same random numbers (seed 0, input 0).
    const { masks } = sobolMasks(G, k, QmcSampler.SOBOL, createRng(0, 0));
    expect([...A, ...B, ...C.flat()]).toEqual(masks.map((m) => Array.from(m)));
  });

  test('Lime and KernelShap replace whole words only (WORD units of several tokens)', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    for (const Cls of [Lime, KernelShap]) {
      const { proxy, seqs } = recording(model);
      const [o] = await new Cls(proxy, tokenizer, { nPerturbations: 12, seed: 4 }).explain(
        'the cinematography was uncharacteristically breathtaking',
        1,
      );
      expect(o!.inputs.units.unitOfToken.length).toBeGreaterThan(o!.inputs.units.nUnits + 2); // some word has several tokens
      const masks = seqs.map((s) => maskOf(o!, s));
      expect(masks.every((m) => m.every((v) => v === 0 || v === 1))).toBe(true);
      if (Cls === KernelShap) {
        expect(masks[0]!.every((v) => v === 0)).toBe(true); // full coalition (f(x))
        expect(masks[1]!.every((v) => v === 1)).toBe(true); // empty coalition (everything replaced)
      }
    }
  });

  test('the replaceTokenId option is what replaced units get, and the output records the sequence sent', async () => {
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const { proxy, seqs } = recording(model);
    const ex = new Occlusion(proxy, tokenizer, { replaceTokenId: 7 });
    expect(ex.modelTask).toBe('classification');
    const [o] = await ex.explain('a very bad film', 1);
    const { inputIds, attentionMask, units, replaceTokenId } = o!.inputs;
    expect(replaceTokenId).toBe(7);
    expect(o!.method).toBe('Occlusion');
    expect(o!.modelDtype).toBe('fp32');
    expect(attentionMask).toEqual(inputIds.map(() => 1));
    // Classification outputs carry no generation fields.
    expect('promptLength' in o!.inputs || 'targetUnitTokens' in o!.inputs).toBe(false);
    // Row g + 1 replaces exactly the tokens of unit g by id 7.
    for (let g = 0; g < units.nUnits; g++) {
      expect(seqs[g + 1]).toEqual(inputIds.map((id, t) => (units.unitOfToken[t] === g ? 7 : id)));
    }
  });
});
