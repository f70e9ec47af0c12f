/**
 * `<ip-playground>`: the no-server playground. All state lives in the URL (url-state.ts); the work
 * runs in a Web Worker (worker.ts) with progress and Cancel; results are shown with
 * @interpreto-js/elements (heatmap, Insertion/Deletion curves) and a method x metric table.
 * Rendered in light DOM so the page's stylesheet applies and tests can reach every control.
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { plotAttributions } from '@interpreto-js/elements';
import embeddedModels from 'virtual:playground-models';
import { DTYPE_NOTES, DTYPE_SUFFIXES } from '@interpreto-js/core/registry';
import { METHOD_NAMES, METHODS, parseOption, type MethodName, type OptionSpec } from './methods.ts';
import type { CompareRow, ExplainResult, FromWorker, ModelInfo, PlaygroundError } from './protocol.ts';
import {
  hubIdProblem,
  parseState,
  stateToSearch,
  DEFAULT_GENERATION_TEXT,
  DEFAULT_MAX_NEW_TOKENS,
  DEFAULT_TEXT,
  MAX_URL_TEXT,
  textLeftOutOfUrl,
  type PlaygroundState,
  type TargetSpec,
} from './url-state.ts';
import { WorkerClient } from './worker-client.ts';
import { isolation } from './isolation/isolation.ts';
import { threadsStatus } from './isolation/threads-status.ts';
import { carryOptions } from './results/carry-options.ts';
import { defineResultElements } from './results/elements.ts';
import {
  applyDisplay,
  loadDisplay,
  renderCompareHeatmaps,
  renderDisplayControls,
  renderScoreTable,
  saveDisplay,
  type DisplayOptions,
} from './results/display.ts';
import { isStale, runKey, type RunInputs } from './results/stale.ts';
import { fitContrast, renderContrastControl } from './results/contrast.ts';
import { fitBaseline, parseMarkedUnits, renderUnitsAndBaseline, type CharSpan } from './results/units-baseline.ts';
import { renderScoreControl, scoreName } from './results/score.ts';
import { renderLiveEstimate } from './results/live.ts';
import { addSample, formatSecondsLeft, secondsLeft, type ProgressSample } from './results/time-left.ts';
import { renderCounterfactual, renderUnitMenu, type EditStep } from './results/counterfactual-view.ts';
import { editText, locateUnits, type Edit, type Span } from './results/counterfactual.ts';
import type { AttributionOutput } from '@interpreto-js/core';
import { ThemeController, type ResolvedTheme } from './results/theme.ts';
import type { CachedModel } from './model-source/cache.ts';
import type { ImportResult } from './model-source/import.ts';
import type { ModelFilesPanel } from './model-source/panel.ts';
import { folderUrlProblem } from './model-source/sources.ts';
import './model-source/panel.ts';

export const HUB_SUGGESTIONS = ['Xenova/distilbert-base-uncased-finetuned-sst-2-english', 'Xenova/gpt2'] as const;

/** Prefer a committed trained classifier, then any classifier, as the model the page opens with. */
function pickDefaultModel(): string {
  const cls = embeddedModels.filter((m) => m.task === 'classification');
  return (cls.find((m) => !m.generated) ?? cls[0] ?? embeddedModels[0])?.name ?? '';
}

type Phase = 'starting' | 'idle' | 'running';

/** What the runtime line says of the onnxruntime-web build the worker loaded (worker.ts picks it). */
const ORT_BUILD_TEXT: Record<'jspi' | 'asyncify' | 'custom', string> = {
  jspi: 'onnxruntime-web: JSPI build',
  asyncify: 'onnxruntime-web: asyncify build (this browser has no JSPI)',
  custom: 'onnxruntime-web: custom build',
};

export class PlaygroundApp extends LitElement {
  static override properties = {
    state: { state: true },
    phase: { state: true },
    stage: { state: true },
    done: { state: true },
    total: { state: true },
    error: { state: true },
    notice: { state: true },
    webgpu: { state: true },
    ortBuild: { state: true },
    wasm: { state: true },
    info: { state: true },
    result: { state: true },
    compareRows: { state: true },
    hubDraft: { state: true },
    fieldErrors: { state: true },
    display: { state: true },
    theme: { state: true },
    compareView: { state: true },
    ownModels: { state: true },
    tab: { state: true },
    datasetReady: { state: true },
    partial: { state: true },
    stopping: { state: true },
    unitMenu: { state: true },
    edits: { state: true },
  };
  /** The unit whose Remove / Replace menu is open (results/counterfactual.ts). */
  declare unitMenu: { index: number; unit: string; span: Span | null; problem?: string } | null;
  /** Counterfactual edits made from the result view, newest last; Undo takes back the last one. */
  declare edits: EditStep[];
  /** The text the shown result was computed from (units are located in it). */
  private resultText = '';
  /** The key of the Explain run in flight, so a stale result can say that its update is on the way. */
  private pendingKey: string | null = null;
  /** Undo cancels a rerun in flight: its "Cancelled." is not news to the user. */
  private quietCancel = false;
  /** Progress reports of the current stage (results/time-left.ts), and whether they count model calls. */
  private progressSamples: ProgressSample[] = [];
  private progressUnit: 'calls' | undefined;
  /** Which tab shows: one text (Explain) or a whole dataset (dataset/tab.ts). */
  declare tab: 'explain' | 'dataset';
  /** The Dataset tab's code (the CLI's parsers and report) loads when the tab is first opened, not with the page. */
  declare datasetReady: boolean;
  /** A sampling method's current estimate while it runs (results/live.ts), and whether "Stop here" was pressed. */
  declare partial: AttributionOutput | null;
  declare stopping: boolean;
  private partialView: HTMLElement | null = null;
  declare state: PlaygroundState;
  declare phase: Phase;
  declare stage: string;
  declare done: number;
  declare total: number;
  declare error: PlaygroundError | null;
  declare notice: string;
  declare webgpu: Extract<FromWorker, { type: 'ready' }>['webgpu'] | null;
  declare ortBuild: Extract<FromWorker, { type: 'ready' }>['ortBuild'] | null;
  declare wasm: Extract<FromWorker, { type: 'ready' }>['wasm'] | null;
  declare info: ModelInfo | null;
  declare result: ExplainResult | null;
  declare compareRows: CompareRow[] | null;
  declare hubDraft: string;
  declare fieldErrors: Record<string, string>;
  /** How results are shown (results/display.ts); not part of the URL. */
  declare display: DisplayOptions;
  declare theme: ResolvedTheme;
  declare compareView: { row: number; scale: 'shared' | 'row' };
  private readonly themes = new ThemeController((t) => this.onTheme(t));
  /** What the shown result / comparison was computed from (results/stale.ts). */
  private resultKey: string | null = null;
  private compareKey: string | null = null;
  /** Options set for each method, restored when the user comes back to it. */
  private readonly methodOptions: Partial<Record<MethodName, PlaygroundState['options']>> = {};
  /** What the page knows of models that are not embedded (imported files, cached Hub/URL models): task, dtypes. */
  declare ownModels: Record<string, { task?: 'classification' | 'generation'; dtypes: string[] }>;

