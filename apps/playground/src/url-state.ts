/**
 * The playground's whole state, kept in the page URL so that a link reproduces a view. Pure
 * functions: `parseState(search)` never throws (bad values fall back to defaults and are reported
 * in `warnings`), `stateToSearch(state)` writes only what differs from the defaults.
 */
import { DTYPE_SUFFIXES } from '@interpreto-js/core/registry';
import { defaultOptions, isMethodName, METHODS, parseOption, type MethodName, type OptionValues } from './methods.ts';

export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';
export type TargetSpec =
  | { kind: 'predicted' }
  | { kind: 'classes'; classes: number[] }
  | { kind: 'continuation'; text: string }
  | { kind: 'generate'; maxNewTokens: number };
export type RunView = 'none' | 'explain' | 'compare';
/**
 * Contrastive explanation, "why the target rather than this?": a class (classification) or an alternative
 * continuation of the same token length (generation). Kept apart from the target, so switching either keeps the other.
 */
export type ContrastSpec = { kind: 'class'; class: number } | { kind: 'text'; text: string };

export interface ModelRef {
  source: 'local' | 'hub' | 'url' | 'files';
  /**
   * Folder under models/ (local), a Hub repository id (hub), an http(s) folder URL (url), or the id the page gave
   * the user's own files (files: `<folder name>-<tag>`, found again in the browser's cache after a reload).
   */
  id: string;
  /** The model file's dtype as transformers.js names it ('q8', 'fp16', ...); absent: 'fp32' (onnx/model.onnx). */
  dtype?: string;
}

/** The core's built-in attributed functions (`explain` option `attributedFunction`), by export name. */
export type ScoreSpec = 'entropy' | 'klToReference';
export const SCORE_SPECS: readonly ScoreSpec[] = ['entropy', 'klToReference'];
/** The menu's words for each function, also in the worker's notes ("not the entropy"; no lit here: workers read it). */
export const SCORE_NAMES: Readonly<Record<ScoreSpec, string>> = {
  entropy: 'entropy of the output distribution',
  klToReference: 'KL divergence from the unperturbed distribution',
};

/** Perturbation methods' baselines (here, not beside their control: the worker reads this module and must not load Lit). */
export const BASELINE_KINDS = ['replacement', 'token', 'pad', 'unk', 'eos', 'zero-embedding', 'delete'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];
export interface BaselineSpec {
  kind: BaselineKind;
  /** kind 'token': the token's text. */
  token?: string;
}

export interface PlaygroundState {
  model: ModelRef;
  device: DeviceChoice;
  text: string;
  method: MethodName;
  /** Only the options the user set; the rest take the library defaults. */
  options: OptionValues;
  target: TargetSpec;
  /** Absent: a plain explanation. */
  contrast?: ContrastSpec;
  /** Custom units: the input text with [brackets] around each span (results/units-baseline.ts). */
  units?: string;
  /** Perturbation methods: what a removed unit becomes; absent, the replacement token. */
  baseline?: BaselineSpec;
  /** What each row attributes: absent, the target's score; else a function of the output distribution. */
  score?: ScoreSpec;
  /** Also compute Insertion and Deletion for the explanation. */
  metrics: boolean;
  /** What to run when the page opens with this state (a shared view). */
  run: RunView;
}

export const DEFAULT_TEXT = 'This is the best movie I have ever seen.';
/** The tutorial's generation prompt, offered when a causal LM is picked while the text is still the default. */
export const DEFAULT_GENERATION_TEXT = 'Roses are red, the sky is';
export const DEFAULT_MAX_NEW_TOKENS = 5;
/**
 * Longer input text stays out of the link: browsers and servers refuse long URLs (HTTP 431), and a link is for
 * sharing a view, not a document.
 */
export const MAX_URL_TEXT = 1000;

