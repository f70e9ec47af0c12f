/**
 * `differentiate` on graphs exported by other tools (third-party fixtures): the word-embedding lookup is replaced
 * by an input here (a minimal cut, just for the test), then the gradient of the logits w.r.t. that input is
 * checked against central differences in float32; the ORT-fused GPT-2 must be refused with its contrib ops named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  decodeModel,
  differentiate,
  encodeModel,
  Graph,
  UnsupportedOpsError,
  type ModelProto,
} from '../../src/index.ts';
import { rng, SESSION_OPTIONS } from './harness.ts';
import { thirdParty } from '../../../../fixtures/index.ts';

/** Replaces the Gather that reads `weight` by a float input of the same name as its output. */
function cutAt(model: ModelProto, weight: string, dims: (string | number)[]): string {
  const g = new Graph(model);
  const node = g.nodes.find((n) => n.op_type === 'Gather' && n.input[0] === weight)!;
  g.removeNodes(new Set([node]));
  const name = node.output[0]!;
  model.graph.input.push({
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  });
  return name;
}

async function checkRealModel(
  path: string,
  weight: string,
  hidden: number,
  output: string,
  extra: Record<string, ort.Tensor>,
  seq: number,
) {
  const bytes = new Uint8Array(readFileSync(path));
  const fwdModel = decodeModel(bytes);
  const embeds = cutAt(fwdModel, weight, ['batch', 'sequence', hidden]);
  new Graph(fwdModel).eliminateDeadCode(Object.keys(extra));
  const fwd = await ort.InferenceSession.create(encodeModel(fwdModel), SESSION_OPTIONS);

  const model = decodeModel(bytes);
  cutAt(model, weight, ['batch', 'sequence', hidden]);
  const g = new Graph(model);
  const { seeds, grads } = differentiate(g, { outputs: [output], wrt: [embeds] });
  g.proto.output.push({ name: grads.get(embeds)!, type: { tensor_type: { elem_type: DataType.FLOAT } } });
  g.eliminateDeadCode([...Object.keys(extra), seeds.get(output)!]);
  const bwd = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);

  const rand = rng(5);
  const x = Float32Array.from({ length: seq * hidden }, () => rand() * 2 - 1);
  const feeds = (v: Float32Array) => ({ ...extra, [embeds]: new ort.Tensor('float32', v, [1, seq, hidden]) });
  const y0 = await fwd.run(feeds(x));
  const cot = Float32Array.from({ length: y0[output]!.size }, () => rand() * 2 - 1);
  const res = await bwd.run({ ...feeds(x), [seeds.get(output)!]: new ort.Tensor('float32', cot, y0[output]!.dims) });
  const grad = res[grads.get(embeds)!]!.data as Float32Array;
  expect(grad.length).toBe(x.length);
  const L = async (v: Float32Array) => {
    const y = (await fwd.run(feeds(v)))[output]!.data as Float32Array;
    return y.reduce((s, yi, i) => s + yi * cot[i]!, 0);
  };
  // central differences on a seeded sample of entries (float32 model: h = 1e-2)
  const h = 1e-2;
  let maxErr = 0;
  let significant = 0;
  for (let k = 0; k < 24; k++) {
    const i = Math.floor(rand() * x.length);
    const v = Float32Array.from(x);
    v[i] = x[i]! + h;
    const up = await L(v);
    v[i] = x[i]! - h;
    const fd = (up - (await L(v))) / (2 * h);
    if (Math.abs(fd) > 1e-3) significant++;
    maxErr = Math.max(maxErr, Math.abs(fd - grad[i]!) / (1e-3 + 2e-2 * Math.abs(fd)));
  }
  expect(significant).toBeGreaterThan(4);
  expect(maxErr).toBeLessThan(1);
}