  private readonly defaultModel = pickDefaultModel();
  private client!: WorkerClient;
  private runningId: number | null = null;
  /** The heatmap element of the current result, made once per result (it keeps its own selection). */
  private heatmap: HTMLElement | null = null;
  /** Completed runs (explain or compare); shown as data-run so a test can wait for a fresh result. */
  private runCount = 0;

  constructor() {
    super();
    const { state, warnings } = parseState(location.search, this.defaultModel);
    const initialTask =
      state.model.source === 'local' ? embeddedModels.find((e) => e.name === state.model.id)?.task : undefined;
    if (initialTask === 'generation' && !new URLSearchParams(location.search).has('text'))
      state.text = DEFAULT_GENERATION_TEXT;
    this.state = state;
    this.phase = 'starting';
    this.stage = 'starting the worker';
    this.done = 0;
    this.total = 0;
    this.error = null;
    this.notice = warnings.length ? `Some URL settings were ignored: ${warnings.join(' ')}` : '';
    this.webgpu = null;
    this.ortBuild = null;
    this.wasm = null;
    this.info = null;
    this.tab = 'explain';
    this.datasetReady = false;
    this.result = null;
    this.compareRows = null;
    this.hubDraft = state.model.source === 'hub' ? state.model.id : '';
    this.fieldErrors = {};
    this.display = loadDisplay();
    this.theme = this.themes.theme;
    // Methods score in different units (logit differences, gradient magnitudes): each on its own bound by default,
    // one shared bound on request.
    this.compareView = { row: 0, scale: 'row' };
    this.ownModels = {};
    this.partial = null;
    this.stopping = false;
    this.unitMenu = null;
    this.edits = [];
  }

  private onTheme(theme: ResolvedTheme): void {
    this.theme = theme;
    for (const view of [this.heatmap, this.partialView]) if (view) applyDisplay(view, this.display, theme);
  }

  private setDisplay(d: DisplayOptions): void {
    this.display = d;
    saveDisplay(d);
    for (const view of [this.heatmap, this.partialView]) if (view) applyDisplay(view, d, this.theme);
  }

  /** What an Explain run depends on, for the stale mark. */
  private explainInputs(): RunInputs {
    const s = this.state;
    return {
      model: s.model,
      device: s.device,
      text: s.text,
      target: this.effectiveTarget(),
      contrast: fitContrast(s.contrast, this.task),
      units: s.units,
      baseline: fitBaseline(s.baseline, METHODS[s.method].family, this.task),
      score: s.score,
      method: s.method,
      options: s.options,
      metrics: s.metrics,
    };
  }

  /** The custom units as character ranges of the text, or undefined; a marking that cannot be read is the error shown. */
  private unitSpans(): { spans?: CharSpan[]; error?: string } {
    if (!this.state.units) return {};
    const r = parseMarkedUnits(this.state.units, this.state.text);
    return 'error' in r ? { error: r.error } : { spans: r.spans };
  }

  /** What a comparison depends on (every method runs, with the shared options only). */
  private compareInputs(): RunInputs {
    return {
      ...this.explainInputs(),
      baseline: fitBaseline(this.state.baseline, 'perturbation', this.task),
      method: undefined,
      metrics: undefined,
      options: this.sharedOptions(),
    };
  }

  private sharedOptions(): PlaygroundState['options'] {
    const shared: Record<string, unknown> = {};
    for (const k of ['batchSize', 'granularity', 'granularityAggregationStrategy', 'inferenceMode', 'seed']) {
      if (this.state.options[k] !== undefined) shared[k] = this.state.options[k];
    }
    return shared as PlaygroundState['options'];
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.client = new WorkerClient(new URL('./', location.href).href);
    void this.client.ready.then((r) => {
      performance.mark('interpreto:worker-ready');
      if (r.type === 'error') {
        this.error = r.error;
        return;
      }
      this.webgpu = r.webgpu;
      this.ortBuild = r.ortBuild;
      this.wasm = r.wasm;
      // The opening run may already be under way (or over): it keeps its own phase.
      if (this.phase === 'starting') {
        this.phase = 'idle';
        this.stage = '';
      }
    });
    // The opening run is sent at once, not after "ready": the worker queues it behind its own start, so the model
    // loads as soon as the libraries are in, without waiting for the WebGPU adapter and a round trip.
    const initialRun = this.state.run;
    if (initialRun === 'compare') this.compare();
    else if (initialRun === 'explain') this.explain();
    // The prediction first: the default model is explained at once (the default method is a fast one).
    else if (this.state.model.source === 'local' && this.state.model.id === this.defaultModel && this.defaultModel)
      this.explain({ first: true });
  }

  protected override updated(changed: PropertyValues<this>): void {
    // How long the page takes to show its first explanation (read by the e2e suite): marked once it is drawn.
    if (this.result && !performance.getEntriesByName('interpreto:first-explanation').length)
      requestAnimationFrame(() => {
        if (!performance.getEntriesByName('interpreto:first-explanation').length)
          performance.mark('interpreto:first-explanation');
      });
    if (changed.has('state')) {
      const search = stateToSearch(this.state, this.defaultModel);
      if (search !== location.search) history.replaceState(null, '', search + location.hash);
    }
  }

  // ------------------------------------------------------------------ state helpers

  private set(patch: Partial<PlaygroundState>): void {
    // Any edit makes the shared view's "run" stale until the user runs again.
    this.state = { ...this.state, ...patch, run: 'none' };
  }

