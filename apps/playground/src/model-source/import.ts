/**
 * Page side of "bring your own model": reads what the user picked or dropped (nothing is uploaded), checks it
 * before any round-trip (planFolder, the config's task), adds what transformers.js needs and the folder lacks (a
 * minimal tokenizer_config.json, the external-data flag in config.json), and gives the worker the files as Blobs.
 */
import { taskFromConfig, type PlaygroundTask } from '../task.ts';
import { filesTag, minimalTokenizerConfig, planFolder, safeName, type PickedFile } from './layout.ts';

export interface PickedBlob extends PickedFile {
  blob: Blob;
}

export type ImportResult =
  | {
      ok: true;
      /** The model id for ModelRef { source: 'files' }: folder name and a tag of the files. */
      id: string;
      task: PlaygroundTask;
      /** Hub-layout path -> content, what the worker serves. */
      files: [string, Blob][];
      dtypes: string[];
      notes: string[];
    }
  | { ok: false; problems: string[] };

export async function importPicked(picked: readonly PickedBlob[]): Promise<ImportResult> {
  if (!picked.length) return { ok: false, problems: ['No file was chosen.'] };
  const planned = planFolder(picked);
  if (!planned.ok) return planned;
  const { plan } = planned;
  const byPath = new Map(picked.map((p) => [p.path.replace(/\\/g, '/').replace(/^\/+/, ''), p.blob]));
  const files = new Map<string, Blob>();
  for (const [path, from] of plan.files) files.set(path, byPath.get(from.replace(/^\/+/, ''))!);
  const config = await readJson(files.get('config.json')!, 'config.json');
  if (!config.ok) return config;
  const task = taskFromConfig(config.value as Parameters<typeof taskFromConfig>[0]);
  if (!task) {
    const arch = (config.value.architectures as string[] | undefined)?.join(', ') || 'none';
    return {
      ok: false,
      problems: [
        `config.json describes neither a sequence classifier nor a causal language model (architectures: ${arch}).`,
      ],
    };
  }
  if (Object.keys(plan.externalData).length) {
    const tjs = (config.value['transformers.js_config'] ?? {}) as Record<string, unknown>;
    config.value['transformers.js_config'] = { ...tjs, use_external_data_format: plan.externalData };
    files.set('config.json', jsonBlob(config.value));
  }
  if (plan.needsTokenizerConfig) {
    const tokenizer = await readJson(files.get('tokenizer.json')!, 'tokenizer.json');
    if (!tokenizer.ok) return tokenizer;
    files.set('tokenizer_config.json', jsonBlob(minimalTokenizerConfig(config.value, tokenizer.value)));
  }
  return {
    ok: true,
    id: `${plan.fromFolder ? plan.name : looseName(config.value)}-${filesTag(picked)}`,
    task,
    files: [...files],
    dtypes: plan.dtypes,
    notes: plan.notes,
  };
}

/** Loose files have no folder name: the config's own name (`_name_or_path`, model_type) stands in. */
function looseName(config: Record<string, unknown>): string {
  const path = typeof config._name_or_path === 'string' ? config._name_or_path.split('/').pop() : '';
  const type = typeof config.model_type === 'string' ? config.model_type : '';
  return safeName(path || type || 'my-model');
}

async function readJson(
  blob: Blob,
  name: string,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; problems: string[] }> {
  try {
    const value = JSON.parse(await blob.text());
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { ok: false, problems: [`${name} is not a JSON object.`] };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, problems: [`${name} is not valid JSON (${(e as Error).message}).`] };
  }
}

function jsonBlob(value: unknown): Blob {
  return new Blob([JSON.stringify(value)], { type: 'application/json' });
}

/** Files from an <input type=file> (a folder keeps its relative paths). */
export function pickedFromInput(list: FileList | null): PickedBlob[] {
  return [...(list ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, size: f.size, blob: f }));
}

interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (e: EntryLike[]) => void, fail: (e: unknown) => void): void };
}

/** Files from a drop: folders are walked (webkitGetAsEntry), loose files keep their names. */
export async function pickedFromDrop(data: DataTransfer): Promise<PickedBlob[]> {
  const entries = [...data.items]
    .map((i) => (i.webkitGetAsEntry?.() as EntryLike | null) ?? null)
    .filter((e): e is EntryLike => e !== null);
  if (!entries.length) return [...data.files].map((f) => ({ path: f.name, size: f.size, blob: f }));
  const out: PickedBlob[] = [];
  const walk = async (entry: EntryLike, prefix: string): Promise<void> => {
    const path = prefix + entry.name;
    if (entry.isFile && entry.file) {
      const f = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
      out.push({ path, size: f.size, blob: f });
    } else if (entry.isDirectory && entry.createReader) {
      const reader = entry.createReader();
      // readEntries answers in batches until an empty one.
      for (;;) {
        const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${path}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
