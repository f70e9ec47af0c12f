import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  Tensor,
} from '@huggingface/transformers';
import {
  decodeModel,
  encodeModel,
  Graph,
  tensorData,
  toNumber,
  type ModelProto,
  type NodeProto,
} from '../src/index.ts';
import {
  additiveContributions,
  additiveLogits,
  buildEncoderClassifier,
  buildFixture,
  copyLmLogits,
  ensureFixture,
  FIXTURES,
  GENERATOR_VERSION,
  ORTGENAI_GPT2,
  nonadditiveLogits,
  trainBpe,
  type FixtureName,
} from './fixtures/index.ts';
import { thirdParty } from '../../../fixtures/index.ts';

const dirs = new Map<FixtureName, string>();
const sessions = new Map<FixtureName, ort.InferenceSession>();

beforeAll(async () => {
  for (const name of FIXTURES) dirs.set(name, await ensureFixture(name));
  env.localModelPath = dirname(dirs.get('bert-tiny-opset11')!);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
});

const modelBytes = (name: FixtureName) => new Uint8Array(readFileSync(join(dirs.get(name)!, 'onnx', 'model.onnx')));
const config = (name: FixtureName) => JSON.parse(readFileSync(join(dirs.get(name)!, 'config.json'), 'utf8'));
async function session(name: FixtureName): Promise<ort.InferenceSession> {
  let s = sessions.get(name);
  if (!s) sessions.set(name, (s = await ort.InferenceSession.create(modelBytes(name))));
  return s;
}
const i64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
const positions = (n: number, from = 0) => [Array.from({ length: n }, (_, i) => from + i)];

/** Feeds for one unpadded sequence with an empty (or given) cache, filled from the session's declared inputs. */
function feeds(
  s: ort.InferenceSession,
  ids: number[],
  past: Record<string, ort.Tensor> = {},
  pastLen = 0,
  useCache = false,
): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {};
  for (const meta of s.inputMetadata) {
    const n = meta.name;
    if (n === 'input_ids') f[n] = i64([ids]);
    else if (n === 'attention_mask') f[n] = i64([new Array(pastLen + ids.length).fill(1)]);
    else if (n === 'token_type_ids') f[n] = i64([new Array(ids.length).fill(0)]);
    else if (n === 'position_ids') f[n] = i64(positions(ids.length, pastLen));
    else if (n === 'use_cache_branch') f[n] = new ort.Tensor('bool', Uint8Array.from([useCache ? 1 : 0]), [1]);
    else if (n === 'num_logits_to_keep')
      f[n] = new ort.Tensor('int64', [0n], []); // every position
    else if (n.startsWith('past_key_values.')) {
      if (past[n]) f[n] = past[n];
      else {
        const shape = (meta as unknown as { shape: (number | string)[] }).shape.map((d) =>
          typeof d === 'number' ? d : d === 'batch_size' ? 1 : 0,
        );
        f[n] = new ort.Tensor('float32', new Float32Array(0), shape);
      }
    } else throw new Error(`unexpected input ${n}`);
  }
  return f;
}
const rows = (t: ort.Tensor): number[][] => {
  const [S, V] = (t.dims.length === 3 ? t.dims.slice(1) : t.dims) as [number, number];
  const d = t.data as Float32Array;
  return Array.from({ length: S }, (_, i) => Array.from(d.subarray(i * V, (i + 1) * V)));
};
const argmax = (r: number[]) => r.reduce((best, v, i) => (v > r[best]! ? i : best), 0);
const opTypes = (m: ModelProto) => new Set(m.graph.node.map((n: NodeProto) => n.op_type));
const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const CLASSIFIERS: FixtureName[] = [
  'bert-tiny-opset11',
  'bert-tiny-opset17',
  'bert-tiny-fused',
  'distilbert-tiny-opset11',
  'distilbert-tiny-opset17',
  'roberta-tiny-opset14',
  'additive-classifier',
  'nonadditive-classifier',
];
const LMS: FixtureName[] = [
  'gpt2-tiny-opset13',
  'gpt2-tiny-merged-opset14',
  'gpt2-tiny-opset18',
  'llama-tiny-opset14',
  'llama-tiny-opset18',
  'gpt2-ortgenai-fused',
  'gpt2-ortgenai',
  'copy-lm',
];

