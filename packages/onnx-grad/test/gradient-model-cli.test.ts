import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, buildGradientModel, type ModelProto } from '../src/index.ts';
import { main } from '../src/cli.ts';
import { DISTILBERT, DISTILBERT_CONFIG, FUSED_GPT2, readBytes, i64, VESPA_ENCODER } from './transforms/helpers.ts';
import { REPO_ROOT } from '../../../fixtures/index.ts';

/** Moves every initializer of at least `minBytes` into `<name>_data` files of at most `chunk` bytes, as torch does. */
function withExternalData(m: ModelProto, name: string, minBytes: number, chunk: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array[]> = {};
  let file = 0,
    offset = 0;
  for (const t of m.graph.initializer) {
    const raw = t.raw_data;
    if (!raw || raw.length < minBytes) continue;
    if (offset > 0 && offset + raw.length > chunk) {
      file++;
      offset = 0;
    }
    const location = file === 0 ? `${name}_data` : `${name}_data_${file}`;
    (files[location] ??= []).push(raw);
    t.external_data = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.data_location = 1;
    t.raw_data = undefined;
    offset += raw.length;
  }
  return Object.fromEntries(Object.entries(files).map(([k, parts]) => [k, Buffer.concat(parts)]));
}

const silent = () => {
  const out: string[] = [],
    err: string[] = [];
  return { io: { log: (s: string) => out.push(s), error: (s: string) => err.push(s) }, out, err };
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'onnx-grad-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a gradient model given as bytes or as a path (which onnxruntime resolves external data beside). */
async function logitsGrad(model: Uint8Array | string): Promise<Float32Array> {
  const grad = decodeModel(typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model); // it decodes
  expect(grad.graph.input.map((v) => v.name)).toEqual(['inputs_embeds', 'attention_mask', 'grad_logits']);
  const s = await (typeof model === 'string' ? ort.InferenceSession.create(model) : ort.InferenceSession.create(model));
  const emb = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + 1)),
    [1, 4, 2],
  );
  const out = await s.run({
    inputs_embeds: emb,
    attention_mask: i64([1, 1, 1, 1], [1, 4]),
    grad_logits: new ort.Tensor('float32', Float32Array.of(1, 0), [1, 2]),
  });
  return Float32Array.from([...(out.logits!.data as Float32Array), ...(out.grad_inputs_embeds!.data as Float32Array)]);
}

