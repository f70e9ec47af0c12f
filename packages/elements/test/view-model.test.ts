import { describe, expect, it } from 'vitest';
import { classColor, hexString, PALETTES } from '../src/color.ts';
import { curveAUC, curvePlot, curveToSVG } from '../src/curve.ts';
import {
  generationStepCells,
  className,
  dominantRows,
  generationCellValue,
  generationLayout,
  validateOutput,
  viewKind,
} from '../src/view-model.ts';
import { generation, generationWithSteps, multiClass, singleClass, XSS } from './fixtures.ts';

describe('view model', () => {
  it('picks the view from the output', () => {
    expect(viewKind(singleClass())).toBe('single-class');
    expect(viewKind(multiClass())).toBe('multi-class');
    expect(viewKind(generation())).toBe('generation');
  });
  it('names classes by class id: array, record, model labels, then #id', () => {
    const out = multiClass();
    expect(className(out, 1, ['negative', 'positive'])).toBe('positive');
    expect(className(out, 0, { 0: 'NEG' })).toBe('NEG');
    expect(className(out, 2, { 0: 'NEG' })).toBe('neutral');
    delete out.classes;
    expect(className(out, 2)).toBe('#2');
    out.targets = [5, 7, 9];
    expect(className(out, 1, ['a', 'b'])).toBe('#7');
  });
  it('finds the dominant (largest positive) row of each unit', () => {
    expect(dominantRows(multiClass())).toEqual([0, 1, 2, -1]);
  });
  it('splits generation columns and hides the output and later ones', () => {
    const out = generation();
    expect(generationLayout(out)).toEqual({ nPrompt: 3, nOutputs: 3 });
    expect([0, 1, 2, 3, 4, 5].map((c) => generationCellValue(out, 2, c))).toEqual([-8, 1, 0, 2, 6, Number.NaN]);
    expect([0, 1, 2, 3, 4, 5].map((c) => generationCellValue(out, 0, c))).toEqual([1, 2, 4, NaN, NaN, NaN]);
    // even a (malformed) finite value at the output itself is not shown
    out.attributions[1]![4] = 5;
    expect(generationCellValue(out, 1, 4)).toBeNaN();
  });
  it('validation names what is wrong', () => {
    expect(() => validateOutput(null)).toThrow(/expected an object/);
    expect(() => validateOutput({ ...singleClass(), elements: 'abc' })).toThrow(/elements must be an array of strings/);
    expect(() => validateOutput({ ...singleClass(), modelTask: 'tagging' })).toThrow(
      /modelTask must be 'classification' or 'generation', got "tagging"/,
    );
    const gen = generation();
    gen.attributions = Array(7).fill(Array(6).fill(0));
    expect(() => validateOutput(gen)).toThrow(/7 rows for 6 elements/);
  });
});

describe('step cells', () => {
  it('one cell per generated unit, the product of its tokens, null without step scores', () => {
    expect(generationStepCells(generation())).toBeNull();
    expect(generationStepCells(singleClass())).toBeNull();
    const cells = generationStepCells(generationWithSteps())!;
    expect(cells.map((c) => c.probability)).toEqual([0.5, 0.25, 0.8]);
    expect(cells.map((c) => c.ranks)).toEqual([[1], [2], [1]]);
    // A unit of two tokens: joint probability, one line per token.
    const two = generationWithSteps();
    two.attributions = two.attributions.slice(0, 2).map((r) => r.slice(0, 5));
    two.elements = ['Roses', ' are', ' red', ',', ' the sky'];
    two.inputs.targetUnitTokens = [[3], [4, 5]];
    const [, joint] = generationStepCells(two)!;
    expect(joint!.probability).toBeCloseTo(0.25 * 0.8, 12);
    expect(joint!.detail.split('\n')).toHaveLength(2);
  });
});

