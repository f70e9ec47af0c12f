// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cellColor, classColor, matrixBound, rgbString, rowBounds } from '../src/color.ts';
import {
  type InterpretoCurve,
  InterpretoGeneration,
  InterpretoMultiClass,
  InterpretoSingleClass,
  plotAttributions,
  toSVG,
  type InterpretoViewBase,
} from '../src/index.ts';
import { baseStyles } from '../src/components/styles.ts';
import { generation, generationWithSteps, gpt2Spaced, multiClass, singleClass, wordPiece, XSS } from './fixtures.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

async function mount<T extends HTMLElement & { updateComplete: Promise<boolean> }>(el: T): Promise<T> {
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const units = (el: HTMLElement, group = 'units') => [
  ...el.shadowRoot!.querySelectorAll<HTMLButtonElement>(`button.unit[data-group="${group}"]`),
];
/** The cell's background, or null when it is uncoloured. */
const bg = (b: Element) => {
  const m = b
    .getAttribute('style')
    ?.match(/background-color:\s*([^;]+)/)?.[1]
    ?.trim();
  return !m || m === 'transparent' ? null : m;
};
/** The cell's text colour. */
const fg = (b: Element) =>
  b
    .getAttribute('style')
    ?.match(/(?:^|;)\s*color:\s*([^;]+)/)?.[1]
    ?.trim();
const events = (el: HTMLElement, type: string) => {
  const seen: unknown[] = [];
  el.addEventListener(type, (e) => seen.push((e as CustomEvent).detail));
  return seen;
};

describe('text in every script', () => {
  it('draws CJK, emoji sequences, RTL and combining text as core gives it, nothing replaced', async () => {
    // Elements as core builds them for this text (GPT-2, TOKEN granularity: "这" spans two byte-level tokens).
    const elements = ['I', ' loved', ' 🎬', '这', '部', ' 👨\u200d👩\u200d👧', ' שלום', ' e\u0301’', '\u0007'];
    const out = {
      ...singleClass(),
      elements,
      attributions: [elements.map((_, i) => i / 4 - 1)],
      inputs: {
        inputIds: elements.map((_, i) => i),
        attentionMask: elements.map(() => 1),
        units: { unitOfToken: elements.map((_, i) => i), nUnits: elements.length },
        replaceTokenId: 0,
      },
    };
    const el = await mount(plotAttributions(out));
    expect(units(el).map((b) => b.textContent)).toEqual(elements);
    expect(el.shadowRoot!.querySelector('.units')!.textContent).toBe(elements.join(''));
    expect(el.shadowRoot!.textContent).not.toContain('\uFFFD');
  });
});

describe('spaceBefore', () => {
  const shown = (el: HTMLElement, sel = '.units') => el.shadowRoot!.querySelector(sel)!.textContent;

  it('single-class: WordPiece words are drawn with spaces, GPT-2 units without doubled spaces', async () => {
    expect(shown(await mount(plotAttributions(wordPiece())))).toBe('this is the best');
    expect(shown(await mount(plotAttributions(gpt2Spaced())))).toBe(['I', ' love', ` ${XSS}`, ' it'].join(''));
    expect(shown(await mount(plotAttributions({ ...wordPiece(), spaceBefore: undefined })))).toBe('thisisthebest');
  });

  it('multi-class and generation views put the spaces in too', async () => {
    const multi = {
      ...wordPiece(),
      attributions: [
        [1, 2, 3, 4],
        [4, 3, 2, 1],
      ],
      targets: [0, 1],
    };
    expect(shown(await mount(plotAttributions(multi)), '.units[aria-label="Attributions"]')).toBe('this is the best');
    const gen = {
      ...wordPiece(),
      modelTask: 'generation' as const,
      attributions: [
        [0.1, 0.2, Number.NaN, Number.NaN],
        [0.3, 0.1, 0.2, Number.NaN],
      ],
    };
    const el = await mount(plotAttributions(gen));
    expect(shown(el, '.units[aria-label="Prompt units"]')).toBe('this is');
    expect(shown(el, '.units[role="toolbar"]')).toBe('the best');
  });
});

describe('plotAttributions', () => {
  it('picks the element for each kind of output', () => {
    expect(plotAttributions(singleClass())).toBeInstanceOf(InterpretoSingleClass);
    expect(plotAttributions(multiClass())).toBeInstanceOf(InterpretoMultiClass);
    expect(plotAttributions(generation())).toBeInstanceOf(InterpretoGeneration);
    expect(plotAttributions(generation()).tagName.toLowerCase()).toBe('interpreto-generation');
  });
  it('refuses malformed outputs and unknown themes with a clear error', () => {
    expect(() => plotAttributions({ ...singleClass(), attributions: [[1]] })).toThrow(
      /has 1 cells but there are 4 elements/,
    );
    expect(() => plotAttributions(singleClass(), { theme: 'blue' as 'dark' })).toThrow(/Unknown theme "blue"/);
  });
  it('reflects the theme attribute and recolours for it', async () => {
    const el = await mount(plotAttributions(singleClass(), { theme: 'dark' }));
    expect(el.getAttribute('theme')).toBe('dark');
    expect(bg(units(el)[0]!)).toBe(cellColor(0.5, 2, 'dark').background);
    el.theme = 'light';
    await el.updateComplete;
    expect(el.getAttribute('theme')).toBe('light');
    expect(fg(units(el)[0]!)).toBe(cellColor(0.5, 2, 'light').color);
    expect(fg(units(el)[1]!)).toBe('rgb(255, 255, 255)');
    el.setAttribute('theme', 'sepia');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role="alert"]')?.textContent).toContain(`unknown theme "sepia"`);
    el.setAttribute('theme', 'dark');
    await el.updateComplete;
    expect(units(el)).toHaveLength(4);
  });
});