describe('fixture generator', () => {
  it('caches folders by generator version and does not rewrite current ones', async () => {
    const dir = dirs.get('additive-classifier')!;
    expect(readFileSync(join(dir, '.fixture-version'), 'utf8')).toBe(GENERATOR_VERSION);
    const before = statSync(join(dir, 'onnx', 'model.onnx')).mtimeMs;
    expect(await ensureFixture('additive-classifier')).toBe(dir);
    expect(statSync(join(dir, 'onnx', 'model.onnx')).mtimeMs).toBe(before);
    await expect(ensureFixture('no-such-model' as FixtureName)).rejects.toThrow(/Unknown fixture "no-such-model"/);
  });

  it('is deterministic: building twice gives identical bytes', () => {
    const a = buildFixture('gpt2-tiny-merged-opset14');
    const b = buildFixture('gpt2-tiny-merged-opset14');
    expect(Buffer.from(modelOf(a)).equals(Buffer.from(modelOf(b)))).toBe(true);
    expect(Buffer.from(modelOf(a)).equals(Buffer.from(modelBytes('gpt2-tiny-merged-opset14')))).toBe(true);
  });
});

function modelOf(f: ReturnType<typeof buildFixture>): Uint8Array {
  return f.folder.model instanceof Uint8Array ? f.folder.model : encodeModel(f.folder.model);
}

describe('builders take a config and trained weights', () => {
  const spec = {
    family: 'bert' as const,
    opset: 14,
    vocabSize: 50,
    hidden: 8,
    layers: 1,
    heads: 2,
    intermediate: 16,
    maxPositions: 16,
    labels: ['A', 'B', 'C'],
    padTokenId: 0,
    seed: 3,
    initStd: 0.3,
  };
  it('uses given weights by state-dict name (here: a shifted classifier bias shifts the logits)', async () => {
    const base = buildEncoderClassifier(spec);
    const bias = Float32Array.from(base.weights['classifier.bias']!, (v, i) => v + [1, -2, 0.5][i]!);
    const shifted = buildEncoderClassifier({ ...spec, weights: { ...base.weights, 'classifier.bias': bias } });
    expect(shifted.config).toMatchObject({ model_type: 'bert', hidden_size: 8, id2label: { 0: 'A', 1: 'B', 2: 'C' } });
    const run = async (m: typeof base) => {
      const s = await ort.InferenceSession.create(encodeModel(m.model));
      const ids = [[2, 7, 9, 3]];
      const out = await s.run({
        input_ids: i64(ids),
        attention_mask: i64([[1, 1, 1, 1]]),
        token_type_ids: i64([[0, 0, 0, 0]]),
      });
      return Array.from(out.logits!.data as Float32Array);
    };
    const [a, b] = [await run(base), await run(shifted)];
    expect(b.map((v, i) => v - a[i]!).map((d) => Math.round(d * 1e4) / 1e4)).toEqual([1, -2, 0.5]);
  });
  it('refuses trained weights whose size does not match the config', () => {
    expect(() => buildEncoderClassifier({ ...spec, weights: { 'classifier.bias': new Float32Array(2) } })).toThrow(
      /classifier\.bias.*\[3\]/,
    );
  });
  it('trainBpe merges the most frequent pair first, deterministically', () => {
    const words = [
      { symbols: [...'lower'], count: 5 },
      { symbols: [...'lowest'], count: 2 },
      { symbols: [...'newer'], count: 6 },
    ];
    // "w e" is seen 5 + 2 + 6 = 13 times, then "we r" 11; "l o" and "o we" tie at 7: the smaller text wins
    expect(trainBpe(words, 3)).toEqual([
      ['w', 'e'],
      ['we', 'r'],
      ['l', 'o'],
    ]);
    expect(trainBpe(words, 3)).toEqual(trainBpe(words, 3));
  });
});

