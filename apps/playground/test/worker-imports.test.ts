/**
 * The worker has no DOM: a module that loads Lit (which defines classes extending HTMLElement) breaks it at start
 * ("HTMLElement is not defined") and the page never becomes ready. Two merges once did this through a shared
 * constant; this walks the worker's value imports (type-only imports are erased) and checks none reaches Lit.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const IMPORT =
  /^\s*import\s+(type\s+)?([^'"]*?)\s*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module the file loads at run time: relative paths followed, bare specifiers returned as they are. */
function valueImports(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const specs: string[] = [];
  seen.set(file, specs);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (m[1]) continue; // import type
    const clause = m[2];
    if (
      clause &&
      /^\{[^}]*\}$/.test(clause) &&
      clause
        .slice(1, -1)
        .split(',')
        .every((s) => /^\s*(type\s|$)/.test(s))
    )
      continue; // import { type A, type B }
    const spec = m[3] ?? m[4] ?? m[5]!;
    specs.push(spec);
    if (spec.startsWith('.')) valueImports(resolve(dirname(file), spec), seen);
  }
  return seen;
}

describe('worker imports', () => {
  it('finds the worker’s value imports (the walk itself works)', () => {
    const graph = valueImports(resolve(SRC, 'worker.ts'));
    expect([...graph.values()].flat()).toContain('onnxruntime-web/webgpu');
    // app.ts renders with Lit: the same walk must see it there, or the next check could not fail.
    const app = valueImports(resolve(SRC, 'app.ts'));
    expect([...app.values()].flat().some((s) => s === 'lit' || s.startsWith('lit/'))).toBe(true);
  });

  it('never reaches Lit or the elements package from the worker', () => {
    const graph = valueImports(resolve(SRC, 'worker.ts'));
    const offenders = [...graph].flatMap(([file, specs]) =>
      specs
        .filter((s) => s === 'lit' || s.startsWith('lit/') || s.startsWith('@interpreto-js/elements'))
        .map((s) => `${file.slice(SRC.length + 1)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });
});