describe('single-class view', () => {
  it('renders one unit per element, as text, with colour, tooltip and label', async () => {
    const out = singleClass();
    const el = await mount(plotAttributions(out, { classesNames: ['negative', 'positive'] }));
    const us = units(el);
    expect(us).toHaveLength(out.elements.length);
    expect(us.map((u) => u.textContent)).toEqual(out.elements);
    // the markup-looking token is text: no element was created from it
    expect(el.shadowRoot!.querySelector('img')).toBeNull();
    expect(document.querySelector('img')).toBeNull();
    expect(us[2]!.children).toHaveLength(0);
    expect(us[2]!.textContent).toBe(` ${XSS}`);
    expect(us[2]!.getAttribute('aria-label')).toBe(`" ${XSS}": -1.000`);
    expect(us[2]!.title).toBe('-1.000');
    expect(us.map(bg)).toEqual(out.attributions[0]!.map((v) => cellColor(v, 2).background));
    expect(fg(us[1]!)).toBe('rgb(255, 255, 255)'); // strongest cell: white text
    expect(fg(us[0]!)).toBe('rgb(17, 17, 17)');
    expect(el.shadowRoot!.textContent).toContain('Class: positive');
    // GPT-2 leading spaces stay visible
    expect(baseStyles.cssText).toMatch(/\.unit\s*{[^}]*white-space:\s*pre-wrap/);
  });

  it('arrow keys move a roving focus between units; activation fires interpreto-unit-select', async () => {
    const el = await mount(plotAttributions(singleClass()));
    const us = units(el);
    expect(us.map((u) => u.tabIndex)).toEqual([0, -1, -1, -1]);
    us[0]!.focus();
    us[0]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).toBe(us[1]);
    expect(units(el).map((u) => u.tabIndex)).toEqual([-1, 0, -1, -1]);
    us[1]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).toBe(us[3]);
    const seen = events(el, 'interpreto-unit-select');
    us[3]!.click();
    expect(seen).toEqual([{ index: 3, text: ' it', value: 0 }]);
  });

  it('export buttons hand over the current view (cancelable interpreto-export)', async () => {
    const el = await mount(plotAttributions(singleClass()));
    const got = new Promise<{ format: string; blob: Blob; filename: string }>((resolve) =>
      el.addEventListener('interpreto-export', (e) => {
        e.preventDefault();
        resolve((e as CustomEvent).detail);
      }),
    );
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[data-export="svg"]')!.click();
    const d = await got;
    expect(d.format).toBe('svg');
    expect(d.filename).toBe('occlusion.svg');
    expect(await d.blob.text()).toBe(toSVG(singleClass(), { row: 0, theme: 'light' }));
  });
});

