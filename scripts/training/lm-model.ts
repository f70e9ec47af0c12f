/**
 * Trains the GPT-2-architecture causal LM and writes it as a Hub-layout folder that transformers.js
 * `AutoModelForCausalLM` loads and `generate`s with (past_key_values inputs, present outputs):
 * corpus (patterned sentences) -> byte-level BPE trained on the corpus words (the fixtures' tokenizer writer) ->
 * ids through the written tokenizer.json -> GPT-2 without cache from the fixtures' builder, lm_head tied to wte ->
 * training graph -> AdamW -> the same builder, with cache, given the trained state dict.
 *
 * Exports: `LmTrainingOptions`, `LM_DEFAULTS`, `trainLanguageModel`, `tieLmHead`.
 */
import { tensorData, toNumber, type Graph } from '../../packages/onnx-grad/src/index.ts';
import { buildGpt2, type Gpt2Spec } from '../../packages/onnx-grad/test/fixtures/gpt2.ts';
import { writeModelFolder } from '../../packages/onnx-grad/test/fixtures/hub.ts';
import { byteLevelBpeTokenizer, specialId } from '../../packages/onnx-grad/test/fixtures/tokenizers.ts';
import { causalLmBatch } from './batches.ts';
import { loadLocal } from './evaluate.ts';
import { generateLmCorpus } from './lm-corpus.ts';
import { Rng } from './rng.ts';
import { buildTrainingGraph } from './train-graph.ts';
import { trainWeights } from './trainer.ts';

export interface LmTrainingOptions {
  seed: number;
  sentences: number;
  steps: number;
  batchSize: number;
  lr: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  log: (msg: string) => void;
}

export const LM_DEFAULTS: Omit<LmTrainingOptions, 'log'> = {
  seed: 11,
  sentences: 8000,
  steps: 2000,
  batchSize: 32,
  lr: 3e-3,
  nEmbd: 64,
  nLayer: 2,
  nHead: 4,
};

const WTE = 'transformer.wte.weight';

/**
 * The exporter stores lm_head as a transposed copy of wte; training must keep them one tensor. Replaces the copy
 * (found by value) by `Transpose(wte)`, so its gradient flows into wte.
 */
export function tieLmHead(g: Graph): void {
  const wte = g.initializer(WTE);
  if (!wte) throw new Error(`tieLmHead: the model has no "${WTE}".`);
  const [V, H] = wte.dims.map((d) => toNumber(d));
  const w = tensorData(wte) as Float32Array;
  const copy = [...g.initializerNames].find((n) => {
    const t = g.initializer(n)!;
    if (n === WTE || t.dims.length !== 2 || toNumber(t.dims[0]) !== H || toNumber(t.dims[1]) !== V) return false;
    const d = tensorData(t) as Float32Array;
    for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) if (d[h * V + v] !== w[v * H + h]) return false;
    return true;
  });
  if (!copy) throw new Error('tieLmHead: no initializer holds the transposed word embeddings (the tied lm_head).');
  g.removeInitializer(copy);
  g.addNode('Transpose', [WTE], { outputs: [copy], attrs: { perm: [1, 0] }, name: 'train/tied_lm_head' });
  g.toposort();
}

function wordsByFrequency(texts: string[]): string[] {
  const counts = new Map<string, number>();
  for (const t of texts)
    for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
}

export async function trainLanguageModel(outDir: string, options: Partial<LmTrainingOptions> = {}): Promise<void> {
  const o = { ...LM_DEFAULTS, log: console.log, ...options };
  const rng = new Rng(o.seed);
  const corpus = generateLmCorpus(rng, o.sentences).map((e) => e.text);
  // enough merges that every corpus word is one token (training stops once nothing is left to merge)
  const tok = byteLevelBpeTokenizer(wordsByFrequency(corpus), { merges: 4000, modelMaxLength: 64 });
  const eos = specialId(tok, '<|endoftext|>');
  const spec: Gpt2Spec = {
    opset: 14,
    vocabSize: tok.vocabSize,
    nEmbd: o.nEmbd,
    nLayer: o.nLayer,
    nHead: o.nHead,
    nPositions: 64,
    bosTokenId: eos,
    eosTokenId: eos,
    seed: o.seed,
    initStd: 0.02,
  };
  const generationConfig = { bos_token_id: eos, eos_token_id: eos, pad_token_id: eos, max_length: 64 };
  const folder = (model: ReturnType<typeof buildGpt2>) => ({
    config: model.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: model.model,
    generationConfig,
  });
  writeModelFolder(outDir, folder(buildGpt2(spec, true)));
  const { tokenizer, model: untrained } = await loadLocal(outDir, 'generation');
  await untrained.dispose();
  const seqs = corpus.map((t) => [...(tokenizer.encode(t, { add_special_tokens: false }) as number[]), eos]);
  o.log(`lm: ${corpus.length} sentences, vocabulary ${tok.vocabSize}, GPT-2 ${o.nLayer}x${o.nEmbd} (${o.nHead} heads)`);

  const noCache = buildGpt2(spec, false);
  const stateDict = new Set(Object.keys(noCache.weights));
  const tg = buildTrainingGraph(noCache.model, { isWeight: (n) => stateDict.has(n), prepare: tieLmHead });
  o.log(`lm: ${tg.weights.length} weight tensors, ${tg.weights.reduce((a, w) => a + w.init.length, 0)} parameters`);
  const batchRng = new Rng(o.seed + 1);
  let order: number[] = [];
  const started = Date.now();
  const trained = await trainWeights(tg, {
    steps: o.steps,
    lr: o.lr,
    warmup: Math.round(o.steps / 15),
    weightDecay: 0.01,
    clipNorm: 1,
    batch: () => {
      const picked: number[][] = [];
      for (let i = 0; i < o.batchSize; i++) {
        if (order.length === 0) order = batchRng.shuffle(seqs.map((_, k) => k));
        picked.push(seqs[order.pop()!]!);
      }
      return causalLmBatch(picked, spec.vocabSize, eos);
    },
    log: (step, loss) => o.log(`lm: step ${step} loss ${loss.toFixed(4)}`),
    logEvery: 200,
  });
  o.log(`lm: trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeModelFolder(outDir, folder(buildGpt2({ ...spec, weights: Object.fromEntries(trained) }, true)));
}
