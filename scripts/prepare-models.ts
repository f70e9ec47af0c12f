/**
 * Makes the playground's embedded default models available offline under public/models/<name>/
 * (Hub layout). A folder that is already there without the generated marker is a committed trained
 * model and is left alone; otherwise the test fixture of that name is generated (ensureFixture) and
 * copied in, with a marker file and a `.gitignore` that keeps it out of git.
 *
 *   pnpm prepare-models            # generate what is missing
 *   pnpm prepare-models --force    # regenerate every generated fixture
 *
 * The committed sentiment classifier also gets its q8 file, `onnx/model_quantized.onnx`, made at prepare time as
 * onnxruntime's quantize_dynamic writes it (uint8 weights, embedding tables included) and kept out of git, so the
 * playground can offer dtype 'q8' for a trained model.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'public/models');
/** Kept in sync with apps/playground/build/models-manifest.ts (GENERATED_MARKER). */
const MARKER = '.generated-fixture';

/** The default models: a classifier and a causal LM with real tokenizers, and two exact-answer models. */
export const DEFAULT_FIXTURES = ['bert-tiny-opset11', 'gpt2-tiny-opset13', 'additive-classifier', 'copy-lm'];

/** Committed models that get a q8 `onnx/model_quantized.onnx` at prepare time (ignored by git). */
export const QUANTIZED_MODELS = ['bert-tiny-sentiment'];

type EnsureFixture = (name: string) => unknown;

async function loadEnsureFixture(): Promise<EnsureFixture> {
  const path = join(root, 'packages/onnx-grad/test/fixtures/index.ts');
  if (!existsSync(path))
    throw new Error(`${path} is missing: the fixture generator (ensureFixture) is needed to make the default models.`);
  const mod = (await import(path)) as { ensureFixture?: EnsureFixture };
  if (typeof mod.ensureFixture !== 'function') throw new Error(`${path} does not export ensureFixture(name).`);
  return mod.ensureFixture;
}

interface Quantizer {
  quantize(onnx: Uint8Array): Uint8Array;
}

async function loadQuantizer(): Promise<Quantizer> {
  const fixtures = (await import(join(root, 'packages/onnx-grad/test/fixtures/index.ts'))) as {
    quantizeDynamic: (m: unknown, o: { weightType: 'uint8'; gather: boolean }) => unknown;
  };
  const grad = (await import(join(root, 'packages/onnx-grad/src/index.ts'))) as {
    decodeModel: (b: Uint8Array) => unknown;
    encodeModel: (m: unknown) => Uint8Array;
  };
  return {
    // transformers.js's q8 files: quantize_dynamic with uint8 weights, Gather tables included
    quantize: (onnx) =>
      grad.encodeModel(fixtures.quantizeDynamic(grad.decodeModel(onnx), { weightType: 'uint8', gather: true })),
  };
}

/** Writes `onnx/model_quantized.onnx` beside a committed model when missing or older than `model.onnx`. */
async function addQuantized(dir: string, quantizer: () => Promise<Quantizer>, force: boolean): Promise<boolean> {
  const src = join(dir, 'onnx', 'model.onnx');
  const dest = join(dir, 'onnx', 'model_quantized.onnx');
  if (!existsSync(src)) return false;
  if (!force && existsSync(dest) && statSync(dest).mtimeMs >= statSync(src).mtimeMs) return true;
  writeFileSync(dest, (await quantizer()).quantize(new Uint8Array(readFileSync(src))));
  return true;
}

/** ensureFixture returns the folder (a path, or an object holding it). */
function folderOf(result: unknown, name: string): string {
  const dir =
    typeof result === 'string'
      ? result
      : ((result as { dir?: string; path?: string } | null)?.dir ?? (result as { path?: string } | null)?.path);
  if (!dir || !existsSync(join(dir, 'config.json')))
    throw new Error(`ensureFixture('${name}') gave no model folder (got ${JSON.stringify(result)}).`);
  return dir;
}

/** The fixture cache writes a generator hash beside each folder; equal hashes mean an up-to-date copy. */
function sameVersion(src: string, dest: string): boolean {
  const a = join(src, '.fixture-version');
  const b = join(dest, '.fixture-version');
  if (existsSync(a) && existsSync(b)) return readFileSync(a, 'utf8') === readFileSync(b, 'utf8');
  return statSync(join(dest, MARKER)).mtimeMs >= statSync(join(src, 'onnx', 'model.onnx')).mtimeMs;
}

export async function prepareModels(
  force = false,
): Promise<{ generated: string[]; kept: string[]; quantized: string[] }> {
  mkdirSync(modelsDir, { recursive: true });
  const generated: string[] = [];
  const kept: string[] = [];
  let ensureFixture: EnsureFixture | null = null;
  for (const name of DEFAULT_FIXTURES) {
    const dest = join(modelsDir, name);
    const present = existsSync(join(dest, 'onnx', 'model.onnx'));
    const isGenerated = existsSync(join(dest, MARKER));
    if (present && !isGenerated) {
      kept.push(name);
      continue;
    }
    ensureFixture ??= await loadEnsureFixture();
    const src = folderOf(await ensureFixture(name), name);
    if (present && !force && sameVersion(src, dest)) {
      generated.push(name);
      continue;
    }
    rmSync(dest, { recursive: true, force: true });
    cpSync(src, dest, { recursive: true });
    writeFileSync(join(dest, MARKER), `generated by scripts/prepare-models.ts from the test fixture "${name}"\n`);
    writeFileSync(
      join(dest, '.gitignore'),
      '# generated test fixture (scripts/prepare-models.ts), not a committed model\n*\n',
    );
    generated.push(name);
  }
  const quantized: string[] = [];
  let quantizer: Promise<Quantizer> | null = null;
  for (const name of QUANTIZED_MODELS) {
    if (await addQuantized(join(modelsDir, name), () => (quantizer ??= loadQuantizer()), force)) quantized.push(name);
  }
  return { generated, kept, quantized };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { generated, kept, quantized } = await prepareModels(process.argv.includes('--force'));
  if (kept.length) console.log(`prepare-models: kept committed models: ${kept.join(', ')}`);
  if (generated.length) console.log(`prepare-models: fixture models in public/models: ${generated.join(', ')}`);
  if (quantized.length) console.log(`prepare-models: q8 onnx/model_quantized.onnx for: ${quantized.join(', ')}`);
}
