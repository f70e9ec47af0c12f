/**
 * What the Node/browser agreement test runs, shared by both sides so they run exactly the same thing:
 * the two fixtures, their inputs and targets, and the ten explainers with small, fixed, seeded options.
 * Runs in Node (the vitest process, onnxruntime-node) and in the bundled test page (onnxruntime-web), so it
 * imports nothing platform-specific: the core is passed in.
 *
 * Exports: `FIXTURE_CASES`, `METHOD_CASES`, `GRADIENT_METHODS`, `runCases(core, fixture, loaded)`, `CaseResult`.
 */
import type * as CoreModule from '../../src/index.ts';
import type { AttributionOutput } from '../../src/index.ts';
import { METHOD_NAMES, METHOD_SCHEMAS, type MethodName } from '../../src/registry/data.ts';

type Core = typeof CoreModule;

export interface FixtureCase {
  /** Fixture folder name (served under /models/<name>/ in the browser). */
  name: 'bert-tiny-opset11' | 'gpt2-tiny-opset13';
  task: 'classification' | 'generation';
  input: string;
  /** Classification: both classes (two rows, no argmax that float noise could flip). Generation: the continuation. */
  targets: number[][] | string;
}

export const FIXTURE_CASES: readonly FixtureCase[] = [
  { name: 'bert-tiny-opset11', task: 'classification', input: 'the film was not good, but great', targets: [[0, 1]] },
  // An explicit continuation: greedy generation on random weights could pick a different token on a near tie.
  { name: 'gpt2-tiny-opset13', task: 'generation', input: 'the cat sat on the', targets: ' mat and the dog' },
];

export type { MethodName };
/** The registry's methods by family. */
export const GRADIENT_METHODS: readonly MethodName[] = METHOD_NAMES.filter(
  (m) => METHOD_SCHEMAS[m].family === 'gradient',
);
export const PERTURBATION_METHODS: readonly MethodName[] = METHOD_NAMES.filter(
  (m) => METHOD_SCHEMAS[m].family === 'perturbation',
);

/**
 * Small sample counts keep SwiftShader WebGPU fast; the seed fixes every draw (done in JS: same on every backend).
 * A record over the registry's names: a method added there fails to compile here until it has its case.
 */
const SMALL_OPTIONS: Record<MethodName, Record<string, unknown>> = {
  Occlusion: {},
  Lime: { nPerturbations: 12 },
  KernelShap: { nPerturbations: 12 },
  Sobol: { nTokenPerturbations: 4 },
  Saliency: {},
  IntegratedGradients: { nInterpolations: 4 },
  SmoothGrad: { nPerturbations: 3 },
  SquareGrad: { nPerturbations: 3 },
  VarGrad: { nPerturbations: 3 },
  GradientShap: { nPerturbations: 3 },
};
export const METHOD_CASES: readonly { method: MethodName; options: Record<string, unknown> }[] = METHOD_NAMES.map(
  (method) => ({
    method,
    options: SMALL_OPTIONS[method],
  }),
);

export interface CaseResult {
  fixture: FixtureCase['name'];
  method: MethodName;
  output: AttributionOutput;
}

/** Runs every method on one loaded fixture (outputs are plain objects: Playwright carries them, NaN included, out of the page). */
export async function runCases(
  core: Core,
  fixture: FixtureCase,
  loaded: { model: unknown; tokenizer: unknown },
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const { method, options } of METHOD_CASES) {
    const Explainer = core[method] as unknown as new (
      m: unknown,
      t: unknown,
      o: Record<string, unknown>,
    ) => {
      explain(inputs: string, targets: unknown): Promise<AttributionOutput[]>;
    };
    const explainer = new Explainer(loaded.model, loaded.tokenizer, { seed: 11, batchSize: 4, ...options });
    const [output] = await explainer.explain(fixture.input, fixture.targets);
    results.push({ fixture: fixture.name, method, output: output! });
  }
  return results;
}