  private get task(): 'classification' | 'generation' | null {
    const m = this.state.model;
    if (this.info && this.info.ref.source === m.source && this.info.ref.id === m.id) return this.info.task;
    if (m.source === 'local') return embeddedModels.find((e) => e.name === m.id)?.task ?? null;
    return this.ownModels[m.id]?.task ?? null;
  }

  private get labels(): string[] | undefined {
    const m = this.state.model;
    if (this.info && this.info.ref.id === m.id) return this.info.labels;
    return m.source === 'local' ? embeddedModels.find((e) => e.name === m.id)?.labels : undefined;
  }

  /** The target to send: the URL's target, made to fit the model's task. */
  private effectiveTarget(): TargetSpec {
    const t = this.state.target;
    const task = this.task;
    if (task === 'classification' && (t.kind === 'continuation' || t.kind === 'generate')) return { kind: 'predicted' };
    if (task === 'generation' && (t.kind === 'predicted' || t.kind === 'classes'))
      return { kind: 'generate', maxNewTokens: DEFAULT_MAX_NEW_TOKENS };
    return t;
  }

  // ------------------------------------------------------------------ actions

  /** `keepNotice`: a run the page starts by itself keeps what the notice says (e.g. a shared link's ignored settings). */
  private begin(stage: string, keepNotice = false): boolean {
    if (!this.state.text.trim()) {
      this.error = { message: 'The input text is empty.', hint: 'Type a sentence to explain.' };
      return false;
    }
    if (this.state.model.source === 'url') {
      const problem = folderUrlProblem(this.state.model.id);
      if (problem) {
        this.error = { message: problem };
        return false;
      }
    }
    if (this.state.model.source === 'files' && !this.state.model.id) {
      this.error = { message: 'No model files were chosen.', hint: 'Choose or drop a model folder first.' };
      return false;
    }
    if (Object.keys(this.fieldErrors).length) {
      this.error = { message: 'Some options are invalid.', hint: Object.values(this.fieldErrors).join(' ') };
      return false;
    }
    if (this.state.model.source === 'hub') {
      const problem = hubIdProblem(this.state.model.id);
      if (problem) {
        this.error = { message: problem };
        return false;
      }
    } else if (!this.state.model.id) {
      this.error = {
        message: 'No embedded model is available.',
        hint: 'Run `pnpm prepare-models` and reload, or enter a Hub model id.',
      };
      return false;
    }
    this.error = null;
    if (!keepNotice) this.notice = '';
    this.phase = 'running';
    this.stage = stage;
    this.done = 0;
    this.total = 0;
    this.progressSamples = [];
    this.progressUnit = undefined;
    return true;
  }

  private onProgress = (stage: string, done: number, total: number, unit?: 'calls') => {
    // The time left is estimated per stage over model calls (a download's bytes or a method count are not).
    if (unit !== 'calls' || stage !== this.stage) this.progressSamples = [];
    if (unit === 'calls') this.progressSamples = addSample(this.progressSamples, { t: performance.now(), done });
    this.stage = stage;
    this.done = done;
    this.total = total;
    this.progressUnit = unit;
  };

  /** "40 / 120 model calls · about 3 s left" (the time once two batches are done). */
  private renderProgressCount() {
    if (this.progressUnit !== 'calls' || this.total <= 0) return nothing;
    const left = secondsLeft(this.progressSamples, this.total, performance.now());
    return html` <span id="progress-count">${this.done.toLocaleString('en-US')} / ${this.total.toLocaleString('en-US')} model calls</span>${
      left === undefined ? nothing : html` · <span id="time-left">${formatSecondsLeft(left)}</span>`
    }`;
  }

  private async finish(
    reply: Promise<Exclude<FromWorker, { type: 'progress' }>>,
    onOk: (r: Exclude<FromWorker, { type: 'progress' }>) => void,
  ) {
    const r = await reply;
    this.pendingKey = null;
    this.partial = null;
    this.partialView = null;
    this.stopping = false;
    this.runCount++;
    this.runningId = null;
    this.phase = 'idle';
    this.stage = '';
    if (r.type === 'error') this.error = r.error;
    else if (r.type === 'cancelled') {
      if (!this.quietCancel) this.notice = r.hard ? 'Cancelled (the worker was restarted).' : 'Cancelled.';
    } else onOk(r);
    this.quietCancel = false;
  }

  private load(): void {
    if (!this.begin('loading the model')) return;
    const { id, reply } = this.client.request(
      { type: 'load', model: this.state.model, device: this.state.device },
      this.onProgress,
    );
    this.runningId = id;
    void this.finish(reply, (r) => {
      if (r.type === 'loaded') this.info = r.info;
      void this.querySelector<ModelFilesPanel>('ip-model-files')?.refresh();
    });
  }

  /** `first`: the explanation the page shows on opening; the link does not ask for it, so it stays out of the URL. */
  explain({ first = false } = {}): void {
    const units = this.unitSpans();
    if (units.error) {
      this.error = { message: units.error };
      return;
    }
    if (!this.begin(`running ${this.state.method}`, first || this.state.run === 'explain')) return;
    if (!performance.getEntriesByName('interpreto:first-request').length) performance.mark('interpreto:first-request');
    if (!first) this.state = { ...this.state, run: 'explain' };
    const key = runKey(this.explainInputs());
    const text = this.state.text;
    this.pendingKey = key;
    this.unitMenu = null;
    const { id, reply } = this.client.request(
      {
        type: 'explain',
        model: this.state.model,
        device: this.state.device,
        text: this.state.text,
        target: this.effectiveTarget(),
        contrast: fitContrast(this.state.contrast, this.task),
        units: units.spans,
        baseline: fitBaseline(this.state.baseline, METHODS[this.state.method].family, this.task),
        score: this.state.score,
        method: this.state.method,
        options: this.state.options,
        // The opening view is the prediction and one fast explanation; the curves come with the user's first run.
        metrics: this.state.metrics && !first,
      },
      this.onProgress,
      this.onPartial,
    );
    this.runningId = id;
    void this.finish(reply, (r) => {
      if (r.type !== 'explained') return;
      if (!performance.getEntriesByName('interpreto:first-reply').length) performance.mark('interpreto:first-reply');
      this.info = r.info;
      this.heatmap = plotAttributions(r.result.output, this.plotOptions(r.result.output, r.info.labels));
      this.heatmap.id = 'heatmap-view';
      applyDisplay(this.heatmap, this.display, this.theme);
      this.resultKey = key;
      this.resultText = text;
      this.result = r.result;
      this.compareRows = null;
    });
  }

