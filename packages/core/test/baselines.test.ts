/**
 * Perturbation baselines (explainers/baseline.ts) against direct computations with the fixtures' own math: a named
 * token on the additive classifier scores each unit's contribution minus the named token's; zero embeddings on the
 * non-additive classifier and on the copy LM are the fixture's function with those embeddings zeroed; deletion on
 * the copy LM is its function on the shorter sequence, each target scored after the kept tokens before it.
 */
import { describe, expect, test } from 'vitest';
import { additiveContributions, copyLmLogits, nonadditiveLogits } from '../../onnx-grad/test/fixtures/index.ts';
import { loadFixture } from './helpers.ts';
import { additiveUnitContributions, expectClose, fixtureWeights } from './known-answers.ts';
import { Granularity, InputError, KernelShap, Lime, Occlusion, Sobol } from '../src/index.ts';

const TEXT = 'the movie was good and the actors were great';

describe('baselines: known answers', () => {
  test("a named token: Occlusion is each unit's contribution minus the named token's, per token", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    const [o] = await new Occlusion(model, tokenizer, { baseline: { kind: 'token', token: 'bad' } }).explain(TEXT, [
      [0, 1],
    ]);
    const bad = tokenizer.encode('bad', { add_special_tokens: false })[0];
    expect(o!.baseline).toBe('token');
    expect(o!.inputs.replaceTokenId).toBe(bad);
    const w = fixtureWeights('additive-classifier');
    const [badContribution] = additiveContributions(w, [bad]);
    o!.targets.forEach((c, r) => {
      const own = additiveUnitContributions(o!, c);
      const size = (u: number) => o!.inputs.units.unitOfToken.filter((v) => v === u).length;
      expectClose(
        o!.attributions[r]!,
        own.map((a, u) => a - size(u) * badContribution![c]!),
        1e-5,
      );
    });
    // Not the default: the named token's own contribution is not zero, unlike [MASK]'s.
    expect(Math.abs(badContribution![0]!)).toBeGreaterThan(1e-3);
  });

  test("'pad' and 'unk' replace with those tokens; 'eos' is refused where the tokenizer has none", async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    for (const kind of ['pad', 'unk'] as const) {
      const [o] = await new Occlusion(model, tokenizer, { baseline: kind }).explain(TEXT, 1);
      expect(o!.baseline).toBe(kind);
      expect(o!.inputs.replaceTokenId).toBe(tokenizer[`${kind}_token_id`]);
      // Their embedding rows are zero in this fixture: the score of a unit is exactly its contribution.
      expectClose(o!.attributions[0]!, additiveUnitContributions(o!, 1), 1e-5);
    }
    expect(() => new Occlusion(model, tokenizer, { baseline: 'eos' })).toThrow(
      /baseline 'eos': this tokenizer has no eos token\. Choose another baseline: 'replacement', 'pad', 'unk'/,
    );
  });

  test('a named token must be one token; a bad baseline value is refused by the registry', async () => {
    const { model, tokenizer } = await loadFixture('additive-classifier');
    expect(() => new Occlusion(model, tokenizer, { baseline: { kind: 'token', token: 'good movie' } })).toThrow(
      /is 2 tokens \("good", "movie"\): the baseline token must be exactly one token/,
    );
    expect(() => new Lime(model, tokenizer, { baseline: 'zeros' as never })).toThrow(InputError);
    expect(() => new Lime(model, tokenizer, { baseline: 'zeros' as never })).toThrow(/'zero-embedding', 'delete'/);
  });

  test('zero embedding: Occlusion is f(x) - f(x with the unit embeddings zeroed), whatever replaceTokenId says', async () => {
    const { model, tokenizer } = await loadFixture('nonadditive-classifier');
    const good = tokenizer.encode('good', { add_special_tokens: false })[0];
    const ex = new Occlusion(model, tokenizer, { baseline: 'zero-embedding', replaceTokenId: good });
    const [o] = await ex.explain(TEXT, [[0, 1]]);
    expect(o!.baseline).toBe('zero-embedding');
    const w = fixtureWeights('nonadditive-classifier');
    const { inputIds, units } = o!.inputs;
    o!.targets.forEach((c, r) => {
      const expected = Array.from({ length: units.nUnits }, (_, g) => {
        const kept = inputIds.map((_, t) => (units.unitOfToken[t] === g ? 0 : 1));
        return nonadditiveLogits(w, inputIds)[c]! - nonadditiveLogits(w, inputIds, kept)[c]!;
      });
      expectClose(o!.attributions[r]!, expected, 1e-4);
      // Replacing by "good" instead would give another answer: the baseline is not the token.
      const byGood = Array.from({ length: units.nUnits }, (_, g) => {
        const ids = inputIds.map((id, t) => (units.unitOfToken[t] === g ? good : id));
        return nonadditiveLogits(w, inputIds)[c]! - nonadditiveLogits(w, ids)[c]!;
      });
      expect(Math.max(...byGood.map((v, g) => Math.abs(v - expected[g]!)))).toBeGreaterThan(1e-3);
    });
  });

  test('zero embedding on the copy LM: the zeroed tokens copy nothing (one-hot embeddings)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const [o] = await new Occlusion(model, tokenizer, { baseline: 'zero-embedding' }).explain(
      'the cat sat on the mat',
      ' on the',
    );
    const { inputIds, units, targetUnitTokens } = o!.inputs;
    // The logit of token X at position q is gamma times the (positional) attention on the positions holding X:
    // copyLmLogits over ids 0..n-1 gives gamma w_j per position j. A zeroed position's value (its one-hot) is zero.
    const positional = copyLmLogits(
      inputIds.map((_, t) => t),
      inputIds.length,
    );
    const logitsAt = (p: number, zeroed: (t: number) => boolean) => {
      const full = copyLmLogits(inputIds, V)[p - 1]![inputIds[p]!]!;
      let z = 0;
      inputIds.forEach((id, t) => {
        if (id === inputIds[p] && !zeroed(t)) z += positional[p - 1]![t]!;
      });
      return { full, zeroed: z };
    };
    o!.attributions.forEach((row, r) => {
      row.forEach((v, g) => {
        if (Number.isNaN(v)) return;
        const effects = targetUnitTokens![r]!.map((p) => {
          const { full, zeroed } = logitsAt(p, (t) => units.unitOfToken[t] === g);
          return full - zeroed;
        });
        expect(v).toBeCloseTo(effects.reduce((a, b) => a + b) / effects.length, 3);
      });
    });
  });

  test('delete on the copy LM: the shorter sequence, each target scored after the kept tokens before it', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const [o] = await new Occlusion(model, tokenizer, { baseline: 'delete', granularity: Granularity.TOKEN }).explain(
      'the cat sat on the mat',
      ' on the',
    );
    expect(o!.baseline).toBe('delete');
    const { inputIds, units, targetUnitTokens } = o!.inputs;
    o!.attributions.forEach((row, r) => {
      const p = targetUnitTokens![r]![0]!; // TOKEN granularity: one token per target unit
      row.forEach((v, g) => {
        if (Number.isNaN(v)) return;
        const kept = inputIds.filter((_, t) => units.unitOfToken[t] !== g);
        const before = inputIds.slice(0, p).filter((_, t) => units.unitOfToken[t] !== g).length;
        const full = copyLmLogits(inputIds, V)[p - 1]![inputIds[p]!]!;
        const cut = copyLmLogits(kept, V)[before - 1]![inputIds[p]!]!;
        expect(v).toBeCloseTo(full - cut, 4);
      });
    });
    // Deleting a prompt token shifts what the copy head reads two places back: some unit must differ from
    // replacing it (which keeps the positions).
    const [replaced] = await new Occlusion(model, tokenizer, { granularity: Granularity.TOKEN }).explain(
      'the cat sat on the mat',
      ' on the',
    );
    const gap = o!.attributions[0]!.map((v, g) => Math.abs(v - replaced!.attributions[0]![g]!));
    expect(Math.max(...gap.filter((x) => !Number.isNaN(x)))).toBeGreaterThan(1);
  });

  test('delete: a coalition that removes the whole prompt starts from eos (KernelShap efficiency)', async () => {
    const { model, tokenizer } = await loadFixture('copy-lm');
    const V = model.config.vocab_size as number;
    const [o] = await new KernelShap(model, tokenizer, { baseline: 'delete', nPerturbations: 4096 }).explain(
      'the cat sat',
      ' on',
    );
    const { inputIds, promptLength } = o!.inputs;
    const P = promptLength!;
    const target = inputIds[P]!;
    // Every unit deleted (prompt and target units alike): eos, then scored at its position.
    const eos = tokenizer.eos_token_id as number;
    const full = copyLmLogits(inputIds, V)[P - 1]![target]!;
    const empty = copyLmLogits([eos], V)[0]![target]!;
    const row = o!.attributions[0]!.filter((v) => !Number.isNaN(v));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(full - empty, 3);
  });

  test('every perturbation method takes each baseline (classification and generation)', async () => {
    const cls = await loadFixture('nonadditive-classifier');
    const lm = await loadFixture('copy-lm');
    const baselines = [
      'replacement',
      'pad',
      'unk',
      'zero-embedding',
      'delete',
      { kind: 'token', token: 'bad' },
    ] as const;
    for (const baseline of baselines) {
      for (const [Method, opts] of [
        [Occlusion, {}],
        [Lime, { nPerturbations: 6 }],
        [KernelShap, { nPerturbations: 6 }],
        [Sobol, { nTokenPerturbations: 2 }],
      ] as const) {
        const [c] = await new Method(cls.model, cls.tokenizer, { ...opts, baseline }).explain('a bad film', 0);
        expect(c!.attributions[0]!.every(Number.isFinite)).toBe(true);
        if (baseline === 'pad' || baseline === 'unk' || typeof baseline === 'object') continue; // GPT-2 style: no pad/unk
        const [g] = await new Method(lm.model, lm.tokenizer, { ...opts, baseline }).explain('the cat sat', ' on');
        expect(g!.attributions[0]!.some(Number.isFinite)).toBe(true);
      }
    }
  });
});
