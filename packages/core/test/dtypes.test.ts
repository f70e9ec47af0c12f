/**
 * Gradient methods on the reduced-precision files transformers.js loads by `dtype` (fixture folder bert-tiny-opset11:
 * onnx/model_quantized.onnx = q8, model_int8.onnx, model_fp16.onnx, model_q4.onnx, model_q4f16.onnx,
 * model_bnb4.onnx): each is explained through `from_pretrained(id, { dtype })` as users load it, the output says
 * which dtype, and the attributions agree with the fp32 model's; a q4 file with act-order g_idx is explained, one whose g_idx is out of range is refused naming every such node; a
 * missing dtype file named as modelSource gets an error naming the files the folder has.
 */
import { describe, expect, test } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, makeTensor } from '@interpreto-js/onnx-grad';
import { loadFixture, loadFolder, type Loaded } from './helpers.ts';
import { ensureFixture } from '../../onnx-grad/test/fixtures/index.ts';
import { IntegratedGradients, QuantizedModelError, Saliency, type AttributionOutput } from '../src/index.ts';

const TEXT = 'a good movie with a bad ending';

function cosine(a: number[], b: number[]): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

async function explainBoth(model: Loaded['model'], tokenizer: Loaded['tokenizer']): Promise<AttributionOutput[]> {
  const saliency = await new Saliency(model, tokenizer).explain(TEXT, 1);
  const ig = await new IntegratedGradients(model, tokenizer, { nInterpolations: 8 }).explain(TEXT, 1);
  return [saliency[0]!, ig[0]!];
}