describe('onnx-grad CLI', () => {
  it('--help prints the usage and exits 0; bad command lines exit 2 with the reason', async () => {
    const h = silent();
    expect(await main(['--help'], h.io)).toBe(0);
    expect(h.out.join('')).toMatch(/Usage: pnpm onnx-grad <model\.onnx> -o <grad\.onnx>/);
    const cases: [string[], RegExp][] = [
      [[], /Missing the input model path/],
      [[DISTILBERT], /Missing -o/],
      [['nope.onnx', '-o', join(dir, 'x.onnx')], /Model file ".*nope\.onnx" does not exist/],
      [[DISTILBERT, '-o', join(dir, 'x.onnx'), '--bogus'], /Unknown option '--bogus'/],
      [[DISTILBERT, '-o', DISTILBERT], /output path is the input model/],
      [[DISTILBERT, '-o', join(dir, 'x.onnx'), '--config', join(dir, 'missing.json')], /Config file .* does not exist/],
    ];
    for (const [argv, message] of cases) {
      const r = silent();
      expect(await main(argv, r.io)).toBe(2);
      expect(r.err.join('\n')).toMatch(message);
    }
  });

  it('models it cannot convert exit 1 with the error (a contrib op without decomposition; config mismatch)', async () => {
    const r0 = silent();
    expect(await main([FUSED_GPT2, '-o', join(dir, 'gpt2-fused.onnx')], r0.io)).toBe(0); // its contrib ops decompose
    expect(existsSync(join(dir, 'gpt2-fused.onnx'))).toBe(true);
    const m = decodeModel(readBytes(FUSED_GPT2));
    m.graph.node.find((n) => n.name === 'GptAttention_0')!.op_type = 'DecoderMaskedMultiHeadAttention';
    const edited = join(dir, 'gpt2-dmmha.onnx');
    writeFileSync(edited, encodeModel(m));
    const r = silent();
    expect(await main([edited, '-o', join(dir, 'gpt2.onnx')], r.io)).toBe(1);
    expect(r.err.join('\n')).toMatch(
      /NonStandardOpsError: .*com\.microsoft:DecoderMaskedMultiHeadAttention.*"GptAttention_0"/s,
    );
    expect(existsSync(join(dir, 'gpt2.onnx'))).toBe(false);
    const cfg = join(dir, 'wrong-config.json');
    writeFileSync(cfg, JSON.stringify({ vocab_size: 50257, n_embd: 768 }));
    const r2 = silent();
    expect(await main([DISTILBERT, '-o', join(dir, 'x.onnx'), '--config', cfg], r2.io)).toBe(1);
    expect(r2.err.join('\n')).toMatch(/does not match config\.json \(vocab_size 50257, hidden size 768\)/);
  });

  it('reads external data (model.onnx_data, _data_1) and config.json from beside the model', async () => {
    const m = decodeModel(readBytes(DISTILBERT));
    const files = withExternalData(m, 'model.onnx', 16, 4_096);
    expect(Object.keys(files).slice(0, 3)).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']);
    const folder = join(dir, 'hub', 'onnx');
    for (const [k, v] of Object.entries(files)) {
      spawnSync('mkdir', ['-p', folder]);
      writeFileSync(join(folder, k), v);
    }
    writeFileSync(join(folder, 'model.onnx'), encodeModel(m));
    copyFileSync(DISTILBERT_CONFIG, join(dir, 'hub', 'config.json'));
    expect(readFileSync(join(folder, 'model.onnx')).length).toBeLessThan(40_000); // the weights really moved out

    const r = silent();
    expect(await main([join(folder, 'model.onnx'), '-o', join(dir, 'grad.onnx')], r.io)).toBe(0);
    expect(r.out.join('\n')).toMatch(/inputs: {2}inputs_embeds, attention_mask, grad_logits/);
    expect(r.out.join('\n')).toMatch(/embedding table: distilbert\.embeddings\.word_embeddings\.weight \[30522, 2\]/);
    // the gradient model keeps its weights in grad.onnx_data beside it, as the model did
    expect(r.out.join('\n')).toMatch(/weights in grad\.onnx_data/);
    expect(readFileSync(join(dir, 'grad.onnx')).length).toBeLessThan(60_000);
    expect(readFileSync(join(dir, 'grad.onnx_data')).length).toBeGreaterThan(1024);
    const viaCli = await logitsGrad(join(dir, 'grad.onnx'));
    const inMemory = await logitsGrad(buildGradientModel(readBytes(DISTILBERT)).bytes);
    expect(Array.from(viaCli)).toEqual(Array.from(inMemory));

    // the library call takes the same files, and names the one that is missing
    const ext = decodeModel(readBytes(join(folder, 'model.onnx')));
    expect(buildGradientModel(ext, { externalData: files }).outputNames).toEqual(['logits', 'grad_inputs_embeds']);
    const { 'model.onnx_data_1': _dropped, ...partial } = files;
    expect(() => buildGradientModel(ext, { externalData: partial })).toThrow(
      /"model\.onnx_data_1", which was not provided/,
    );
  });

  it('--verify on a model with external data loads both from their files and moves the result into place', async () => {
    const m = decodeModel(readBytes(DISTILBERT));
    const files = withExternalData(m, 'model.onnx', 16, 1 << 20);
    const folder = join(dir, 'verify-ext');
    mkdirSync(folder, { recursive: true });
    for (const [k, v] of Object.entries(files)) writeFileSync(join(folder, k), v);
    writeFileSync(join(folder, 'model.onnx'), encodeModel(m));
    const r = silent();
    const out = join(folder, 'grad.onnx');
    expect(await main([join(folder, 'model.onnx'), '-o', out, '--no-config', '--verify'], r.io), r.err.join('\n')).toBe(
      0,
    );
    expect(r.out.join('\n')).toMatch(/weights in grad\.onnx_data/);
    expect(r.out.join('\n')).toMatch(/verified: onnxruntime loads it; forward logits equal to the model's within/);
    // the staging folder is gone; the model and its data file are where they were asked for, and they run
    expect(readdirSync(folder).sort()).toEqual(['grad.onnx', 'grad.onnx_data', 'model.onnx', 'model.onnx_data']);
    expect(Array.from(await logitsGrad(out))).toEqual(
      Array.from(await logitsGrad(buildGradientModel(readBytes(DISTILBERT)).bytes)),
    );
  });

  it('runs as `tsx src/cli.ts` and sets the exit code (the script behind `pnpm onnx-grad`)', () => {
    // one spawn only (a tsx start costs seconds on CI); exit codes of failures are covered through main() above
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const m = decodeModel(readBytes(FUSED_GPT2));
    m.graph.node.find((n) => n.name === 'GptAttention_3')!.op_type = 'DecoderMaskedMultiHeadAttention'; // no decomposition
    const unsupported = join(dir, 'gpt2-unsupported.onnx');
    writeFileSync(unsupported, encodeModel(m));
    const bad = spawnSync(
      tsx,
      [join(REPO_ROOT, 'packages/onnx-grad/src/cli.ts'), unsupported, '-o', join(dir, 'no.onnx')],
      {
        encoding: 'utf8',
        cwd: REPO_ROOT,
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/DecoderMaskedMultiHeadAttention.*"GptAttention_3"/s);
  });
});

describe('onnx-grad CLI: nothing lost, nothing read that is not a file', () => {
  const setup = (name: string) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const model = join(folder, 'model.onnx');
    copyFileSync(VESPA_ENCODER, model);
    return { folder, model, bytes: readFileSync(model) };
  };

  it('refuses an output that is a symlink or a hard link to the input (exit 2, input intact)', async () => {
    const { folder, model, bytes } = setup('links');
    symlinkSync(model, join(folder, 'sym.onnx'));
    linkSync(model, join(folder, 'hard.onnx'));
    for (const out of ['sym.onnx', 'hard.onnx']) {
      const r = silent();
      expect(await main([model, '-o', join(folder, out), '--no-config'], r.io)).toBe(2);
      expect(r.err.join('')).toMatch(/is the input file .* \(the same path, or a link to it\)/);
      expect(readFileSync(model).equals(bytes)).toBe(true);
    }
  });

  it('a write that fails exits 2 and keeps the previous output; a good one replaces it whole', async () => {
    const { folder, model } = setup('write');
    const out = join(folder, 'grad.onnx');
    writeFileSync(out, 'previous');
    chmodSync(folder, 0o555); // no temporary file can be created beside the output
    const r = silent();
    const code = await main([model, '-o', out, '--no-config'], r.io).finally(() => chmodSync(folder, 0o755));
    if (process.getuid?.() !== 0) {
      expect(code).toBe(2);
      expect(r.err.join('')).toMatch(/Cannot write ".*grad\.onnx"/);
      expect(readFileSync(out, 'utf8')).toBe('previous');
    }
    // renaming onto a folder fails for every user (root included): exit 2, the folder and its content stay
    mkdirSync(join(folder, 'taken.onnx'));
    writeFileSync(join(folder, 'taken.onnx', 'inside'), 'x');
    const r2 = silent();
    expect(await main([model, '-o', join(folder, 'taken.onnx'), '--no-config'], r2.io)).toBe(2);
    expect(r2.err.join('')).toMatch(/Cannot write ".*taken\.onnx"/);
    expect(readFileSync(join(folder, 'taken.onnx', 'inside'), 'utf8')).toBe('x');
    expect(await main([model, '-o', out, '--no-config'], silent().io)).toBe(0);
    expect(decodeModel(new Uint8Array(readFileSync(out))).graph.output.map((o) => o.name)).toContain(
      'grad_inputs_embeds',
    );
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses external data that is a FIFO (instead of blocking), outside the folder, or not a decimal length', async () => {
    const { folder, model } = setup('fifo');
    const m = decodeModel(readBytes(model));
    const t = m.graph.initializer.find((x) => x.dims.length === 2)!;
    t.data_location = 1;
    t.raw_data = undefined;
    const write = (entries: { key: string; value: string }[]) => {
      t.external_data = entries;
      writeFileSync(model, encodeModel(m));
    };
    expect(spawnSync('mkfifo', [join(folder, 'model.onnx_data')]).status).toBe(0);
    const cases: [{ key: string; value: string }[], RegExp][] = [
      [[{ key: 'location', value: 'model.onnx_data' }], /is not a regular file \(a folder, FIFO or device\)/],
      [[{ key: 'location', value: '../model.onnx_data' }], /outside the model's folder/],
      [
        [
          { key: 'location', value: 'model.onnx_data' },
          { key: 'length', value: '-5' },
        ],
        /external-data length "-5", not a non-negative decimal integer/,
      ],
    ];
    for (const [entries, message] of cases) {
      write(entries);
      const r = silent();
      expect(await main([model, '-o', join(folder, 'grad.onnx'), '--no-config'], r.io)).toBe(2);
      expect(r.err.join('')).toMatch(message);
    }
  });

  it('--verify loads the result in onnxruntime and compares the forward; --time-budget stops a slow build', async () => {
    const { folder, model } = setup('verify');
    const r = silent();
    expect(await main([model, '-o', join(folder, 'grad.onnx'), '--no-config', '--verify'], r.io)).toBe(0);
    expect(r.out.join('')).toMatch(/verified: onnxruntime loads it; forward \w+ equal to the model's within/);
    const slow = silent();
    expect(
      await main([model, '-o', join(folder, 'slow.onnx'), '--no-config', '--time-budget', '0.000001'], slow.io),
    ).toBe(1);
    expect(slow.err.join('')).toMatch(/BuildBudgetError: Building the gradient model took longer than the time budget/);
    expect(existsSync(join(folder, 'slow.onnx'))).toBe(false);
    const bad = silent();
    expect(await main([model, '-o', join(folder, 'x.onnx'), '--time-budget', 'soon'], bad.io)).toBe(2);
  });
});
