/**
 * The fuzzer's verdict on one input: a clear error (a named error class with a message), a valid gradient model
 * (onnxruntime accepts the original, loads the gradient model, and its forward equals the original's on a random
 * input), or a failure: a crash (a JavaScript error such as TypeError, which no message was written for), or silent
 * wrong output (a gradient model built from a file onnxruntime refuses, one it cannot load, or another function).
 * The core's variant of the build (target-score head, shared forward) must succeed or fail as clearly.
 * Hangs are detected by the runner (a per-case timeout around the worker process).
 *
 * Exports: `Verdict`, `judge`, `CLEAR_ERRORS`.
 */
import * as ort from 'onnxruntime-node';
import {
  buildGradientModel,
  decodeModel,
  encodeModel,
  verifyGradientModel,
  VerificationError,
  type GradientModel,
  type VerifyRuntime,
} from '../../src/index.ts';
import { resolveExternalData } from '../../src/onnx/external-data.ts';

export type Verdict =
  | { kind: 'clean-error'; error: string }
  | { kind: 'valid' }
  /** Built, but the original does not run on the oracle's inputs, so the forwards cannot be compared. */
  | { kind: 'unchecked'; reason: string }
  | { kind: 'crash'; error: string; stack?: string }
  | { kind: 'silent-wrong'; reason: string };

/** Error classes onnx-grad throws on purpose, each with a message that says what is wrong. */
export const CLEAR_ERRORS = new Set([
  'ModelValidationError',
  'OnnxDecodeError',
  'TransformError',
  'GraphError',
  'UnsupportedOpsError',
  'NonStandardOpsError',
  'TypeMismatchError',
  'AutodiffError',
  'BuildBudgetError',
  'RuleContractError',
]);
const JS_FAULT =
  /Cannot read prop|is not a function|is not iterable|undefined|Invalid array length|Maximum call stack|out of memory/i;

/** A clear error: one of onnx-grad's classes, or a plain Error whose message is a sentence, not a JS fault. */
function isClear(e: Error): boolean {
  if (CLEAR_ERRORS.has(e.name)) return !JS_FAULT.test(e.message) || e.message.length > 60;
  return e.name === 'Error' && e.message.length > 30 && !JS_FAULT.test(e.message);
}

export async function judge(bytes: Uint8Array, externalData?: Record<string, Uint8Array>): Promise<Verdict> {
  let grad: GradientModel;
  try {
    grad = buildGradientModel(bytes, { externalData, timeBudgetMs: 50_000 });
  } catch (e) {
    const err = e as Error;
    if (err instanceof Error && isClear(err))
      return { kind: 'clean-error', error: `${err.name}: ${err.message.slice(0, 300)}` };
    return { kind: 'crash', error: `${err?.name}: ${String(err?.message).slice(0, 300)}`, stack: err?.stack };
  }
  // The core's variant of the build (target-score head, shared forward) must fail as clearly or succeed.
  try {
    buildGradientModel(bytes, { externalData, timeBudgetMs: 50_000, targetScore: true, shareForward: true });
  } catch (e) {
    const err = e as Error;
    if (!(err instanceof Error && isClear(err)))
      return {
        kind: 'crash',
        error: `targetScore + shareForward build: ${err?.name}: ${String(err?.message).slice(0, 300)}`,
        stack: err?.stack,
      };
  }
  // the original as onnxruntime sees it (external data inlined)
  let original = bytes;
  const model = decodeModel(bytes);
  if (externalData) {
    resolveExternalData(model, externalData);
    original = encodeModel(model);
  }
  try {
    await verifyGradientModel(ort as unknown as VerifyRuntime, { bytes: original, model }, grad);
    return { kind: 'valid' };
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof VerificationError && /cannot load the original/.test(msg))
      return { kind: 'silent-wrong', reason: `built from a model onnxruntime refuses: ${msg.slice(0, 300)}` };
    // a NaN/inf gradient can be right (a mutated weight makes a sqrt or division singular): not judged
    if (
      e instanceof VerificationError &&
      /cannot run the original|No test value|cannot feed|too large|" holds (NaN|-?Infinity)/.test(msg)
    )
      return { kind: 'unchecked', reason: msg.slice(0, 200) };
    return { kind: 'silent-wrong', reason: msg.slice(0, 300) };
  }
}
