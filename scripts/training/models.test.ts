/**
 * The committed default models (public/models), loaded the way users load them: transformers.js `from_pretrained`
 * on the local folder. Nothing is retrained here: `pnpm train-models` writes these folders.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { heldOutSentiment, lmReport, loadLocal, sentimentReport, TUTORIAL_PROMPT } from './evaluate.ts';
import { LABELS } from './sentiment-corpus.ts';
import { Tensor } from '@huggingface/transformers';

const MODELS = join(import.meta.dirname, '..', '..', 'public', 'models');
const SENTIMENT = join(MODELS, 'bert-tiny-sentiment');
const LM = join(MODELS, 'gpt2-tiny-colours');

describe.each([SENTIMENT, LM])('%s', (dir) => {
  it('is a Hub-layout folder with a model under 10 MB', () => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      expect(existsSync(join(dir, f)), `${f} (run \`pnpm train-models\`)`).toBe(true);
    }
    const size = statSync(join(dir, 'onnx', 'model.onnx')).size;
    expect(size).toBeGreaterThan(100_000);
    expect(size).toBeLessThan(10 * 1024 * 1024);
  });
});

describe('sentiment classifier (BERT)', () => {
  it('declares its labels and architecture', () => {
    const config = JSON.parse(readFileSync(join(SENTIMENT, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('bert');
    expect(Object.values(config.id2label)).toEqual([...LABELS]);
  });

  it('classifies held-out template sentences (>= 95%) and handles negation (>= 90%)', async () => {
    const r = await sentimentReport(SENTIMENT);
    const detail = r.mistakes
      .slice(0, 8)
      .map((m) => `"${m.text}": ${m.predicted}, expected ${m.expected}`)
      .join('\n');
    expect(r.n).toBe(heldOutSentiment().length);
    expect(r.negated.n).toBeGreaterThan(100);
    expect(r.accuracy, detail).toBeGreaterThanOrEqual(0.95);
    expect(r.negated.accuracy, detail).toBeGreaterThanOrEqual(0.9);
    expect(r.contrast.accuracy, detail).toBeGreaterThanOrEqual(0.9);
  });

  it('its WordPiece tokenizer round-trips text and keeps corpus words whole', async () => {
    const { tokenizer, model } = await loadLocal(SENTIMENT, 'classification');
    await model.dispose();
    const text = 'the acting was not very good, but the ending was brilliant!';
    const ids = tokenizer.encode(text) as number[];
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
    // [CLS] + one token per word and punctuation mark + [SEP]
    expect(ids.length).toBe(2 + 13);
    // a word outside the vocabulary still tokenizes (sub-word pieces), without [UNK]
    const unk = tokenizer.convert_tokens_to_ids('[UNK]');
    expect(tokenizer.encode('zyxwv') as number[]).not.toContain(unk);
  });
});

describe('language model (GPT-2)', () => {
  it('continues the tutorial prompt and gets held-out facts right (next-token accuracy >= 90%)', async () => {
    const r = await lmReport(LM);
    const detail = r.mistakes
      .slice(0, 8)
      .map((m) => `"${m.prompt}" -> "${m.got}", expected "${m.expected}"`)
      .join('\n');
    expect(r.n).toBeGreaterThan(40);
    expect(r.nextTokenAccuracy, detail).toBeGreaterThanOrEqual(0.9);
    expect(r.tutorial.continuation.startsWith(' blue')).toBe(true);
  });

  it('generates with transformers.js (KV cache) the same text as without it, and its BPE tokenizer round-trips', async () => {
    const { tokenizer, model } = await loadLocal(LM, 'generation');
    try {
      const text = 'Roses are red, the sky is blue. One, two, three!';
      const ids = tokenizer.encode(text, { add_special_tokens: false }) as number[];
      expect(tokenizer.decode(ids)).toBe(text);
      // " blue" is one token: the corpus words were merged whole
      expect(tokenizer.encode(' blue', { add_special_tokens: false })).toHaveLength(1);
      // generate (KV cache, one token per step) agrees with recomputing the whole prefix at every step
      const prompt = tokenizer(TUTORIAL_PROMPT);
      const generated = (await model.generate({ ...prompt, max_new_tokens: 6, do_sample: false })) as Tensor;
      const ids2 = Array.from(generated.data as BigInt64Array);
      const promptLength = (prompt.input_ids as Tensor).dims[1]!;
      const prefix = ids2.slice(0, promptLength);
      for (let k = promptLength; k < ids2.length; k++) {
        const input_ids = new Tensor('int64', BigInt64Array.from(prefix), [1, prefix.length]);
        const attention_mask = new Tensor('int64', new BigInt64Array(prefix.length).fill(1n), [1, prefix.length]);
        const { logits } = (await model({ input_ids, attention_mask })) as { logits: Tensor };
        const V = logits.dims[2]!;
        const last = (logits.data as Float32Array).subarray((prefix.length - 1) * V, prefix.length * V);
        const best = last.indexOf(Math.max(...last));
        expect(BigInt(best)).toBe(ids2[k]);
        prefix.push(ids2[k]!);
      }
    } finally {
      await model.dispose();
    }
  });
});