  compare(): void {
    const units = this.unitSpans();
    if (units.error) {
      this.error = { message: units.error };
      return;
    }
    if (!this.begin('comparing methods', this.state.run === 'compare')) return;
    this.state = { ...this.state, run: 'compare' };
    // Options every method shares (batch size, granularity, aggregation, inference mode, seed).
    const shared = this.sharedOptions();
    const key = runKey(this.compareInputs());
    const { id, reply } = this.client.request(
      {
        type: 'compare',
        model: this.state.model,
        device: this.state.device,
        text: this.state.text,
        target: this.effectiveTarget(),
        contrast: fitContrast(this.state.contrast, this.task),
        units: units.spans,
        // Every perturbation method takes it; the worker leaves it out for the gradient methods.
        baseline: fitBaseline(this.state.baseline, 'perturbation', this.task),
        score: this.state.score,
        methods: [...METHOD_NAMES],
        options: shared,
      },
      this.onProgress,
    );
    this.runningId = id;
    void this.finish(reply, (r) => {
      if (r.type !== 'compared') return;
      this.info = r.info;
      this.compareKey = key;
      this.compareView = { ...this.compareView, row: 0 };
      this.compareRows = r.rows;
    });
  }

  /** A sampling method's estimate so far: one heatmap element, updated in place (it keeps the user's selection). */
  private onPartial = (output: AttributionOutput) => {
    if (this.partialView) (this.partialView as HTMLElement & { output: AttributionOutput }).output = output;
    else {
      this.partialView = plotAttributions(output, this.plotOptions(output, this.labels));
      applyDisplay(this.partialView, this.display, this.theme);
    }
    this.partial = output;
  };

  private plotOptions(output: AttributionOutput, labels: string[] | undefined) {
    const c = this.state.contrast;
    return {
      classesNames: output.classes ?? labels,
      ...(output.contrast && c?.kind === 'text' ? { contrastText: c.text } : {}),
    };
  }

  /** "Stop here": sampling ends and the run's result is the estimate so far. */
  stopHere(): void {
    if (this.runningId === null) return;
    this.stopping = true;
    this.client.stop(this.runningId);
  }

  // ------------------------------------------------------------------ counterfactual edits

  /** A unit of the result was activated: open its Remove / Replace menu (prompt units only for generation). */
  private onUnitSelect(e: CustomEvent<{ index: number; text: string }>): void {
    const out = this.result?.output;
    if (!out) return;
    const { index, text } = e.detail;
    const editable =
      out.modelTask === 'generation' ? out.elements.length - out.attributions.length : out.elements.length;
    if (index >= editable) return;
    let problem: string | undefined;
    if (this.phase !== 'idle') problem = 'Wait for the current run to end, then edit.';
    else if (this.state.text !== this.resultText)
      problem = 'The input text has changed since this result: run Explain first, then edit its units.';
    const span = locateUnits(this.resultText, out.elements)[index] ?? null;
    if (!problem && !span) problem = `"${text.trim()}" cannot be found in the input text (a special or unknown token).`;
    this.unitMenu = { index, unit: text.trim(), span, ...(problem ? { problem } : {}) };
    // The menu takes the focus, so the keyboard goes on from there (Escape closes it).
    void this.updateComplete.then(() =>
      this.querySelector<HTMLElement>('#unit-remove:enabled, #unit-menu-close')?.focus(),
    );
  }

  /**
   * Removes or replaces the unit: the text changes, the prediction on both texts comes back at once (a forward
   * pass each), and the explanation reruns behind it, the old one marked stale until then.
   */
  private applyEdit(edit: Edit): void {
    const menu = this.unitMenu;
    const result = this.result;
    if (!menu?.span || !result || this.phase !== 'idle') return;
    if (edit.kind === 'replace' && !edit.with.trim()) {
      this.unitMenu = { ...menu, problem: 'Type the replacement text, or use Remove.' };
      return;
    }
    // The Units field marks spans in the current text: an edit would leave it pointing at text that is gone.
    if (this.state.units) {
      this.unitMenu = { ...menu, problem: 'Custom units are set for this text: clear the Units field to edit it.' };
      return;
    }
    const fromText = this.resultText;
    const toText = editText(fromText, menu.span, edit);
    if (!toText.trim()) {
      this.unitMenu = { ...menu, problem: 'Removing it would leave no text to explain.' };
      return;
    }
    const label = edit.kind === 'remove' ? `removed "${menu.unit}"` : `replaced "${menu.unit}" with "${edit.with}"`;
    const step: EditStep = {
      label,
      fromText,
      toText,
      snapshot: { result, heatmap: this.heatmap, resultKey: this.resultKey, resultText: this.resultText },
    };
    this.edits = [...this.edits, step];
    this.unitMenu = null;
    this.set({ text: toText });
    const t = this.effectiveTarget();
    const { reply } = this.client.request({
      type: 'predict',
      model: this.state.model,
      device: this.state.device,
      texts: [fromText, toText],
      maxNewTokens: t.kind === 'generate' ? t.maxNewTokens : DEFAULT_MAX_NEW_TOKENS,
    });
    void reply.then((r) => {
      const update = (patch: Partial<EditStep>) => {
        this.edits = this.edits.map((s) => (s === step ? Object.assign(step, patch) : s));
      };
      if (r.type === 'predicted') update({ before: r.predictions[0], after: r.predictions[1] });
      else if (r.type === 'error') update({ error: r.error.message });
    });
    // Queued behind the prediction in the worker: the prediction shows first.
    this.explain();
  }

  /** Takes back the last edit: its text, and the result it was made from (a rerun still in flight is cancelled). */
  private undoEdit(): void {
    const step = this.edits.at(-1);
    if (!step) return;
    if (this.runningId !== null) {
      this.quietCancel = true;
      this.client.cancel(this.runningId);
    }
    const snap = step.snapshot;
    this.result = snap.result;
    this.heatmap = snap.heatmap;
    this.resultKey = snap.resultKey;
    this.resultText = snap.resultText;
    this.edits = this.edits.slice(0, -1);
    this.unitMenu = null;
    this.set({ text: step.fromText });
  }

  cancel(): void {
    if (this.runningId !== null) {
      this.stage = 'cancelling…';
      this.client.cancel(this.runningId);
    }
  }

  // ------------------------------------------------------------------ rendering

