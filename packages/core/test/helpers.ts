/**
 * Test helpers: load generated fixture models through transformers.js, the way a user loads a local folder.
 * `@interpreto-js/core` (src/index.ts) is imported before transformers.js so both share one onnxruntime.
 */
import '../src/index.ts';
import { dirname, basename } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
} from '@huggingface/transformers';
import { ensureFixture, type FixtureName } from '../../onnx-grad/test/fixtures/index.ts';

env.allowRemoteModels = false;
env.allowLocalModels = true;

export interface Loaded {
  model: any;
  tokenizer: any;
  path: string;
}

const cache = new Map<string, Promise<Loaded>>();

export async function loadFolder(
  path: string,
  task: 'classification' | 'generation',
  options: Record<string, unknown> = {},
): Promise<Loaded> {
  env.localModelPath = `${dirname(path)}/`;
  const id = basename(path);
  const Model = task === 'classification' ? AutoModelForSequenceClassification : AutoModelForCausalLM;
  const model = await Model.from_pretrained(id, { dtype: 'fp32', ...options });
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  return { model, tokenizer, path };
}

export function loadFixture(name: FixtureName): Promise<Loaded> {
  let p = cache.get(name);
  if (!p) {
    const task = /gpt2|llama|copy-lm/.test(name) ? 'generation' : 'classification';
    p = ensureFixture(name).then((path) => loadFolder(path, task));
    cache.set(name, p);
  }
  return p;
}