describe('differentiate on third-party exports', () => {
  it('optimum DistilBERT (opset 11: decomposed LayerNorm, Erf GELU, Where(-inf) mask, CLS Gather, Gemm) runs at several lengths', async () => {
    // With dim = 2 a LayerNorm maps every vector to ±1 (scale-invariant), so the exact input gradient is zero:
    // the backward graph must give (numerically) zero, finite values, for any sequence length.
    const model = decodeModel(new Uint8Array(readFileSync(thirdParty('optimum-tiny-distilbert-sst2/model.onnx'))));
    const embeds = cutAt(model, 'distilbert.embeddings.word_embeddings.weight', ['batch', 'sequence', 2]);
    const g = new Graph(model);
    const { seeds, grads } = differentiate(g, { outputs: ['logits'], wrt: [embeds] });
    g.proto.output.push({ name: grads.get(embeds)!, type: { tensor_type: { elem_type: DataType.FLOAT } } });
    g.eliminateDeadCode(['attention_mask', 'input_ids', seeds.get('logits')!]);
    const s = await ort.InferenceSession.create(encodeModel(model), SESSION_OPTIONS);
    const rand = rng(3);
    for (const seq of [3, 7]) {
      const mask = BigInt64Array.from({ length: 2 * seq }, (_, i) => (i === 2 * seq - 1 ? 0n : 1n));
      const out = await s.run({
        [embeds]: new ort.Tensor(
          'float32',
          Float32Array.from({ length: 2 * seq * 2 }, () => rand() * 2 - 1),
          [2, seq, 2],
        ),
        attention_mask: new ort.Tensor('int64', mask, [2, seq]),
        input_ids: new ort.Tensor('int64', new BigInt64Array(2 * seq).fill(1000n), [2, seq]), // only its shape is read
        [seeds.get('logits')!]: new ort.Tensor('float32', Float32Array.from([1, -1, 0.5, 2]), [2, 2]),
      });
      const gr = out[grads.get(embeds)!]!;
      expect(gr.dims).toEqual([2, seq, 2]);
      const data = Array.from(gr.data as Float32Array);
      expect(data.every(Number.isFinite)).toBe(true);
      expect(Math.max(...data.map(Math.abs))).toBeLessThan(1e-4);
    }
  });

  it('torch TransformerEncoder (opset 12, Split-based attention)', async () => {
    const seq = 4;
    await checkRealModel(
      thirdParty('vespa-dummy-transformer/dummy_transformer.onnx'),
      'encoder.weight',
      16,
      'output_0',
      {
        input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 5n, 7n, 2n]), [1, seq]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, seq]),
        token_type_ids: new ort.Tensor('int64', BigInt64Array.from([0n, 0n, 0n, 0n]), [1, seq]),
      },
      seq,
    );
  });

  it('differentiate alone refuses the ORT-fused GPT-2 and names its contrib ops and nodes (buildGradientModel decomposes them first)', () => {
    const model = decodeModel(new Uint8Array(readFileSync(thirdParty('ortgenai-tiny-gpt2-fused/past.onnx'))));
    const g = new Graph(model);
    const emb = g.nodes.find((n) => n.op_type === 'EmbedLayerNormalization')!;
    const before = g.nodes.length;
    let err: UnsupportedOpsError | undefined;
    try {
      differentiate(g, { outputs: [model.graph.output[0]!.name], wrt: [emb.output[0]!] });
    } catch (e) {
      err = e as UnsupportedOpsError;
    }
    expect(err).toBeInstanceOf(UnsupportedOpsError);
    const types = new Set(err!.ops.map((o) => `${o.domain}:${o.opType}`));
    expect(types).toEqual(
      new Set(['com.microsoft:Attention', 'com.microsoft:SkipLayerNormalization', 'com.microsoft:FastGelu']),
    );
    expect(err!.ops.length).toBeGreaterThanOrEqual(15); // 5 layers x (Attention, FastGelu) + the SkipLayerNorms
    expect(err!.ops.every((o) => o.node.length > 0)).toBe(true);
    expect(g.nodes.length).toBe(before);
  });
});