  private renderModelPicker() {
    const m = this.state.model;
    const value = m.source === 'hub' || m.source === 'url' ? '__hub__' : m.source === 'files' ? '__files__' : m.id;
    const onModel = (e: Event) => {
      const v = (e.target as HTMLSelectElement).value;
      if (v === '__hub__') this.set({ model: this.remoteRef(this.hubDraft || HUB_SUGGESTIONS[0]) });
      else if (v === '__files__') this.set({ model: { source: 'files', id: '' } });
      else {
        const task = embeddedModels.find((e) => e.name === v)?.task;
        // Swap the untouched default text for the other task's default.
        let text = this.state.text;
        if (task === 'generation' && text === DEFAULT_TEXT) text = DEFAULT_GENERATION_TEXT;
        if (task === 'classification' && text === DEFAULT_GENERATION_TEXT) text = DEFAULT_TEXT;
        this.set({ model: { source: 'local', id: v }, target: { kind: 'predicted' }, text });
      }
      if (v === '__hub__' && !this.hubDraft) this.hubDraft = HUB_SUGGESTIONS[0];
    };
    return html`<label
        >Model
        <select id="model" @change=${onModel} .value=${live(value)}>
          <optgroup label="Embedded (offline)">
            ${embeddedModels.map((e) => html`<option value=${e.name} ?selected=${value === e.name}>${e.name} · ${e.task}${e.generated ? ' (test fixture)' : ''}</option>`)}
          </optgroup>
          <option value="__files__" ?selected=${value === '__files__'}>Your own model (folder or files)…</option>
          <option value="__hub__" ?selected=${value === '__hub__'}>Hugging Face Hub id or folder URL…</option>
        </select></label
      >
      ${this.renderDtypePicker()}
      ${
        m.source === 'files'
          ? html`<ip-model-files
              ?busy=${this.phase !== 'idle'}
              @model-import=${(e: CustomEvent<ImportResult>) => void this.onImport(e.detail)}
              @model-pick=${(e: CustomEvent<CachedModel>) => this.onPickCached(e.detail)}
            ></ip-model-files>`
          : nothing
      }
      ${
        m.source === 'hub' || m.source === 'url'
          ? html`<span class="hub"
            ><input
              id="hub-id"
              list="hub-suggestions"
              placeholder="owner/name or https://…/folder/"
              .value=${live(this.hubDraft)}
              @input=${(e: Event) => (this.hubDraft = (e.target as HTMLInputElement).value)}
              @change=${() => this.set({ model: this.remoteRef(this.hubDraft) })} /><datalist id="hub-suggestions">
              ${HUB_SUGGESTIONS.map((s) => html`<option value=${s}></option>`)}</datalist
            ><button id="load" type="button" ?disabled=${this.phase !== 'idle'} @click=${() => this.load()}>Load</button></span
          >`
          : nothing
      }
      ${
        embeddedModels.length === 0
          ? html`<p class="warn" id="no-models">No embedded models were built in. Run <code>pnpm prepare-models</code> and rebuild.</p>`
          : nothing
      }`;
  }

  /** A Hub id or an http(s) folder URL typed in the field. */
  private remoteRef(text: string): PlaygroundState['model'] {
    const id = text.trim();
    // Any scheme counts as a URL here, so that a file: or ftp: address gets the URL check's message.
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(id) ? { source: 'url', id } : { source: 'hub', id };
  }

  /** The user's files were read: hand them to the worker, then load them as the current model. */
  private async onImport(r: ImportResult): Promise<void> {
    if (!r.ok) {
      this.error = {
        message: 'These files are not a model the playground can load.',
        hint: r.problems.join(' '),
      };
      return;
    }
    const { reply } = this.client.request({ type: 'files', modelId: r.id, files: r.files });
    const done = await reply;
    if (done.type === 'error') {
      this.error = done.error;
      return;
    }
    this.ownModels = { ...this.ownModels, [r.id]: { task: r.task, dtypes: r.dtypes } };
    const dtype = r.dtypes.includes('fp32') ? undefined : r.dtypes[0];
    this.set({ model: dtype ? { source: 'files', id: r.id, dtype } : { source: 'files', id: r.id } });
    this.load();
    if (r.notes.length) this.notice = r.notes.join(' ');
  }

  private onPickCached(m: CachedModel): void {
    this.ownModels = { ...this.ownModels, [m.id]: { ...this.ownModels[m.id], dtypes: m.dtypes } };
    const dtype = m.dtypes.includes('fp32') || !m.dtypes.length ? undefined : m.dtypes[0];
    if (m.source !== 'files') this.hubDraft = m.id;
    this.set({ model: { source: m.source, id: m.id, ...(dtype ? { dtype } : {}) } });
    this.load();
  }

  /** The model file precisions the model's folder has (build-time manifest, or the files seen), when there is a choice. */
  private renderDtypePicker() {
    const m = this.state.model;
    const dtypes =
      m.source === 'local'
        ? (embeddedModels.find((e) => e.name === m.id)?.dtypes ?? [])
        : (this.ownModels[m.id]?.dtypes ?? (this.info?.ref.id === m.id ? this.info.dtypes : undefined) ?? []);
    if (dtypes.length < 2) return nothing;
    const value = m.dtype ?? 'fp32';
    const onDtype = (e: Event) => {
      const v = (e.target as HTMLSelectElement).value;
      this.set({ model: v === 'fp32' ? { source: m.source, id: m.id } : { source: m.source, id: m.id, dtype: v } });
    };
    return html`<label
      >Precision
      <select id="dtype" @change=${onDtype} .value=${live(value)}>
        ${dtypes.map((d) => html`<option value=${d} ?selected=${value === d}>${d} · onnx/model${DTYPE_SUFFIXES[d]}.onnx</option>`)}
      </select></label
    >${DTYPE_NOTES[value] ? html`<span id="dtype-note" class="muted">${DTYPE_NOTES[value]}</span>` : nothing}`;
  }

