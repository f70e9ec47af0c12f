/**
 * Shared setup of the examples: loads the default models the way a user loads a local folder with
 * transformers.js, and prints attributions as text heatmaps.
 *
 * Models: the trained defaults in public/models/ (bert-tiny-sentiment, gpt2-tiny-colours) when present, else
 * the generated test fixtures (bert-tiny-opset11, gpt2-tiny-opset13: random weights, so the explanations show
 * the API, not meaning). `@interpreto-js/core` is imported before transformers.js loads a model, so the
 * gradient methods find the very ONNX file transformers.js loaded.
 */
import '../packages/core/src/index.ts'; // = import '@interpreto-js/core' (examples run from the repo, on the source)
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
} from '@huggingface/transformers';
import type { AttributionOutput } from '../packages/core/src/index.ts';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function folder(trained: string, fixture: string): Promise<string> {
  const dir = join(root, 'public', 'models', trained);
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  const { ensureFixture } = await import('../packages/onnx-grad/test/fixtures/index.ts');
  return ensureFixture(fixture as never);
}

async function load(dir: string, task: 'classification' | 'generation') {
  env.localModelPath = `${dirname(dir)}/`;
  const id = basename(dir);
  const Model = task === 'classification' ? AutoModelForSequenceClassification : AutoModelForCausalLM;
  const model = await Model.from_pretrained(id, { dtype: 'fp32' });
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  console.log(`(model: ${dir})`);
  return { model, tokenizer };
}

export async function classifier() {
  return load(await folder('bert-tiny-sentiment', 'bert-tiny-opset11'), 'classification');
}

export async function languageModel() {
  return load(await folder('gpt2-tiny-colours', 'gpt2-tiny-opset13'), 'generation');
}

/** ANSI background: red for positive, blue for negative, stronger for larger |value| / bound. */
function paint(text: string, value: number, bound: number): string {
  if (Number.isNaN(value)) return `\x1b[2m${text}\x1b[0m`;
  const a = bound > 0 ? Math.min(1, Math.abs(value) / bound) : 0;
  const fade = (c: number) => Math.round(255 - a * (255 - c));
  const [r, g, b] = value >= 0 ? [fade(220), fade(40), fade(40)] : [fade(40), fade(90), fade(220)];
  const fg = a > 0.6 ? '255;255;255' : '0;0;0';
  return `\x1b[48;2;${r};${g};${b}m\x1b[38;2;${fg}m${text}\x1b[0m`;
}

function bar(value: number, bound: number, width = 12): string {
  if (Number.isNaN(value)) return `${' '.repeat(width)}|${' '.repeat(width)}`;
  const n = bound > 0 ? Math.round((Math.abs(value) / bound) * width) : 0;
  return value >= 0
    ? `${' '.repeat(width)}|${'+'.repeat(n).padEnd(width)}`
    : `${' '.repeat(width - n) + '-'.repeat(n)}|${' '.repeat(width)}`;
}

const bound = (rows: number[][]) =>
  Math.max(
    1e-12,
    ...rows
      .flat()
      .filter((v) => !Number.isNaN(v))
      .map(Math.abs),
  );

/** Prints one output: a coloured line per row, then signed bars (readable without colours). */
export function plotAttributions(output: AttributionOutput, classesNames?: string[] | Record<number, string>): void {
  const names = (c: number) =>
    (classesNames ? (classesNames as Record<number, string>)[c] : undefined) ?? output.classes?.[c] ?? String(c);
  console.log(
    `\n${output.method} | ${output.modelTask} | ${output.granularity} | ${output.attributedFunction ?? output.inferenceMode} | device ${output.device}${output.truncated ? ' | truncated' : ''}`,
  );
  if (output.modelTask === 'classification') {
    output.attributions.forEach((row, r) => {
      const b = bound([row]); // per class, as the elements' single-class view
      console.log(
        `class ${names(output.targets[r]!)}${output.contrast ? ` rather than ${names(output.contrast[r]!)}` : ''}: ${output.elements.map((e, i) => paint(e, row[i]!, b)).join(' ')}`,
      );
      output.elements.forEach((e, i) =>
        console.log(`  ${JSON.stringify(e).padEnd(18)} ${bar(row[i]!, b)} ${row[i]!.toFixed(3)}`),
      );
    });
    return;
  }
  const b = bound(output.attributions); // one bound over the whole matrix for generation
  const first = output.elements.length - output.attributions.length;
  output.attributions.forEach((row, r) => {
    const shown = output.elements
      .slice(0, first + r)
      .map((e, i) => paint(e, row[i]!, b))
      .join('');
    console.log(`→ ${JSON.stringify(output.elements[first + r])}: ${shown}`);
  });
}
