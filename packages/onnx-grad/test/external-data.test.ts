/**
 * External data read lazily and written as a plan (src/onnx/external-data.ts, src/onnx/files.ts): tensors resolved
 * against a reader are read once, on first access, and only if something reads them; copies do not read them; the
 * gradient model of a model with external data is built reading only the weights a transform looks at, written
 * with its weights in a data file, and equals the one built from the same model inline.
 */
import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  cloneModel,
  decodeModel,
  encodeModel,
  resolveExternalData,
  splitExternalData,
  type ExternalDataSource,
  type ModelProto,
} from '../src/index.ts';
import { copyTensorLazily, pendingBytes } from '../src/onnx/external-data.ts';
import { fileSource, writeExternalData } from '../src/onnx/files.ts';
import { readBytes, rng } from './transforms/helpers.ts';
import { ensureFixture } from './fixtures/index.ts';

// a tiny BERT classifier (hidden 32, 2 layers): its weight matrices are 4 KiB, its biases and norms 128 bytes
let BERT: string;
beforeAll(async () => {
  BERT = join(await ensureFixture('bert-tiny-opset11'), 'onnx', 'model.onnx');
});

/** A reader over `bytes` that records every range read. */
function countingSource(bytes: Uint8Array): ExternalDataSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    byteLength: bytes.length,
    reads,
    read(offset, length) {
      reads.push([offset, length]);
      return bytes.slice(offset, offset + length);
    },
  };
}

/** The model with its initializers of 1 KiB or more in `model.onnx_data` (assembled in memory). */
function externalized(bytes: Uint8Array): { model: ModelProto; data: Uint8Array; names: string[] } {
  const model = decodeModel(bytes);
  const plan = splitExternalData(model, 'model.onnx_data');
  const data = new Uint8Array(plan.byteLength);
  for (const s of plan.segments) {
    if (!('bytes' in s)) throw new Error('a decoded model has every byte in memory');
    data.set(s.bytes, s.offset);
  }
  const names = model.graph.initializer.filter((t) => t.data_location === 1).map((t) => t.name!);
  return { model: decodeModel(encodeModel(model)), data, names };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('external data', () => {
  it('splits large initializers into aligned segments that resolve back to the same bytes', () => {
    const original = decodeModel(readBytes(BERT));
    const { model, data, names } = externalized(readBytes(BERT));
    expect(names.length).toBeGreaterThan(10);
    expect(encodeModel(model).length).toBeLessThan(60_000); // the weights left the protobuf
    for (const t of model.graph.initializer.filter((t) => t.data_location === 1)) {
      const offset = Number(t.external_data!.find((e) => e.key === 'offset')!.value);
      const length = Number(t.external_data!.find((e) => e.key === 'length')!.value);
      if (length >= 4096) expect(offset % 4096).toBe(0);
    }
    resolveExternalData(model, { 'model.onnx_data': data });
    for (const t of original.graph.initializer) {
      const back = model.graph.initializer.find((u) => u.name === t.name)!;
      expect(Buffer.from(back.raw_data ?? []).equals(Buffer.from(t.raw_data ?? []))).toBe(true);
      expect(back.data_location ?? 0).toBe(0);
    }
  });

  it('reads a tensor from a reader on first access only, and copies do not read it', () => {
    const { model, data, names } = externalized(readBytes(BERT));
    const source = countingSource(data);
    resolveExternalData(model, { 'model.onnx_data': source });
    expect(source.reads).toEqual([]);
    const clone = cloneModel(model);
    const t = model.graph.initializer.find((u) => u.name === names[0])!;
    const copy = copyTensorLazily(t, { name: 'renamed' });
    expect(source.reads).toEqual([]);
    expect(pendingBytes(copy)).toBeDefined();
    const bytes = t.raw_data!;
    expect(source.reads).toHaveLength(1);
    expect(t.raw_data).toBe(bytes); // kept, not read again
    expect(source.reads).toHaveLength(1);
    expect(pendingBytes(t)).toBeUndefined();
    // the copy and the clone still hold their own unread ranges, and read the same bytes
    expect(pendingBytes(copy)).toBeDefined();
    expect(Array.from(copy.raw_data!)).toEqual(Array.from(bytes));
    const cloned = clone.graph.initializer.find((u) => u.name === names[0])!;
    expect(Array.from(cloned.raw_data!)).toEqual(Array.from(bytes));
    expect(source.reads).toHaveLength(3);
    // assigning replaces the bytes and forgets the range
    const other = model.graph.initializer.find((u) => u.name === names[1])!;
    other.raw_data = new Uint8Array([1, 2, 3, 4]);
    expect(pendingBytes(other)).toBeUndefined();
    expect(Array.from(other.raw_data)).toEqual([1, 2, 3, 4]);
    expect(source.reads).toHaveLength(3);
  });

  it('builds the gradient model reading only what the transforms need, writing unread weights from their file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-grad-external-'));
    dirs.push(dir);
    const { model, data } = externalized(readBytes(BERT));
    writeFileSync(join(dir, 'model.onnx_data'), data);
    const source = fileSource(join(dir, 'model.onnx_data'));
    let read = 0;
    const counting: ExternalDataSource = {
      byteLength: source.byteLength,
      read: (o, n) => {
        read += n;
        return source.read(o, n);
      },
    };
    const grad = buildGradientModel(model, {
      externalData: { 'model.onnx_data': counting },
      externalDataOut: { location: 'grad.onnx_data' },
    });
    expect(grad.externalData!.location).toBe('grad.onnx_data');
    const pending = grad.externalData!.segments.filter((s) => 'pending' in s);
    expect(pending.length).toBeGreaterThan(10); // the layers' weights were never read during the build
    expect(read).toBeLessThan(data.length / 2);
    writeExternalData(join(dir, 'grad.onnx_data'), grad.externalData!);
    source.close();
    writeFileSync(join(dir, 'grad.onnx'), grad.bytes);
    expect(grad.bytes.length).toBeLessThan(80_000);

    // same outputs as the gradient model built inline from the original file
    const inline = buildGradientModel(readBytes(BERT));
    const r = rng(3);
    const feeds = {
      inputs_embeds: new ort.Tensor(
        'float32',
        Float32Array.from({ length: 5 * 32 }, () => r() - 0.5),
        [1, 5, 32],
      ),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n, 1n]), [1, 5]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(5), [1, 5]),
      grad_logits: new ort.Tensor('float32', Float32Array.from([1, -0.5]), [1, 2]),
    };
    const run = async (m: string | Uint8Array) => {
      const s = await (typeof m === 'string' ? ort.InferenceSession.create(m) : ort.InferenceSession.create(m));
      const out = await s.run(feeds);
      await s.release();
      return out;
    };
    const [a, b] = [await run(join(dir, 'grad.onnx')), await run(inline.bytes)];
    expect(Array.from(a.logits!.data as Float32Array)).toEqual(Array.from(b.logits!.data as Float32Array));
    expect(Array.from(a.grad_inputs_embeds!.data as Float32Array)).toEqual(
      Array.from(b.grad_inputs_embeds!.data as Float32Array),
    );
    expect(readFileSync(join(dir, 'grad.onnx_data')).length).toBe(grad.externalData!.byteLength);
  });

  it('refuses a data location that is a path', () => {
    expect(() => splitExternalData(decodeModel(readBytes(BERT)), '../x.onnx_data')).toThrow(/must be a file name/);
  });
});