  private renderOption(spec: OptionSpec) {
    const value = this.state.options[spec.name];
    const id = `opt-${spec.name}`;
    const update = (text: string) => {
      const errors = { ...this.fieldErrors };
      delete errors[spec.name];
      try {
        const v = parseOption(spec, text);
        const options = { ...this.state.options };
        if (v === undefined) delete options[spec.name];
        else options[spec.name] = v;
        this.set({ options });
      } catch (e) {
        errors[spec.name] = (e as Error).message;
      }
      this.fieldErrors = errors;
    };
    const shown = value ?? spec.default;
    // A Score (attributed function) replaces the target's score, so the inference mode has nothing to act on.
    const unused =
      spec.name === 'inferenceMode' && this.state.score
        ? `unused: the ${scoreName(this.state.score)} is attributed, not the target's score`
        : undefined;
    let control: TemplateResult;
    if (spec.kind === 'bool') {
      control = html`<input id=${id} type="checkbox" .checked=${live(Boolean(shown))} @change=${(e: Event) => update(String((e.target as HTMLInputElement).checked))} />`;
    } else if (spec.kind === 'enum' || spec.kind === 'choice') {
      control = html`<select id=${id} ?disabled=${unused !== undefined} .value=${live(String(shown))} @change=${(e: Event) => update((e.target as HTMLSelectElement).value)}>
        ${spec.values.map((v) => html`<option value=${v} ?selected=${v === shown}>${v}</option>`)}
      </select>`;
    } else {
      control = html`<input
        id=${id}
        type="number"
        step=${spec.kind === 'int' ? 1 : (spec.step ?? 'any')}
        min=${spec.min ?? nothing}
        max=${spec.max ?? nothing}
        placeholder=${spec.default === undefined ? 'default' : String(spec.default)}
        .value=${live(value === undefined ? '' : String(value))}
        @change=${(e: Event) => update((e.target as HTMLInputElement).value)}
      />`;
    }
    return html`<label class="option" title=${spec.help ?? ''}
      >${spec.label} ${control}${unused ? html`<span class="muted option-note">${unused}</span>` : nothing}${this.fieldErrors[spec.name] ? html`<span class="field-error">${this.fieldErrors[spec.name]}</span>` : nothing}</label
    >`;
  }

  private renderTargets() {
    const task = this.task;
    const t = this.effectiveTarget();
    if (task === null) return html`<p class="muted">Targets: load the model to see its task.</p>`;
    if (task === 'classification') {
      const labels = this.labels ?? [];
      const chosen = t.kind === 'classes' ? t.classes : [];
      const toggle = (c: number, on: boolean) => {
        const set = new Set(chosen);
        if (on) set.add(c);
        else set.delete(c);
        const classes = [...set].sort((a, b) => a - b);
        this.set({ target: classes.length ? { kind: 'classes', classes } : { kind: 'predicted' } });
      };
      return html`<fieldset id="targets">
        <legend>Classes to explain</legend>
        <label><input type="radio" name="target" .checked=${live(t.kind === 'predicted')} @change=${() => this.set({ target: { kind: 'predicted' } })} /> predicted class</label>
        ${labels.map(
          (name, c) =>
            html`<label><input type="checkbox" class="class-target" data-class=${c} .checked=${live(chosen.includes(c))} @change=${(e: Event) => toggle(c, (e.target as HTMLInputElement).checked)} /> ${c}: ${name}</label>`,
        )}
        ${renderContrastControl(task, labels, this.state.contrast, (contrast) => this.set({ contrast, score: undefined }))}
        ${renderScoreControl(this.state.score, (score) => this.set({ score, contrast: undefined }))}
      </fieldset>`;
    }
    const maxNew = t.kind === 'generate' ? t.maxNewTokens : DEFAULT_MAX_NEW_TOKENS;
    const cont = t.kind === 'continuation' ? t.text : '';
    return html`<fieldset id="targets">
      <legend>What to explain</legend>
      <label
        ><input type="radio" name="target" id="target-generate" .checked=${live(t.kind === 'generate')} @change=${() => this.set({ target: { kind: 'generate', maxNewTokens: maxNew } })} /> generate,
        max_new_tokens
        <input
          id="max-new-tokens"
          type="number"
          min="1"
          max="256"
          .value=${live(String(maxNew))}
          @change=${(e: Event) => {
            const n = Number((e.target as HTMLInputElement).value);
            if (Number.isInteger(n) && n >= 1 && n <= 256) this.set({ target: { kind: 'generate', maxNewTokens: n } });
          }}
      /></label>
      <label
        ><input type="radio" name="target" id="target-continuation" .checked=${live(t.kind === 'continuation')} @change=${() => this.set({ target: { kind: 'continuation', text: cont } })} /> explain this
        continuation:
        <input id="continuation" type="text" .value=${live(cont)} @change=${(e: Event) => this.set({ target: { kind: 'continuation', text: (e.target as HTMLInputElement).value } })}
      /></label>
      ${renderContrastControl(task, [], this.state.contrast, (contrast) => this.set({ contrast, score: undefined }))}
      ${renderScoreControl(this.state.score, (score) => this.set({ score, contrast: undefined }))}
    </fieldset>`;
  }

  private renderStatus() {
    const pct = this.total > 0 ? this.done / this.total : undefined;
    const gpu = this.webgpu;
    return html`<div class="status">
      <span id="webgpu-status" data-available=${gpu ? String(gpu.available) : 'unknown'}
        data-software=${String(Boolean(gpu?.software))}
        >${
          gpu === null
            ? 'checking WebGPU…'
            : gpu.available
              ? gpu.software
                ? `WebGPU available (${gpu.adapter}), but it is a software adapter that emulates a GPU on the CPU: "auto" runs on WASM, which is faster here`
                : `WebGPU available (${gpu.adapter})`
              : `WebGPU unavailable (${gpu.reason}); runs use WASM`
        }</span
      >
      ${this.ortBuild ? html`<span id="ort-build" data-build=${this.ortBuild}>${ORT_BUILD_TEXT[this.ortBuild]}</span>` : nothing}
      ${
        this.wasm
          ? html`<span id="wasm-threads" data-threads=${this.wasm.threads} data-isolated=${String(this.wasm.isolated)}
              >${threadsStatus(this.wasm, isolation())}</span
            >`
          : nothing
      }
      ${
        this.phase === 'running' || this.phase === 'starting'
          ? html`<span id="progress-box"><progress id="progress" max="1" value=${pct ?? nothing}></progress> <span id="stage">${this.stage}</span>${this.renderProgressCount()}</span>`
          : nothing
      }
      ${this.notice ? html`<p id="notice" role="status">${this.notice}</p>` : nothing}
      ${
        this.error
          ? html`<div id="error" role="alert" class="error">
            <strong>${this.error.message}</strong>
            ${this.error.hint ? html`<p class="hint">${this.error.hint}</p>` : nothing}
            ${this.error.detail ? html`<details><summary>details</summary><pre>${this.error.detail}</pre></details>` : nothing}
          </div>`
          : nothing
      }
    </div>`;
  }

