/**
 * `<ip-dataset-tab>`: the playground's Dataset tab. Reads a CSV / JSONL / Parquet file in the page (file chooser or
 * drop; the bundled evaluation set by default), runs the chosen methods and metrics over its rows in the explainer
 * worker (`runDataset`, results streamed back in batches) with progress and Cancel, shows the aggregates (means with
 * bootstrap intervals, paired comparisons, average curves) as rows arrive, and downloads the results (the CLI's
 * results.jsonl format) and the CLI's HTML report. The model and device are the Explain tab's.
 */
import { html, LitElement, nothing } from 'lit';
import {
  aggregateDataset,
  type DatasetAggregates,
  type DatasetMetricName,
  type DatasetRowResult,
} from '@interpreto-js/core';
import { renderReport, selectRows } from '@interpreto-js/cli/browser';
import { METHOD_NAMES, type MethodName } from '../methods.ts';
import type { PlaygroundError } from '../protocol.ts';
import type { DeviceChoice, ModelRef } from '../url-state.ts';
import type { WorkerClient } from '../worker-client.ts';
import { loadData, progressLine, resultsJsonl, runManifest, type LoadedData, type RunSettings } from './files.ts';
import { aggregateTable, averageCurves, comparisonTable } from './view.ts';

export const DEFAULT_DATA_URL = 'data/sentiment-eval.jsonl';
const METRICS: DatasetMetricName[] = ['deletion', 'insertion', 'aopcComprehensiveness', 'aopcSufficiency'];
/** The aggregates (1000 bootstrap resamples per method and metric) are recomputed at most this often during a run. */
const AGGREGATE_MS = 1000;

type Phase = 'loading' | 'idle' | 'running';

