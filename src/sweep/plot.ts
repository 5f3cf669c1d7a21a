// sweep.html: the chosen metrics against one axis, one panel per metric, built from the per-point
// table alone (so `dynosim sweep plot` re-renders it). Other axes become one series per value
// combination; with repeats each marker is the mean and its error bar spans min..max. Clicking a
// marker opens the point's own report (its planner report when it has one), and a table below
// lists every point with its links and errors.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { metricDef, STUDY_METRICS } from '../report/study-metrics.js';
import { escapeHtml, panelLayout, plotlyPage, type Figure } from '../report/plotly-page.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import { PLANNER_REPORT_FILE, REPORT_FILE } from './execute.js';
import type { Row } from './table.js';

export const SWEEP_HTML = 'sweep.html';

export const DEFAULT_PLOT_METRICS = [
  'ttft_avg_ms',
  'ttft_p90_ms',
  'itl_avg_ms',
  'itl_p90_ms',
  'gpu_hours',
  'sla_attainment',
  'scale_ups',
  'scale_downs',
  'goodput_rps',
  'request_throughput_rps',
];

export interface PlotInput {
  name: string;
  axes: readonly string[];
  repeats: number;
  rows: readonly Row[];
  x: string | null;
  metrics: readonly string[] | null;
  /** The sweep folder, to link points to the reports that exist. */
  sweepDir: string;
}

const hasValue = (rows: readonly Row[], key: string) => rows.some((r) => typeof r[key] === 'number');

function pointLink(row: Row, sweepDir: string): string | null {
  const dir = row.dir;
  if (typeof dir !== 'string') return null;
  const planner = `${dir}/${PLANNER_REPORT_FILE}`;
  if (fs.existsSync(path.join(sweepDir, planner))) return planner;
  return `${dir}/${REPORT_FILE}`;
}

function seriesKey(row: Row, others: readonly string[]): string {
  return others.map((a) => `${a}=${String(row[a])}`).join(', ');
}

export function buildSweepFigures(input: PlotInput): Figure[] {
  const x = input.x ?? input.axes.find((a) => input.rows.every((r) => typeof r[a] === 'number')) ?? input.axes[0] ?? null;
  const metrics = (input.metrics ?? DEFAULT_PLOT_METRICS).filter((k) => hasValue(input.rows, k));
  const others = input.axes.filter((a) => a !== x);
  const ok = input.rows.filter((r) => r.status === 'ok');
  const groups = new Map<string, Row[]>();
  for (const r of ok) {
    const k = seriesKey(r, others);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  const numericX = x !== null && input.rows.every((r) => typeof r[x] === 'number');
  const xTitle = x ?? 'point';
  return metrics.map((metric, i) => {
    const def = metricDef(metric)!;
    const data = [...groups.entries()].map(([key, rows]) => {
      const trace: Record<string, unknown> = {
        type: 'scatter',
        mode: 'lines+markers',
        name: key || def.label,
        x: rows.map((r) => (x === null ? r.point : numericX ? r[x] : String(r[x]))),
        y: rows.map((r) => r[metric] ?? null),
        customdata: rows.map((r) => pointLink(r, input.sweepDir)),
        text: rows.map((r) => `point ${r.point}${input.axes.map((a) => `<br>${a} = ${String(r[a])}`).join('')}`),
        hovertemplate: '%{text}<br>' + escapeHtml(def.label) + ' = %{y}<extra></extra>',
      };
      if (input.repeats > 1) {
        trace.error_y = {
          type: 'data',
          symmetric: false,
          array: rows.map((r) => (typeof r[`${metric}_max`] === 'number' && typeof r[metric] === 'number' ? (r[`${metric}_max`] as number) - (r[metric] as number) : null)),
          arrayminus: rows.map((r) => (typeof r[`${metric}_min`] === 'number' && typeof r[metric] === 'number' ? (r[metric] as number) - (r[`${metric}_min`] as number) : null)),
        };
      }
      return trace;
    });
    const title = `${def.label}${input.repeats > 1 ? ` (mean of ${input.repeats}; bars min–max)` : ''}`;
    return {
      id: `sweep-panel-${i + 1}`,
      data,
      layout: panelLayout(title, xTitle, def.label, { showlegend: others.length > 0, xaxis: { title: { text: xTitle }, type: numericX ? 'linear' : 'category' } }),
    };
  });
}

function pointsTable(input: PlotInput): string {
  const metricCols = STUDY_METRICS.map((d) => d.key).filter((k) => ['ttft_avg_ms', 'ttft_p90_ms', 'itl_avg_ms', 'itl_p90_ms', 'gpu_hours', 'scale_ups', 'scale_downs', 'sla_attainment'].includes(k) && hasValue(input.rows, k));
  const head = ['point', ...input.axes, 'status', ...metricCols.map((k) => metricDef(k)!.label), 'report', 'error'];
  const fmt = (v: Row[string], digits: number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v === null || v === undefined ? '' : String(v));
  const body = input.rows.map((r) => {
    const link = pointLink(r, input.sweepDir);
    const cells = [
      `<td>${r.point}</td>`,
      ...input.axes.map((a) => `<td class="text">${escapeHtml(String(r[a]))}</td>`),
      `<td class="text">${escapeHtml(String(r.status))}</td>`,
      ...metricCols.map((k) => `<td>${fmt(r[k] ?? null, metricDef(k)!.digits)}</td>`),
      `<td class="text">${link ? `<a href="${escapeHtml(link)}">${link.endsWith('.html') ? 'planner report' : 'report.json'}</a>` : ''}</td>`,
      `<td class="text">${escapeHtml(typeof r.error === 'string' ? r.error : '')}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table class="data"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

export function buildSweepHtml(input: PlotInput): string {
  const figures = buildSweepFigures(input);
  const counts = { ok: 0, failed: 0, pending: 0 } as Record<string, number>;
  for (const r of input.rows) counts[String(r.status)] = (counts[String(r.status)] ?? 0) + 1;
  const header = `<div><b>Sweep: ${escapeHtml(input.name)}</b><br>
${input.rows.length} points${input.repeats > 1 ? ` × ${input.repeats} repeats` : ''}: ${counts.ok ?? 0} ok, ${counts.failed ?? 0} failed${counts.pending ? `, ${counts.pending} pending` : ''}
${input.axes.length ? `<br><span class="note">axes: ${input.axes.map(escapeHtml).join(', ')}; click a marker to open its point's report</span>` : ''}</div>`;
  const afterScript = `  figures.forEach(function (f) {
    document.getElementById(f.id).on('plotly_click', function (ev) {
      var p = ev.points && ev.points[0];
      if (p && p.customdata) window.open(p.customdata, '_blank');
    });
  });`;
  return plotlyPage({ title: `Sweep: ${input.name}`, header, figures, footer: pointsTable(input), afterScript });
}

export function writeSweepHtml(input: PlotInput): string {
  const file = path.join(input.sweepDir, SWEEP_HTML);
  writeFileAtomicSync(file, buildSweepHtml(input));
  return file;
}
