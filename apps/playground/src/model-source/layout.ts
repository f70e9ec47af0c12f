/**
 * Turns the files a user picked or dropped (paths relative to what they chose) into a Hub-layout model folder,
 * or into errors that name each missing file and what it is for. Pure: no File, no DOM; the page maps the
 * result back to its File objects.
 */
import { dtypesOfFiles } from '@interpreto-js/core/registry';

export interface PickedFile {
  /** Path as the browser gives it: `webkitRelativePath` for a folder, the bare name for loose files. */
  path: string;
  size: number;
}

export interface FolderPlan {
  /** A name for the model: the folder's name ('my-model' for loose files, see fromFolder). */
  name: string;
  /** The files came in a folder (its name is `name`). */
  fromFolder: boolean;
  /** Hub-layout path (`config.json`, `onnx/model.onnx`, ...) -> the picked path it comes from (`/` separated). */
  files: Map<string, string>;
  /** dtypes with an `onnx/model<suffix>.onnx`, fp32 first (the dtype menu). */
  dtypes: string[];
  /** ONNX files whose weights sit in `<file>_data` beside them: transformers.js's `use_external_data_format`. */
  externalData: Record<string, number>;
  /** True when tokenizer_config.json is missing and must be written (see minimalTokenizerConfig). */
  needsTokenizerConfig: boolean;
  /** What was done to make the folder loadable, said to the user. */
  notes: string[];
}

export type PlanResult = { ok: true; plan: FolderPlan } | { ok: false; problems: string[] };

/** What each required file is for, in the words an error uses. */
export const REQUIRED: Record<string, string> = {
  'config.json': "the model's configuration (architecture and class labels), which says which task it does",
  'tokenizer.json': "the tokenizer (vocabulary and rules), which turns the text into the model's token ids",
};

const ONNX_FILE = /^(?:onnx\/)?[^/]+\.onnx$/;
const ONNX_DATA = /^(?:onnx\/)?[^/]+\.onnx_data(?:_\d+)?$/;

/** Drops the folder the user chose (common first segment), dotfiles and dot-folders; `\` becomes `/`. */
export function relativePaths(files: readonly PickedFile[]): {
  root: string | null;
  paths: (PickedFile & { from: string })[];
} {
  const norm = files.map((f) => ({ ...f, path: f.path.replace(/\\/g, '/').replace(/^\/+/, '') }));
  const firsts = new Set(norm.map((f) => (f.path.includes('/') ? f.path.split('/')[0] : null)));
  const root = firsts.size === 1 && !firsts.has(null) ? ([...firsts][0] as string) : null;
  const stripped = norm.map((f) => ({ ...f, from: f.path, path: root ? f.path.slice(root.length + 1) : f.path }));
  return { root, paths: stripped.filter((f) => !f.path.split('/').some((seg) => seg.startsWith('.'))) };
}

/**
 * Plans the model folder. An optimum export keeps `model.onnx` at the top level: with no `onnx/` folder, top-level
 * ONNX files (and their `_data`) are moved under `onnx/`, where transformers.js looks.
 */
export function planFolder(picked: readonly PickedFile[]): PlanResult {
  const { root, paths } = relativePaths(picked);
  const problems: string[] = [];
  const notes: string[] = [];
  const has = new Set(paths.map((p) => p.path));
  const hasOnnxFolder = paths.some((p) => p.path.startsWith('onnx/') && p.path.endsWith('.onnx'));
  const files = new Map<string, string>();
  const moved: string[] = [];
  for (const { path, from } of paths) {
    if (ONNX_FILE.test(path) || ONNX_DATA.test(path)) {
      if (path.startsWith('onnx/')) files.set(path, from);
      else if (!hasOnnxFolder) {
        files.set(`onnx/${path}`, from);
        moved.push(path);
      }
    } else if (!path.includes('/') && /\.(json|txt|model)$/.test(path)) files.set(path, from);
  }
  if (moved.length)
    notes.push(`${moved.join(', ')}: read as onnx/${moved[0]} (an optimum export keeps its ONNX files at the top).`);
  for (const [file, what] of Object.entries(REQUIRED)) {
    if (!has.has(file)) problems.push(`${file} is missing: it is ${what}.`);
  }
  const onnxNames = [...files.keys()].filter((p) => p.endsWith('.onnx')).map((p) => p.slice('onnx/'.length));
  const dtypes = dtypesOfFiles(onnxNames);
  if (!dtypes.length) {
    problems.push(
      onnxNames.length
        ? `No ONNX file has a name transformers.js loads (found ${onnxNames.join(', ')}): the model file must be model.onnx (or model_quantized.onnx, model_fp16.onnx, ...), in onnx/ or at the top of the folder.`
        : 'model.onnx is missing: it is the ONNX graph with the weights, what runs. Add onnx/model.onnx (or model.onnx at the top of the folder).',
    );
  }
  const externalData: Record<string, number> = {};
  for (const name of onnxNames) {
    let n = 0;
    while (files.has(`onnx/${name}_data${n === 0 ? '' : `_${n}`}`)) n++;
    if (n) externalData[name] = n;
  }
  for (const p of files.keys()) {
    const owner = /^onnx\/(.+\.onnx)_data(?:_\d+)?$/.exec(p)?.[1];
    if (owner && !files.has(`onnx/${owner}`))
      problems.push(`${p} is external data of onnx/${owner}, which is missing.`);
  }
  if (problems.length) return { ok: false, problems };
  const needsTokenizerConfig = !has.has('tokenizer_config.json');
  if (needsTokenizerConfig)
    notes.push(
      'tokenizer_config.json is missing: a minimal one was written from config.json and tokenizer.json (transformers.js needs it; tokenizer.json holds the tokenizer itself).',
    );
  return {
    ok: true,
    plan: {
      name: safeName(root ?? 'my-model'),
      fromFolder: root !== null,
      files,
      dtypes,
      externalData,
      needsTokenizerConfig,
      notes,
    },
  };
}

