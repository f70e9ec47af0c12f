/**
 * The playground's method table against the core it drives: every method is a core class, every
 * enum option names keys that exist, and the defaults shown are the spec's (docs/spec.md §2).
 */
import { describe, expect, it } from 'vitest';
import * as core from '@interpreto-js/core';
import { defaultOptions, METHOD_NAMES, METHODS, parseOption } from '../src/methods.ts';

const coreRecord = core as unknown as Record<string, unknown>;

describe('method table', () => {
  it.each(METHOD_NAMES)('%s is a core explainer whose enum options exist', (name) => {
    const cls = coreRecord[name] as Record<string, Record<string, unknown>> | undefined;
    expect(typeof cls).toBe('function');
    for (const spec of METHODS[name].options) {
      if (spec.kind !== 'enum') continue;
      const holder =
        'export' in spec.source
          ? (coreRecord[spec.source.export] as Record<string, unknown>)
          : cls![spec.source.classStatic];
      expect(holder, `${name}.${spec.name}`).toBeTruthy();
      expect(Object.keys(holder!).sort()).toEqual([...spec.values].sort());
      expect(spec.values).toContain(spec.default);
    }
  });

  it('offers the common options on every method and the spec defaults', () => {
    for (const name of METHOD_NAMES) {
      expect(defaultOptions(name)).toMatchObject({
        batchSize: 4,
        granularity: 'WORD',
        granularityAggregationStrategy: 'MEAN',
        inferenceMode: 'LOGITS',
      });
    }
    expect(defaultOptions('Lime')).toMatchObject({
      nPerturbations: 100,
      perturbProbability: 0.5,
      distanceFunction: 'COSINE',
    });
    expect(defaultOptions('KernelShap')).toMatchObject({ nPerturbations: 100 });
    expect(defaultOptions('Sobol')).toMatchObject({
      nTokenPerturbations: 32,
      sobolIndicesOrder: 'FIRST_ORDER',
      sampler: 'SOBOL',
    });
    expect(defaultOptions('Saliency')).toMatchObject({ inputXGradient: true });
    expect(defaultOptions('IntegratedGradients')).toMatchObject({ nInterpolations: 10, baseline: 1e-6 });
    for (const m of ['SmoothGrad', 'SquareGrad', 'VarGrad', 'GradientShap'] as const) {
      expect(defaultOptions(m)).toMatchObject({ nPerturbations: 10, noiseStd: 0.1 });
    }
  });

  it('parses option text and names the option in errors', () => {
    const spec = METHODS.Lime.options.find((o) => o.name === 'perturbProbability')!;
    expect(parseOption(spec, ' 0.25 ')).toBe(0.25);
    expect(parseOption(spec, '')).toBeUndefined();
    expect(() => parseOption(spec, '2')).toThrow(
      'perturb probability: option perturbProbability must be a finite number in (0, 1); got 2.',
    );
    expect(() => parseOption(spec, 'abc')).toThrow(/perturb probability: .*got NaN/);
  });

  it('refuses exactly what the core refuses: open bounds, integers', () => {
    const opt = (m: keyof typeof METHODS, name: string) => METHODS[m].options.find((o) => o.name === name)!;
    // The form once took 0 and 1 here while the core refused them.
    for (const bad of ['0', '1', '-0.1'])
      expect(() => parseOption(opt('Lime', 'perturbProbability'), bad)).toThrow(/\(0, 1\)/);
    expect(() => parseOption(opt('Lime', 'nPerturbations'), '1')).toThrow(/integer in \[2, 1000000\]/);
    expect(() => parseOption(opt('Lime', 'nPerturbations'), '2.5')).toThrow(/integer in \[2, 1000000\]/);
    // Above the most samples a least-squares fit can keep in memory: refused with why, as the core refuses it.
    expect(() => parseOption(opt('Lime', 'nPerturbations'), '1000000000')).toThrow(/cannot fit in memory/);
    expect(() => parseOption(opt('Lime', 'kernelWidth'), '0')).toThrow(/> 0/);
    expect(() => parseOption(opt('IntegratedGradients', 'nInterpolations'), '1')).toThrow(/integer >= 2/);
    expect(parseOption(opt('Lime', 'seed'), '-7')).toBe(-7);
  });

  it('shows no option that changes nothing for the method', () => {
    const names = (m: keyof typeof METHODS) => METHODS[m].options.map((o) => o.name);
    expect(names('Occlusion')).not.toContain('seed');
    expect(names('Saliency')).not.toContain('replaceTokenId');
    expect(names('Lime')).toEqual(expect.arrayContaining(['seed', 'kernelWidth']));
    // The replacement token is chosen by its text in the Baseline menu, never as a raw id.
    for (const m of METHOD_NAMES) expect(names(m)).not.toContain('replaceTokenId');
    for (const m of METHOD_NAMES) expect(names(m)).not.toContain('modelSource');
  });
});
