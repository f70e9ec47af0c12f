import { dtypesOfFiles } from '@interpreto-js/core/registry';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultOptions, METHOD_NAMES, METHODS, type MethodName, type OptionValues } from '../src/methods.ts';
import {
  defaultState,
  SCORE_SPECS,
  parseState,
  stateToSearch,
  hubIdProblem,
  type ContrastSpec,
  type PlaygroundState,
  type TargetSpec,
} from '../src/url-state.ts';

const DEFAULT_MODEL = 'bert-tiny-opset11';

/** A valid value for every option of the method (drawn), or none. */
function optionsArb(method: MethodName): fc.Arbitrary<OptionValues> {
  const entries = METHODS[method].options.map((spec) => {
    let arb: fc.Arbitrary<number | boolean | string>;
    if (spec.kind === 'bool') arb = fc.boolean();
    else if (spec.kind === 'enum' || spec.kind === 'choice') arb = fc.constantFrom(...spec.values);
    else if (spec.kind === 'int') arb = fc.integer({ min: spec.min, max: spec.max ?? 10_000 });
    // -0 prints as "0": the same value for every option.
    else
      arb = fc
        .double({ min: spec.min ?? -10, max: spec.max ?? 10, noNaN: true, noDefaultInfinity: true })
        .map((v) => (Object.is(v, -0) ? 0 : v));
    return [spec.name, fc.option(arb, { nil: undefined })] as const;
  });
  return fc.record(Object.fromEntries(entries)).map((o) => {
    // The URL only keeps values that differ from the defaults; the parsed state then has them unset.
    const d = defaultOptions(method);
    const out: OptionValues = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== d[k]) out[k] = v;
    return out;
  });
}

const targetArb: fc.Arbitrary<TargetSpec> = fc.oneof(
  fc.constant({ kind: 'predicted' as const }),
  fc.uniqueArray(fc.nat(20), { minLength: 1, maxLength: 4 }).map((classes) => ({ kind: 'classes' as const, classes })),
  fc.string().map((text) => ({ kind: 'continuation' as const, text })),
  fc.integer({ min: 1, max: 256 }).map((maxNewTokens) => ({ kind: 'generate' as const, maxNewTokens })),
);

const contrastArb: fc.Arbitrary<ContrastSpec | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.nat(20).map((c) => ({ kind: 'class' as const, class: c })),
  fc.string().map((text) => ({ kind: 'text' as const, text })),
);

const stateArb: fc.Arbitrary<PlaygroundState> = fc.constantFrom(...METHOD_NAMES).chain((method) =>
  fc
    .record({
      model: fc.oneof(
        fc.constantFrom('bert-tiny-opset11', 'copy-lm').map((id) => ({ source: 'local' as const, id })),
        fc
          .constantFrom('q8', 'fp16', 'q4f16')
          .map((dtype) => ({ source: 'local' as const, id: 'bert-tiny-opset11', dtype })),
        fc
          .constantFrom('Xenova/gpt2', 'Xenova/distilbert-base-uncased-finetuned-sst-2-english')
          .map((id) => ({ source: 'hub' as const, id })),
      ),
      device: fc.constantFrom('auto' as const, 'webgpu' as const, 'wasm' as const),
      text: fc.string(),
      method: fc.constant(method),
      options: optionsArb(method),
      target: targetArb,
      metrics: fc.boolean(),
      run: fc.constantFrom('none' as const, 'explain' as const, 'compare' as const),
      contrast: contrastArb,
      units: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      baseline: fc.option(
        fc.oneof(
          fc.constantFrom('pad', 'unk', 'eos', 'zero-embedding', 'delete').map((kind) => ({ kind })),
          fc.string().map((token) => ({ kind: 'token' as const, token })),
        ),
        { nil: undefined },
      ),
      score: fc.constantFrom(undefined, ...SCORE_SPECS),
    })
    // A score and a contrast exclude each other (the page keeps one).
    .map(({ contrast, units, baseline, score, ...rest }) => ({
      ...rest,
      ...(score ? { score } : contrast ? { contrast } : {}),
      ...(units ? { units } : {}),
      ...(baseline ? { baseline } : {}),
    })),
);