describe('metric curves', () => {
  it('AUC is the trapezoid area over evenly spread steps', () => {
    expect(curveAUC([1, 0.5, 0])).toBeCloseTo(0.5, 12);
    expect(curveAUC([1, 1, 1, 1])).toBe(1);
    expect(curveAUC([0, 1])).toBe(0.5);
    // uneven: steps 0..3, values 1, 0, 0, 0 -> area (0.5 + 0 + 0) / 3
    expect(curveAUC([1, 0, 0, 0])).toBeCloseTo(1 / 6, 12);
    expect(curveAUC([0.7])).toBeNaN();
  });
  it('maps steps to x and probabilities [0, 1] to y', () => {
    const g = curvePlot([[0, 0.5, 1]], 360, 220);
    const pts = g.polylines[0]!.split(' ').map((p) => p.split(',').map(Number));
    expect(pts[0]).toEqual([g.left, g.bottom]);
    expect(pts[1]).toEqual([(g.left + g.right) / 2, (g.top + g.bottom) / 2]);
    expect(pts[2]).toEqual([g.right, g.top]);
    expect(g.yMin).toBe(0);
    expect(g.yMax).toBe(1);
    expect(curvePlot([[-1, 2]]).yMin).toBe(-1);
  });
  it('draws one polyline per row, with the AUC, escaping row names', () => {
    const s = curveToSVG(
      {
        auc: 0.4321,
        detailedScores: [
          [
            [1, 0.5, 0],
            [0.2, 0.1, 0],
          ],
        ],
      },
      { metric: 'Deletion', rowNames: [XSS, 'b'] },
    );
    expect(s.match(/<polyline /g)).toHaveLength(2);
    expect(s).toContain('Deletion AUC 0.432 (lower is better)');
    expect(s).not.toContain(XSS);
    expect(s).toContain('&lt;img src=x onerror=alert(1)&gt;: AUC 0.500');
    expect(() => curveToSVG({ auc: 0.1, detailedScores: [] }, { inputIndex: 0 })).toThrow(
      /inputIndex 0 does not exist/,
    );
    expect(() => curveToSVG({ auc: 0.1 } as never)).toThrow(/detailedScores/);
  });
  it('checks every option before it goes into the SVG (issue 14: a string width once ran a script)', () => {
    const r = { auc: 0.5, detailedScores: [[[1, 0.5, 0]]] };
    expect(() => curveToSVG(r, { width: '300"><script>alert(1)</script>' as never })).toThrow(
      /width must be a number in \[120, 8000\]/,
    );
    expect(() => curveToSVG(r, { height: Number.NaN })).toThrow(/height must be a number/);
    expect(() => curveToSVG(r, { inputIndex: 0.5 })).toThrow(/inputIndex must be an integer/);
    expect(() => curveToSVG(r, { metric: 'AUC' as never })).toThrow(/metric must be 'Insertion' or 'Deletion'/);
    expect(() => curveToSVG(r, { rowNames: [1] as never })).toThrow(/rowNames must be an array of strings/);
    expect(() => curveToSVG(r, { theme: '__proto__' as never })).toThrow(/Unknown theme "__proto__"/);
    // A control character in a row name comes out as a visible picture: the SVG stays well-formed XML.
    const s = curveToSVG(
      {
        auc: 0.5,
        detailedScores: [
          [
            [1, 0],
            [0, 1],
          ],
        ],
      },
      { rowNames: ['a\u0000', 'b'] },
    );
    expect(s).toContain('a\u2400: 0.500');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for it
    expect(s).not.toMatch(/\u0000/);
  });
  it('draws row i in the colour row i has in the dominant-class view (never red/blue, the signs of scores)', () => {
    const s = curveToSVG(
      {
        auc: 0.5,
        detailedScores: [
          [
            [1, 0],
            [0, 1],
          ],
        ],
      },
      { rowNames: ['negative', 'positive'] },
    );
    const strokes = [...s.matchAll(/<polyline [^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(strokes).toEqual([hexString(classColor(0)), hexString(classColor(1))]);
    expect(strokes).not.toContain(hexString(PALETTES.light.positive));
    expect(strokes).not.toContain(hexString(PALETTES.light.negative));
  });
});