/** A name transformers.js accepts as a model id segment: letters, digits, `-`, `_`, `.`; no `..` or `--`. */
export function safeName(name: string): string {
  const s = name
    .replace(/[^\w.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return s || 'model';
}

interface TokenizerJsonLike {
  model?: { type?: string; unk_token?: string };
  added_tokens?: { content?: string; special?: boolean }[];
  pre_tokenizer?: { type?: string; pretokenizers?: { type?: string }[] } | null;
}

/** Special-token roles by the token's bare name (`[MASK]`, `<mask>` -> mask). */
const ROLES: Record<string, string[]> = {
  pad: ['pad_token'],
  unk: ['unk_token'],
  cls: ['cls_token'],
  sep: ['sep_token'],
  mask: ['mask_token'],
  s: ['bos_token'],
  '/s': ['eos_token'],
  bos: ['bos_token'],
  eos: ['eos_token'],
  endoftext: ['eos_token', 'bos_token', 'unk_token'],
};

/**
 * The smallest tokenizer_config.json transformers.js loads: the class (from the config's model_type, else from the
 * tokenizer.json's algorithm), the special tokens (tokenizer.json's special added tokens by name: the explainers
 * replace units with the mask, unk or pad token) and the maximum length (max_position_embeddings / n_positions).
 */
export function minimalTokenizerConfig(
  config: { model_type?: string; max_position_embeddings?: number; n_positions?: number },
  tokenizer: TokenizerJsonLike,
): Record<string, unknown> {
  const byType: Record<string, string> = {
    bert: 'BertTokenizer',
    distilbert: 'DistilBertTokenizer',
    roberta: 'RobertaTokenizer',
    gpt2: 'GPT2Tokenizer',
    llama: 'LlamaTokenizer',
  };
  const pre = tokenizer.pre_tokenizer;
  const byteLevel = pre?.type === 'ByteLevel' || pre?.pretokenizers?.some((p) => p.type === 'ByteLevel');
  const algorithm = tokenizer.model?.type;
  const tokenizerClass =
    byType[config.model_type ?? ''] ??
    (algorithm === 'WordPiece' ? 'BertTokenizer' : algorithm === 'BPE' && byteLevel ? 'GPT2Tokenizer' : undefined);
  const out: Record<string, unknown> = {};
  if (tokenizerClass) out.tokenizer_class = tokenizerClass;
  for (const t of tokenizer.added_tokens ?? []) {
    if (!t.special || !t.content) continue;
    const bare = t.content.replace(/^[[<]\|?|\|?[\]>]$/g, '').toLowerCase();
    for (const role of ROLES[bare] ?? []) out[role] ??= t.content;
  }
  if (tokenizer.model?.unk_token) out.unk_token ??= tokenizer.model.unk_token;
  const max = config.max_position_embeddings ?? config.n_positions;
  if (typeof max === 'number' && Number.isFinite(max) && max > 0) out.model_max_length = max;
  return out;
}

/** A short stable tag of the picked files (names, sizes), so two different folders of one name get two ids. */
export function filesTag(picked: readonly PickedFile[], extra = ''): string {
  let h = 0x811c9dc5;
  const text = `${picked
    .map((f) => `${f.path}:${f.size}`)
    .sort()
    .join('|')}|${extra}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 6);
}