describe('multi-class view', () => {
  const names = ['negative', 'positive', 'neutral'];
  const bounds = rowBounds(multiClass().attributions); // [4, 1, 0.5]
  const rowColours = (r: number) => multiClass().attributions[r]!.map((v) => cellColor(v, bounds[r]!).background);
  // Each unit in its dominant class's hue (not red, which means "positive"), opacity by that class's bound.
  const dominantColours = [
    cellColor(4, 4, 'light', { unsigned: true, hue: classColor(0) }).background,
    cellColor(1, 1, 'light', { unsigned: true, hue: classColor(1) }).background,
    cellColor(0.25, 0.5, 'light', { unsigned: true, hue: classColor(2) }).background,
    null,
  ];
  const chips = (el: HTMLElement) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button.chip')];
  const pressed = (el: HTMLElement) => chips(el).map((c) => c.getAttribute('aria-pressed'));

  it('defaults to the dominant class of each unit', async () => {
    const el = await mount(plotAttributions(multiClass(), { classesNames: names }));
    expect(units(el)).toHaveLength(4);
    expect(chips(el).map((c) => c.textContent)).toEqual(names);
    expect(units(el).map(bg)).toEqual(dominantColours);
    expect(units(el)[0]!.title).toBe('4.000 (dominant: negative)');
    expect(units(el)[3]!.title).toBe('n/a (no positive class)');
    expect(el.shadowRoot!.querySelector('img')).toBeNull();
    expect(units(el)[2]!.textContent).toBe(` ${XSS}`);
  });

  it('hover previews, click selects, one selection at a time, hover never overrides it', async () => {
    const el = (await mount(plotAttributions(multiClass(), { classesNames: names }))) as InterpretoMultiClass;
    const previews = events(el, 'interpreto-preview');
    const selects = events(el, 'interpreto-select');
    const hover = async (i: number | null, leave?: number) => {
      if (leave !== undefined) chips(el)[leave]!.dispatchEvent(new MouseEvent('mouseleave'));
      if (i !== null) chips(el)[i]!.dispatchEvent(new MouseEvent('mouseenter'));
      await el.updateComplete;
    };
    await hover(1);
    expect(units(el).map(bg)).toEqual(rowColours(1));
    expect(previews).toEqual([{ row: 1 }]);
    expect(pressed(el)).toEqual(['false', 'false', 'false']);
    await hover(null, 1);
    expect(units(el).map(bg)).toEqual(dominantColours);

    chips(el)[2]!.click();
    await el.updateComplete;
    expect(el.selectedRow).toBe(2);
    expect(pressed(el)).toEqual(['false', 'false', 'true']);
    expect(units(el).map(bg)).toEqual(rowColours(2));
    expect(fg(units(el)[3]!)).toBe('inherit'); // NaN cell of row 2: uncoloured, theme text
    expect(selects.at(-1)).toEqual({ row: 2, classId: 2, className: 'neutral' });

    await hover(0); // hover does not override the selection
    expect(units(el).map(bg)).toEqual(rowColours(2));
    await hover(null, 0);

    chips(el)[0]!.click(); // selecting another class replaces the selection
    await el.updateComplete;
    expect(pressed(el)).toEqual(['true', 'false', 'false']);
    expect(units(el).map(bg)).toEqual(rowColours(0));

    chips(el)[0]!.click(); // clicking it again clears it: back to the dominant view
    await el.updateComplete;
    expect(pressed(el)).toEqual(['false', 'false', 'false']);
    expect(units(el).map(bg)).toEqual(dominantColours);
    expect(selects.at(-1)).toEqual({ row: null, classId: null, className: null });
  });

  it('exports what is on screen', async () => {
    const el = (await mount(plotAttributions(multiClass(), { classesNames: names }))) as InterpretoMultiClass;
    expect(await (await el.exportAs('svg')).text()).toBe(toSVG(multiClass(), { row: 'dominant', classesNames: names }));
    chips(el)[1]!.click();
    await el.updateComplete;
    const svg = await (await el.exportAs('svg')).text();
    expect(svg).toBe(toSVG(multiClass(), { row: 1, classesNames: names }));
    expect(svg).toContain('Class: positive');
  });
});