export class DatasetTab extends LitElement {
  static override properties = {
    phase: { state: true },
    data: { state: true },
    error: { state: true },
    aggregates: { state: true },
    progress: { state: true },
    stage: { state: true },
    outcome: { state: true },
    methods: { state: true },
    metrics: { state: true },
    seed: { state: true },
    limit: { state: true },
    dragging: { state: true },
    model: { attribute: false },
    device: { attribute: false },
  };
  declare phase: Phase;
  declare data: LoadedData | null;
  declare error: PlaygroundError | null;
  declare aggregates: DatasetAggregates | null;
  declare progress: { done: number; total: number; failed: number; text: string };
  declare stage: string;
  /** How the last run ended: 'done', 'cancelled' (partial results kept), or '' (none yet / running). */
  declare outcome: '' | 'done' | 'cancelled';
  declare methods: MethodName[];
  declare metrics: DatasetMetricName[];
  declare seed: number;
  declare limit: number | null;
  declare dragging: boolean;
  /** Set by the app: the shared worker, and the model and device of the Explain tab. */
  client!: WorkerClient;
  declare model: ModelRef;
  declare device: DeviceChoice;
  /** The results of the current (or last) run, in the order they finished. */
  results: DatasetRowResult[] = [];
  private settings: RunSettings | null = null;
  private runningId = 0;
  private started = 0;
  private aggregateTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.phase = 'loading';
    this.data = null;
    this.error = null;
    this.aggregates = null;
    this.progress = { done: 0, total: 0, failed: 0, text: '' };
    this.stage = '';
    this.outcome = '';
    this.methods = ['Occlusion', 'Saliency'];
    this.metrics = ['deletion', 'insertion'];
    this.seed = 0;
    this.limit = null;
    this.dragging = false;
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.data) void this.loadDefault();
  }

  private async loadDefault(): Promise<void> {
    try {
      const res = await fetch(new URL(DEFAULT_DATA_URL, location.href));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await this.useFile('sentiment-eval.jsonl', new Uint8Array(await res.arrayBuffer()));
    } catch (e) {
      this.phase = 'idle';
      this.error = {
        message: 'The bundled evaluation set could not be loaded.',
        detail: String(e),
        hint: 'Load a file of your own.',
      };
    }
  }

  private async useFile(name: string, bytes: Uint8Array): Promise<void> {
    this.phase = 'loading';
    try {
      this.data = await loadData(name, bytes);
      this.error = null;
    } catch (e) {
      this.error = {
        message: e instanceof Error ? e.message : String(e),
        hint: 'Give a .jsonl (one JSON object per line), .csv (with a header row) or .parquet file with a text column.',
      };
    }
    this.phase = 'idle';
  }

  private async onFiles(files: FileList | null | undefined): Promise<void> {
    const file = files?.[0];
    if (file && this.phase === 'running') {
      this.error = {
        message: `${file.name} was not loaded: a run is going on.`,
        hint: 'Cancel it or wait for it to end.',
      };
      return;
    }
    if (file) await this.useFile(file.name, new Uint8Array(await file.arrayBuffer()));
  }

  private toggle<T>(list: T[], item: T, on: boolean): T[] {
    return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
  }

  run(): void {
    if (!this.data || this.phase !== 'idle') return;
    if (!this.methods.length) {
      this.error = { message: 'No method is ticked.', hint: 'Tick one or more methods to run.' };
      return;
    }
    const rows = selectRows(this.data.rows, this.limit ?? undefined, undefined);
    const methods = METHOD_NAMES.filter((m) => this.methods.includes(m));
    const metrics = METRICS.filter((m) => this.metrics.includes(m));
    this.settings = {
      model: this.model,
      data: this.data,
      methods,
      metrics,
      seed: this.seed,
      limit: this.limit,
      selected: rows.length,
    };
    this.results = [];
    this.aggregates = null;
    this.error = null;
    this.outcome = '';
    this.phase = 'running';
    this.stage = 'loading the model';
    this.progress = { done: 0, total: rows.length, failed: 0, text: progressLine(0, rows.length, 0) };
    this.started = 0;
    const { id, reply } = this.client.request(
      { type: 'dataset', model: this.model, device: this.device, rows, methods, metrics, seed: this.seed },
      (stage) => {
        this.stage = stage;
      },
      undefined,
      (batch) => {
        this.started ||= performance.now();
        this.stage = '';
        this.results.push(...batch.results);
        const elapsed = performance.now() - this.started;
        this.progress = {
          done: batch.done,
          total: rows.length,
          failed: batch.failed,
          text: progressLine(batch.done, rows.length, elapsed),
        };
        this.scheduleAggregate();
      },
    );
    this.runningId = id;
    void reply.then((r) => {
      this.runningId = 0;
      this.phase = 'idle';
      this.stage = '';
      clearTimeout(this.aggregateTimer);
      this.aggregateTimer = undefined;
      if (r.type === 'dataset-done') {
        this.settings!.classes = r.info.labels;
        this.outcome = 'done';
      } else if (r.type === 'cancelled') {
        this.outcome = 'cancelled';
        this.progress = { ...this.progress, text: `${this.progress.done} / ${this.progress.total} rows` };
      } else if (r.type === 'error') this.error = r.error;
      this.updateAggregates();
    });
  }

  cancel(): void {
    if (this.runningId) this.client.cancel(this.runningId);
  }

  private scheduleAggregate(): void {
    if (this.aggregateTimer !== undefined) return;
    this.aggregateTimer = setTimeout(() => {
      this.aggregateTimer = undefined;
      this.updateAggregates();
    }, AGGREGATE_MS);
  }

  private updateAggregates(): void {
    this.aggregates = this.results.length ? aggregateDataset(this.results, { seed: this.settings?.seed ?? 0 }) : null;
  }

  private download(name: string, text: string, type: string): void {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  private downloadReport(): void {
    if (!this.settings) return;
    const agg = aggregateDataset(this.results, { seed: this.settings.seed });
    this.download(
      'report.html',
      renderReport(runManifest(this.settings, this.results), this.results, agg),
      'text/html',
    );
  }

  private renderSource() {
    const d = this.data;
    return html`<div id="dataset-drop" class=${this.dragging ? 'dragging' : ''}
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.dragging = true;
        }}
        @dragleave=${() => {
          this.dragging = false;
        }}
        @drop=${(e: DragEvent) => {
          e.preventDefault();
          this.dragging = false;
          void this.onFiles(e.dataTransfer?.files);
        }}>
      <p id="dataset-source" data-rows=${d?.rows.length ?? 0} data-name=${d?.name ?? ''}>
        ${d ? html`<strong>${d.name}</strong>: ${d.rows.length} rows` : this.phase === 'loading' ? 'Loading the data…' : 'No data loaded.'}
      </p>
      <p class="muted">Drop a .jsonl, .csv or .parquet file here (columns <code>text</code>, optional <code>id</code>, <code>target</code>, <code>label</code>), or
        <label class="file-button">choose a file<input id="dataset-file" type="file" accept=".jsonl,.ndjson,.csv,.parquet" @change=${(e: Event) => void this.onFiles((e.target as HTMLInputElement).files)} /></label>
        ${d && d.name !== 'sentiment-eval.jsonl' ? html` or <button type="button" id="dataset-default" @click=${() => void this.loadDefault()}>use the bundled evaluation set</button>` : nothing}.
      </p>
    </div>`;
  }

  private renderStatus() {
    const p = this.progress;
    return html`<div class="status" role="status">
      ${
        this.phase === 'running' || this.outcome
          ? html`<p id="ds-progress" data-done=${p.done} data-total=${p.total} data-failed=${p.failed} data-outcome=${this.outcome}>
        ${this.stage ? html`${this.stage} · ` : nothing}${p.text}${p.failed ? ` · ${p.failed} failed` : ''}${this.outcome === 'cancelled' ? ' · cancelled: the table shows the rows done' : ''}
        <progress max=${p.total || 1} value=${p.done}></progress></p>`
          : nothing
      }
      ${this.error ? html`<div id="ds-error" class="error" role="alert"><strong>${this.error.message}</strong>${this.error.hint ? html`<p class="hint">${this.error.hint}</p>` : nothing}${this.error.detail ? html`<details><summary>Details</summary><pre>${this.error.detail}</pre></details>` : nothing}</div>` : nothing}
    </div>`;
  }

  override render() {
    const busy = this.phase !== 'idle';
    const agg = this.aggregates;
    return html`<section id="dataset-tab">
      ${this.renderSource()}
      <p class="muted">Model: <code>${this.model?.id}</code>${this.model?.dtype ? ` (${this.model.dtype})` : ''} on ${this.device} — chosen in the Explain tab.</p>
      <fieldset id="ds-methods"><legend>Methods</legend>
        ${METHOD_NAMES.map(
          (
            m,
          ) => html`<label class="check"><input type="checkbox" id=${`ds-method-${m}`} .checked=${this.methods.includes(m)} ?disabled=${busy}
          @change=${(e: Event) => {
            this.methods = this.toggle(this.methods, m, (e.target as HTMLInputElement).checked);
          }} /> ${m}</label>`,
        )}
      </fieldset>
      <fieldset id="ds-metrics"><legend>Metrics</legend>
        ${METRICS.map(
          (
            m,
          ) => html`<label class="check"><input type="checkbox" id=${`ds-metric-${m}`} .checked=${this.metrics.includes(m)} ?disabled=${busy}
          @change=${(e: Event) => {
            this.metrics = this.toggle(this.metrics, m, (e.target as HTMLInputElement).checked);
          }} /> ${m}</label>`,
        )}
      </fieldset>
      <div class="row actions">
        <label>Seed <input id="ds-seed" type="number" step="1" .value=${String(this.seed)} ?disabled=${busy}
          @change=${(e: Event) => {
            const v = Number((e.target as HTMLInputElement).value);
            this.seed = Number.isSafeInteger(v) ? v : 0;
          }} /></label>
        <label>Rows (first n; empty: all) <input id="ds-limit" type="number" min="1" step="1" .value=${this.limit === null ? '' : String(this.limit)} ?disabled=${busy}
          @change=${(e: Event) => {
            const v = Number((e.target as HTMLInputElement).value);
            this.limit = (e.target as HTMLInputElement).value === '' || !(v >= 1) ? null : Math.floor(v);
          }} /></label>
        <button id="ds-run" type="button" ?disabled=${busy || !this.data} @click=${() => this.run()}>Run on the dataset</button>
        <button id="ds-cancel" type="button" ?disabled=${this.phase !== 'running'} @click=${() => this.cancel()}>Cancel</button>
      </div>
      ${this.renderStatus()}
      ${
        agg
          ? html`<section id="ds-results" data-rows=${agg.rows}>
        <p>${agg.rows} rows, ${agg.failedRows} failed${agg.accuracy ? ` · accuracy ${((100 * agg.accuracy.correct) / agg.accuracy.n).toFixed(1)}% (${agg.accuracy.correct}/${agg.accuracy.n} labelled rows)` : ''}.
          Mean over rows with 95% bootstrap intervals; ↓ lower is better, ↑ higher is better.</p>
        ${aggregateTable(agg)}
        <h3>Paired comparisons</h3>
        ${agg.comparisons.length ? comparisonTable(agg) : html`<p class="muted">One method: nothing to compare.</p>`}
        ${averageCurves(agg)}
        <div class="row actions">
          <button id="ds-download-results" type="button" @click=${() => this.download('results.jsonl', resultsJsonl(this.results), 'application/x-ndjson')}>Download results (JSONL)</button>
          <button id="ds-download-report" type="button" @click=${() => this.downloadReport()}>Download report (HTML)</button>
        </div>
      </section>`
          : nothing
      }
    </section>`;
  }
}

customElements.define('ip-dataset-tab', DatasetTab);
