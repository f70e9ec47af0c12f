/**
 * A model past protobuf's 2 GB limit: 2.3 GB of constant tables in `model.onnx_data` (a sparse file: only the rows
 * the model reads hold values, so it costs little disk). The CLI builds its gradient model with external data
 * (weights read on demand, copied to `grad.onnx_data` in bounded chunks); onnxruntime-node loads both; the
 * gradient model's forward equals the original's and its gradient matches central finite differences of its own
 * forward. Takes ~30-40 s (mostly onnxruntime reading 2.3 GB twice) and ~1.5 GB of memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../src/cli.ts';
import { decodeModel, tensorData } from '../src/index.ts';
import { readBytes, rng } from './transforms/helpers.ts';
import { OVERSIZED, writeSparseOversizedModel } from './fixtures/scale.ts';

const dir = mkdtempSync(join(tmpdir(), 'onnx-grad-oversized-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a model whose protobuf would exceed 2 GB', () => {
  it('builds with external data, loads in onnxruntime-node, matches its forward and finite differences', async () => {
    const model = writeSparseOversizedModel(dir);
    const { tables, rows, width: H, vocab: V } = OVERSIZED;
    expect(statSync(join(dir, 'model.onnx_data')).size).toBe(tables * rows * H * 4);
    expect(tables * rows * H * 4).toBeGreaterThan(2 ** 31);

    const out: string[] = [];
    const err: string[] = [];
    const code = await main([model, '-o', join(dir, 'grad.onnx'), '--no-config'], {
      log: (s) => out.push(s),
      error: (s) => err.push(s),
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/weights in grad\.onnx_data/);
    expect(statSync(join(dir, 'grad.onnx')).size).toBeLessThan(10_000);
    expect(statSync(join(dir, 'grad.onnx_data')).size).toBeGreaterThan(2 ** 31);

    const ids = [5, 7, 9];
    const original = await ort.InferenceSession.create(model);
    const ref = await original.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, 3]) });
    await original.release();
    const logits = ref.logits!.data as Float32Array;
    expect(logits.length).toBe(3 * V);

    const wte = tensorData(
      decodeModel(readBytes(model)).graph.initializer.find((t) => t.name === 'wte.weight')!,
    ) as Float32Array;
    const embeds = new Float32Array(3 * H);
    ids.forEach((id, k) => embeds.set(wte.subarray(id * H, (id + 1) * H), k * H));
    const r = rng(11);
    const seed = Float32Array.from({ length: 3 * V }, () => r() - 0.5);
    const grad = await ort.InferenceSession.create(join(dir, 'grad.onnx'));
    const run = async (e: Float32Array) =>
      grad.run({
        inputs_embeds: new ort.Tensor('float32', e, [1, 3, H]),
        grad_logits: new ort.Tensor('float32', seed, [1, 3, V]),
      });
    const base = await run(embeds);
    // the forward went through the 2.3 GB tables: it equals the original's run
    const same = base.logits!.data as Float32Array;
    for (let i = 0; i < logits.length; i++) expect(same[i]).toBeCloseTo(logits[i]!, 6);
    const g = base.grad_inputs_embeds!.data as Float32Array;
    const loss = (o: Record<string, ort.Tensor>) =>
      (o.logits!.data as Float32Array).reduce((a, v, i) => a + v * seed[i]!, 0);
    const h = 1e-2;
    let worst = 0;
    for (let i = 0; i < embeds.length; i++) {
      const plus = embeds.slice();
      const minus = embeds.slice();
      plus[i]! += h;
      minus[i]! -= h;
      const fd = (loss(await run(plus)) - loss(await run(minus))) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g[i]!) / (1e-2 + Math.abs(fd)));
    }
    await grad.release();
    expect(g.some((v) => v !== 0)).toBe(true);
    // float32 central differences with h = 1e-2: measured worst relative error 2e-4
    expect(worst).toBeLessThan(2e-3);
  }, 180_000);
});
