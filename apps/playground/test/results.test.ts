import { describe, expect, it } from 'vitest';
import { carryOptions } from '../src/results/carry-options.ts';
import { DEFAULT_DISPLAY, parseDisplay } from '../src/results/display.ts';
import { isStale, runKey } from '../src/results/stale.ts';
import { nextThemeChoice, resolveTheme } from '../src/results/theme.ts';

describe('options kept when switching method', () => {
  it('keeps the options the new method has, with values it accepts, and brings back its own', () => {
    const from = { granularity: 'WORD', seed: 3, nPerturbations: 50, inputXGradient: false };
    const { options } = carryOptions(from, 'Lime');
    expect(options.granularity).toBe('WORD');
    expect(options.seed).toBe(3);
    expect(options.nPerturbations).toBe(50);
    expect('inputXGradient' in options).toBe(false); // Lime has no such option
    // Remembered options of the new method come back; the current value wins for an option both have.
    const back = carryOptions({ granularity: 'TOKEN' }, 'Lime', { granularity: 'WORD', nPerturbations: 80 });
    expect(back.options).toEqual({ granularity: 'TOKEN', nPerturbations: 80 });
  });

  it('drops a value the new method would refuse instead of carrying it', () => {
    // Lime's perturbProbability is open at both ends; a value out of range for it is not carried.
    const { options, dropped } = carryOptions({ perturbProbability: 1 }, 'Lime');
    expect(options).toEqual({});
    expect(dropped).toEqual(['perturbProbability']);
  });
});

describe('stale results', () => {
  const inputs = {
    model: { source: 'local', id: 'm' },
    device: 'wasm',
    text: 'good',
    target: { kind: 'predicted' },
    method: 'Occlusion',
    options: { a: 1, b: 2 },
    metrics: true,
  };
  it('a result is stale once anything it depends on changes, not when keys are reordered', () => {
    const key = runKey(inputs);
    expect(isStale(key, { ...inputs })).toBe(false);
    expect(isStale(key, { ...inputs, options: { b: 2, a: 1 } })).toBe(false);
    expect(isStale(key, { ...inputs, text: 'bad' })).toBe(true);
    expect(isStale(key, { ...inputs, options: { a: 1, b: 3 } })).toBe(true);
    expect(isStale(key, { ...inputs, method: 'Lime' })).toBe(true);
    expect(isStale(null, inputs)).toBe(false);
  });
});

describe('theme', () => {
  it('auto follows the system; the toggle goes to the other theme, then back to auto', () => {
    expect(resolveTheme('auto', true)).toBe('dark');
    expect(resolveTheme('auto', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(nextThemeChoice('auto', false)).toBe('dark');
    expect(nextThemeChoice('dark', false)).toBe('auto');
    expect(nextThemeChoice('auto', true)).toBe('light');
    expect(nextThemeChoice('light', true)).toBe('auto');
    expect(nextThemeChoice('light', false)).toBe('dark');
  });
});

describe('display options', () => {
  it('reads saved options, keeping only known values', () => {
    expect(parseDisplay(null)).toEqual(DEFAULT_DISPLAY);
    expect(parseDisplay('{broken')).toEqual(DEFAULT_DISPLAY);
    expect(parseDisplay('{"scale":"output","values":true,"table":true,"generation":"matrix"}')).toEqual({
      scale: 'output',
      values: true,
      table: true,
      generation: 'matrix',
    });
    expect(parseDisplay('{"scale":"__proto__","values":"yes"}')).toEqual(DEFAULT_DISPLAY);
  });
});
