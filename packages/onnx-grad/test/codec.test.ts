import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, Graph, OpBuilder, tensorData, DataType, OnnxDecodeError } from '../src/index.ts';
import { DISTILBERT } from './transforms/helpers.ts';

describe('ONNX codec', () => {
  it('decodes a real export, keeps initializer bytes as views, and re-encodes to a model ORT runs identically', async () => {
    const bytes = new Uint8Array(readFileSync(DISTILBERT));
    const model = decodeModel(bytes);
    const g = new Graph(model);
    expect(g.opset).toBe(11);
    const w = g.initializer('distilbert.embeddings.word_embeddings.weight')!;
    expect(w.raw_data!.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(tensorData(w)).toBeInstanceOf(Float32Array);
    const again = encodeModel(model);
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b);
      const ids = new ort.Tensor('int64', BigInt64Array.from([101n, 2023n, 2003n, 102n]), [1, 4]);
      const mask = new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]);
      return Array.from((await s.run({ input_ids: ids, attention_mask: mask })).logits!.data as Float32Array);
    };
    expect(await run(again)).toEqual(await run(bytes));
  });

  it('refuses truncated, corrupted and empty bytes with a clear error', () => {
    const bytes = new Uint8Array(readFileSync(DISTILBERT));
    expect(() => decodeModel(bytes.subarray(0, bytes.length >> 1))).toThrow(OnnxDecodeError);
    expect(() => decodeModel(new Uint8Array(0))).toThrow(/empty/);
    const junk = new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n');
    expect(() => decodeModel(junk)).toThrow(/not a valid ONNX model|not an ONNX model/);
  });

  it('builds a small graph with the opset-aware builder that ORT runs', async () => {
    for (const opset of [11, 13, 18]) {
      const model = {
        ir_version: 8,
        opset_import: [{ domain: '', version: opset }],
        graph: { node: [], initializer: [], input: [], output: [], value_info: [], name: 'g' },
      };
      model.graph.input.push({
        name: 'x',
        type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
      } as never);
      const g = new Graph(model as never);
      const b = new OpBuilder(g);
      const y = b.reduceSum(b.unsqueeze(b.mul('x', b.f32(2)), [0]), [2], false);
      const m = b.reduceMean(b.squeeze(y, [0]), [0], false);
      g.proto.output.push({ name: m, type: { tensor_type: { elem_type: DataType.FLOAT } } });
      const s = await ort.InferenceSession.create(encodeModel(model as never));
      const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
      expect(Array.from(out[m]!.data as Float32Array)).toEqual([21]); // mean(2*6, 2*15)
    }
  });
});
