// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseClassesNames, parseOutputJSON, resolveOutput } from '../src/heatmap-input.ts';
import { type InterpretoHeatmap, toJSON, validateOutput, type InterpretoMultiClass } from '../src/index.ts';
import { generation, multiClass, singleClass } from './fixtures.ts';

// (import.meta.url is not a file URL under happy-dom)
const saved = (name: string) => readFileSync(join(import.meta.dirname, 'standalone', `${name}.json`), 'utf8');
/** The message validateOutput gives for a value (what plotAttributions throws). */
const validationMessage = (value: unknown) => {
  try {
    validateOutput(value);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an invalid output');
};

describe('parseOutputJSON / resolveOutput', () => {
  it('reads saved JSON, nulls back to NaN', () => {
    const out = parseOutputJSON(toJSON(generation()), 'x');
    expect(out.attributions[0]!.slice(3).every(Number.isNaN)).toBe(true);
    expect(out.attributions[2]![0]).toBe(-8);
  });

  it('names the source and the fix in a syntax error', () => {
    expect(() => parseOutputJSON('{"elements": [', '"data.json"')).toThrow(SyntaxError);
    expect(() => parseOutputJSON('{"elements": [', '"data.json"')).toThrow(
      /^"data\.json" is not valid JSON \(.+\)\. Give the AttributionOutput as saved by exportView/,
    );
  });

  it('gives the validation error of plotAttributions for a well-formed but invalid output', () => {
    const bad = { ...singleClass(), attributions: [[1, 2]] };
    expect(() => parseOutputJSON(JSON.stringify(bad), 'x')).toThrow(validationMessage(bad));
    expect(() => resolveOutput(bad)).toThrow(validationMessage(bad));
  });

  it('treats unset as nothing, and revives nulls of an object on a copy', () => {
    expect(resolveOutput(undefined)).toBeUndefined();
    expect(resolveOutput(null)).toBeUndefined();
    expect(resolveOutput('')).toBeUndefined();
    const parsed = JSON.parse(toJSON(generation()));
    const out = resolveOutput(parsed)!;
    expect(Number.isNaN(out.attributions[0]![5])).toBe(true);
    expect(parsed.attributions[0][5]).toBeNull();
    const plain = singleClass();
    expect(resolveOutput(plain)).toBe(plain);
  });
});

describe('parseClassesNames', () => {
  it('reads arrays and id-keyed objects, as values or JSON', () => {
    expect(parseClassesNames('["neg", "pos"]')).toEqual(['neg', 'pos']);
    expect(parseClassesNames('{"0": "neg", "2": "pos"}')).toEqual({ 0: 'neg', 2: 'pos' });
    expect(parseClassesNames(['a'])).toEqual(['a']);
    expect(parseClassesNames({ 1: 'b' })).toEqual({ 1: 'b' });
    expect(parseClassesNames(undefined)).toBeUndefined();
    expect(parseClassesNames('')).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(() => parseClassesNames('[neg, pos]')).toThrow(
      /^classes-names is not valid JSON .*: give a JSON array of names/,
    );
    expect(() => parseClassesNames('["a", 3]')).toThrow('classes-names[1] is 3, not a string');
    expect(() => parseClassesNames('{"x": "a"}')).toThrow('classes-names key "x" is not a class id');
    expect(() => parseClassesNames('{"1": 2}')).toThrow('classes-names["1"] is 2, not a string');
    expect(() => parseClassesNames('"neg"')).toThrow('classes-names must be an array or an object, got string');
    expect(() => parseClassesNames('null')).toThrow('got null');
  });
});

describe('<interpreto-heatmap>', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    vi.unstubAllGlobals();
  });

  const mount = async (markup: string) => {
    document.body.innerHTML = markup;
    const el = document.querySelector('interpreto-heatmap')!;
    await el.updateComplete;
    return el;
  };
  const viewTag = (el: InterpretoHeatmap) => el.shadowRoot!.firstElementChild?.tagName.toLowerCase() ?? null;
  const alert = (el: InterpretoHeatmap) => el.shadowRoot!.querySelector('[role="alert"]')?.textContent ?? null;
  const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/'/g, '&#39;');

  it('picks the view as plotAttributions does, from the output attribute', async () => {
    expect(
      viewTag(await mount(`<interpreto-heatmap output='${attr(toJSON(singleClass()))}'></interpreto-heatmap>`)),
    ).toBe('interpreto-single-class');
    expect(
      viewTag(await mount(`<interpreto-heatmap output='${attr(toJSON(multiClass()))}'></interpreto-heatmap>`)),
    ).toBe('interpreto-multi-class');
    const gen = await mount(`<interpreto-heatmap output='${attr(saved('generation'))}'></interpreto-heatmap>`);
    expect(viewTag(gen)).toBe('interpreto-generation');
    expect(Number.isNaN(gen.view!.output!.attributions[0]![13])).toBe(true);
  });

  it('passes classes-names and theme to the view, and follows their changes', async () => {
    const el = await mount(
      `<interpreto-heatmap theme="dark" classes-names='["a", "b", "c"]' output='${attr(toJSON(multiClass()))}'></interpreto-heatmap>`,
    );
    const view = el.view as InterpretoMultiClass;
    expect(view.theme).toBe('dark');
    expect(view.classesNames).toEqual(['a', 'b', 'c']);
    await view.updateComplete;
    expect([...view.shadowRoot!.querySelectorAll('button.chip')].map((b) => b.textContent)).toEqual(['a', 'b', 'c']);
    el.setAttribute('classes-names', '{"1": "B"}');
    el.theme = 'light';
    await el.updateComplete;
    expect(el.view).toBe(view); // same view: the selection survives
    expect(view.classesNames).toEqual({ 1: 'B' });
    expect(view.theme).toBe('light');
  });

  it('takes an object through the output property; the property replaces the attribute', async () => {
    const el = await mount(`<interpreto-heatmap output='${attr(toJSON(singleClass()))}'></interpreto-heatmap>`);
    const loads: unknown[] = [];
    el.addEventListener('interpreto-load', (e) => loads.push((e as CustomEvent).detail.output));
    const out = generation();
    el.output = out;
    await el.updateComplete;
    expect(viewTag(el)).toBe('interpreto-generation');
    expect(loads).toEqual([out]);
    expect(el.hasAttribute('output') && el.getAttribute('output')!.includes('"I"')).toBe(true); // not reflected
  });

  it('shows a visible alert, and fires interpreto-error, for malformed JSON and invalid outputs', async () => {
    const errors: string[] = [];
    document.addEventListener('interpreto-error', (e) => errors.push((e as CustomEvent).detail.error.message), {
      once: true,
    });
    const el = await mount(`<interpreto-heatmap output='{"elements": ['></interpreto-heatmap>`);
    expect(alert(el)).toMatch(/^Cannot show these attributions: the output attribute is not valid JSON/);
    expect(viewTag(el)).toBe('p');
    expect(errors).toHaveLength(1);
    const bad = { ...multiClass(), modelTask: 'regression' };
    el.output = JSON.stringify(bad);
    await el.updateComplete;
    expect(alert(el)).toBe(`Cannot show these attributions: ${validationMessage(bad)}`);
    el.output = singleClass();
    await el.updateComplete;
    expect(alert(el)).toBeNull();
    el.setAttribute('classes-names', 'neg,pos');
    await el.updateComplete;
    expect(alert(el)).toMatch(/classes-names is not valid JSON/);
    el.removeAttribute('classes-names');
    await el.updateComplete;
    expect(viewTag(el)).toBe('interpreto-single-class');
  });

  it('says so when nothing is set', async () => {
    const el = await mount('<interpreto-heatmap></interpreto-heatmap>');
    expect(el.shadowRoot!.querySelector('[part="status"]')!.textContent).toMatch(/^No attributions set/);
  });

  it('fetches src, and reports HTTP and JSON failures', async () => {
    const files: Record<string, string> = { '/ok.json': saved('classification'), '/bad.json': '{"elements":' };
    const fetchMock = vi.fn(async (url: string) =>
      url in files
        ? new Response(files[url], { status: 200 })
        : new Response('nope', { status: 404, statusText: 'Not Found' }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const loaded = new Promise<void>((resolve) =>
      document.addEventListener('interpreto-load', () => resolve(), { once: true }),
    );
    const el = await mount(
      '<interpreto-heatmap src="/ok.json" classes-names=\'["neg", "neu", "pos"]\'></interpreto-heatmap>',
    );
    await loaded;
    await el.updateComplete;
    expect(viewTag(el)).toBe('interpreto-multi-class');
    expect(el.view!.output!.elements[3]).toBe('best');

    const failed = () =>
      new Promise<void>((resolve) => el.addEventListener('interpreto-error', () => resolve(), { once: true }));
    let f = failed();
    el.src = '/missing.json';
    await f;
    await el.updateComplete;
    expect(alert(el)).toBe(
      'Cannot show these attributions: Could not load attributions from "/missing.json": HTTP 404 Not Found. Check the src URL (and that the page may fetch it).',
    );
    f = failed();
    el.src = '/bad.json';
    await f;
    await el.updateComplete;
    expect(alert(el)).toMatch(/^Cannot show these attributions: "\/bad\.json" is not valid JSON/);
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['/ok.json', '/missing.json', '/bad.json']);
  });

  it('fetches again when re-inserted while loading (the first fetch was dropped on removal)', async () => {
    const releases: ((r: Response) => void)[] = [];
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => releases.push(resolve)));
    const el = await mount('<interpreto-heatmap src="/slow.json"></interpreto-heatmap>');
    const errors: unknown[] = [];
    el.addEventListener('interpreto-error', (e) => errors.push(e));
    el.remove();
    document.body.append(el);
    expect(releases).toHaveLength(2);
    releases[0]!(new Response('not json'));
    releases[1]!(new Response(toJSON(generation())));
    await new Promise((r) => setTimeout(r, 10));
    await el.updateComplete;
    expect(viewTag(el)).toBe('interpreto-generation');
    expect(errors).toEqual([]);
  });

  it('drops a src fetch still under way when output is set', async () => {
    let release!: (r: Response) => void;
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => (release = resolve)));
    const el = await mount('<interpreto-heatmap src="/slow.json"></interpreto-heatmap>');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).toMatch(
      /^Loading attributions from \/slow\.json/,
    );
    el.output = generation();
    await el.updateComplete;
    release(new Response(toJSON(singleClass())));
    await new Promise((r) => setTimeout(r, 10));
    await el.updateComplete;
    expect(viewTag(el)).toBe('interpreto-generation');
  });
});