describe('gradient methods by model dtype', () => {
  // Measured on this fixture: q8/int8 attributions have cosine 0.99992-0.99996 with fp32 (straight-through
  // gradients through 8-bit activations, 8-bit weights); fp16 0.9999998 (float16 weights, float32 compute); q4 and
  // q4f16 0.9943 (Saliency) and 0.9961 (IntegratedGradients), bnb4 0.9965 and 0.9977: exact gradients of the 4-bit
  // model, whose weights (q4: blocks of 16, symmetric; bnb4: NF4 blocks of 32) differ from the fixture's random
  // float weights by up to half a quantization step.
  const cases = [
    { dtype: 'q8', minCosine: 0.999 },
    { dtype: 'int8', minCosine: 0.999 },
    { dtype: 'fp16', minCosine: 0.99999 },
    { dtype: 'q4', minCosine: 0.99 },
    { dtype: 'q4f16', minCosine: 0.99 },
    { dtype: 'bnb4', minCosine: 0.99 },
  ];
  for (const { dtype, minCosine } of cases) {
    test(`${dtype}: Saliency and IntegratedGradients run, record modelDtype, and agree with fp32`, async () => {
      const path = await ensureFixture('bert-tiny-opset11');
      const fp32 = await loadFixture('bert-tiny-opset11');
      const reference = await explainBoth(fp32.model, fp32.tokenizer);
      expect(reference.map((o) => o.modelDtype)).toEqual(['fp32', 'fp32']);
      const { model, tokenizer } = await loadFolder(path, 'classification', { dtype });
      const outputs = await explainBoth(model, tokenizer);
      outputs.forEach((o, k) => {
        expect(o.modelDtype).toBe(dtype);
        expect(o.elements).toEqual(reference[k]!.elements);
        const a = o.attributions[0]!;
        expect(a.every(Number.isFinite)).toBe(true);
        expect(cosine(a, reference[k]!.attributions[0]!)).toBeGreaterThanOrEqual(minCosine);
      });
    });
  }

  /** The fixture's q4 file with a g_idx input on every MatMulNBits (act-order exports), groups from `group(k, block)`. */
  async function actOrderFolder(name: string, group: (k: number, blockSize: number) => number) {
    const source = await ensureFixture('bert-tiny-opset11');
    const path = join(mkdtempSync(join(tmpdir(), 'interpreto-q4-')), name);
    cpSync(source, path, { recursive: true });
    const file = join(path, 'onnx', 'model_q4.onnx');
    const model = decodeModel(new Uint8Array(readFileSync(file)));
    const nbits = model.graph.node.filter((n) => n.op_type === 'MatMulNBits');
    expect(nbits.length).toBeGreaterThan(4);
    for (const n of nbits) {
      const attr = (a: string) => Number(n.attribute.find((x) => x.name === a)!.i);
      const gIdx = `${n.name}/g_idx`;
      const rows = Int32Array.from({ length: attr('K') }, (_, k) => group(k, attr('block_size')));
      model.graph.initializer.push(makeTensor(gIdx, [rows.length], rows));
      while (n.input.length < 4) n.input.push('');
      n.input.push(gIdx);
    }
    writeFileSync(file, encodeModel(model));
    return { path, names: nbits.map((n) => n.name!) };
  }

  test('a q4 file with act-order g_idx is explained: groups equal to the blocks give the plain q4 attributions', async () => {
    const { path } = await actOrderFolder('bert-tiny-gidx', (k, block) => Math.floor(k / block));
    const { model, tokenizer } = await loadFolder(path, 'classification', { dtype: 'q4' });
    const plain = await loadFolder(await ensureFixture('bert-tiny-opset11'), 'classification', { dtype: 'q4' });
    const [a] = await new Saliency(model, tokenizer).explain(TEXT, 1);
    const [b] = await new Saliency(plain.model, plain.tokenizer).explain(TEXT, 1);
    expect(a!.modelDtype).toBe('q4');
    a!.attributions[0]!.forEach((v, i) => expect(v).toBeCloseTo(b!.attributions[0]![i]!, 6));
  });

  test('a q4 file whose MatMulNBits cannot be lowered (g_idx out of range) is refused naming every such node', async () => {
    // a group index past the last block: onnxruntime would read past the scales; onnx-grad refuses, naming the node
    const { path, names } = await actOrderFolder('bert-tiny-gidx-bad', (k, block) => Math.floor(k / block) + 1);
    const { model: loaded, tokenizer } = await loadFolder(path, 'classification', { dtype: 'q4' });
    const err = await new Saliency(loaded, tokenizer).explain(TEXT, 1).catch((e: Error) => e);
    expect(err).toBeInstanceOf(QuantizedModelError);
    const message = (err as Error).message;
    expect(message).toMatch(/dtype 'q4'/);
    for (const n of names)
      expect(message).toMatch(
        new RegExp(`"${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": g_idx\\[\\d+\\] = \\d+ is not a group index`),
      );
  });

  test('a dtype file missing from the folder is an error naming the ONNX files that exist', async () => {
    const path = await ensureFixture('bert-tiny-opset11');
    const { model, tokenizer } = await loadFixture('bert-tiny-opset11');
    const missing = join(path, 'onnx', 'model_uint8.onnx');
    const err = await new Saliency(model, tokenizer, { modelSource: missing }).explain(TEXT, 1).catch((e: Error) => e);
    expect((err as Error).name).toBe('ModelSourceError');
    expect((err as Error).message).toContain(`"${missing}" does not exist`);
    for (const f of [
      "model.onnx (dtype 'fp32')",
      "model_quantized.onnx (dtype 'q8')",
      "model_fp16.onnx (dtype 'fp16')",
      "model_int8.onnx (dtype 'int8')",
      "model_q4.onnx (dtype 'q4')",
    ]) {
      expect((err as Error).message).toContain(f);
    }
  });
});

describe('float16 files where WebGPU lacks shader-f16', () => {
  test("the model's own run fails with onnxruntime-web's kernel error: a forward method says what to do", async () => {
    const { model, tokenizer } = await loadFolder(await ensureFixture('gpt2-tiny-opset13'), 'generation', {
      dtype: 'q4f16',
    });
    // what onnxruntime-web's WebGPU EP throws at the first run of a float16 graph on such an adapter
    const failing = new Proxy(model, {
      apply: () =>
        Promise.reject(
          new Error(
            "Non-zero status code returned while running Gather node. Name:'/transformer/wpe/Gather' Status Message: " +
              'shader_helper.cc:416 GenerateSourceCode Program Gather requires f16 but the device does not support it.',
          ),
        ),
    });
    const { Occlusion, InputError } = await import('../src/index.ts');
    const run = new Occlusion(failing, tokenizer).explain('the sky is', ' blue');
    await expect(run).rejects.toThrow(InputError);
    await expect(new Occlusion(failing, tokenizer).explain('the sky is', ' blue')).rejects.toThrow(
      /dtype 'q4f16'\) holds float16 tensors.*'shader-f16'.*device: 'wasm'/,
    );
  });
});
