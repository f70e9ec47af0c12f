/**
 * Evaluation of the trained models exactly as users load them: transformers.js `from_pretrained` on the local
 * Hub-layout folder (onnxruntime-node underneath). Shared by `pnpm train-models` (which prints the numbers) and the
 * tests (which assert them on the committed models).
 *
 * Exports: `loadLocal`, `classify`, `SentimentReport`, `sentimentReport`, `LmReport`, `lmReport`, `greedyContinue`,
 * `SENTIMENT_HELDOUT_SEED`, `heldOutSentiment`.
 */
import { basename, dirname, resolve } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { Rng } from './rng.ts';
import { generateSentimentCorpus, type SentimentExample } from './sentiment-corpus.ts';
import { heldOutFactPrompts } from './lm-corpus.ts';

export const SENTIMENT_HELDOUT_SEED = 20_251;

/** The held-out sentences the script reports on and the tests assert on (templates training never saw). */
export function heldOutSentiment(n = 800): SentimentExample[] {
  return generateSentimentCorpus(new Rng(SENTIMENT_HELDOUT_SEED), n, 'heldout');
}

/** Loads a model folder with transformers.js, local files only. */
export async function loadLocal(
  dir: string,
  kind: 'classification' | 'generation',
): Promise<{ model: PreTrainedModel; tokenizer: PreTrainedTokenizer }> {
  const abs = resolve(dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(abs)}/`;
  const id = basename(abs);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const Model = kind === 'classification' ? AutoModelForSequenceClassification : AutoModelForCausalLM;
  const model = await Model.from_pretrained(id, { dtype: 'fp32', device: 'cpu' });
  return { model, tokenizer };
}

function argmaxRows(t: Tensor): number[] {
  const [rows, cols] = t.dims as [number, number];
  const data = t.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c]! > data[r * cols + best]!) best = c;
    return best;
  });
}

/** Predicted class ids, in batches (padded). */
export async function classify(
  model: PreTrainedModel,
  tokenizer: PreTrainedTokenizer,
  texts: string[],
  batchSize = 64,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const inputs = tokenizer(texts.slice(i, i + batchSize), { padding: true });
    const { logits } = (await model(inputs)) as { logits: Tensor };
    out.push(...argmaxRows(logits));
  }
  return out;
}

export interface SentimentReport {
  n: number;
  accuracy: number;
  negated: { n: number; accuracy: number };
  contrast: { n: number; accuracy: number };
  neutral: { n: number; accuracy: number };
  mistakes: { text: string; expected: string; predicted: string }[];
}

export async function sentimentReport(
  dir: string,
  examples: SentimentExample[] = heldOutSentiment(),
): Promise<SentimentReport> {
  const { model, tokenizer } = await loadLocal(dir, 'classification');
  try {
    const labels = (model.config as unknown as { id2label: Record<string, string> }).id2label;
    const predicted = await classify(
      model,
      tokenizer,
      examples.map((e) => e.text),
    );
    const acc = (keep: (e: SentimentExample) => boolean) => {
      const idx = examples.flatMap((e, i) => (keep(e) ? [i] : []));
      const right = idx.filter((i) => predicted[i] === examples[i]!.label).length;
      return { n: idx.length, accuracy: idx.length ? right / idx.length : NaN };
    };
    return {
      n: examples.length,
      accuracy: acc(() => true).accuracy,
      negated: acc((e) => e.negated),
      contrast: acc((e) => e.contrast),
      neutral: acc((e) => e.label === 1),
      mistakes: examples.flatMap((e, i) =>
        predicted[i] === e.label
          ? []
          : [{ text: e.text, expected: labels[e.label]!, predicted: labels[predicted[i]!]! }],
      ),
    };
  } finally {
    await model.dispose();
  }
}

/** Greedy continuation of `prompt` with transformers.js `generate` (the text after the prompt). */
export async function greedyContinue(
  model: PreTrainedModel,
  tokenizer: PreTrainedTokenizer,
  prompt: string,
  maxNewTokens: number,
): Promise<string> {
  const inputs = tokenizer(prompt);
  const out = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as Tensor;
  const ids = Array.from(out.data as BigInt64Array, Number);
  const promptLength = (inputs.input_ids as Tensor).dims[1];
  return tokenizer.decode(ids.slice(promptLength), { skip_special_tokens: true });
}

export interface LmReport {
  n: number;
  /** Share of held-out prompts whose greedy next token is the answer's first token. */
  nextTokenAccuracy: number;
  mistakes: { prompt: string; expected: string; got: string }[];
  tutorial: { prompt: string; continuation: string };
}

export const TUTORIAL_PROMPT = 'Roses are red, the sky is';

export async function lmReport(dir: string): Promise<LmReport> {
  const { model, tokenizer } = await loadLocal(dir, 'generation');
  try {
    const prompts = heldOutFactPrompts();
    const mistakes: LmReport['mistakes'] = [];
    let right = 0;
    for (const p of prompts) {
      const inputs = tokenizer(p.prompt);
      const { logits } = (await model(inputs)) as { logits: Tensor };
      const [, S, V] = logits.dims as [number, number, number];
      const data = logits.data as Float32Array;
      let best = 0;
      for (let v = 1; v < V; v++) if (data[(S - 1) * V + v]! > data[(S - 1) * V + best]!) best = v;
      const expected = tokenizer.encode(p.answer, { add_special_tokens: false })[0];
      if (best === expected) right++;
      else mistakes.push({ prompt: p.prompt, expected: p.answer, got: tokenizer.decode([best]) });
    }
    const continuation = await greedyContinue(model, tokenizer, TUTORIAL_PROMPT, 4);
    return {
      n: prompts.length,
      nextTokenAccuracy: right / prompts.length,
      mistakes,
      tutorial: { prompt: TUTORIAL_PROMPT, continuation },
    };
  } finally {
    await model.dispose();
  }
}
