/**
 * `<ip-model-files>`: the "your own model" panel: choose a folder or files, or drop them; the models this browser
 * has cached (user files, Hub and URL models), each loadable again, and a button that clears them. It reads the
 * files (importPicked) and tells the app with events; the app registers them with the worker and loads.
 *   model-import: CustomEvent<ImportResult>   model-pick: CustomEvent<CachedModel>
 */
import { html, LitElement, nothing } from 'lit';
import { clearCachedModels, listCachedModels, type CachedModel } from './cache.ts';
import { importPicked, pickedFromDrop, pickedFromInput, type PickedBlob } from './import.ts';

export class ModelFilesPanel extends LitElement {
  static override properties = {
    busy: { type: Boolean },
    cached: { state: true },
    dragging: { state: true },
    reading: { state: true },
  };
  declare busy: boolean;
  declare cached: CachedModel[] | null;
  declare dragging: boolean;
  declare reading: boolean;

  constructor() {
    super();
    this.busy = false;
    this.cached = null;
    this.dragging = false;
    this.reading = false;
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  /** Re-reads the cache list (after a load stored new files, or a clear). */
  async refresh(): Promise<void> {
    this.cached = await listCachedModels().catch(() => []);
  }

  private async take(picked: PickedBlob[]): Promise<void> {
    this.reading = true;
    try {
      const result = await importPicked(picked);
      this.dispatchEvent(new CustomEvent('model-import', { detail: result, bubbles: true }));
    } finally {
      this.reading = false;
    }
  }

  private onInput = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const picked = pickedFromInput(input.files);
    input.value = ''; // choosing the same folder again must fire change again
    void this.take(picked);
  };

  private onDrop = async (e: DragEvent) => {
    e.preventDefault();
    this.dragging = false;
    if (e.dataTransfer) await this.take(await pickedFromDrop(e.dataTransfer));
  };

  private async clear(): Promise<void> {
    await clearCachedModels();
    await this.refresh();
    this.dispatchEvent(new CustomEvent('cache-cleared', { bubbles: true }));
  }

  override render() {
    const disabled = this.busy || this.reading;
    return html`<div
        id="model-drop"
        class=${this.dragging ? 'drop dragging' : 'drop'}
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.dragging = true;
        }}
        @dragleave=${() => (this.dragging = false)}
        @drop=${this.onDrop}
      >
        <p>
          <strong>Your own model</strong>: drop its folder here, or
          <label class="file-button">choose a folder<input id="model-folder" type="file" webkitdirectory ?disabled=${disabled} @change=${this.onInput} /></label>
          or
          <label class="file-button">choose files<input id="model-files" type="file" multiple ?disabled=${disabled} @change=${this.onInput} /></label>.
        </p>
        <p class="muted">
          It needs <code>config.json</code>, <code>tokenizer.json</code> and <code>onnx/model.onnx</code> (or
          <code>model.onnx</code> at the top, as optimum exports it; quantized files and <code>.onnx_data</code> external
          data too). The files stay in this browser: nothing is uploaded.
        </p>
      </div>
      ${this.renderCached()}`;
  }

  private renderCached() {
    const list = this.cached;
    if (!list?.length)
      return html`<p id="cached-models" class="muted" data-count="0">No model is cached in this browser.</p>`;
    const total = list.reduce((s, m) => s + m.bytes, 0);
    return html`<div id="cached-models" data-count=${list.length}>
      <p>
        Cached in this browser (${mb(total)}):
        <button id="clear-cache" type="button" ?disabled=${this.busy} @click=${() => this.clear()}>Clear cached models</button>
      </p>
      <ul>
        ${list.map(
          (m) => html`<li data-id=${m.id} data-source=${m.source}>
            <button type="button" class="use-cached" ?disabled=${this.busy} @click=${() => this.dispatchEvent(new CustomEvent('model-pick', { detail: m, bubbles: true }))}>load</button>
            ${m.source === 'hub' ? 'Hub' : m.source === 'url' ? 'URL' : 'your files'}: <code>${m.id}</code>
            <span class="muted">(${m.files.length} files, ${mb(m.bytes)}${m.dtypes.length ? `, ${m.dtypes.join(', ')}` : nothing})</span>
          </li>`,
        )}
      </ul>
    </div>`;
  }
}

function mb(bytes: number): string {
  return bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

customElements.define('ip-model-files', ModelFilesPanel);
