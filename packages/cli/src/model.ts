/**
 * Loads a model and its tokenizer with transformers.js, from a local folder (Hub layout: config.json,
 * tokenizer.json, onnx/<file>) or a Hub id, as a classifier or a causal LM according to its config, and makes
 * every onnxruntime session of this thread use `threads` intra-op threads (the workers split the cores).
 *
 * Exports: `loadModel`, `limitOrtThreads`, `LoadedModel`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import '@interpreto-js/core'; // before transformers.js loads a model: the core records the sessions' files
import * as ortNode from 'onnxruntime-node';
import {
  AutoConfig,
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
} from '@huggingface/transformers';
import type { ModelLike, TokenizerLike } from '@interpreto-js/core';

export interface LoadedModel {
  model: ModelLike;
  tokenizer: TokenizerLike;
  task: 'classification' | 'generation';
}

type Create = (model: unknown, options?: Record<string, unknown>) => Promise<unknown>;

/** Every onnxruntime-node session created from now on in this thread gets `threads` intra-op threads. */
export function limitOrtThreads(threads: number): void {
  const cls = ortNode.InferenceSession as unknown as { create: Create };
  const create = cls.create.bind(cls);
  Object.defineProperty(cls, 'create', {
    configurable: true,
    writable: true,
    value: (model: unknown, options: Record<string, unknown> = {}) =>
      create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, ...options }),
  });
}

export async function loadModel(spec: string, dtype: string): Promise<LoadedModel> {
  let id = spec;
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const dir = resolve(spec);
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = `${dirname(dir)}/`;
    id = basename(dir);
  } else if (spec.startsWith('.') || spec.startsWith('/')) {
    throw new Error(`--model ${spec}: no such folder. Give a model folder (config.json, onnx/) or a Hub id.`);
  } else env.allowRemoteModels = true;
  const config = (await AutoConfig.from_pretrained(id)) as { architectures?: string[] };
  const arch = config.architectures?.[0] ?? '';
  const task = /CausalLM|LMHeadModel/.test(arch) ? 'generation' : 'classification';
  const Model = task === 'generation' ? AutoModelForCausalLM : AutoModelForSequenceClassification;
  const model = await Model.from_pretrained(id, { dtype: dtype as 'fp32' });
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  return { model: model as unknown as ModelLike, tokenizer: tokenizer as unknown as TokenizerLike, task };
}
