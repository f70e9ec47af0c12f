/**
 * Attributed functions (`explain` option `attributedFunction`): a user-defined score of the output distribution
 * attributed instead of the target's score. A function maps the logits of one row (classes, or the vocabulary at a
 * generation step) to a number; perturbation methods evaluate it on each perturbed sample, gradient methods need
 * its gradient with respect to the logits in closed form (no numerical differentiation): the gradient model is
 * seeded with it (d f / d embeds = J^T d f / d logits at the sample point).
 *
 * Built-ins: `entropy()` (of softmax(z), nats) and `klToReference()` (KL(p_ref || p), p_ref the unperturbed
 * input's distribution at the same position: 0 on the unperturbed input).
 *
 * Exports: `AttributedFunction`, `AttributedFunctionContext`, `entropy()`, `klToReference()`,
 * `isAttributedFunction(v)`, `scoreWith(fn, logits, ctx)`, `gradientWith(fn, logits, ctx)`.
 */
import { InputError } from '../errors.ts';
import { applyInferenceMode } from '../math/index.ts';
import { InferenceModes } from '../types.ts';

export interface AttributedFunctionContext {
  /** The row's target: a class id, or the target token id of a generation step. */
  target: number;
  /** The logits of the unperturbed input at the same position (classes, or the step's vocabulary). */
  reference: Float32Array;
}

export interface AttributedFunction {
  /** Recorded in each output (`attributedFunction`). */
  readonly name: string;
  /** f(logits): one finite number. */
  score(logits: Float32Array, ctx: AttributedFunctionContext): number;
  /** d f / d logits at `logits`, one finite entry per logit (gradient methods). */
  gradient(logits: Float32Array, ctx: AttributedFunctionContext): ArrayLike<number>;
  /**
   * Optional: when f = constant + sum_k w_k log softmax(z)_k with weights that depend on the context only, the
   * weights. Gradient methods then differentiate f in one gradient-model call per batch instead of two (a forward
   * at the sample points to evaluate `gradient`, then the seeded backward).
   */
  logProbabilityWeights?(ctx: AttributedFunctionContext): ArrayLike<number>;
}

/** Entropy of softmax(z) in nats; d H / d z_j = -p_j (log p_j + H). */
export function entropy(): AttributedFunction {
  const parts = (z: Float32Array) => {
    const logp = applyInferenceMode(z, InferenceModes.LOG_SOFTMAX);
    let h = 0;
    for (const l of logp) if (l > -Infinity) h -= Math.exp(l) * l;
    return { logp, h };
  };
  return {
    name: 'entropy',
    score: (z) => parts(z).h,
    gradient: (z) => {
      const { logp, h } = parts(z);
      return Float64Array.from(logp, (l) => (l > -Infinity ? -Math.exp(l) * (l + h) : 0));
    },
  };
}

/**
 * KL(p_ref || p) = sum_k p_ref,k (log p_ref,k - log p_k), p = softmax(z), p_ref = softmax(reference): how far
 * the distribution moved from the unperturbed one. d KL / d z = p - p_ref; linear in log p with weights -p_ref.
 */
export function klToReference(): AttributedFunction {
  return {
    name: 'klToReference',
    score: (z, { reference }) => {
      const logq = applyInferenceMode(reference, InferenceModes.LOG_SOFTMAX);
      const logp = applyInferenceMode(z, InferenceModes.LOG_SOFTMAX);
      let kl = 0;
      logq.forEach((lq, k) => {
        if (lq > -Infinity) kl += Math.exp(lq) * (lq - logp[k]!);
      });
      // Rounding can leave a tiny negative value where the distributions are equal.
      return Math.max(0, kl);
    },
    gradient: (z, { reference }) => {
      const q = applyInferenceMode(reference, InferenceModes.SOFTMAX);
      const p = applyInferenceMode(z, InferenceModes.SOFTMAX);
      return p.map((v, k) => v - q[k]!);
    },
    logProbabilityWeights: ({ reference }) => applyInferenceMode(reference, InferenceModes.SOFTMAX).map((q) => -q),
  };
}

/** The `explain` option's check: an object with a name and score / gradient functions. */
export function isAttributedFunction(v: unknown): v is AttributedFunction {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Partial<AttributedFunction>;
  return (
    typeof f.name === 'string' &&
    f.name.length > 0 &&
    typeof f.score === 'function' &&
    typeof f.gradient === 'function' &&
    (f.logProbabilityWeights === undefined || typeof f.logProbabilityWeights === 'function')
  );
}

/** f(logits), checked: a finite number or an InputError naming the function and the row. */
export function scoreWith(fn: AttributedFunction, logits: Float32Array, ctx: AttributedFunctionContext): number {
  const s = fn.score(logits, ctx);
  if (typeof s !== 'number' || !Number.isFinite(s)) {
    throw new InputError(
      `attributedFunction '${fn.name}': score returned ${String(s)} for target ${ctx.target}; it must return one ` +
        `finite number for the ${logits.length} logits it is given.`,
    );
  }
  return s;
}

function checkedVector(fn: AttributedFunction, what: string, v: ArrayLike<number>, width: number, target: number) {
  if (!v || typeof v.length !== 'number' || v.length !== width) {
    throw new InputError(
      `attributedFunction '${fn.name}': ${what} returned ${v && typeof v.length === 'number' ? `${v.length} values` : String(v)} ` +
        `for target ${target}; it must return one number per logit (${width}).`,
    );
  }
  const out = Float32Array.from(v);
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new InputError(
      `attributedFunction '${fn.name}': ${what} entry ${bad} is ${String(v[bad])} for target ${target}; every entry ` +
        'must be a finite number.',
    );
  }
  return out;
}

/** d f / d logits, checked: one finite number per logit, as float32 (the gradient model's seed). */
export function gradientWith(
  fn: AttributedFunction,
  logits: Float32Array,
  ctx: AttributedFunctionContext,
): Float32Array {
  return checkedVector(fn, 'gradient', fn.gradient(logits, ctx), logits.length, ctx.target);
}

/** The weights of `logProbabilityWeights`, checked as the gradient is. */
export function logProbabilityWeightsWith(fn: AttributedFunction, ctx: AttributedFunctionContext): Float32Array {
  return checkedVector(fn, 'logProbabilityWeights', fn.logProbabilityWeights!(ctx), ctx.reference.length, ctx.target);
}
