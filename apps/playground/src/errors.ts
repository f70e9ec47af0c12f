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

export function describeLoadError(err: unknown, ref: ModelRef): PlaygroundError {
  if (err instanceof PlaygroundFailure) return { message: err.message, hint: err.hint };
  const detail = text(err);
  const where = ref.source === 'hub' ? `Hub model "${ref.id}"` : `embedded model "${ref.id}"`;
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
