/** Which explainer task a Hugging Face `config.json` describes (pure; used by the build and the worker). */
export type PlaygroundTask = 'classification' | 'generation';

export interface ModelConfigLike {
  architectures?: string[];
  model_type?: string;
  id2label?: Record<string, string>;
}

const CAUSAL_MODEL_TYPES = new Set([
  'gpt2',
  'gpt_neo',
  'gpt_neox',
  'gptj',
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
  'phi',
  'phi3',
  'gemma',
  'gemma2',
  'opt',
  'bloom',
  'falcon',
  'smollm3',
  'olmo',
  'granite',
]);

/** Returns the task, or null when the config names neither a sequence classifier nor a causal LM. */
export function taskFromConfig(config: ModelConfigLike): PlaygroundTask | null {
  for (const arch of config.architectures ?? []) {
    if (/ForSequenceClassification$/.test(arch)) return 'classification';
    if (/(ForCausalLM|LMHeadModel)$/.test(arch)) return 'generation';
  }
  if (config.model_type && CAUSAL_MODEL_TYPES.has(config.model_type)) return 'generation';
  return null;
}

/** Class names in id order from `id2label`, or undefined. */
export function labelsFromConfig(config: ModelConfigLike): string[] | undefined {
  const map = config.id2label;
  if (!map) return undefined;
  const labels = Object.entries(map)
    .map(([id, label]) => [Number(id), label] as const)
    .filter(([id]) => Number.isInteger(id))
    .sort(([a], [b]) => a - b);
  return labels.length ? labels.map(([, label]) => label) : undefined;
}
