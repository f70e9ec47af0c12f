/**
 * Makes the playground's embedded default models available offline under public/models/<name>/
 * (Hub layout). A folder that is already there without the generated marker is a committed trained
 * model (or the user's) and is left alone; otherwise the test fixture of that name is generated
 * (ensureFixture) and copied in, with a marker file and a `.gitignore` that keeps it out of git.
 * Nothing is deleted that this script did not write: `public/models/.prepare-models.json` lists the
 * files it wrote in each folder, and a regeneration removes only those (files added by hand stay).
 * Every file is written to a temporary file renamed into place.
 *
 *   pnpm prepare-models            # generate what is missing
 *   pnpm prepare-models --force    # regenerate every generated fixture
 *
 * The committed trained models also get reduced-precision files, made at prepare time and kept out of git, so the
 * playground offers a dtype besides fp32 for each: the sentiment classifier its q8 file,
 * `onnx/model_quantized.onnx`, as onnxruntime's quantize_dynamic writes it (uint8 weights, embedding tables
 * included); the colours LM its q4f16 file, `onnx/model_q4f16.onnx`, as the MatMulNBits quantizer (4-bit MatMul
 * weights, blocks of 16) then onnxconverter_common's float16 conversion write it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'public/models');
/** Kept in sync with apps/playground/build/models-manifest.ts (GENERATED_MARKER). */
const MARKER = '.generated-fixture';
/** The files prepare-models wrote, per folder: the only ones a regeneration may delete. */
const MANIFEST = '.prepare-models.json';

type Manifest = Record<string, string[]>;

async function atomicWriter(): Promise<(path: string, bytes: Uint8Array | string) => void> {
  const mod = (await import(join(root, 'packages/onnx-grad/src/io/files.ts'))) as {
    writeFileAtomic: (path: string, bytes: Uint8Array | string) => void;
  };
  return mod.writeFileAtomic;
}

export function readManifest(dir = modelsDir): Manifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return {};
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    return m && typeof m === 'object' ? m : {};
  } catch {
    return {}; // an unreadable manifest grants nothing: folders are then only added to, never deleted from
  }
}

function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, base));
    else if (e.isFile()) out.push(relative(base, p));
  }
  return out;
}

/** Removes the listed files (and the folders they leave empty); anything else in `dest` stays. */
function removeWritten(dest: string, files: readonly string[]): void {
  for (const f of files) {
    const p = resolve(dest, f);
    if (relative(dest, p).startsWith('..')) continue; // a manifest entry never reaches outside its folder
    if (existsSync(p) && statSync(p).isFile()) unlinkSync(p);
  }
  const prune = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) prune(join(dir, e.name));
    if (dir !== dest && readdirSync(dir).length === 0) rmdirSync(dir);
  };
  if (existsSync(dest)) prune(dest);
}

/**
 * The default models: a classifier and a causal LM with real tokenizers, two exact-answer models, and the vendored
 * fused GPT-2 (com.microsoft ops) in transformers.js's layout.
 */
export const DEFAULT_FIXTURES = [
  'bert-tiny-opset11',
  'gpt2-tiny-opset13',
  'additive-classifier',
  'copy-lm',
  'gpt2-ortgenai-fused',
];

/** The dtype files made at prepare time (ignored by git) for the committed models: file name -> dtype. */
export const QUANTIZED_MODELS: Record<string, Record<string, 'q8' | 'q4f16'>> = {
  'bert-tiny-sentiment': { 'model_quantized.onnx': 'q8' },
  'gpt2-tiny-colours': { 'model_q4f16.onnx': 'q4f16' },
};

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
  quantize(onnx: Uint8Array, dtype: 'q8' | 'q4f16'): Uint8Array;
}

