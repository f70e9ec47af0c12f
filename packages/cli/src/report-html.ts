/**
 * The HTML of `interpreto report`, pure (no file system): one static, self-contained page (inline CSS and SVG, no
 * script, opens offline) of a run's manifest, rows and aggregates: the run's settings, the metric table with
 * confidence intervals, the paired comparisons, the distribution of the row scores, the average curves, the best
 * and worst rows of each method as token heatmaps, and the failures. Shared by the CLI and the playground.
 *
 * Exports: `renderReport`.
 */
import type { DatasetAggregates, DatasetMetricName, DatasetRowResult } from '@interpreto-js/core';
import type { Manifest } from './store.ts';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
// (rounding a tiny negative gives '-0.000': shown as 0.000)
const f3 = (v: number) => (Number.isFinite(v) ? (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3) : '–');
const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
];

function histogram(values: number[], colour: string, lo: number, hi: number): string {
  const bins = 20;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo || 1)) * bins)))]!++;
  const top = Math.max(1, ...counts);
  const [w, h] = [240, 60];
  const bars = counts
    .map((c, i) => {
      const bh = (c / top) * h;
      return `<rect x="${(i * w) / bins}" y="${h - bh}" width="${w / bins - 1}" height="${bh}" fill="${colour}"><title>${c}</title></rect>`;
    })
    .join('');
  return `<svg class="hist" viewBox="0 -2 ${w} ${h + 16}" width="${w}" height="${h + 18}">${bars}<text x="0" y="${h + 13}">${f3(lo)}</text><text x="${w}" y="${h + 13}" text-anchor="end">${f3(hi)}</text></svg>`;
}

