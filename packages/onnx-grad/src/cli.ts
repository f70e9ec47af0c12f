/**
 * `pnpm onnx-grad <model.onnx> -o <grad.onnx> [--cut <tensor>] [--output logits] [--wrt a,b] [--config config.json]`
 *
 * Writes the gradient model of a forward ONNX model. External data files named by the model (`model.onnx_data`,
 * `model.onnx_data_1`, ...) are read from beside it; `config.json` beside the model (or in its parent folder, the
 * Hub layout `onnx/model.onnx`) is used to check the embedding table unless `--config` names another.
 * Exit codes: 0 success, 1 the model could not be converted, 2 bad command line or unreadable files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModel, type ModelProto, type TensorProto, type GraphProto } from './onnx/proto.ts';
import { buildGradientModel, type GradientModelOptions } from './gradient-model.ts';
import { externalDataLocation, fileSource, writeExternalData, type FileSource } from './onnx/files.ts';

const USAGE = `Usage: pnpm onnx-grad <model.onnx> -o <grad.onnx> [options]

Turns a forward ONNX model into a gradient model: the word-embedding lookup becomes the input
"inputs_embeds" [batch, sequence, hidden], each differentiated output gets a cotangent input
"grad_<output>", and the outputs are the original ones followed by "grad_inputs_embeds".

Options:
  -o, --out <file>        where to write the gradient model (required)
      --cut <tensor>      cut at this tensor instead of the word-embedding lookup
      --output <names>    comma-separated outputs to differentiate (default: logits, else the first output)
      --wrt <names>       comma-separated extra tensors whose gradients become outputs grad_<name>
      --config <file>     config.json used to check vocab_size / hidden size (default: found beside the model)
      --no-config         do not look for a config.json
  -h, --help              show this help

External data (model.onnx_data, model.onnx_data_1, ...) is read from the model's folder; the gradient
model of such a model keeps its weights in <grad.onnx>_data beside it.
Exit codes: 0 ok, 1 conversion failed (message says why), 2 bad arguments or unreadable files.`;

class UsageError extends Error {}

export interface CliIo {
  log: (s: string) => void;
  error: (s: string) => void;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function readFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`${what} "${path}" does not exist.`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`Cannot read ${what} "${path}": ${(e as Error).message}`);
  }
}

function externalLocations(g: GraphProto, out = new Set<string>()): Set<string> {
  const visit = (t: TensorProto) => {
    if (t.data_location !== 1) return;
    const loc = t.external_data?.find((e) => e.key === 'location')?.value;
    if (loc) out.add(loc);
  };
  g.initializer.forEach(visit);
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) visit(a.t);
      for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) externalLocations(sub, out);
    }
  }
  return out;
}

/**
 * The external data files a model names, opened from its folder (locations are relative to the model file) as
 * readers: each tensor is read when the build first needs it. Close them once the gradient model is written.
 */
export function readExternalData(modelPath: string, model: ModelProto): Record<string, FileSource> {
  const files: Record<string, FileSource> = {};
  try {
    for (const loc of externalLocations(model.graph)) {
      if (loc.includes('..') || loc.startsWith('/'))
        throw new UsageError(`The model names external data "${loc}" outside its folder; refusing to read it.`);
      const path = join(dirname(modelPath), loc);
      if (!existsSync(path))
        throw new UsageError(`External data file (named by ${basename(modelPath)}) "${path}" does not exist.`);
      files[loc] = fileSource(path);
    }
  } catch (e) {
    for (const f of Object.values(files)) f.close();
    throw e;
  }
  return files;
}

/** vocab_size and the hidden size under its per-family names (hidden_size, dim, n_embd, d_model). */
export function embeddingConfig(config: Record<string, unknown>): GradientModelOptions['config'] {
  const num = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  return {
    vocab_size: num('vocab_size'),
    hidden_size: num('hidden_size') ?? num('dim') ?? num('n_embd') ?? num('d_model'),
  };
}

function readConfig(path: string): GradientModelOptions['config'] {
  const text = new TextDecoder().decode(readFile(path, 'Config file'));
  try {
    return embeddingConfig(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`Config file "${path}" is not valid JSON: ${(e as Error).message}`);
  }
}

function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      cut: { type: 'string' },
      output: { type: 'string' },
      wrt: { type: 'string' },
      config: { type: 'string' },
      'no-config': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Runs the CLI; returns the exit code (never calls process.exit, so tests can call it). */
export function main(argv: string[], io: CliIo = { log: console.log, error: console.error }): number {
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(argv);
  } catch (e) {
    io.error(`onnx-grad: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.log(USAGE);
    return 0;
  }
  try {
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length === 0
          ? 'Missing the input model path.'
          : `Expected one model path, got ${positionals.length}: ${positionals.join(' ')}.`,
      );
    if (!values.out) throw new UsageError('Missing -o <grad.onnx>: where to write the gradient model.');
    const modelPath = resolve(positionals[0]!);
    const outPath = resolve(values.out);
    if (outPath === modelPath) throw new UsageError('The output path is the input model: choose another -o file.');
    const bytes = readFile(modelPath, 'Model file');
    let config: GradientModelOptions['config'];
    if (values.config) config = readConfig(values.config);
    else if (!values['no-config']) {
      const found = [join(dirname(modelPath), 'config.json'), join(dirname(modelPath), '..', 'config.json')].find(
        existsSync,
      );
      if (found) config = readConfig(found);
    }
    const t0 = performance.now();
    const model = decodeModel(bytes);
    // a model with external data gets a gradient model with external data (its weights written beside it)
    const externalData = readExternalData(modelPath, model);
    const external = Object.keys(externalData).length > 0;
    let grad: ReturnType<typeof buildGradientModel>;
    let dataBytes = 0;
    try {
      grad = buildGradientModel(model, {
        externalData,
        externalDataOut: external ? { location: externalDataLocation(outPath) } : undefined,
        cut: values.cut ? { tensor: values.cut } : undefined,
        outputs: list(values.output),
        wrt: list(values.wrt),
        config,
      });
      if (grad.externalData)
        dataBytes = writeExternalData(join(dirname(outPath), grad.externalData.location), grad.externalData);
    } finally {
      for (const f of Object.values(externalData)) f.close();
    }
    writeFileSync(outPath, grad.bytes);
    const ms = performance.now() - t0;
    const size = `${((grad.bytes.length + dataBytes) / 1e6).toFixed(1)} MB${dataBytes ? `, weights in ${grad.externalData!.location}` : ''}`;
    io.log(
      `Wrote ${outPath} (${size}, opset ${grad.opset}, built in ${ms.toFixed(0)} ms)\n` +
        `  inputs:  ${grad.inputNames.join(', ')}\n  outputs: ${grad.outputNames.join(', ')}` +
        (grad.embedding
          ? `\n  embedding table: ${grad.embedding.weightName} [${grad.embedding.vocabSize}, ${grad.embedding.hiddenSize}]`
          : '') +
        (grad.conversions.quantization
          ? `\n  quantized: ${grad.conversions.quantization} node(s) lowered to float ops (straight-through gradient through quantized activations)`
          : '') +
        (grad.conversions.float16
          ? `\n  float16: computed in float32 (${grad.conversions.float16} half tensor(s)/attribute(s) converted; half weights stay half in the file)`
          : ''),
    );
    return 0;
  } catch (e) {
    const err = e as Error;
    if (e instanceof UsageError) {
      io.error(`onnx-grad: ${err.message}\nRun with --help for usage.`);
      return 2;
    }
    io.error(`onnx-grad: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
