/** docs/methods.md is the registry's rendering: a stale page fails here with the command that regenerates it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../packages/core/src/registry/data.ts';
import { METHODS_DOC_PATH, REGENERATE_COMMAND, renderMethodsDoc } from './methods-doc.ts';

describe('docs/methods.md', () => {
  it('is what the registry renders', () => {
    const committed = readFileSync(METHODS_DOC_PATH, 'utf8');
    const generated = renderMethodsDoc();
    expect(
      committed === generated,
      `docs/methods.md is out of date with the option registry: run \`${REGENERATE_COMMAND}\` and commit it.`,
    ).toBe(true);
  });

  it('has a section per method with its options and bounds', () => {
    const doc = renderMethodsDoc();
    for (const m of METHOD_NAMES) expect(doc).toContain(`## ${m}\n`);
    expect(doc).toContain('| `perturbProbability` | a finite number in (0, 1) | 0.5 |');
    expect(doc).toContain('| `kernelWidth` | a finite number > 0 | 0.75 * sqrt(G), G the number of units |');
  });
});
