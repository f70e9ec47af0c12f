/**
 * `pnpm onnx-grad <model.onnx> -o <grad.onnx> [--cut <tensor>] [--output logits] [--wrt a,b] [--config config.json]`
 *
 * Writes the gradient model of a forward ONNX model. External data files named by the model (`model.onnx_data`,
 * `model.onnx_data_1`, ...) are read from beside it; `config.json` beside the model (or in its parent folder, the
 * Hub layout `onnx/model.onnx`) is used to check the embedding table unless `--config` names another.
 * Exit codes: 0 success, 1 the model could not be converted (or --verify found a difference), 2 bad command line,
 * unreadable inputs or an unwritable output. The output is written to a temporary file renamed into place, and never
 * onto the input (through symlinks or hard links either).
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModel, type ModelProto } from './onnx/proto.ts';
import { buildGradientModel, type GradientModel, type GradientModelOptions } from './gradient-model.ts';
import { externalDataLocation, fileSource, writeExternalData, type FileSource } from './onnx/files.ts';
import { FileAccessError, openExternalDataFiles, readRegularFile, sameFile, writeFileAtomic } from './io/files.ts';
import { verifyGradientModel, type VerifyRuntime } from './verify.ts';

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
      --verify            load the result in onnxruntime-node and compare its forward with the model's
                          on a random input before keeping the file
      --time-budget <s>   stop with an error after this many seconds of building
  -h, --help              show this help

External data (model.onnx_data, model.onnx_data_1, ...) is read from the model's folder (regular files only);
the gradient model of such a model keeps its weights in <grad.onnx>_data beside it.
Exit codes: 0 ok, 1 conversion failed or --verify found a difference (message says why), 2 bad arguments,
unreadable inputs or an unwritable output.`;

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
  try {
    return readRegularFile(path, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * The external data files a model names, opened from its folder (regular files inside it only) as readers: each
 * tensor is read when the build first needs it. Close them once the gradient model is written.
 */
export function readExternalData(modelPath: string, model: ModelProto): Record<string, FileSource> {
  try {
    return openExternalDataFiles(modelPath, model, (path) => fileSource(path));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
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
      verify: { type: 'boolean' },
      'time-budget': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function loadRuntime(): Promise<VerifyRuntime> {
  try {
    return (await import('onnxruntime-node')) as unknown as VerifyRuntime;
  } catch (e) {
    throw new UsageError(`--verify needs onnxruntime-node (npm i -D onnxruntime-node): ${(e as Error).message}`);
  }
}

/** Refuses an output that is the input model or one of its external data files, through any link. */
function checkOutput(outPath: string, inputs: string[]): void {
  for (const input of inputs) {
    if (outPath === input || sameFile(outPath, input))
      throw new UsageError(
        `The output "${outPath}" is the input file "${input}" (the same path, or a link to it): choose another -o file.`,
      );
  }
  if (!existsSync(dirname(outPath))) throw new UsageError(`Cannot write "${outPath}": its folder does not exist.`);
}

function parseBudget(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = Number(v);
  if (!(s > 0) || !Number.isFinite(s))
    throw new UsageError(`--time-budget "${v}": expected a positive number of seconds.`);
  return s * 1000;
}

/** Runs the CLI; resolves to the exit code (never calls process.exit, so tests can call it). */
export async function main(argv: string[], io: CliIo = { log: console.log, error: console.error }): Promise<number> {
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
    const timeBudgetMs = parseBudget(values['time-budget']);
    const runtime = values.verify ? await loadRuntime() : undefined;
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
    let grad: GradientModel;
    let dataBytes = 0;
    let verified: string | undefined;
    try {
      const dataOut = external ? externalDataLocation(outPath) : undefined;
      checkOutput(outPath, [modelPath, ...Object.values(externalData).map((f) => f.path)]);
      if (dataOut)
        checkOutput(
          join(dirname(outPath), dataOut),
          Object.values(externalData).map((f) => f.path),
        );
      grad = buildGradientModel(model, {
        externalData,
        externalDataOut: dataOut ? { location: dataOut } : undefined,
        cut: values.cut ? { tensor: values.cut } : undefined,
        outputs: list(values.output),
        wrt: list(values.wrt),
        config,
        timeBudgetMs,
      });
      if (runtime && grad.externalData) {
        // onnxruntime reads external data from files: write both into a fresh folder beside the output, load and
        // compare them there, and move them into place only once verified (a failed check writes nothing)
        const staging = mkdtempSync(join(dirname(outPath), '.onnx-grad-verify-'));
        try {
          const stagedModel = join(staging, basename(outPath));
          const stagedData = join(staging, grad.externalData.location);
          try {
            dataBytes = writeExternalData(stagedData, grad.externalData);
            writeFileAtomic(stagedModel, grad.bytes);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
          verified = await verify(runtime, bytes, grad, { original: modelPath, grad: stagedModel });
          renameSync(stagedData, join(dirname(outPath), grad.externalData.location));
          renameSync(stagedModel, outPath);
        } finally {
          rmSync(staging, { recursive: true, force: true });
        }
      } else {
        // the original with external data is loaded from its path (its data files beside it)
        verified = runtime
          ? await verify(runtime, bytes, grad, { original: external ? modelPath : undefined })
          : undefined;
        try {
          if (grad.externalData)
            dataBytes = writeExternalData(join(dirname(outPath), grad.externalData.location), grad.externalData);
          writeFileAtomic(outPath, grad.bytes);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
    } finally {
      for (const f of Object.values(externalData)) f.close();
    }
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
          : '') +
        (verified ? `\n  verified: ${verified}` : ''),
    );
    return 0;
  } catch (e) {
    const err = e as Error;
    if (e instanceof UsageError || e instanceof FileAccessError) {
      io.error(`onnx-grad: ${err.message}\nRun with --help for usage.`);
      return 2;
    }
    io.error(`onnx-grad: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`);
    return 1;
  }
}

/** Loads the gradient model in onnxruntime and compares its forward with the original's (--verify). */
async function verify(
  rt: VerifyRuntime,
  bytes: Uint8Array,
  grad: GradientModel,
  paths: { original?: string; grad?: string } = {},
): Promise<string> {
  const model = decodeModel(bytes);
  const r = await verifyGradientModel(rt, { bytes, model, path: paths.original }, grad, 1, paths.grad);
  return r.compared.length > 0
    ? `onnxruntime loads it; forward ${r.compared.join(', ')} equal to the model's within ${r.maxRelativeDiff.toExponential(1)} of max |output|`
    : 'onnxruntime loads and runs it (forward compared only for the default word-embedding cut)';
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
