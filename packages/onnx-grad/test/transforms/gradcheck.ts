/**
 * Gradient checks for gradient models on onnxruntime-node. The model is run once at x to get the vector-Jacobian
 * product g = J(x)^T u for a random cotangent u, and the scalar f(x) = u . y(x) is evaluated at x +- eps*d for a
 * random direction d; central differences then estimate g . d.
 *
 * Tolerance (float32 forward, double accumulation here). The central difference has three error sources:
 * - truncation, O(eps^2 |f'''|), and kinks: a step that crosses ReLU/Where switching points adds an error that
 *   grows with the step. The step is eps * |d| = relStep * |x| (default 1e-3 of the input's norm), small enough
 *   for both to stay far below 1% on these models (measured: 1e-5..3e-3 relative);
 * - float32 rounding of y: each y_i carries a relative error of some ulps per layer; taken independent across
 *   outputs, f = u . y is off by delta ~ 2^-24 * 64 * ||u * y||_2 (64 ulps covers the depth of the tested graphs),
 *   and the difference quotient by 2 * delta / (2 eps).
 * So we require |fd - g.d| <= relTol * |g.d| + delta / eps with relTol = 1e-2, and callers check |g.d| > 0.
 */
import * as ort from 'onnxruntime-node';
import { rng, type Feeds } from './helpers.ts';

export interface GradCheckResult {
  analytic: number;
  numeric: number;
  tolerance: number;
  /** The gradient model's forward outputs at x, by name. */
  outputs: Record<string, ort.Tensor>;
}

function normal(r: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

const rms = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0) / a.length);

/**
 * Runs a gradient-model session at `x` (feeds.inputs_embeds) with a random seed on `output` and checks
 * `grad_inputs_embeds` against central differences along a random direction.
 */
export async function checkGradient(
  session: ort.InferenceSession,
  feeds: Feeds,
  output: string,
  yDims: readonly number[],
  seed: number,
  relTol = 1e-2,
  relStep = 1e-3,
): Promise<GradCheckResult> {
  const r = rng(seed);
  const x = feeds.inputs_embeds!.data as Float32Array;
  const xDims = feeds.inputs_embeds!.dims as number[];
  const u = Float32Array.from(
    normal(
      r,
      yDims.reduce((a, b) => a * b, 1),
    ),
  );
  const uT = new ort.Tensor('float32', u, [...yDims]);
  const at = (embeds: Float32Array) =>
    session.run({ ...feeds, inputs_embeds: new ort.Tensor('float32', embeds, xDims), [`grad_${output}`]: uT });
  const base = await at(x);
  const g = base.grad_inputs_embeds!.data as Float32Array;
  const d = normal(r, x.length);
  let analytic = 0;
  for (let i = 0; i < x.length; i++) analytic += g[i]! * d[i]!;
  const eps = (relStep * Math.max(rms(x), 1e-3)) / rms(d);
  const f = async (sign: number) => {
    const xs = Float32Array.from(x, (v, i) => v + sign * eps * d[i]!);
    const y = (await at(xs))[output]!.data as Float32Array;
    let s = 0,
      sq = 0;
    for (let i = 0; i < y.length; i++) {
      s += u[i]! * y[i]!;
      sq += (u[i]! * y[i]!) ** 2;
    }
    return { s, norm: Math.sqrt(sq) };
  };
  const plus = await f(1),
    minus = await f(-1);
  const numeric = (plus.s - minus.s) / (2 * eps);
  const delta = 2 ** -18 * Math.max(plus.norm, minus.norm);
  return { analytic, numeric, tolerance: relTol * Math.abs(analytic) + delta / eps, outputs: base };
}