describe('exporter layouts', () => {
  it('encoders: word-embedding Gather on a [vocab, hidden] initializer named as the exporter names it', () => {
    for (const [name, weight, hiddenKey] of [
      ['bert-tiny-opset11', 'bert.embeddings.word_embeddings.weight', 'hidden_size'],
      ['distilbert-tiny-opset17', 'distilbert.embeddings.word_embeddings.weight', 'dim'],
      ['roberta-tiny-opset14', 'roberta.embeddings.word_embeddings.weight', 'hidden_size'],
      ['gpt2-tiny-opset13', 'transformer.wte.weight', 'n_embd'],
      ['llama-tiny-opset18', 'model.embed_tokens.weight', 'hidden_size'],
      ['additive-classifier', 'bert.embeddings.word_embeddings.weight', 'hidden_size'],
      ['copy-lm', 'transformer.wte.weight', 'n_embd'],
    ] as const) {
      const g = new Graph(decodeModel(modelBytes(name)));
      const gather = g.consumers('input_ids').find((n) => n.op_type === 'Gather' && n.input[0] === weight);
      expect(gather, name).toBeDefined();
      expect(g.initializer(weight)!.dims.map(toNumber)).toEqual([config(name).vocab_size, config(name)[hiddenKey]]);
    }
  });

  it('old opsets decompose LayerNorm and use Erf/tanh GELU; opset 17+ uses LayerNormalization', () => {
    const bert11 = opTypes(decodeModel(modelBytes('bert-tiny-opset11')));
    for (const op of [
      'ReduceMean',
      'Pow',
      'Sqrt',
      'Div',
      'Erf',
      'Shape',
      'Unsqueeze',
      'Concat',
      'Slice',
      'Gemm',
      'Tanh',
    ])
      expect(bert11.has(op), op).toBe(true);
    expect(bert11.has('LayerNormalization')).toBe(false);
    expect(opTypes(decodeModel(modelBytes('bert-tiny-opset17'))).has('LayerNormalization')).toBe(true);
    const distil = opTypes(decodeModel(modelBytes('distilbert-tiny-opset11')));
    for (const op of ['Where', 'Equal', 'Expand', 'Relu', 'Gemm']) expect(distil.has(op), op).toBe(true);
    expect(opTypes(decodeModel(modelBytes('roberta-tiny-opset14'))).has('CumSum')).toBe(true);
    const gpt2 = opTypes(decodeModel(modelBytes('gpt2-tiny-opset13')));
    for (const op of ['Split', 'Gemm', 'Reshape', 'Where', 'Tanh', 'Concat', 'Slice'])
      expect(gpt2.has(op), op).toBe(true);
    expect(gpt2.has('LayerNormalization')).toBe(false);
    expect(opTypes(decodeModel(modelBytes('gpt2-tiny-opset18'))).has('LayerNormalization')).toBe(true);
    const llama14 = opTypes(decodeModel(modelBytes('llama-tiny-opset14')));
    for (const op of ['Neg', 'Sigmoid', 'Range', 'Sqrt', 'Div', 'Concat', 'Slice'])
      expect(llama14.has(op), op).toBe(true);
    expect(opTypes(decodeModel(modelBytes('llama-tiny-opset18'))).has('Reciprocal')).toBe(true);
  });

  it('the merged decoder is one optimum::if node with weights hoisted to the top level', () => {
    const m = decodeModel(modelBytes('gpt2-tiny-merged-opset14'));
    expect(m.graph.node.map((n) => [n.op_type, n.name])).toEqual([['If', 'optimum::if']]);
    expect(m.graph.input.map((v) => v.name).at(-1)).toBe('use_cache_branch');
    const names = m.graph.initializer.map((t) => t.name);
    expect(names).toContain('transformer.wte.weight');
    for (const branch of ['then_branch', 'else_branch']) {
      const g = m.graph.node[0]!.attribute.find((a) => a.name === branch)!.g!;
      for (const t of g.initializer)
        expect(t.dims.length <= 1 && tensorData(t).length <= 4, `${branch} keeps ${t.name}`).toBe(true);
      expect(g.node.some((n) => n.input.includes('transformer.wte.weight'))).toBe(true);
    }
    const thenOps = m.graph.node[0]!.attribute.find((a) => a.name === 'then_branch')!.g!.node;
    expect(thenOps.some((n) => n.op_type === 'Concat' && n.input[0] === 'past_key_values.0.key')).toBe(true);
  });
});

describe('fused-op BERT (onnxruntime transformer-optimizer layout)', () => {
  it('uses com.microsoft fused ops only where the export had their pieces, and computes the same logits', async () => {
    const fused = decodeModel(modelBytes('bert-tiny-fused'));
    const contrib = fused.graph.node.filter((n) => n.domain === 'com.microsoft').map((n) => n.op_type);
    expect(contrib.sort()).toEqual(
      [
        'EmbedLayerNormalization',
        ...Array(2).fill(['Attention', 'BiasGelu', 'SkipLayerNormalization', 'SkipLayerNormalization']).flat(),
      ].sort(),
    );
    for (const op of ['Softmax', 'Erf', 'ReduceMean', 'LayerNormalization'])
      expect(opTypes(fused).has(op), op).toBe(false);
    // a padded batch: the mask reaches Attention as key lengths (EmbedLayerNormalization's mask_index)
    const ids = [
      [2, 40, 41, 42, 43, 44, 3],
      [2, 45, 46, 3, 0, 0, 0],
    ];
    const mask = ids.map((r, b) => r.map((_, t) => (b === 1 && t >= 4 ? 0 : 1)));
    const run = async (name: FixtureName) => {
      const out = await (await session(name)).run({
        input_ids: i64(ids),
        attention_mask: i64(mask),
        token_type_ids: i64(ids.map((r) => r.map(() => 0))),
      });
      return Array.from(out.logits!.data as Float32Array);
    };
    const [a, b] = [await run('bert-tiny-fused'), await run('bert-tiny-opset11')];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.slice(0, 2), a.slice(2))).toBeGreaterThan(1e-3);
  });
});

