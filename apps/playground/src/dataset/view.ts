/**
 * The Dataset tab's result views from the aggregates (aggregateDataset): the method x metric table (mean and
 * bootstrap interval, best mean in bold), the paired comparisons, and the average Deletion/Insertion curves.
 */
import { html, nothing, svg } from 'lit';
import type { DatasetAggregates, DatasetMetricName } from '@interpreto-js/core';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f'];
const f3 = (v: number) => (Number.isFinite(v) ? (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3) : '–');

function metricsOf(agg: DatasetAggregates): DatasetMetricName[] {
  const names = new Set<DatasetMetricName>();
  for (const m of Object.values(agg.methods))
    for (const k of Object.keys(m.metrics) as DatasetMetricName[]) names.add(k);
  return [...names].sort();
}

export function aggregateTable(agg: DatasetAggregates) {
  const labels = Object.keys(agg.methods);
  const metrics = metricsOf(agg);
  const best = (metric: DatasetMetricName) => {
    const entries = labels.map((l) => agg.methods[l]!.metrics[metric]).filter((e) => e !== undefined);
    const means = entries.map((e) => e.score.mean).filter(Number.isFinite);
    if (!means.length) return Number.NaN;
    return entries[0]!.lowerIsBetter ? Math.min(...means) : Math.max(...means);
  };
  const arrow = (m: DatasetMetricName) => (labels.some((l) => agg.methods[l]!.metrics[m]?.lowerIsBetter) ? '↓' : '↑');
  return html`<div class="table-wrap"><table id="ds-aggregates">
    <tr><th>method</th><th>rows</th><th>failed</th>${metrics.map((m) => html`<th>${m} ${arrow(m)}</th>`)}</tr>
    ${labels.map((l) => {
      const e = agg.methods[l]!;
      return html`<tr data-method=${l}><td>${l}</td><td>${e.rows}</td><td>${e.failures}</td>${metrics.map((m) => {
        const s = e.metrics[m]?.score;
        if (!s) return html`<td>–</td>`;
        return html`<td class=${s.mean === best(m) ? 'best' : ''} data-metric=${m} data-mean=${s.mean}>${f3(s.mean)} <small>[${f3(s.low)}, ${f3(s.high)}]</small></td>`;
      })}</tr>`;
    })}
  </table></div>`;
}

export function comparisonTable(agg: DatasetAggregates) {
  if (!agg.comparisons.length) return nothing;
  return html`<div class="table-wrap"><table id="ds-comparisons">
    <tr><th>metric</th><th>A</th><th>B</th><th>rows</th><th>A better</th><th>mean(A − B) [95% CI]</th></tr>
    ${agg.comparisons.map(
      ({ metric, a, b, comparison: p }) =>
        html`<tr><td>${metric}</td><td>${a}</td><td>${b}</td><td>${p.n}</td><td>${(100 * p.winRate).toFixed(1)}%</td><td>${f3(p.difference.mean)} <small>[${f3(p.difference.low)}, ${f3(p.difference.high)}]</small></td></tr>`,
    )}
  </table></div>`;
}

/** The mean probability of the target along each curve metric, one line per method. */
export function averageCurves(agg: DatasetAggregates) {
  const labels = Object.keys(agg.methods);
  const metrics = metricsOf(agg).filter((m) => m === 'deletion' || m === 'insertion');
  if (!metrics.length) return nothing;
  const [w, h, pad] = [360, 200, 30];
  const x = (i: number, n: number) => pad + (i / Math.max(1, n - 1)) * (w - pad - 10);
  const y = (v: number) => h - pad - v * (h - pad - 10);
  return html`<div class="curves" id="ds-curves">
    ${metrics.map(
      (metric) => html`<figure data-metric=${metric}>
        <svg viewBox="0 0 ${w} ${h}" width=${w} height=${h} role="img" aria-label=${`${metric}: average curves`}>
          ${svg`<line x1=${pad} y1=${y(0)} x2=${w - 10} y2=${y(0)} stroke="currentColor" opacity=".5"/>
          <line x1=${pad} y1=${y(0)} x2=${pad} y2=${y(1)} stroke="currentColor" opacity=".5"/>
          <text x=${pad - 4} y=${y(1) + 4} text-anchor="end" font-size="10" fill="currentColor">1</text>
          <text x=${pad - 4} y=${y(0) + 4} text-anchor="end" font-size="10" fill="currentColor">0</text>
          <text x=${(w + pad) / 2} y=${h - 8} text-anchor="middle" font-size="10" fill="currentColor">fraction of units ${metric === 'insertion' ? 'inserted' : 'removed'}</text>`}
          ${labels.map((l, k) => {
            const curve = agg.methods[l]!.metrics[metric]?.curve;
            if (!curve) return nothing;
            const pts = curve.map((v, i) => `${x(i, curve.length).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
            return svg`<polyline class="ds-curve" data-method=${l} fill="none" stroke=${COLOURS[k % COLOURS.length]!} stroke-width="2" points=${pts}><title>${l}</title></polyline>`;
          })}
        </svg>
        <figcaption>${metric}: mean probability of the target ·
          ${labels.map((l, k) => html`<span style="color:${COLOURS[k % COLOURS.length]}">■ ${l}</span> `)}</figcaption>
      </figure>`,
    )}
  </div>`;
}
