/**
 * Reads the task of a transformers.js model: sequence classification or causal LM. Anything else is refused.
 *
 * Exports: `detectTask(model) -> 'classification' | 'generation'` (throws UnsupportedModelError).
 */
import type { ModelTask } from '../types.ts';
import type { HfModel } from './types.ts';

export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

interface ValueMeta {
  name: string;
  shape?: readonly (number | string)[];
}

function logitsRank(model: HfModel): number | undefined {
  const session = model.sessions?.model as unknown as
    | { outputMetadata?: ValueMeta[]; outputNames?: string[] }
    | undefined;
  const meta = session?.outputMetadata?.find((m) => m.name === 'logits');
  return meta?.shape?.length;
}

export function detectTask(model: HfModel): ModelTask {
  if (!model || typeof model !== 'function' || !model.config || !model.sessions) {
    throw new UnsupportedModelError(
      'The model must be what @huggingface/transformers returns from AutoModelForSequenceClassification.from_pretrained(...) or AutoModelForCausalLM.from_pretrained(...).',
    );
  }
  const name = (model as unknown as { constructor: { name: string } }).constructor.name;
  const session = model.sessions.model;
  const outputs = session?.outputNames ?? [];
  const rank = logitsRank(model);
  const what = `${name || 'model'} (model_type "${model.config.model_type ?? '?'}")`;
  if (!session || !outputs.includes('logits')) {
    throw new UnsupportedModelError(
      `${what} has no single 'model' session with a 'logits' output (sessions: ${Object.keys(model.sessions).join(', ')}); ` +
        'only sequence-classification and causal-LM models can be explained. Load it with AutoModelForSequenceClassification or AutoModelForCausalLM.',
    );
  }
  const isCausal = model.can_generate === true && !('decoder_model_merged' in model.sessions);
  if (/ForSequenceClassification$/.test(name)) return 'classification';
  if (isCausal && /(ForCausalLM|LMHeadModel)$/.test(name)) return 'generation';
  // A readable class name that is neither (BertModel, ...ForMaskedLM, ...ForTokenClassification): refuse.
  // Minified bundles lose class names: then the graph decides (rank-2 logits without generate, rank-3 with it).
  const readable = /^[A-Z][A-Za-z0-9_]{5,}$/.test(name);
  if (!readable && !model.can_generate && rank === 2) return 'classification';
  if (!readable && isCausal && rank === 3) return 'generation';
  throw new UnsupportedModelError(
    `${what} is neither a sequence classifier nor a causal language model (logits rank ${rank ?? 'unknown'}); ` +
      'load a model with AutoModelForSequenceClassification or AutoModelForCausalLM.',
  );
}