  private renderResult() {
    const r = this.result;
    if (!r) return nothing;
    const names = r.output.classes ?? this.info?.labels;
    const rowNames =
      r.output.modelTask === 'classification'
        ? r.output.targets.map((c) => names?.[c] ?? `class ${c}`)
        : r.output.elements.slice(r.output.elements.length - r.output.attributions.length);
    const stale = isStale(this.resultKey, this.explainInputs());
    // why the run is not on the device chosen: the model's (loaded on WASM) or the core's (its gradients on WASM)
    const deviceNotice = this.info?.deviceNotice ?? r.output.deviceNotice?.replace(/^interpreto: /, '');
    return html`<section id="result" class=${stale ? 'stale' : ''} data-stale=${String(stale)} data-run=${this.runCount} data-method=${r.method} data-device=${r.device} data-dtype=${r.output.modelDtype ?? ''} data-webgpu-ep=${String(r.webgpuEp)} data-units=${r.output.elements.length}>
      <h2>${r.method}</h2>
      ${staleNote(stale, 'stale-result', this.pendingKey !== null && this.pendingKey === runKey(this.explainInputs()))}
      ${
        r.output.attributedFunction
          ? html`<p id="score-info">Each row attributes the <strong>${scoreName(r.output.attributedFunction)}</strong>, not the target's score.</p>`
          : nothing
      }
      <p id="run-info">
        ran on <strong id="run-device">${deviceLabel(r.device)}</strong>${r.device === 'webgpu' && r.webgpuEp ? ' (onnxruntime-web WebGPU execution provider)' : nothing}${
          r.output.modelDtype ? html`, model dtype <strong id="run-dtype">${r.output.modelDtype}</strong>` : nothing
        } in <span id="run-time">${ms(r.explainMs)}</span>${
          r.metricsMs !== undefined ? html`; Insertion and Deletion in ${ms(r.metricsMs)}` : nothing
        }${r.output.truncated ? html` <span class="warn">(input truncated to the model's maximum length)</span>` : nothing}
      </p>
      ${deviceNotice ? html`<p id="device-notice" class="warn" role="status">${deviceNotice}</p>` : nothing}
      ${r.metricsNote ? html`<p id="metrics-note" class="muted">${r.metricsNote}</p>` : nothing}
      ${this.renderPrediction(r.output.classProbabilities, names)}
      ${renderDisplayControls(this.display, r.output.modelTask, (d) => this.setDisplay(d))}
      <p id="unit-hint" class="muted">Click a ${r.output.modelTask === 'generation' ? 'prompt ' : ''}unit to remove or replace it and see the prediction change.</p>
      <div id="heatmap" @interpreto-unit-select=${(e: CustomEvent<{ index: number; text: string }>) => this.onUnitSelect(e)}>${this.heatmap}</div>
      ${renderUnitMenu(this.unitMenu, {
        onEdit: (edit) => this.applyEdit(edit),
        onClose: () => {
          this.unitMenu = null;
        },
      })}
      ${renderScoreTable(r.output, names, this.display, this.theme)}
      ${
        r.insertion && r.deletion
          ? html`<div class="curves">
            <interpreto-curve id="insertion-curve" metric="Insertion" theme=${this.theme} .result=${r.insertion} .rowNames=${rowNames}></interpreto-curve>
            <interpreto-curve id="deletion-curve" metric="Deletion" theme=${this.theme} .result=${r.deletion} .rowNames=${rowNames}></interpreto-curve>
          </div>`
          : nothing
      }
    </section>`;
  }

  /** The model's prediction on the input as given: every class with its probability, most probable first. */
  private renderPrediction(probabilities: readonly number[] | undefined, names: readonly string[] | undefined) {
    if (!probabilities?.length) return nothing;
    const ranked = probabilities.map((p, c) => ({ c, p })).sort((a, b) => b.p - a.p);
    return html`<p id="prediction">
      Prediction:
      ${ranked.map(
        ({ c, p }, i) =>
          html`<span class=${i === 0 ? 'prob top' : 'prob'} data-class=${c}
            ><span class="prob-name">${names?.[c] ?? `class ${c}`}</span> <span class="prob-value">${percent(p)}</span
            ><span class="prob-bar" style=${`width:${(100 * p).toFixed(1)}%`}></span
          ></span>`,
      )}
    </p>`;
  }

  private renderCompare() {
    const rows = this.compareRows;
    if (!rows) return nothing;
    const valid = (k: 'insertionAuc' | 'deletionAuc') =>
      rows.map((r) => r[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    // "Best" is judged on the values as shown: rows that read the same are tied, and a column where every row
    // reads the same has no best (float noise would otherwise crown one of ten identical 0.900).
    const bestOf = (k: 'insertionAuc' | 'deletionAuc', pick: (...v: number[]) => number) => {
      const values = valid(k);
      return new Set(values.map(fmt)).size > 1 ? fmt(pick(...values)) : undefined;
    };
    const bestIns = bestOf('insertionAuc', Math.max);
    const bestDel = bestOf('deletionAuc', Math.min);
    const stale = isStale(this.compareKey, this.compareInputs());
    const outputs = rows.flatMap((r) => (r.output ? [r.output] : []));
    const names = outputs[0]?.classes ?? this.info?.labels;
    return html`<section id="compare" class=${stale ? 'stale' : ''} data-stale=${String(stale)} data-run=${this.runCount}>
      <h2>Methods compared on this input</h2>
      ${staleNote(stale, 'stale-compare')}
      ${renderCompareHeatmaps(outputs, names, this.display, this.theme, this.compareView, (v) => (this.compareView = v))}
      <div class="table-wrap"><table id="compare-table">
        <thead>
          <tr><th>method</th><th>Insertion AUC ↑</th><th>Deletion AUC ↓</th><th>device</th><th>time</th></tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) => html`<tr data-method=${r.method}>
              <th scope="row">${r.method}</th>
              ${
                r.error
                  ? html`<td colspan="4" class="error">${r.error}</td>`
                  : html`<td class=${fmt(r.insertionAuc) === bestIns ? 'best' : ''}>${fmt(r.insertionAuc)}</td>
                    <td class=${fmt(r.deletionAuc) === bestDel ? 'best' : ''}>${fmt(r.deletionAuc)}</td>
                    <td>${deviceLabel(r.device ?? '')}</td>
                    <td>${r.explainMs === undefined ? '' : ms(r.explainMs)}</td>`
              }
            </tr>`,
          )}
        </tbody>
      </table></div>
    </section>`;
  }

  /** The last counterfactual edit, while the text is still the edited one: the prediction before and after, Undo. */
  private renderEdits() {
    const step = this.edits.at(-1);
    if (!step || step.toText !== this.state.text) return nothing;
    return renderCounterfactual(step, {
      names: this.result?.output.classes ?? this.labels,
      rerunning: this.pendingKey !== null,
      onUndo: () => this.undoEdit(),
    });
  }

  override render() {
    const spec = METHODS[this.state.method];
    const busy = this.phase !== 'idle';
    const themeLabel = { auto: `auto (${this.theme})`, light: 'light', dark: 'dark' }[this.themes.choice];
    const tab = (to: 'explain' | 'dataset', label: string) =>
      html`<button type="button" role="tab" id=${`tab-${to}`} aria-selected=${String(this.tab === to)} @click=${() => {
        this.tab = to;
        if (to === 'dataset' && !this.datasetReady)
          void import('./dataset/tab.ts').then(() => {
            this.datasetReady = true;
          });
      }}>${label}</button>`;
    return html`<button id="theme-toggle" type="button" class="theme-toggle" aria-label=${`Colour theme: ${themeLabel}. Change it`} data-theme=${this.theme} @click=${() => this.themes.toggle()}>${this.theme === 'dark' ? '☾' : '☀'} ${themeLabel}</button>
      <nav class="tabs" role="tablist">${tab('explain', 'Explain')}${tab('dataset', 'Dataset')}</nav>
      ${
        this.datasetReady
          ? html`<ip-dataset-tab ?hidden=${this.tab !== 'dataset'} .client=${this.client} .model=${this.state.model} .device=${this.state.device}></ip-dataset-tab>`
          : this.tab === 'dataset'
            ? html`<p id="dataset-loading" class="muted">Loading the Dataset tab…</p>`
            : nothing
      }
      <div id="explain-tab" ?hidden=${this.tab !== 'explain'}>
      <form @submit=${(e: Event) => {
        e.preventDefault();
        this.explain();
      }}>
        <div class="row">
          ${this.renderModelPicker()}
          <label
            >Device
            <select id="device" .value=${live(this.state.device)} @change=${(e: Event) => this.set({ device: (e.target as HTMLSelectElement).value as PlaygroundState['device'] })}>
              <option value="auto">auto (WebGPU if available)</option>
              <option value="webgpu">WebGPU</option>
              <option value="wasm">WASM</option>
            </select></label
          >
        </div>
        <label class="text"
          >Input text
          <!-- @input, not @change: progress updates re-render mid-run, and live() would otherwise put back the old text while the user types. -->
          <textarea id="text" rows="3" .value=${live(this.state.text)} @input=${(e: Event) => this.set({ text: (e.target as HTMLTextAreaElement).value })}></textarea>
        </label>
        ${textLeftOutOfUrl(this.state.text) ? html`<p id="text-not-in-url" class="muted">The text is longer than ${MAX_URL_TEXT} characters, so the page link leaves it out (a link that long fails to load): share the text separately.</p>` : nothing}
        ${this.renderTargets()}
        <fieldset id="method-options">
          <legend>
            Method
            <select
              id="method"
              .value=${live(this.state.method)}
              @change=${(e: Event) => {
                const to = (e.target as HTMLSelectElement).value as MethodName;
                // Keep what still applies (granularity, seed, ...) and what was set for the new method before.
                this.methodOptions[this.state.method] = this.state.options;
                const { options } = carryOptions(this.state.options, to, this.methodOptions[to]);
                this.fieldErrors = {};
                this.set({ method: to, options });
              }}
            >
              ${METHOD_NAMES.map((m) => html`<option value=${m} ?selected=${m === this.state.method}>${m} (${METHODS[m].family})</option>`)}
            </select>
          </legend>
          ${spec.options.map((o) => this.renderOption(o))}
        </fieldset>
        ${renderUnitsAndBaseline({
          task: this.task,
          family: spec.family,
          text: this.state.text,
          units: this.state.units,
          baseline: this.state.baseline,
          onUnits: (units) => this.set({ units }),
          onBaseline: (baseline) => this.set({ baseline }),
        })}
        <div class="row actions">
          <label><input id="metrics" type="checkbox" .checked=${live(this.state.metrics)} @change=${(e: Event) => this.set({ metrics: (e.target as HTMLInputElement).checked })} /> Insertion / Deletion curves</label>
          <button id="explain" type="submit" ?disabled=${busy}>Explain</button>
          <button id="compare-all" type="button" ?disabled=${busy} @click=${() => this.compare()}>Compare all methods</button>
          <button id="cancel" type="button" ?disabled=${this.phase !== 'running'} @click=${() => this.cancel()}>Cancel</button>
        </div>
      </form>
      ${this.renderStatus()}
      ${renderLiveEstimate(this.partial, this.partialView, this.stopping, () => this.stopHere())}
      <p id="run-count" hidden>${this.runCount}</p>
      ${this.renderEdits()} ${this.renderResult()} ${this.renderCompare()}
      </div>`;
  }
}

/** The mark on a result computed from other inputs than the form now holds (`updating`: its rerun is under way). */
function staleNote(stale: boolean, id: string, updating = false) {
  if (!stale) return nothing;
  return html`<p class="stale-note" id=${id} role="status" data-updating=${String(updating)}>${
    updating
      ? 'This result is for the previous inputs: the explanation is rerunning for the current ones (progress above).'
      : 'The form has changed since this result: it shows the previous inputs. Run again to update it.'
  }</p>`;
}

function ms(v: number): string {
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
}

/** A probability as a percentage, with one decimal (and "<0.1%" rather than a misleading 0.0%). */
export function percent(p: number): string {
  if (p > 0 && p < 0.0005) return '<0.1%';
  return `${(100 * p).toFixed(1)}%`;
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

export function deviceLabel(device: string): string {
  return device === 'webgpu' ? 'WebGPU' : device === 'wasm' ? 'WASM' : device === 'cpu' ? 'CPU' : device;
}

defineResultElements();
customElements.define('ip-playground', PlaygroundApp);
