// The comparison as a self-contained page: the table with coloured changes, grouped bars of the
// headline metrics, and — for planner runs — their replica counts over simulated time on one axis.

import { escapeHtml, panelLayout, plotlyPage, type Figure } from '../report/plotly-page.js';
import { formatCell } from '../report/text-table.js';
import { formatDelta, type ComparedRun, type ComparisonRow } from './compare.js';

const BAR_GROUPS: readonly { title: string; unit: string; keys: readonly string[] }[] = [
  { title: 'TTFT', unit: 'ms', keys: ['ttft_avg_ms', 'ttft_p50_ms', 'ttft_p90_ms', 'ttft_p99_ms'] },
  { title: 'ITL', unit: 'ms', keys: ['itl_avg_ms', 'itl_p50_ms', 'itl_p90_ms', 'itl_p99_ms'] },
  { title: 'E2E latency', unit: 'ms', keys: ['e2e_avg_ms', 'e2e_p50_ms', 'e2e_p90_ms', 'e2e_p99_ms'] },
  { title: 'GPU-hours', unit: 'GPU-hours', keys: ['gpu_hours', 'gpu_hours_ready', 'gpu_hours_starting', 'gpu_hours_draining'] },
  { title: 'Throughput', unit: 'req/s', keys: ['request_throughput_rps', 'goodput_rps'] },
  { title: 'Scaling events', unit: 'events', keys: ['scale_ups', 'scale_downs'] },
];

interface TickLike {
  timestamp_s: number;
  num_prefill_replicas: number | null;
  num_decode_replicas: number | null;
}

function replicaFigure(runs: readonly ComparedRun[]): Figure | null {
  const data: Record<string, unknown>[] = [];
  for (const run of runs) {
    const planner = run.report.planner as { ticks?: TickLike[]; metadata?: { mode?: string } } | undefined;
    const ticks = planner?.ticks;
    if (!ticks || ticks.length === 0) continue;
    const agg = planner?.metadata?.mode === 'agg';
    const x = ticks.map((t) => t.timestamp_s - ticks[0]!.timestamp_s);
    data.push({ type: 'scatter', mode: 'lines', line: { shape: 'hv' }, name: `${run.label} ${agg ? 'agg' : 'decode'}`, x, y: ticks.map((t) => t.num_decode_replicas) });
    if (!agg) data.push({ type: 'scatter', mode: 'lines', line: { shape: 'hv', dash: 'dot' }, name: `${run.label} prefill`, x, y: ticks.map((t) => t.num_prefill_replicas) });
  }
  if (data.length === 0) return null;
  return { id: 'compare-replicas', data, layout: panelLayout('Ready replicas over time', 'simulated time since the first tick (s)', 'replicas') };
}

export function buildComparisonHtml(runs: readonly ComparedRun[], rows: readonly ComparisonRow[]): string {
  const byKey = new Map(rows.map((r) => [r.def.key, r]));
  const figures: Figure[] = [];
  for (const group of BAR_GROUPS) {
    const present = group.keys.filter((k) => byKey.has(k));
    if (present.length === 0) continue;
    figures.push({
      id: `compare-${figures.length + 1}`,
      data: runs.map((run, i) => ({ type: 'bar', name: run.label, x: present.map((k) => byKey.get(k)!.def.label), y: present.map((k) => byKey.get(k)!.values[i] ?? null) })),
      layout: panelLayout(group.title, 'metric', group.unit, { barmode: 'group' }),
    });
  }
  const replicas = replicaFigure(runs);
  if (replicas) figures.push(replicas);
  const cell = (row: ComparisonRow, i: number) => {
    const d = row.deltas[i] ?? null;
    const better = d === null || row.def.lowerIsBetter === null || d === 0 ? '' : (d < 0) === row.def.lowerIsBetter ? 'better' : 'worse';
    return `<td>${escapeHtml(formatCell(row.values[i] ?? null, row.def.digits))}${d !== null ? ` <span class="${better}">${escapeHtml(formatDelta(d))}</span>` : ''}</td>`;
  };
  const table = `<table class="data"><thead><tr><th>metric</th>${runs.map((r, i) => `<th>${escapeHtml(r.label)}${i === 0 ? ' (base)' : ''}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr><td class="text">${escapeHtml(row.def.label)}</td>${runs.map((_, i) => cell(row, i)).join('')}</tr>`).join('\n')}
</tbody></table>`;
  const header = `<div><b>dynosim compare</b>: ${runs.map((r) => `${escapeHtml(r.label)} <span class="note">(${escapeHtml(r.file)})</span>`).join(' vs ')}</div>\n${table}`;
  return plotlyPage({ title: `Comparison: ${runs.map((r) => r.label).join(' vs ')}`, style: '.better { color: #080; } .worse { color: #b00; }', header, figures });
}
