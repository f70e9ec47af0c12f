/**
 * Trains the BERT-architecture sentiment classifier and writes it as a Hub-layout folder:
 * corpus (templates over AFINN) -> WordPiece vocabulary of the corpus words (the fixtures' tokenizer writer) ->
 * ids through the written tokenizer.json as transformers.js reads it -> BERT built by the fixtures' encoder builder
 * -> training graph (onnx-grad) -> AdamW -> trained values written into the same graph's initializers.
 *
 * Exports: `SentimentTrainingOptions`, `SENTIMENT_DEFAULTS`, `trainSentimentModel`.
 */
import { buildEncoderClassifier } from '../../packages/onnx-grad/test/fixtures/encoder.ts';
import { writeModelFolder } from '../../packages/onnx-grad/test/fixtures/hub.ts';
import { specialId, wordPieceTokenizer } from '../../packages/onnx-grad/test/fixtures/tokenizers.ts';
import { classifierBatch } from './batches.ts';
import { loadLocal } from './evaluate.ts';
import { setInitializers } from './initializers.ts';
import { Rng } from './rng.ts';
import {
  dropWord,
  generateSentimentCorpus,
  insertWords,
  isTutorialSentence,
  LABELS,
  maskOneWord,
  pseudoWord,
  type SentimentExample,
} from './sentiment-corpus.ts';
import { buildTrainingGraph } from './train-graph.ts';
import { trainWeights } from './trainer.ts';

export interface SentimentTrainingOptions {
  seed: number;
  sentences: number;
  steps: number;
  batchSize: number;
  lr: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  /** Share of training examples with one word replaced by [MASK] (relabelled). */
  maskRate: number;
  /** Share of training examples with one or two made-up words inserted (label kept). */
  rareRate: number;
  /** Share of training examples with one filler word dropped (label kept). */
  dropRate: number;
  initStd: number;
  log: (msg: string) => void;
}

export const SENTIMENT_DEFAULTS: Omit<SentimentTrainingOptions, 'log'> = {
  seed: 7,
  sentences: 12000,
  steps: 2400,
  batchSize: 32,
  lr: 2e-3,
  hidden: 64,
  layers: 2,
  heads: 4,
  intermediate: 128,
  maskRate: 0.3,
  rareRate: 0.3,
  dropRate: 0.15,
  initStd: 0.02,
};

/** Words of the corpus, most frequent first (WordPiece then keeps each as one token); made-up words stay out. */
function wordsByFrequency(examples: SentimentExample[]): string[] {
  const counts = new Map<string, number>();
  for (const e of examples)
    e.words.forEach((w, i) => {
      if (/^[a-z]+$/.test(w) && e.roles[i] !== 'unknown') counts.set(w, (counts.get(w) ?? 0) + 1);
    });
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
}

/** A masked copy: the cue (so [MASK] reads as no sentiment), the negator, or any other word. */
function masked(ex: SentimentExample, rng: Rng): SentimentExample {
  const cue = ex.cue !== undefined && !ex.contrast ? ex.cue : undefined;
  const words = ex.words.flatMap((w, i) =>
    /^[a-z]+$/.test(w) && (!ex.contrast || (ex.roles[i] !== 'pos' && ex.roles[i] !== 'neg')) ? [i] : [],
  );
  const index = cue !== undefined && rng.chance(0.4) ? cue : rng.pick(words);
  return maskOneWord(ex, index);
}

/**
 * An example as training sees it: maybe masked (relabelled), maybe with made-up words inserted and a filler word
 * dropped (label kept), so that unknown pieces and missing words do not move the prediction. Never a tutorial sentence.
 */
function augment(ex: SentimentExample, rng: Rng, o: SentimentTrainingOptions): SentimentExample {
  let e = rng.chance(o.maskRate) ? masked(ex, rng) : ex;
  if (rng.chance(o.rareRate)) {
    const inserted = Array.from({ length: rng.int(1, 2) }, () => pseudoWord(rng));
    e = insertWords(e, rng.int(0, e.words.length - 1), inserted);
  }
  if (rng.chance(o.dropRate)) {
    const fillers = e.words.flatMap((w, i) => (e.roles[i] === 'other' && w !== 'but' && /^[a-z]+$/.test(w) ? [i] : []));
    if (fillers.length > 0) e = dropWord(e, rng.pick(fillers));
  }
  return isTutorialSentence(e.text) ? ex : e;
}

export async function trainSentimentModel(
  outDir: string,
  options: Partial<SentimentTrainingOptions> = {},
): Promise<void> {
  const o = { ...SENTIMENT_DEFAULTS, log: console.log, ...options };
  const rng = new Rng(o.seed);
  const corpus = generateSentimentCorpus(rng, o.sentences, 'train');
  const tok = wordPieceTokenizer(wordsByFrequency(corpus), { modelMaxLength: 64 });
  const spec = {
    family: 'bert' as const,
    opset: 14,
    vocabSize: tok.vocabSize,
    hidden: o.hidden,
    layers: o.layers,
    heads: o.heads,
    intermediate: o.intermediate,
    maxPositions: 64,
    labels: [...LABELS],
    padTokenId: specialId(tok, '[PAD]'),
    seed: o.seed,
    initStd: o.initStd,
  };
  const built = buildEncoderClassifier(spec);
  // tokenizer first, so that the ids below come from the tokenizer.json users will load
  writeModelFolder(outDir, {
    config: built.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: built.model,
  });
  const { tokenizer, model: untrained } = await loadLocal(outDir, 'classification');
  await untrained.dispose();
  const encode = (text: string) => tokenizer.encode(text) as number[];
  const longest = Math.max(...corpus.map((e) => encode(e.text).length));
  if (longest > spec.maxPositions)
    throw new Error(
      `sentiment: a corpus sentence has ${longest} tokens, more than the model's ${spec.maxPositions} positions; shorten the templates.`,
    );
  o.log(
    `sentiment: ${corpus.length} sentences, longest ${longest} tokens, vocabulary ${tok.vocabSize}, BERT ${o.layers}x${o.hidden} (${o.heads} heads)`,
  );

  const stateDict = new Set(Object.keys(built.weights));
  const tg = buildTrainingGraph(built.model, { isWeight: (n) => stateDict.has(n) || n.startsWith('onnx::MatMul') });
  const params = tg.weights.reduce((a, w) => a + w.init.length, 0);
  o.log(`sentiment: ${tg.weights.length} weight tensors, ${params} parameters`);
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
      const picked: SentimentExample[] = [];
      for (let i = 0; i < o.batchSize; i++) {
        if (order.length === 0) order = batchRng.shuffle(corpus.map((_, k) => k));
        const ex = corpus[order.pop()!]!;
        const aug = augment(ex, batchRng, o);
        // made-up words split into many pieces: keep within the model's positions
        picked.push(encode(aug.text).length <= spec.maxPositions ? aug : ex);
      }
      return classifierBatch(
        picked.map((e) => encode(e.text)),
        picked.map((e) => e.label),
        LABELS.length,
        spec.padTokenId,
      );
    },
    log: (step, loss) => o.log(`sentiment: step ${step} loss ${loss.toFixed(4)}`),
    logEvery: 200,
  });
  o.log(`sentiment: trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  setInitializers(built.model, trained);
  writeModelFolder(outDir, {
    config: built.config,
    tokenizer: tok.tokenizer,
    tokenizerConfig: tok.tokenizerConfig,
    model: built.model,
  });
}
