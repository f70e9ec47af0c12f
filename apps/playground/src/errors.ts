/**
 * Turns what went wrong while loading or running a model into a message that says what happened
 * and what to try (pure; the worker sends the result to the page).
 */
import type { PlaygroundError } from './protocol.ts';
import { DTYPE_SUFFIXES } from '@interpreto-js/core/registry';
import type { ModelRef } from './url-state.ts';

export class PlaygroundFailure extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const SUGGESTED = 'Xenova/distilbert-base-uncased-finetuned-sst-2-english (classification) or Xenova/gpt2 (generation)';

function text(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Which file of a model a "not found" error is about (transformers.js names the URL or path it tried). */
export function missingFile(detail: string): string | null {
  const m = /(?:locate file|not found locally at|Local file missing at):? "([^"]+)"/i.exec(detail);
  if (!m) return null;
  const path = m[1]!;
  const onnx = /(onnx\/[^/]+)$/.exec(path);
  return onnx ? onnx[1]! : (path.split('/').pop() ?? path);
}

const PURPOSE: Record<string, string> = {
  'config.json': "the model's configuration (architecture, labels)",
  'tokenizer.json': 'the tokenizer',
  'tokenizer_config.json': "the tokenizer's settings",
};

/**
 * `given`: for the user's own files, whether the worker still holds them this session (false after a reload: the
 * model can only come from the browser's cache).
 */
export function describeLoadError(err: unknown, ref: ModelRef, given?: boolean): PlaygroundError {
  if (err instanceof PlaygroundFailure) return { message: err.message, hint: err.hint };
  const detail = text(err);
  if (ref.source === 'files' || ref.source === 'url') {
    const file = missingFile(detail);
    const what = file ? (PURPOSE[file] ?? (file.endsWith('.onnx') ? 'the ONNX model' : 'a model file')) : '';
    if (ref.source === 'files' && given === false)
      return {
        message: `The files of your model "${ref.id}" are no longer in this browser's cache${file ? ` (${file} is missing)` : ''}.`,
        hint: 'Choose or drop the model folder again: your files never left this page, so a cleared cache cannot bring them back.',
        detail,
      };
    if (file)
      return {
        message:
          ref.source === 'files'
            ? `Your model files have no ${file} (${what}).`
            : `The folder ${ref.id} has no ${file} (${what}), or the server refused it.`,
        hint: file.endsWith('.onnx')
          ? `Pick a dtype whose file exists (${file} is what dtype '${ref.dtype ?? 'fp32'}' loads).`
          : `Add ${file} to the folder.`,
        detail,
      };
    if (ref.source === 'url' && /failed to fetch|networkerror|network/i.test(detail))
      return {
        message: `Could not reach ${ref.id}: the request failed (offline, blocked, or the server does not allow cross-origin requests).`,
        hint: 'The server must answer with Access-Control-Allow-Origin; or download the folder and drop it here.',
        detail,
      };
  }
  const where =
    ref.source === 'hub'
      ? `Hub model "${ref.id}"`
      : ref.source === 'local'
        ? `embedded model "${ref.id}"`
        : ref.source === 'url'
          ? `the model at ${ref.id}`
          : `your model "${ref.id}"`;
  // transformers.js reads tokenizer_config.json only when it exists, then fails on the missing object.
  if (/reading 'tokenizer_class'/.test(detail)) {
    return {
      message: `${where} has no tokenizer_config.json (the tokenizer's settings: its class and special tokens), which transformers.js needs beside tokenizer.json.`,
      hint:
        ref.source === 'local'
          ? 'Add tokenizer_config.json to the folder.'
          : 'Add tokenizer_config.json to the folder, or download the folder and load it as your own model: the playground then writes a minimal one from tokenizer.json.',
      detail,
    };
  }
  if (
    ref.source === 'hub' &&
    /failed to fetch|networkerror|load failed|network|ERR_INTERNET_DISCONNECTED/i.test(detail)
  ) {
    return {
      message: `Could not reach the Hugging Face Hub to load ${where}: the network request failed (offline, or the Hub is blocked).`,
      hint: 'Check the connection, or pick one of the embedded models, which work offline.',
      detail,
    };
  }
  if (/onnx\/model(_\w+)?\.onnx/.test(detail) && /locate|404|not found/i.test(detail)) {
    const dtype = ref.dtype ?? 'fp32';
    if (dtype !== 'fp32') {
      return {
        message: `${where} has no ONNX file for dtype '${dtype}' (onnx/model${DTYPE_SUFFIXES[dtype] ?? `_${dtype}`}.onnx).`,
        hint: "Pick another dtype: 'fp32' loads onnx/model.onnx.",
        detail,
      };
    }
    return {
      message: `${where} has no full-precision ONNX file (onnx/model.onnx).`,
      hint: `The playground loads fp32 weights unless a model offers quantized files in its dtype list. Try a transformers.js repo with onnx/model.onnx, e.g. ${SUGGESTED}.`,
      detail,
    };
  }
  if (/locate|404|not found|401|403|unauthori[sz]ed|forbidden/i.test(detail)) {
    return ref.source === 'hub'
      ? {
          message: `${where} was not found on the Hub, or is private or gated.`,
          hint: `Check the spelling (owner/name). It must be a transformers.js-ready repo with ONNX weights, e.g. ${SUGGESTED}.`,
          detail,
        }
      : {
          message: `${where} is missing files under models/${ref.id}/.`,
          hint: 'Run `pnpm prepare-models` (it writes the default models into public/models/) and reload.',
          detail,
        };
  }
  if (/unsupported model type|unrecognized|not supported/i.test(detail)) {
    return {
      message: `${where} uses an architecture transformers.js cannot load as a sequence classifier or causal LM.`,
      hint: `Pick a text classification or text generation model, e.g. ${SUGGESTED}.`,
      detail,
    };
  }
  return {
    message: `Could not load ${where}.`,
    hint: 'See the details below; try another model or the WASM device.',
    detail,
  };
}

export function describeRunError(err: unknown): PlaygroundError {
  if (err instanceof PlaygroundFailure) return { message: err.message, hint: err.hint };
  const detail = text(err);
  return {
    message: `The explanation failed: ${detail}`,
    hint: 'Check the options; if it is a device problem, try the WASM device.',
    detail,
  };
}