describe('every fixture runs in onnxruntime-node', () => {
  it.each(FIXTURES as unknown as FixtureName[])('%s', async (name) => {
    const s = await session(name);
    const ids = [2, 40, 41, 42, 3];
    const out = await s.run(feeds(s, ids));
    const logits = out.logits!;
    const V = config(name).vocab_size;
    expect(logits.dims).toEqual(CLASSIFIERS.includes(name) ? [1, 2] : [1, ids.length, V]);
    expect(Array.from(logits.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});

describe('classifiers load in transformers.js', () => {
  it.each(CLASSIFIERS)('%s', async (name) => {
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const model = await AutoModelForSequenceClassification.from_pretrained(name, { dtype: 'fp32' });
    const enc = tokenizer(['I loved this movie, it was wonderful!', 'boring plot'], { padding: true });
    const { logits } = await model(enc);
    expect(logits.dims).toEqual([2, 2]);
    const [a, b] = logits.tolist() as [number[], number[]];
    expect(a.concat(b).every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3); // the inputs matter
    expect((model.config as unknown as { id2label: unknown }).id2label).toEqual({ 0: 'NEGATIVE', 1: 'POSITIVE' });
  });
});

describe('known-answer models', () => {
  async function classify(name: FixtureName, texts: string[]) {
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const model = await AutoModelForSequenceClassification.from_pretrained(name, { dtype: 'fp32' });
    const enc = tokenizer(texts, { padding: true });
    const ids = (enc.input_ids.tolist() as bigint[][]).map((r) => r.map(Number));
    const mask = (enc.attention_mask.tolist() as bigint[][]).map((r) => r.map(Number));
    const logits = (await model(enc)).logits.tolist() as number[][];
    return { ids, mask, logits, tokenizer, model };
  }

  it('additive-classifier: logits = bias + sum of per-token contributions; [MASK] removes exactly one', async () => {
    const { weights } = buildFixture('additive-classifier');
    const { ids, mask, logits, tokenizer, model } = await classify('additive-classifier', [
      'a great movie',
      'the worst film I ever saw, terrible!',
    ]);
    for (let r = 0; r < ids.length; r++) {
      const expected = additiveLogits(weights, ids[r]!, mask[r]);
      for (let c = 0; c < 2; c++) expect(logits[r]![c]).toBeCloseTo(expected[c]!, 5);
    }
    // specials and pads contribute nothing; real words do
    const contrib = additiveContributions(weights, ids[0]!, mask[0]);
    expect(contrib[0]).toEqual([0, 0]); // [CLS]
    expect(contrib.at(-1)).toEqual([0, 0]); // pad
    expect(Math.abs(contrib[2]![0]!)).toBeGreaterThan(1e-3); // "great"
    // occlusion by [MASK] at position 2 subtracts exactly its contribution
    const maskId = tokenizer.mask_token_id as number;
    const occluded = [...ids[0]!];
    occluded[2] = maskId;
    const out = (
      await model({ input_ids: i64t(occluded), attention_mask: i64t(mask[0]!) })
    ).logits.tolist()[0] as number[];
    for (let c = 0; c < 2; c++) expect(out[c]).toBeCloseTo(logits[0]![c]! - contrib[2]![c]!, 5);
  });

  it('nonadditive-classifier: matches its closed form, and tokens interact', async () => {
    const { weights } = buildFixture('nonadditive-classifier');
    const { ids, mask, logits } = await classify('nonadditive-classifier', ['good', 'bad', 'good bad', 'the film']);
    for (let r = 0; r < ids.length; r++) {
      const expected = nonadditiveLogits(weights, ids[r]!, mask[r]);
      for (let c = 0; c < 2; c++) expect(logits[r]![c]).toBeCloseTo(expected[c]!, 5);
    }
    // f(good bad) - f(good) - f(bad) + f(empty) != 0: not additive
    const empty = nonadditiveLogits(weights, [ids[0]![0]!, ids[0]!.at(-1)!]);
    const interaction = logits[2]![0]! - logits[0]![0]! - logits[1]![0]! + empty[0]!;
    expect(Math.abs(interaction)).toBeGreaterThan(1e-2);
  });

  it('copy-lm: the logits at position i pick the token at i-2, in ORT and in generation', async () => {
    const V = config('copy-lm').vocab_size;
    const ids = [57, 120, 33, 250, 91, 12, 300];
    const s = await session('copy-lm');
    const out = rows((await s.run(feeds(s, ids))).logits!);
    const expected = copyLmLogits(ids, V);
    for (let i = 0; i < ids.length; i++) {
      expect(maxAbsDiff(out[i]!, expected[i]!)).toBeLessThan(1e-4);
      if (i >= 2) {
        expect(argmax(out[i]!)).toBe(ids[i - 2]);
        const sorted = [...out[i]!].sort((a, b) => b - a);
        expect(sorted[0]! - sorted[1]!).toBeGreaterThan(15); // the copied source dominates its row
      }
    }
    const model = await AutoModelForCausalLM.from_pretrained('copy-lm', { dtype: 'fp32' });
    const prompt = [57, 120, 33];
    const gen = generated(
      await model.generate({
        input_ids: i64t(prompt),
        attention_mask: i64t([1, 1, 1]),
        max_new_tokens: 5,
        do_sample: false,
      }),
    );
    // row 2 copies position 0, row 3 copies position 1, ...: a 3-periodic continuation
    expect(gen).toEqual([57, 120, 33, 57, 120, 33, 57, 120]);
  });
});

/** The first sequence of a generate() result (a Tensor of ids without return_dict_in_generate). */
function generated(out: unknown): number[] {
  return ((out as Tensor).tolist() as bigint[][])[0]!.map(Number);
}

/** A [1, n] int64 transformers.js tensor. */
function i64t(values: number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
}

describe('causal LMs', () => {
  /** Greedy continuation computed by full (uncached) forwards in ORT. */
  async function greedyUncached(name: FixtureName, prompt: number[], n: number): Promise<number[]> {
    const s = await session(name);
    const seq = [...prompt];
    for (let k = 0; k < n; k++) seq.push(argmax(rows((await s.run(feeds(s, seq))).logits!).at(-1)!));
    return seq;
  }

  it.each(LMS.filter((n) => n !== 'copy-lm'))(
    '%s: generate() with the cache equals uncached greedy decoding',
    async (name) => {
      const tokenizer = await AutoTokenizer.from_pretrained(name);
      const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32' });
      const enc = tokenizer('The movie was');
      const prompt = (enc.input_ids.tolist() as bigint[][])[0]!.map(Number);
      const gen = generated(await model.generate({ ...enc, max_new_tokens: 5, do_sample: false }));
      expect(gen.length).toBeGreaterThan(prompt.length);
      expect(gen).toEqual((await greedyUncached(name, prompt, 5)).slice(0, gen.length));
    },
  );

  it.each([
    'gpt2-tiny-opset13',
    'gpt2-tiny-opset18',
    'llama-tiny-opset14',
    'llama-tiny-opset18',
    'gpt2-tiny-merged-opset14',
    'gpt2-ortgenai-fused',
  ] as FixtureName[])('%s: logits with past_key_values equal the uncached ones', async (name) => {
    const s = await session(name);
    const ids = [40, 41, 42, 43, 44, 45];
    const full = rows((await s.run(feeds(s, ids))).logits!);
    const prefix = await s.run(feeds(s, ids.slice(0, 4)));
    const past = Object.fromEntries(
      Object.entries(prefix)
        .filter(([k]) => k.startsWith('present.'))
        .map(([k, v]) => [k.replace('present', 'past_key_values'), v]),
    );
    const tail = rows((await s.run(feeds(s, ids.slice(4), past, 4, true))).logits!);
    for (let i = 0; i < 2; i++) expect(maxAbsDiff(tail[i]!, full[4 + i]!)).toBeLessThan(1e-4);
  });

  it("the merged decoder's no-cache branch equals the plain export (same weights)", async () => {
    const plain = await session('gpt2-tiny-opset13');
    const merged = await session('gpt2-tiny-merged-opset14');
    const ids = [40, 41, 42, 43];
    const a = rows((await plain.run(feeds(plain, ids))).logits!);
    const b = rows((await merged.run(feeds(merged, ids))).logits!);
    for (let i = 0; i < ids.length; i++) expect(maxAbsDiff(a[i]!, b[i]!)).toBeLessThan(1e-5);
  });
});

describe('the vendored fused GPT-2 as a transformers.js model (gpt2-ortgenai-fused)', () => {
  it("computes the vendored graph's logits (empty past) and its standard-op twin's", async () => {
    const vendored = await ort.InferenceSession.create(thirdParty(ORTGENAI_GPT2));
    const ids = [40, 41, 42, 43, 44, 300];
    const i32 = (r: number[]) => new ort.Tensor('int32', Int32Array.from(r), [1, r.length]);
    const emptyPast = Object.fromEntries(
      [0, 1, 2, 3, 4].map((i) => [`past_${i}`, new ort.Tensor('float32', new Float32Array(0), [2, 1, 4, 0, 8])]),
    );
    const original = await vendored.run({
      input_ids: i32(ids),
      position_ids: i32(positions(ids.length)[0]!),
      attention_mask: i32(ids.map(() => 1)),
      ...emptyPast,
    });
    const fused = await session('gpt2-ortgenai-fused');
    const twin = await session('gpt2-ortgenai');
    expect(fused.inputNames.toSorted()).toEqual(twin.inputNames.toSorted()); // input_ids, ..., past_key_values.*
    expect(fused.outputNames.toSorted()).toEqual(twin.outputNames.toSorted());
    const a = rows((await fused.run(feeds(fused, ids))).logits!);
    const b = rows((await twin.run(feeds(twin, ids))).logits!);
    const c = rows(original.logits!);
    for (let i = 0; i < ids.length; i++) {
      expect(maxAbsDiff(a[i]!, c[i]!)).toBe(0);
      expect(maxAbsDiff(a[i]!, b[i]!)).toBeLessThan(1e-5);
    }
    // a random model's logits still differ between positions (the check above is not of constants)
    expect(maxAbsDiff(a[0]!, a[1]!)).toBeGreaterThan(1e-3);
  });

  it("loads in transformers.js, and generate() (with its cache) equals the twin's greedy decoding", async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('gpt2-ortgenai-fused');
    const model = await AutoModelForCausalLM.from_pretrained('gpt2-ortgenai-fused', { dtype: 'fp32' });
    const twin = await AutoModelForCausalLM.from_pretrained('gpt2-ortgenai', { dtype: 'fp32' });
    const enc = tokenizer('The movie was');
    const options = { ...enc, max_new_tokens: 5, do_sample: false };
    const gen = generated(await model.generate(options));
    expect(gen.length).toBe(enc.input_ids.dims[1]! + 5);
    expect(gen).toEqual(generated(await twin.generate(options)));
  });
});

describe('tokenizers round-trip text', () => {
  const texts = [
    'I loved this movie, it was wonderful!',
    'The plot, 3 boring hours... never again?',
    'zyxq qwfp unusual words',
  ];
  // [fixture, lowercases?, a frequent word that must be one token]
  it.each([
    ['bert-tiny-opset11', true, 'movie'],
    ['distilbert-tiny-opset17', true, 'movie'],
    ['roberta-tiny-opset14', false, ' the'],
    ['gpt2-tiny-opset13', false, ' the'],
    ['llama-tiny-opset18', false, 'the'],
  ] as [FixtureName, boolean, string][])('%s', async (name, lowercase, word) => {
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const all = lowercase ? texts : [...texts, 'Café ☕ naïve — “quotes”'];
    for (const text of all) {
      const ids = tokenizer.encode(text);
      expect(ids.every((i: number) => i < config(name).vocab_size)).toBe(true);
      expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(lowercase ? text.toLowerCase() : text);
    }
    expect(tokenizer.tokenize(word)).toHaveLength(1);
    expect(tokenizer.tokenize('zyxq').length).toBeGreaterThan(1); // unseen words split into pieces
  });
  it('WordPiece splits unknown words into ## pieces and marks [UNK] outside its alphabet', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('bert-tiny-opset11');
    expect(tokenizer.tokenize('zyxq')).toEqual(['z', '##y', '##x', '##q']);
    expect(tokenizer.tokenize('movies')).toEqual(['movie', '##s']);
    expect(tokenizer.tokenize('☕')).toEqual(['[UNK]']);
  });
});