describe('generation view', () => {
  const out = generation();
  const bound = matrixBound(out.attributions); // 8
  const expected = (r: number) =>
    out.attributions[r]!.map((v, c) => (c < 3 + r ? cellColor(v, bound).background : null));
  const all = (el: HTMLElement) => [...units(el, 'prompt'), ...units(el, 'outputs')];

  it('shows prompt and generated units as buttons, uncoloured until one is chosen', async () => {
    const el = await mount(plotAttributions(out));
    expect(units(el, 'prompt').map((u) => u.textContent)).toEqual(['Roses', ' are', ' red']);
    expect(units(el, 'outputs').map((u) => u.textContent)).toEqual([',', ' the', ' sky']);
    expect(all(el)).toHaveLength(out.elements.length);
    expect(all(el).map(bg)).toEqual([null, null, null, null, null, null]);
  });

  it('hovering or clicking output i colours the prompt and outputs before i with row i only', async () => {
    const el = (await mount(plotAttributions(out))) as InterpretoGeneration;
    const outs = () => units(el, 'outputs');
    outs()[1]!.dispatchEvent(new MouseEvent('mouseenter'));
    await el.updateComplete;
    expect(all(el).map(bg)).toEqual(expected(1));
    expect(outs().map((o) => o.classList.contains('target'))).toEqual([false, true, false]);
    outs()[1]!.dispatchEvent(new MouseEvent('mouseleave'));
    await el.updateComplete;
    expect(all(el).map(bg)).toEqual([null, null, null, null, null, null]);

    const selects = events(el, 'interpreto-select');
    outs()[2]!.click();
    await el.updateComplete;
    expect(all(el).map(bg)).toEqual(expected(2));
    expect(bg(units(el, 'prompt')[0]!)).toBe(cellColor(-8, 8).background); // strongest negative: full blue
    expect(selects).toEqual([{ row: 2, text: ' sky' }]);
    expect(outs().map((o) => o.getAttribute('aria-pressed'))).toEqual(['false', 'false', 'true']);
    outs()[0]!.dispatchEvent(new MouseEvent('mouseenter'));
    await el.updateComplete;
    expect(all(el).map(bg)).toEqual(expected(2)); // hover does not override the selection
  });

  it('never colours the chosen output or later ones, even if their cells hold numbers', async () => {
    const bad = generation();
    bad.attributions[0] = [1, 2, 4, 7, 7, 7];
    const el = await mount(plotAttributions(bad));
    units(el, 'outputs')[0]!.click();
    await el.updateComplete;
    expect(all(el).map(bg).slice(3)).toEqual([null, null, null]);
    expect(all(el).map(bg).slice(0, 3)).toEqual([1, 2, 4].map((v) => cellColor(v, 8).background));
  });

  it('arrow keys move between generated units, and a new output resets the view', async () => {
    const el = (await mount(plotAttributions(out))) as InterpretoGeneration;
    const outs = units(el, 'outputs');
    outs[0]!.focus();
    outs[0]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).toBe(outs[1]);
    outs[1]!.click();
    await el.updateComplete;
    expect(el.selectedRow).toBe(1);
    (el as InterpretoViewBase).output = generation();
    await el.updateComplete;
    expect(el.selectedRow).toBeNull();
  });
});

