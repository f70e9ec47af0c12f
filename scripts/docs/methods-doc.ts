/**
 * Writes docs/methods.md from the core's option registry: one table per method (option, type, default, allowed
 * values, what it does), then the options of `explain` and of the metrics. The unit test beside this file fails
 * when the committed page differs from what this renders.
 *
 *   pnpm docs:methods        # regenerate docs/methods.md
 */
import { writeFileAtomic } from '../../packages/onnx-grad/src/io/files.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeAllowed,
  describeDefault,
  EXPLAIN_OPTIONS,
  GENERATION_OPTIONS,
  STOP_WHEN_OPTIONS,
  METHOD_NAMES,
  METHOD_SCHEMAS,
  METRIC_EVALUATE_OPTIONS,
  METRIC_OPTIONS,
  type OptionsSchema,
} from '../../packages/core/src/registry/data.ts';

export const METHODS_DOC_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../docs/methods.md');
export const REGENERATE_COMMAND = 'pnpm docs:methods';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(schema: OptionsSchema, owner?: string): string {
  const rows = Object.entries(schema).map(([name, spec]) => {
    const what = spec.inert ? `${spec.docs} *No effect here: ${spec.inert}.*` : spec.docs;
    return `| \`${name}\` | ${cell(describeAllowed(spec, owner))} | ${cell(describeDefault(spec) ?? '-')} | ${cell(what)} |`;
  });
  return ['| option | allowed | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page, as committed. */
export function renderMethodsDoc(): string {
  const parts = [
    '# Attribution methods and their options',
    '',
    `<!-- Generated from packages/core/src/registry/methods.ts by scripts/docs/methods-doc.ts: do not edit; run \`${REGENERATE_COMMAND}\`. -->`,
    '',
    'Every explainer is `new Method(model, tokenizer, options?)` and `explain(inputs, targets?, options?)`. Options are',
    'checked when the explainer is built: a value outside the range below, or an option name the method does not take,',
    'is an `InputError` that names the option (and the nearest valid name). Ranges: `[a, b]` includes its ends, `(a, b)`',
    'excludes them. The same registry is exported as `METHODS` by `@interpreto-js/core` (with each class) and as plain',
    'data by `@interpreto-js/core/registry`.',
    '',
    '| method | family | what it computes |',
    '|---|---|---|',
    ...METHOD_NAMES.map(
      (m) => `| [${m}](#${m.toLowerCase()}) | ${METHOD_SCHEMAS[m].family} | ${cell(METHOD_SCHEMAS[m].docs)} |`,
    ),
    '',
  ];
  for (const m of METHOD_NAMES) {
    const s = METHOD_SCHEMAS[m];
    parts.push(
      `## ${m}`,
      '',
      `${s.family === 'perturbation' ? 'Perturbation' : 'Gradient'} method. ${s.docs}`,
      '',
      table(s.options, m),
      '',
    );
  }
  parts.push(
    '## `explain(inputs, targets?, options?)`',
    '',
    table(EXPLAIN_OPTIONS),
    '',
    '`generation`:',
    '',
    table(GENERATION_OPTIONS),
    '',
    '`stopWhen` (sampling methods; see docs/spec.md, anytime results):',
    '',
    table(STOP_WHEN_OPTIONS),
    '',
    '## Metrics: `new Insertion | Deletion | AOPCComprehensiveness | AOPCSufficiency(model, tokenizer, options?)`',
    '',
    table(METRIC_OPTIONS),
    '',
    '`evaluate(attributions, options?)`:',
    '',
    table(METRIC_EVALUATE_OPTIONS),
    '',
  );
  return parts.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileAtomic(METHODS_DOC_PATH, renderMethodsDoc());
  console.log(`wrote ${METHODS_DOC_PATH}`);
}
