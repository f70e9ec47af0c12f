import { css } from 'lit';

/**
 * Shared element styles. Themes are CSS custom properties switched by the `theme` attribute; a page
 * can override any `--interpreto-*` property. Cell colours themselves are computed in JS (color.ts),
 * because the text colour depends on the contrast of the painted cell.
 */
export const baseStyles = css`
  :host {
    --interpreto-bg: #ffffff;
    --interpreto-fg: #111111;
    --interpreto-muted: #5f6368;
    --interpreto-border: #c9ccd1;
    --interpreto-button-bg: #f3f4f6;
    --interpreto-active-bg: #111111;
    --interpreto-active-fg: #ffffff;
    --interpreto-focus: #1a73e8;
    --interpreto-font: system-ui, -apple-system, 'Segoe UI', sans-serif;
    --interpreto-token-font: ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace;
    display: block;
    background: var(--interpreto-bg);
    color: var(--interpreto-fg);
    font-family: var(--interpreto-font);
    padding: 12px;
    border-radius: 6px;
  }
  :host([theme='dark']) {
    --interpreto-bg: #18181b;
    --interpreto-fg: #f4f4f5;
    --interpreto-muted: #a1a1aa;
    --interpreto-border: #3f3f46;
    --interpreto-button-bg: #27272a;
    --interpreto-active-bg: #f4f4f5;
    --interpreto-active-fg: #18181b;
    --interpreto-focus: #8ab4f8;
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
    margin-bottom: 8px;
  }
  .title {
    font-weight: 600;
    margin-right: auto;
  }
  .sampling {
    font-size: 0.8em;
    color: var(--interpreto-muted);
  }
  .sampling.in-progress {
    font-style: italic;
  }
  .section-label {
    font-size: 0.8em;
    color: var(--interpreto-muted);
    margin: 8px 0 2px;
  }
  .steps {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    font-size: 0.85em;
  }
  .step {
    padding: 0 4px;
    border-radius: 3px;
    border: 1px solid var(--interpreto-muted);
    cursor: pointer;
  }
  .step.not-greedy {
    border-style: dashed;
  }
  .step[aria-pressed='true'] {
    background: var(--interpreto-button-bg);
    border-style: solid;
    border-width: 2px;
  }
  .step.target {
    outline: 2px solid currentColor;
  }
  .units {
    font-family: var(--interpreto-token-font);
    line-height: 1.9;
    white-space: pre-wrap;
    word-break: break-word;
  }
  .unit {
    font: inherit;
    white-space: pre-wrap;
    display: inline;
    margin: 0;
    padding: 1px 0;
    border: 0;
    border-radius: 3px;
    background: transparent;
    color: inherit;
    cursor: default;
  }
  .unit.target {
    outline: 1.5px solid var(--interpreto-fg);
  }
  .unit.output {
    cursor: pointer;
  }
  .unit:focus-visible,
  .chip:focus-visible,
  .mode button:focus-visible,
  .export button:focus-visible {
    outline: 2px solid var(--interpreto-focus);
    outline-offset: 1px;
  }
  .chip {
    font: inherit;
    font-size: 0.9em;
    padding: 2px 10px;
    border-radius: 999px;
    border: 1px solid var(--interpreto-border);
    background: var(--interpreto-button-bg);
    color: var(--interpreto-fg);
    cursor: pointer;
  }
  .chip.previewed {
    border-color: var(--interpreto-fg);
  }
  .chip[aria-pressed='true'] {
    background: var(--interpreto-active-bg);
    color: var(--interpreto-active-fg);
  }
  .export {
    display: inline-flex;
    gap: 4px;
  }
  .export button {
    font: inherit;
    font-size: 0.75em;
    padding: 1px 6px;
    border: 1px solid var(--interpreto-border);
    border-radius: 4px;
    background: var(--interpreto-button-bg);
    color: var(--interpreto-fg);
    cursor: pointer;
  }
  .legend {
    font-size: 0.75em;
    color: var(--interpreto-muted);
    margin-top: 6px;
  }
  .legend.flat {
    color: var(--interpreto-fg);
    border-left: 3px solid var(--interpreto-muted);
    padding-left: 6px;
  }
  .colour-bar {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    font-variant-numeric: tabular-nums;
    vertical-align: middle;
  }
  .colour-bar .bar {
    display: inline-block;
    width: 120px;
    height: 10px;
    border: 1px solid var(--interpreto-border);
    border-radius: 2px;
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.8em;
    border-radius: 2px;
    margin-right: 4px;
    vertical-align: -0.05em;
  }
  .class-key {
    white-space: nowrap;
    color: var(--interpreto-fg);
  }
  .legend.contrast {
    color: var(--interpreto-fg);
  }
  .step-detail {
    margin: 4px 0 6px;
    padding: 4px 8px;
    border: 1px solid var(--interpreto-border);
    border-radius: 4px;
    font-family: var(--interpreto-font);
    font-size: 0.85em;
  }
  .step-detail .top-k {
    display: inline;
    margin: 0;
    padding: 0;
    list-style: none;
    counter-reset: alt;
  }
  .step-detail .top-k li {
    display: inline;
    margin-right: 0.8em;
    white-space: nowrap;
    counter-increment: alt;
  }
  .step-detail .top-k li::before {
    content: counter(alt) '. ';
    color: var(--interpreto-muted);
  }
  .step-detail .top-k li.chosen .alt-text {
    font-weight: 600;
  }
  .step-detail .alt-text {
    font-family: var(--interpreto-token-font, ui-monospace, monospace);
  }
  .value {
    font-family: var(--interpreto-font);
    font-size: 0.65em;
    vertical-align: sub;
    margin: 0 2px 0 1px;
    opacity: 0.85;
  }
  .mode {
    display: inline-flex;
  }
  .mode button {
    font: inherit;
    font-size: 0.75em;
    padding: 1px 8px;
    border: 1px solid var(--interpreto-border);
    background: var(--interpreto-button-bg);
    color: var(--interpreto-fg);
    cursor: pointer;
  }
  .mode button:first-child {
    border-radius: 4px 0 0 4px;
  }
  .mode button:last-child {
    border-radius: 0 4px 4px 0;
  }
  .mode button[aria-pressed='true'] {
    background: var(--interpreto-active-bg);
    color: var(--interpreto-active-fg);
  }
  .matrix-wrap {
    overflow-x: auto;
    max-width: 100%;
  }
  table.matrix,
  table.scores {
    border-collapse: collapse;
    font-size: 0.8em;
    font-variant-numeric: tabular-nums;
  }
  .matrix th,
  .matrix td,
  .scores th,
  .scores td {
    border: 1px solid var(--interpreto-border);
    padding: 2px 6px;
    text-align: right;
    white-space: pre;
  }
  .matrix th,
  .scores th {
    font-family: var(--interpreto-token-font);
    font-weight: normal;
  }
  .matrix th[scope='row'],
  .scores td.text {
    text-align: left;
  }
  .matrix tr.generated th[scope='row'] {
    font-style: italic;
  }
  .matrix td.nan {
    color: var(--interpreto-muted);
    text-align: center;
    background: repeating-linear-gradient(45deg, transparent 0 3px, var(--interpreto-border) 3px 4px);
  }
  .matrix .corner {
    color: var(--interpreto-muted);
    font-family: var(--interpreto-font);
  }
  .matrix tfoot td,
  .matrix tfoot th {
    color: var(--interpreto-muted);
  }
  .matrix td.step.not-greedy {
    text-decoration: underline dashed;
  }
  .scores th button {
    font: inherit;
    border: 0;
    background: transparent;
    color: inherit;
    cursor: pointer;
    padding: 0;
  }
`;