describe('generation view: step scores', () => {
  const steps = (el: HTMLElement) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="step"]')];

  it('a probability row under the generated units, top-k and rank in each cell title', async () => {
    const el = (await mount(plotAttributions(generationWithSteps()))) as InterpretoGeneration;
    expect(steps(el).map((s) => s.textContent)).toEqual(['50.0%', '25.0%', '80.0%']);
    expect(steps(el)[1]!.title).toBe('" the": 25.0%, rank 2; top: " a" 50.0%, " the" 25.0%');
    expect(steps(el)[2]!.title).toBe('" sky": 80.0%, rank 1; top: " sky" 80.0%, " sea" 10.0%');
    expect(steps(el).map((s) => s.classList.contains('not-greedy'))).toEqual([false, true, false]);
    // Hovering a cell previews its unit, as hovering the unit does.
    steps(el)[2]!.dispatchEvent(new MouseEvent('mouseenter'));
    await el.updateComplete;
    expect(units(el, 'outputs').map((o) => o.classList.contains('target'))).toEqual([false, false, true]);
    expect(steps(el).map((s) => s.classList.contains('target'))).toEqual([false, false, true]);
  });

  it('no row for an output without step scores', async () => {
    const el = await mount(plotAttributions(generation()));
    expect(steps(el)).toEqual([]);
    expect(el.shadowRoot!.querySelector('[part="steps"]')).toBeNull();
  });
});

describe('curve', () => {
  it('draws one line per target row with the AUC', async () => {
    const el = document.createElement('interpreto-curve') as InterpretoCurve;
    el.result = {
      auc: 0.375,
      detailedScores: [
        [
          [1, 0.5, 0],
          [0.5, 0.25, 0],
        ],
      ],
    };
    el.metric = 'Deletion';
    el.rowNames = [XSS, 'b'];
    await mount(el);
    expect(el.shadowRoot!.querySelectorAll('polyline.curve')).toHaveLength(2);
    expect(el.shadowRoot!.textContent).toContain('Deletion AUC 0.375');
    expect(el.shadowRoot!.textContent).toContain(`${XSS}: AUC 0.500`);
    expect(el.shadowRoot!.querySelector('img')).toBeNull();
    const svg = await (await el.exportAs('svg')).text();
    expect(svg).toContain('Deletion AUC 0.375 (lower is better)');
  });
});