describe('URL state', () => {
  it('round-trips every state through the query string', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const { state: back, warnings } = parseState(stateToSearch(state, DEFAULT_MODEL), DEFAULT_MODEL);
        expect(warnings).toEqual([]);
        expect(back).toEqual(state);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('reads the model dtype; an unknown one is reported and fp32 is used', () => {
    expect(parseState('?model=bert-tiny-sentiment&dtype=q8', DEFAULT_MODEL).state.model).toEqual({
      source: 'local',
      id: 'bert-tiny-sentiment',
      dtype: 'q8',
    });
    const { state, warnings } = parseState('?dtype=q9', DEFAULT_MODEL);
    expect(state.model.dtype).toBeUndefined();
    expect(warnings).toEqual(['dtype "q9" is not one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4; using fp32.']);
  });

  it('keeps markup in the text as text', () => {
    const state = { ...defaultState(DEFAULT_MODEL), text: '<img src=x onerror=alert(1)>&amp;' };
    const search = stateToSearch(state, DEFAULT_MODEL);
    expect(new URLSearchParams(search).get('text')).toBe(state.text);
    expect(parseState(search, DEFAULT_MODEL).state.text).toBe(state.text);
  });

  it('falls back to defaults and says why on bad values', () => {
    const { state, warnings } = parseState('?method=Nope&device=tpu&target=classes&classes=a,b', DEFAULT_MODEL);
    expect(state.method).toBe('Occlusion');
    expect(state.device).toBe('auto');
    expect(state.target).toEqual({ kind: 'predicted' });
    expect(warnings.join(' ')).toMatch(/unknown method "Nope"/);
    expect(warnings.join(' ')).toMatch(/device "tpu"/);
    expect(warnings.join(' ')).toMatch(/classes "a,b"/);
    const lime = parseState('?method=Lime&o.nPerturbations=1.5&o.distanceFunction=MANHATTAN', DEFAULT_MODEL);
    expect(lime.state.options).toEqual({});
    expect(lime.warnings.join(' ')).toMatch(
      /perturbations: option nPerturbations must be an integer in \[2, 1000000\]; got 1.5/,
    );
    expect(lime.warnings.join(' ')).toMatch(/"MANHATTAN" is not one of COSINE, HAMMING, EUCLIDEAN/);
  });

  it('keeps the score (an attributed function); an unknown one is a warning, and a score drops a contrast', () => {
    const entropy = { ...defaultState(DEFAULT_MODEL), score: 'entropy' as const };
    expect(stateToSearch(entropy, DEFAULT_MODEL)).toContain('score=entropy');
    expect(parseState(stateToSearch(entropy, DEFAULT_MODEL), DEFAULT_MODEL).state.score).toBe('entropy');
    expect(stateToSearch(defaultState(DEFAULT_MODEL), DEFAULT_MODEL)).not.toContain('score');
    const both = parseState('?score=klToReference&contrastClass=1', DEFAULT_MODEL).state;
    expect(both.score).toBe('klToReference');
    expect(both.contrast).toBeUndefined();
    const { state, warnings } = parseState('?score=variance', DEFAULT_MODEL);
    expect(state.score).toBeUndefined();
    expect(warnings).toEqual([
      `score "variance" must be one of entropy, klToReference; attributing the target's score.`,
    ]);
  });

  it('keeps the contrast: a class id, or a continuation text (even an empty one, which the run then refuses)', () => {
    const cls = { ...defaultState(DEFAULT_MODEL), contrast: { kind: 'class' as const, class: 0 } };
    expect(stateToSearch(cls, DEFAULT_MODEL)).toContain('contrastClass=0');
    expect(parseState(stateToSearch(cls, DEFAULT_MODEL), DEFAULT_MODEL).state.contrast).toEqual(cls.contrast);
    const text = { ...defaultState(DEFAULT_MODEL), contrast: { kind: 'text' as const, text: ' red & blue' } };
    expect(new URLSearchParams(stateToSearch(text, DEFAULT_MODEL)).get('contrastText')).toBe(' red & blue');
    expect(parseState(stateToSearch(text, DEFAULT_MODEL), DEFAULT_MODEL).state.contrast).toEqual(text.contrast);
    expect(stateToSearch(defaultState(DEFAULT_MODEL), DEFAULT_MODEL)).not.toContain('contrast');
    for (const bad of ['-1', '1.5', 'x', '']) {
      const { state, warnings } = parseState(`?contrastClass=${bad}`, DEFAULT_MODEL);
      expect(state.contrast).toBeUndefined();
      expect(warnings).toEqual([`contrastClass "${bad}" must be a class id (0, 1, ...); explaining without contrast.`]);
    }
  });

  it('accepts Hub ids of the owner/name form only', () => {
    expect(hubIdProblem('Xenova/gpt2')).toBeNull();
    expect(hubIdProblem('gpt2')).toBeNull();
    expect(hubIdProblem('')).toMatch(/Enter a Hugging Face model id/);
    expect(hubIdProblem('<img src=x>')).toMatch(/is not a Hub model id/);
    expect(hubIdProblem('a/b/c')).toMatch(/is not a Hub model id/);
  });
});

describe('model dtypes', () => {
  it('lists the dtypes whose transformers.js file the onnx folder has, fp32 first', () => {
    expect(dtypesOfFiles(['model_quantized.onnx', 'model.onnx', 'model.onnx_data', 'model_q4f16.onnx'])).toEqual([
      'fp32',
      'q8',
      'q4f16',
    ]);
    expect(dtypesOfFiles(['decoder_model_merged.onnx'])).toEqual([]);
  });
});
