/**
 * Adam with decoupled weight decay (AdamW, Loshchilov and Hutter 2019) as pure functions over flat Float32Arrays:
 * the state is data, `adamStep` returns the new weights and state and never mutates its arguments, so a step can
 * be tested against the closed form and replayed.
 *
 * Exports: `AdamOptions`, `AdamState`, `initAdam`, `adamStep`.
 */

export interface AdamOptions {
  lr: number;
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  eps?: number; // default 1e-8
  weightDecay?: number; // decoupled, default 0
  clipNorm?: number; // global gradient-norm clipping over all tensors, default none
}

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export function initAdam(shapes: readonly { length: number }[]): AdamState {
  return {
    step: 0,
    m: shapes.map((w) => new Float32Array(w.length)),
    v: shapes.map((w) => new Float32Array(w.length)),
  };
}

/** Global L2 norm of a list of gradients. */
export function globalNorm(grads: readonly Float32Array[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/**
 * One AdamW step. `decay[i]` says whether tensor i gets weight decay (biases, LayerNorm and embeddings usually
 * do not). Returns fresh arrays.
 */
export function adamStep(
  weights: readonly Float32Array[],
  grads: readonly Float32Array[],
  state: AdamState,
  options: AdamOptions,
  decay?: readonly boolean[],
): { weights: Float32Array[]; state: AdamState } {
  if (weights.length !== grads.length || weights.length !== state.m.length) {
    throw new Error(
      `adamStep: ${weights.length} weights, ${grads.length} gradients and ${state.m.length} state tensors must match.`,
    );
  }
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, clipNorm } = options;
  const step = state.step + 1;
  const norm = clipNorm === undefined ? 0 : globalNorm(grads);
  const scale = clipNorm !== undefined && norm > clipNorm ? clipNorm / norm : 1;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  const newW: Float32Array[] = [];
  const newM: Float32Array[] = [];
  const newV: Float32Array[] = [];
  for (let t = 0; t < weights.length; t++) {
    // Lengths were checked above (state.v is built alongside state.m).
    const w = weights[t]!,
      g = grads[t]!,
      m0 = state.m[t]!,
      v0 = state.v[t]!;
    if (w.length !== g.length)
      throw new Error(`adamStep: tensor ${t} has ${w.length} weights but ${g.length} gradient values.`);
    const wd = decay === undefined || decay[t] ? weightDecay : 0;
    const w1 = new Float32Array(w.length),
      m1 = new Float32Array(w.length),
      v1 = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]! * scale;
      const mi = beta1 * m0[i]! + (1 - beta1) * gi;
      const vi = beta2 * v0[i]! + (1 - beta2) * gi * gi;
      m1[i] = mi;
      v1[i] = vi;
      w1[i] = w[i]! - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + wd * w[i]!);
    }
    newW.push(w1);
    newM.push(m1);
    newV.push(v1);
  }
  return { weights: newW, state: { step, m: newM, v: newV } };
}

/** Linear warm-up then linear decay to `floor * lr`: the usual transformer schedule. */
export function learningRate(step: number, total: number, peak: number, warmup: number, floor = 0.05): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (1 - (1 - floor) * t);
}