describe('colour bar, one-sided scale, noise floor and values', () => {
  const legend = (el: HTMLElement) => el.shadowRoot!.querySelector('[part~="legend"], [part~="flat"]')!.textContent!;

  it('the legend has a colour bar with the bound, signed or one-sided as the output says', async () => {
    const signed = await mount(plotAttributions(singleClass()));
    const bar = signed.shadowRoot!.querySelector<HTMLElement>('[part="colour-bar"]')!;
    expect(bar.dataset.bound).toBe('2');
    expect(bar.dataset.unsigned).toBe('false');
    expect(bar.textContent!.replace(/\s+/g, ' ').trim()).toBe('-2+2');
    expect(legend(signed)).toContain('red: positive, blue: negative; full colour at ±2 (bound per class)');
    const unsignedOut = { ...singleClass(), attributions: [[0.5, 2, 1, 0]], unsigned: true };
    const el = await mount(plotAttributions(unsignedOut));
    const ubar = el.shadowRoot!.querySelector<HTMLElement>('[part="colour-bar"]')!;
    expect(ubar.dataset.unsigned).toBe('true');
    expect(legend(el)).toContain('one-sided: this method gives magnitudes, not signs');
    expect(legend(el)).not.toContain('red');
    // Every unit in the magnitude hue, none red.
    expect(units(el).map(bg).filter(Boolean)).toEqual([
      cellColor(0.5, 2, 'light', { unsigned: true }).background,
      cellColor(2, 2, 'light', { unsigned: true }).background,
      cellColor(1, 2, 'light', { unsigned: true }).background,
      cellColor(0, 2, 'light', { unsigned: true }).background,
    ]);
  });

  it('a row of float error is drawn uncoloured, with a notice that it is flat', async () => {
    const el = await mount(plotAttributions({ ...singleClass(), attributions: [[9e-11, -4e-11, 2e-12, 0]] }));
    // Opacity 0 everywhere: nothing painted.
    expect(units(el).map((u) => bg(u)?.endsWith(', 0)') ?? true)).toEqual([true, true, true, true]);
    const flat = el.shadowRoot!.querySelector('[part="flat"]')!;
    expect(flat.getAttribute('role')).toBe('note');
    expect(flat.textContent).toContain('Flat: every score is within ±1.0e-6 of 0');
    // noise-floor 0: the raw values are drawn again, the largest full colour.
    el.setAttribute('noise-floor', '0');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="flat"]')).toBeNull();
    expect(bg(units(el)[0]!)).toBe(cellColor(1, 1).background);
  });

  it('show-values prints each score in its cell; scale-mode output/shared change the bound', async () => {
    const el = (await mount(plotAttributions(multiClass()))) as InterpretoMultiClass;
    el.showValues = true;
    el.selectedRow = 1;
    await el.updateComplete;
    expect([...el.shadowRoot!.querySelectorAll('[part="value"]')].map((v) => v.textContent)).toEqual([
      '0.5',
      '1',
      '-0.5',
      '0',
    ]);
    expect(bg(units(el)[1]!)).toBe(cellColor(1, 1).background);
    el.scaleMode = 'output';
    await el.updateComplete;
    expect(bg(units(el)[1]!)).toBe(cellColor(1, 4).background);
    el.scaleMode = 'shared';
    el.sharedBound = 10;
    await el.updateComplete;
    expect(bg(units(el)[1]!)).toBe(cellColor(1, 10).background);
    el.scaleMode = 'shared';
    el.sharedBound = undefined;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="error"]')!.textContent).toMatch(/sharedBound/);
  });

  it('the dominant view names every class with its hue, visible without hovering', async () => {
    const el = await mount(plotAttributions(multiClass(), { classesNames: ['negative', 'positive', 'neutral'] }));
    const keys = [...el.shadowRoot!.querySelectorAll('.class-key')];
    expect(keys.map((k) => k.textContent!.trim())).toEqual(['negative', 'positive', 'neutral']);
    expect(keys.map((k) => k.querySelector<HTMLElement>('.swatch')!.getAttribute('style'))).toEqual(
      [0, 1, 2].map((r) => `background:${rgbString(classColor(r))}`),
    );
    // The class buttons carry the same swatch.
    expect(el.shadowRoot!.querySelector('button.chip .swatch')!.getAttribute('style')).toBe(
      `background:${rgbString(classColor(0))}`,
    );
  });
});

describe('generation matrix', () => {
  it('one row per unit, one column per generated unit, a number in each cell, NaN cells marked, probabilities', async () => {
    const el = (await mount(plotAttributions(generationWithSteps()))) as InterpretoGeneration;
    el.shadowRoot!.querySelector<HTMLButtonElement>('[data-mode="matrix"]')!.click();
    await el.updateComplete;
    expect(el.mode).toBe('matrix');
    const table = el.shadowRoot!.querySelector('table[part="matrix"]')!;
    const head = [...table.querySelectorAll('thead th')].map((t) => t.textContent);
    expect(head).toEqual(['units ↓ generated →', ',', ' the', ' sky']);
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Roses', '1', '0.5', '-8'],
      [' are', '2', '-1', '1'],
      [' red', '4', '2', '0'],
      [',', '·', '3', '2'],
      [' the', '·', '·', '6'],
      [' sky', '·', '·', '·'],
    ]);
    expect(table.querySelectorAll('td.nan')).toHaveLength(6);
    // The colour of cell (unit 0, generated 2) is -8 on the matrix bound 8: full blue.
    const cell = table.querySelector('tbody tr td:nth-child(4)')!;
    expect(bg(cell)).toBe(cellColor(-8, 8).background);
    const prob = [...table.querySelectorAll('tfoot tr.prob-row td')].map((t) => t.textContent);
    expect(prob).toEqual(['50.0%', '25.0%', '80.0%']);
    expect(el.shadowRoot!.querySelector('[part="colour-bar"]')).not.toBeNull();
  });
});