export function defaultState(defaultModel: string): PlaygroundState {
  return {
    model: { source: 'local', id: defaultModel },
    device: 'auto',
    text: DEFAULT_TEXT,
    method: 'Occlusion',
    options: {},
    target: { kind: 'predicted' },
    metrics: true,
    run: 'none',
  };
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/** Validates a Hub id's shape (owner/name); returns an error message or null. */
export function hubIdProblem(id: string): string | null {
  if (!id.trim())
    return 'Enter a Hugging Face model id such as Xenova/distilbert-base-uncased-finetuned-sst-2-english.';
  if (!HUB_ID.test(id.trim()))
    return `"${id}" is not a Hub model id: use owner/name, letters, digits, '-', '_' and '.' only.`;
  return null;
}

export function parseState(search: string, defaultModel: string): { state: PlaygroundState; warnings: string[] } {
  const p = new URLSearchParams(search);
  const state = defaultState(defaultModel);
  const warnings: string[] = [];
  const hub = p.get('hub');
  if (hub !== null && hub !== '') state.model = { source: 'hub', id: hub };
  else if (p.get('url')) state.model = { source: 'url', id: p.get('url')! };
  else if (p.get('files')) state.model = { source: 'files', id: p.get('files')! };
  else if (p.get('model')) state.model = { source: 'local', id: p.get('model')! };
  const dtype = p.get('dtype');
  if (dtype !== null && dtype !== 'fp32') {
    if (dtype in DTYPE_SUFFIXES) state.model.dtype = dtype;
    else warnings.push(`dtype "${dtype}" is not one of ${Object.keys(DTYPE_SUFFIXES).join(', ')}; using fp32.`);
  }
  const device = p.get('device');
  if (device === 'auto' || device === 'webgpu' || device === 'wasm') state.device = device;
  else if (device !== null) warnings.push(`device "${device}" is not auto, webgpu or wasm; using auto.`);
  if (p.has('text')) state.text = p.get('text')!;
  const method = p.get('method');
  if (method !== null) {
    if (isMethodName(method)) state.method = method;
    else warnings.push(`unknown method "${method}"; using ${state.method}.`);
  }
  for (const spec of METHODS[state.method].options) {
    const raw = p.get(`o.${spec.name}`);
    if (raw === null) continue;
    try {
      const v = parseOption(spec, raw);
      if (v !== undefined) state.options[spec.name] = v;
    } catch (e) {
      warnings.push(`${(e as Error).message} Using the default.`);
    }
  }
  switch (p.get('target')) {
    case 'classes': {
      const classes = (p.get('classes') ?? '').split(',').filter(Boolean).map(Number);
      if (classes.length && classes.every((c) => Number.isInteger(c) && c >= 0))
        state.target = { kind: 'classes', classes };
      else
        warnings.push(
          `classes "${p.get('classes')}" must be class ids separated by commas; explaining the predicted class.`,
        );
      break;
    }
    case 'continuation':
      state.target = { kind: 'continuation', text: p.get('continuation') ?? '' };
      break;
    case 'generate': {
      const n = Number(p.get('maxNewTokens') ?? DEFAULT_MAX_NEW_TOKENS);
      state.target = {
        kind: 'generate',
        maxNewTokens: Number.isInteger(n) && n >= 1 && n <= 256 ? n : DEFAULT_MAX_NEW_TOKENS,
      };
      break;
    }
    default:
  }
  const contrastClass = p.get('contrastClass');
  if (contrastClass !== null) {
    const c = Number(contrastClass);
    if (contrastClass !== '' && Number.isInteger(c) && c >= 0) state.contrast = { kind: 'class', class: c };
    else warnings.push(`contrastClass "${contrastClass}" must be a class id (0, 1, ...); explaining without contrast.`);
  } else if (p.has('contrastText')) state.contrast = { kind: 'text', text: p.get('contrastText')! };
  if (p.get('units')) state.units = p.get('units')!;
  const baseline = p.get('baseline');
  if (baseline !== null && baseline !== 'replacement') {
    if ((BASELINE_KINDS as readonly string[]).includes(baseline)) {
      state.baseline = { kind: baseline as BaselineKind };
      if (baseline === 'token') state.baseline.token = p.get('baselineToken') ?? '';
    } else
      warnings.push(`baseline "${baseline}" is not one of ${BASELINE_KINDS.join(', ')}; using the replacement token.`);
  }
  const score = p.get('score');
  if (score !== null) {
    if ((SCORE_SPECS as readonly string[]).includes(score)) {
      state.score = score as ScoreSpec;
      // The core refuses a contrast with an attributed function: the score wins, as the form does it.
      delete state.contrast;
    } else warnings.push(`score "${score}" must be one of ${SCORE_SPECS.join(', ')}; attributing the target's score.`);
  }
  if (p.get('metrics') === '0') state.metrics = false;
  const run = p.get('run');
  if (run === 'explain' || run === 'compare') state.run = run;
  return { state, warnings };
}

/** Whether the input text is too long to go in the link (stateToSearch leaves it out, the page says so). */
export function textLeftOutOfUrl(text: string): boolean {
  return text.length > MAX_URL_TEXT;
}

export function stateToSearch(state: PlaygroundState, defaultModel: string): string {
  const p = new URLSearchParams();
  if (state.model.source === 'hub') p.set('hub', state.model.id);
  else if (state.model.source === 'url') p.set('url', state.model.id);
  else if (state.model.source === 'files') p.set('files', state.model.id);
  else if (state.model.id !== defaultModel) p.set('model', state.model.id);
  if (state.model.dtype && state.model.dtype !== 'fp32') p.set('dtype', state.model.dtype);
  if (state.device !== 'auto') p.set('device', state.device);
  if (state.text !== DEFAULT_TEXT && !textLeftOutOfUrl(state.text)) p.set('text', state.text);
  p.set('method', state.method);
  const defaults = defaultOptions(state.method);
  for (const spec of METHODS[state.method].options) {
    const v = state.options[spec.name];
    if (v !== undefined && v !== defaults[spec.name]) p.set(`o.${spec.name}`, String(v));
  }
  const t = state.target;
  if (t.kind === 'classes') {
    p.set('target', 'classes');
    p.set('classes', t.classes.join(','));
  } else if (t.kind === 'continuation') {
    p.set('target', 'continuation');
    p.set('continuation', t.text);
  } else if (t.kind === 'generate') {
    p.set('target', 'generate');
    p.set('maxNewTokens', String(t.maxNewTokens));
  }
  if (state.contrast?.kind === 'class') p.set('contrastClass', String(state.contrast.class));
  else if (state.contrast?.kind === 'text') p.set('contrastText', state.contrast.text);
  if (state.units && !textLeftOutOfUrl(state.units)) p.set('units', state.units);
  if (state.baseline) {
    p.set('baseline', state.baseline.kind);
    if (state.baseline.kind === 'token') p.set('baselineToken', state.baseline.token ?? '');
  }
  if (state.score) p.set('score', state.score);
  if (!state.metrics) p.set('metrics', '0');
  if (state.run !== 'none') p.set('run', state.run);
  return `?${p.toString()}`;
}
