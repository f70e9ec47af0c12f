// @vitest-environment happy-dom
/**
 * custom-elements.json is current and complete. Complete is judged from the components themselves,
 * not from a hand list: every registered element exported by the package, its Lit reactive
 * properties (and their attributes), and the events, CSS parts and CSS custom properties its
 * sources (its class and its base classes) dispatch, render and declare.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LitElement } from 'lit';
import { afterAll, describe, expect, it } from 'vitest';
import * as elements from '../src/index.ts';

// (import.meta.url is not a file URL under happy-dom)
const pkg = join(import.meta.dirname, '..');
const componentsDir = join(pkg, 'src', 'components');

interface Declaration {
  name: string;
  tagName?: string;
  members?: { kind: string; name: string; privacy?: string; attribute?: string }[];
  attributes?: { name: string; fieldName?: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
}
interface Manifest {
  modules: { path: string; declarations?: Declaration[] }[];
}

const committed = JSON.parse(readFileSync(join(pkg, 'custom-elements.json'), 'utf8')) as Manifest;
const byTag = new Map(
  committed.modules
    .flatMap((m) => m.declarations ?? [])
    .filter((d) => d.tagName)
    .map((d) => [d.tagName!, d]),
);

/** Source of each component class, by class name. */
const sources = new Map<string, string>();
for (const file of readdirSync(componentsDir)) {
  const text = readFileSync(join(componentsDir, file), 'utf8');
  for (const m of text.matchAll(/export (?:abstract )?class (\w+)/g)) sources.set(m[1]!, text);
}
const styles = readFileSync(join(componentsDir, 'styles.ts'), 'utf8');

/** The sources of a class and of its base classes up to LitElement. */
function chainSources(ctor: abstract new (...args: never[]) => unknown): string[] {
  const out: string[] = [];
  for (let c = ctor; c && c !== LitElement; c = Object.getPrototypeOf(c)) {
    const text = sources.get(c.name);
    if (text === undefined) throw new Error(`no source in src/components for class ${c.name}`);
    out.push(text);
  }
  return out;
}
const matches = (texts: string[], re: RegExp) => new Set(texts.flatMap((t) => [...t.matchAll(re)].map((m) => m[1]!)));
/** Events dispatched: emit('x', ...) and new CustomEvent('x', ...). */
const EVENT = /(?:\bemit|new CustomEvent)(?:<[^>(]*>)?\(\s*'([\w-]+)'/g;
/** Parts rendered in templates, and parts forwarded from an inner view (exportparts 'a, b: c'). */
const PART = /\bpart="([\w-]+)"/g;
/** Custom properties declared (`--interpreto-x:`), in the class's own styles. */
const CSS_PROP = /(--interpreto-[\w-]+)\s*:/g;

const elementClasses = (Object.values(elements) as unknown[]).filter(
  (v): v is typeof LitElement =>
    typeof v === 'function' && v.prototype instanceof LitElement && customElements.getName(v as never) !== null,
);

describe('custom-elements.json', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'interpreto-cem-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is what the analyzer generates now (run `pnpm --filter @interpreto-js/elements analyze` after changing a component)', () => {
    const cli = join(pkg, 'node_modules', '@custom-elements-manifest', 'analyzer', 'cem.js');
    execFileSync(
      process.execPath,
      [cli, 'analyze', '--config', 'custom-elements-manifest.config.mjs', '--outdir', relative(pkg, tmp), '--quiet'],
      { cwd: pkg, stdio: 'pipe' },
    );
    const fresh = JSON.parse(readFileSync(join(tmp, 'custom-elements.json'), 'utf8'));
    expect(fresh).toEqual(committed);
    // tools find it through package.json (and the analyzer left that field alone)
    expect(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).customElements).toBe('custom-elements.json');
  });

  it('lists every element the package registers (and exports)', () => {
    const defined = [...matches([...sources.values()], /\bdefineOnce\('([\w-]+)'/g)].sort();
    expect(defined.length).toBeGreaterThanOrEqual(5);
    expect(elementClasses.map((c) => customElements.getName(c as never)).sort()).toEqual(defined);
    for (const ctor of elementClasses) expect(byTag.get(customElements.getName(ctor as never)!)?.name).toBe(ctor.name);
    expect([...byTag.keys()].sort()).toEqual(defined);
  });

  for (const ctor of elementClasses) {
    const tag = customElements.getName(ctor as never)!;
    describe(tag, () => {
      const decl = () => byTag.get(tag)!;
      const texts = chainSources(ctor);

      it('has each public reactive property, with its attribute', () => {
        // (registered, so Lit has finalized elementProperties, inherited ones included)
        const props = [...ctor.elementProperties].filter(([name, o]) => !o.state && !String(name).startsWith('_'));
        expect(props.length).toBeGreaterThan(0);
        for (const [name, options] of props) {
          const member = decl().members?.find((m) => m.kind === 'field' && m.name === name);
          expect(member, `${tag}: property ${String(name)}`).toBeDefined();
          expect(member!.privacy ?? 'public').toBe('public');
          if (options.attribute === false) continue;
          const attribute = typeof options.attribute === 'string' ? options.attribute : String(name).toLowerCase();
          expect(
            decl().attributes?.find((a) => a.name === attribute)?.fieldName,
            `${tag}: attribute ${attribute}`,
          ).toBe(name);
        }
        // and no state listed as an attribute
        const states = [...ctor.elementProperties].filter(([, o]) => o.state).map(([n]) => String(n));
        expect((decl().attributes ?? []).filter((a) => states.includes(a.fieldName!))).toEqual([]);
      });

      it('has each event the component dispatches', () => {
        const dispatched = matches(texts, EVENT);
        expect(dispatched.size).toBeGreaterThan(0);
        const listed = new Set(decl().events?.map((e) => e.name));
        expect([...dispatched].filter((e) => !listed.has(e))).toEqual([]);
      });

      it('has each CSS part it renders and each custom property its styles declare', () => {
        const parts = matches(texts, PART);
        expect(parts.size).toBeGreaterThan(0);
        const listedParts = new Set(decl().cssParts?.map((p) => p.name));
        expect([...parts].filter((p) => !listedParts.has(p))).toEqual([]);
        const own = texts.some((t) => /\bstyles = baseStyles\b/.test(t)) ? [...texts, styles] : texts;
        const props = matches(own, CSS_PROP);
        expect(props.size).toBeGreaterThan(0);
        const listedProps = new Set(decl().cssProperties?.map((p) => p.name));
        expect([...props].filter((p) => !listedProps.has(p))).toEqual([]);
      });
    });
  }
});