describe('<interpreto-score-table>', () => {
  it('lists every unit with its scores and sorts by a column header (again to reverse)', async () => {
    const el = document.createElement('interpreto-score-table');
    el.output = multiClass();
    el.classesNames = ['negative', 'positive', 'neutral'];
    await mount(el);
    const sorts = events(el, 'interpreto-sort');
    const order = () =>
      [...el.shadowRoot!.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('td.text')!.textContent);
    expect(order()).toEqual(['good', ' bad', ` ${XSS}`, ' movie']);
    const headers = [...el.shadowRoot!.querySelectorAll('thead th')];
    expect(headers.map((h) => h.textContent)).toEqual(['# ▲', 'unit', 'negative', 'positive', 'neutral']);
    headers[4]!.querySelector('button')!.click();
    await el.updateComplete;
    expect(order()).toEqual([' bad', ` ${XSS}`, 'good', ' movie']);
    expect(el.shadowRoot!.querySelectorAll('thead th')[4]!.getAttribute('aria-sort')).toBe('descending');
    el.shadowRoot!.querySelectorAll('thead th')[4]!.querySelector('button')!.click();
    await el.updateComplete;
    expect(order()).toEqual(['good', ` ${XSS}`, ' bad', ' movie']);
    expect(sorts).toEqual([
      { key: 2, direction: 'descending' },
      { key: 2, direction: 'ascending' },
    ]);
    const firstRow = [...el.shadowRoot!.querySelectorAll('tbody tr')[0]!.querySelectorAll('td')];
    expect(firstRow.map((t) => t.textContent)).toEqual(['1', 'good', '4', '0.5', '-0.5']);
    expect(bg(firstRow[2]!)).toBe(cellColor(4, 4).background);
    expect(el.shadowRoot!.querySelector('img')).toBeNull();
  });
});

describe('<interpreto-compare>', () => {
  const methodA = () => singleClass();
  const methodB = () => ({ ...singleClass(), method: 'Saliency', attributions: [[1, 4, 0.5, 0]], unsigned: true });

  it('one row per method, the same units as columns, on one shared bound', async () => {
    const el = document.createElement('interpreto-compare');
    el.outputs = [methodA(), methodB()];
    el.showValues = true;
    await mount(el);
    const table = el.shadowRoot!.querySelector('table[part="table"]')!;
    expect([...table.querySelectorAll('thead th')].map((t) => t.textContent)).toEqual([
      'method',
      'I',
      ' love',
      ` ${XSS}`,
      ' it',
    ]);
    const rows = [...table.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-method'))).toEqual(['Occlusion', 'Saliency']);
    expect([...rows[0]!.querySelectorAll('td')].map((t) => t.textContent)).toEqual(['0.5', '2', '-1', '0']);
    // Shared bound 4: Occlusion's 2 is half colour; Saliency (unsigned) in the magnitude hue.
    expect(bg(rows[0]!.querySelectorAll('td')[1]!)).toBe(cellColor(2, 4).background);
    expect(bg(rows[1]!.querySelectorAll('td')[1]!)).toBe(cellColor(4, 4, 'light', { unsigned: true }).background);
    const bars = [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="colour-bar"]')];
    expect(bars.map((b) => [b.dataset.bound, b.dataset.unsigned])).toEqual([
      ['4', 'false'],
      ['4', 'true'],
    ]);
    el.scaleMode = 'row';
    await el.updateComplete;
    expect(bg(el.shadowRoot!.querySelectorAll('tbody tr')[0]!.querySelectorAll('td')[1]!)).toBe(
      cellColor(2, 2).background,
    );
  });

  it('refuses outputs whose units differ, saying what to do', async () => {
    const el = document.createElement('interpreto-compare');
    el.outputs = [methodA(), { ...methodB(), elements: ['a', 'b', 'c', 'd'] }];
    const errors = events(el, 'interpreto-error');
    await mount(el);
    expect(errors).toHaveLength(1);
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).toMatch(
      /outputs\[1\] \(Saliency\) has other units than outputs\[0\] \(Occlusion\): compare outputs of the same text/,
    );
  });
});