async function loadQuantizer(): Promise<Quantizer> {
  const fixtures = (await import(join(root, 'packages/onnx-grad/test/fixtures/index.ts'))) as {
    quantizeDynamic: (m: unknown, o: { weightType: 'uint8'; gather: boolean }) => unknown;
    quantizeMatMulNBits: (m: unknown) => unknown;
    convertToFloat16: (m: unknown) => unknown;
  };
  const grad = (await import(join(root, 'packages/onnx-grad/src/index.ts'))) as {
    decodeModel: (b: Uint8Array) => unknown;
    encodeModel: (m: unknown) => Uint8Array;
  };
  return {
    // transformers.js's q8 files: quantize_dynamic with uint8 weights, Gather tables included; q4f16: MatMulNBits
    // weights, then everything float converted to float16
    quantize: (onnx, dtype) => {
      const model = grad.decodeModel(onnx);
      return grad.encodeModel(
        dtype === 'q8'
          ? fixtures.quantizeDynamic(model, { weightType: 'uint8', gather: true })
          : fixtures.convertToFloat16(fixtures.quantizeMatMulNBits(model)),
      );
    },
  };
}

/** Writes `onnx/<file>` (of `dtype`) beside a committed model when missing or older than `model.onnx`. */
async function addQuantized(
  dir: string,
  file: string,
  dtype: 'q8' | 'q4f16',
  quantizer: () => Promise<Quantizer>,
  force: boolean,
  write: (path: string, bytes: Uint8Array) => void,
): Promise<boolean> {
  const src = join(dir, 'onnx', 'model.onnx');
  const dest = join(dir, 'onnx', file);
  if (!existsSync(src)) return false;
  if (!force && existsSync(dest) && statSync(dest).mtimeMs >= statSync(src).mtimeMs) return true;
  write(dest, (await quantizer()).quantize(new Uint8Array(readFileSync(src)), dtype));
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
  dir = modelsDir,
): Promise<{ generated: string[]; kept: string[]; quantized: string[]; skipped: string[] }> {
  mkdirSync(dir, { recursive: true });
  const write = await atomicWriter();
  const manifest = readManifest(dir);
  const generated: string[] = [];
  const kept: string[] = [];
  const skipped: string[] = [];
  let ensureFixture: EnsureFixture | null = null;
  for (const name of DEFAULT_FIXTURES) {
    const dest = join(dir, name);
    const present = existsSync(join(dest, 'onnx', 'model.onnx'));
    // the marker is written by this script only (a folder from before the manifest lists no files: nothing is removed)
    const ours = existsSync(join(dest, MARKER));
    if (present && !ours) {
      kept.push(name);
      continue;
    }
    if (!present && existsSync(dest) && !ours && readdirSync(dest).length > 0) {
      // someone else's folder under a fixture's name: never deleted, never written into
      console.warn(
        `prepare-models: ${dest} exists and was not written by prepare-models; left as it is (move it away to get the "${name}" fixture).`,
      );
      skipped.push(name);
      continue;
    }
    ensureFixture ??= await loadEnsureFixture();
    const src = folderOf(await ensureFixture(name), name);
    if (present && !force && sameVersion(src, dest)) {
      generated.push(name);
      continue;
    }
    removeWritten(dest, manifest[name] ?? []);
    const files = filesUnder(src);
    for (const f of files) {
      mkdirSync(dirname(join(dest, f)), { recursive: true });
      write(join(dest, f), new Uint8Array(readFileSync(join(src, f))));
    }
    write(join(dest, MARKER), `generated by scripts/prepare-models.ts from the test fixture "${name}"\n`);
    write(join(dest, '.gitignore'), '# generated test fixture (scripts/prepare-models.ts), not a committed model\n*\n');
    manifest[name] = [...files, MARKER, '.gitignore'];
    write(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    generated.push(name);
  }
  const quantized: string[] = [];
  let quantizer: Promise<Quantizer> | null = null;
  for (const [name, files] of Object.entries(QUANTIZED_MODELS)) {
    for (const [file, dtype] of Object.entries(files)) {
      if (await addQuantized(join(dir, name), file, dtype, () => (quantizer ??= loadQuantizer()), force, write))
        quantized.push(`${name} (${dtype})`);
    }
  }
  return { generated, kept, quantized, skipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { generated, kept, quantized, skipped } = await prepareModels(process.argv.includes('--force'));
  if (skipped.length) console.log(`prepare-models: left folders it did not write: ${skipped.join(', ')}`);
  if (kept.length) console.log(`prepare-models: kept committed models: ${kept.join(', ')}`);
  if (generated.length) console.log(`prepare-models: fixture models in public/models: ${generated.join(', ')}`);
  if (quantized.length) console.log(`prepare-models: reduced-precision files for: ${quantized.join(', ')}`);
}