function curvesChart(metric: DatasetMetricName, agg: DatasetAggregates, labels: string[]): string {
  const [w, h, pad] = [360, 200, 30];
  const x = (i: number, n: number) => pad + (i / (n - 1)) * (w - pad - 10);
  const y = (v: number) => h - pad - v * (h - pad - 10);
  const lines = labels
    .map((label, k) => {
      const curve = agg.methods[label]?.metrics[metric]?.curve;
      if (!curve) return '';
      const pts = curve.map((v, i) => `${x(i, curve.length).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${COLOURS[k % COLOURS.length]}" stroke-width="2" points="${pts}"><title>${esc(label)}</title></polyline>`;
    })
    .join('');
  const axes =
    `<line x1="${pad}" y1="${y(0)}" x2="${w - 10}" y2="${y(0)}" stroke="#888"/><line x1="${pad}" y1="${y(0)}" x2="${pad}" y2="${y(1)}" stroke="#888"/>` +
    `<text x="${pad - 4}" y="${y(1) + 4}" text-anchor="end">1</text><text x="${pad - 4}" y="${y(0) + 4}" text-anchor="end">0</text>` +
    `<text x="${(w + pad) / 2}" y="${h - 8}" text-anchor="middle">fraction of units ${metric === 'insertion' ? 'inserted' : 'removed'}</text>`;
  return `<figure><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${axes}${lines}</svg><figcaption>${esc(metric)}: mean probability of the target</figcaption></figure>`;
}

/** The row's text as its elements, coloured by the attribution of the explained target (red +, blue -). */
function heatmap(row: DatasetRowResult, label: string): string {
  const m = row.methods[label]!;
  const values = (m.attributions?.[0] ?? []).map((v) => v ?? Number.NaN);
  const bound = Math.max(1e-12, ...values.filter(Number.isFinite).map(Math.abs));
  return (m.elements ?? [])
    .map((e, i) => {
      const v = values[i] ?? Number.NaN;
      if (!Number.isFinite(v)) return `<span class="tok">${esc(e)}</span>`;
      const a = Math.min(1, Math.abs(v) / bound).toFixed(2);
      const rgb = v >= 0 ? '214,39,40' : '31,119,180';
      return `<span class="tok" style="background:rgba(${rgb},${a})" title="${f3(v)}">${esc(e)}</span>`;
    })
    .join(' ');
}

function examples(
  rows: DatasetRowResult[],
  label: string,
  metric: DatasetMetricName,
  lowerIsBetter: boolean,
  classes: string[] | undefined,
) {
  const scored = rows
    .filter((r) => r.methods[label]?.metrics?.[metric])
    .sort((a, b) => a.methods[label]!.metrics![metric]!.score - b.methods[label]!.metrics![metric]!.score);
  if (!scored.length) return '';
  const ordered = lowerIsBetter ? scored : [...scored].reverse();
  const k = Math.min(3, Math.floor(ordered.length / 2) || 1);
  const line = (r: DatasetRowResult) => {
    const target = r.targets?.[0];
    const cls = target === undefined ? '' : (classes?.[target] ?? String(target));
    return `<tr><td>${esc(r.id)}</td><td>${esc(cls)}</td><td>${f3(r.methods[label]!.metrics![metric]!.score)}</td><td class="heat">${heatmap(r, label)}</td></tr>`;
  };
  return (
    `<h4>${esc(label)} · ${esc(metric)}</h4><table class="ex"><tr><th>id</th><th>target</th><th>${esc(metric)}</th><th>attributions</th></tr>` +
    `<tr><th colspan="4">best</th></tr>${ordered.slice(0, k).map(line).join('')}` +
    `<tr><th colspan="4">worst</th></tr>${ordered.slice(-k).reverse().map(line).join('')}</table>`
  );
}

export function renderReport(manifest: Manifest, rows: DatasetRowResult[], agg: DatasetAggregates): string {
  const labels = Object.keys(agg.methods);
  const metrics = [...new Set(labels.flatMap((l) => Object.keys(agg.methods[l]!.metrics)))] as DatasetMetricName[];
  const c = manifest.config;
  const best = (metric: DatasetMetricName) => {
    const means = labels.map((l) => agg.methods[l]!.metrics[metric]?.score.mean ?? Number.NaN);
    const lower = agg.methods[labels[0]!]?.metrics[metric]?.lowerIsBetter ?? false;
    const finite = means.filter(Number.isFinite);
    return finite.length ? (lower ? Math.min(...finite) : Math.max(...finite)) : Number.NaN;
  };
  const table =
    `<table><tr><th>method</th><th>rows</th><th>failed</th>${metrics.map((m) => `<th>${esc(m)} ${agg.methods[labels[0]!]?.metrics[m]?.lowerIsBetter ? '↓' : '↑'}</th>`).join('')}</tr>` +
    labels
      .map((l) => {
        const e = agg.methods[l]!;
        const cells = metrics.map((m) => {
          const s = e.metrics[m]?.score;
          if (!s) return '<td>–</td>';
          const cls = s.mean === best(m) ? ' class="best"' : '';
          return `<td${cls}>${f3(s.mean)} <small>[${f3(s.low)}, ${f3(s.high)}]</small></td>`;
        });
        return `<tr><td>${esc(l)}</td><td>${e.rows}</td><td>${e.failures}</td>${cells.join('')}</tr>`;
      })
      .join('') +
    '</table>';
  const comparisons = agg.comparisons.length
    ? `<table><tr><th>metric</th><th>A</th><th>B</th><th>rows</th><th>A wins</th><th>mean(A − B) [95% CI]</th></tr>${agg.comparisons
        .map(
          ({ metric, a, b, comparison: p }) =>
            `<tr><td>${esc(metric)}</td><td>${esc(a)}</td><td>${esc(b)}</td><td>${p.n}</td><td>${(100 * p.winRate).toFixed(1)}%</td><td>${f3(p.difference.mean)} <small>[${f3(p.difference.low)}, ${f3(p.difference.high)}]</small></td></tr>`,
        )
        .join('')}</table>`
    : '<p>One method: nothing to compare.</p>';
  const distributions = metrics
    .map((m) => {
      const all = labels.flatMap((l) => agg.methods[l]!.metrics[m]?.scores ?? []);
      const [lo, hi] = [Math.min(...all), Math.max(...all)];
      return `<h3>${esc(m)}</h3><div class="row">${labels
        .map((l, k) => {
          const s = agg.methods[l]!.metrics[m]?.scores;
          return s
            ? `<figure>${histogram(s, COLOURS[k % COLOURS.length]!, lo, hi)}<figcaption>${esc(l)}</figcaption></figure>`
            : '';
        })
        .join('')}</div>`;
    })
    .join('');
  const legend = labels
    .map((l, k) => `<span style="color:${COLOURS[k % COLOURS.length]}">■ ${esc(l)}</span>`)
    .join(' ');
  const examplesHtml = metrics
    .slice(0, 1)
    .flatMap((m) =>
      labels.map((l) => examples(rows, l, m, agg.methods[l]!.metrics[m]?.lowerIsBetter ?? false, manifest.classes)),
    )
    .join('');
  const failures = agg.failures.length
    ? `<table><tr><th>id</th><th>error</th></tr>${agg.failures.map((f) => `<tr><td>${esc(f.id)}</td><td>${esc(f.error)}</td></tr>`).join('')}</table>`
    : '<p>None.</p>';
  const accuracy = agg.accuracy
    ? ` · accuracy ${((100 * agg.accuracy.correct) / agg.accuracy.n).toFixed(1)}% (${agg.accuracy.correct}/${agg.accuracy.n} labelled rows)`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>interpreto report</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
small{color:#666}.best{font-weight:bold}.row{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:12px;color:#555}
svg text{font-size:10px;fill:#555}.tok{padding:0 2px;border-radius:2px}.heat{max-width:40em}code{background:#f4f4f4;padding:0 .3em}
</style></head><body>
<h1>interpreto report</h1>
<p>model <code>${esc(c.model)}</code> (${esc(c.dtype)}) · data <code>${esc(c.data.path)}</code> · seed ${c.seed}${c.limit ? ` · first ${c.limit} rows` : ''}
· ${agg.rows} rows, ${agg.failedRows} failed${accuracy}${manifest.complete ? '' : ' · <b>incomplete run</b>'}</p>
<h2>Metrics</h2><p>Mean over rows, with ${'95%'} percentile-bootstrap intervals; ↓ lower is better, ↑ higher is better.</p>${table}
<h2>Paired comparisons</h2><p>On the rows both methods scored: how often A is better than B, and the mean difference.</p>${comparisons}
<h2>Score distributions</h2>${distributions}
<h2>Average curves</h2><p>${legend}</p><div class="row">${metrics
    .filter((m) => m === 'deletion' || m === 'insertion')
    .map((m) => curvesChart(m, agg, labels))
    .join('')}</div>
<h2>Best and worst rows</h2><p>Red: evidence for the explained class, blue: against.</p>${examplesHtml}
<h2>Failures</h2>${failures}
</body></html>
`;
}
