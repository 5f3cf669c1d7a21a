// The planner diagnostics report: one self-contained HTML file (plotly.js inlined, opens offline)
// with the title block of the reference (time range, tick count, `Scaling events: k | GPU hours:
// x.xx`, SLA targets) and its twelve panels (replay_cli.md §5, planner.md §12), one chart each.
// Written atomically to `report_output_dir`/(`report_filename` or
// `planner_report_<YYYYmmdd_HHMMSS of the last tick, UTC>_<NNN>.html`), with the gzip JSONL
// sidecar of the recorded ticks when `report_write_gzip_log` is set.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFileAtomicSync } from '../report/write-file.js';
import type { PlannerConfig } from './config.js';
import type { PlannerSummary } from './replay-planner.js';
import { tickJson } from './report-json.js';
import type { TickSnapshot } from './types.js';

export const PANEL_TITLES: readonly string[] = [
  'Replica Counts',
  'Request Rate (Observed vs Predicted)',
  'Observed TTFT vs SLA',
  'Observed ITL vs SLA',
  'Estimated TTFT vs SLA',
  'Estimated ITL vs SLA',
  'Prefill Engine Load (queued prefill tokens)',
  'Decode Engine Load (queued + inflight decode KV tokens)',
  'Engine Capacity (req/s)',
  'Sequence Lengths (Observed vs Predicted)',
  'Load Scaling Decisions',
  'Throughput Scaling Decisions',
];

export const LOAD_REASON_COLORS: Readonly<Record<string, string>> = {
  scale_up: 'green',
  scale_down: 'blue',
  scale_down_capped_by_throughput: 'purple',
  scale_down_refused_consolidation: 'mediumpurple',
  no_change: 'gray',
  disabled: 'lightgray',
  no_fpm_data: 'yellow',
  scaling_in_progress: 'orange',
  worker_count_mismatch: 'red',
  insufficient_data: 'pink',
  gpu_budget_guard_hold: 'brown',
  gpu_budget_reconcile: 'saddlebrown',
};

export const THROUGHPUT_REASON_COLORS: Readonly<Record<string, string>> = {
  scale: 'green',
  set_lower_bound: 'blue',
  disabled: 'lightgray',
  no_traffic_data: 'yellow',
  predict_failed: 'red',
  model_not_ready: 'orange',
  partner_not_ready: 'darkorange',
  no_change: 'gray',
  gpu_budget_guard_hold: 'brown',
};

let plotlySource: string | null = null;

/** The minified plotly.js bundle shipped by `plotly.js-dist-min`. */
export function plotlyBundle(): string {
  if (plotlySource === null) {
    const require = createRequire(import.meta.url);
    plotlySource = fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  }
  return plotlySource;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `%H:%M:%S` of seconds since the epoch, UTC (the reference's x-axis labels). */
export function clockLabel(s: number): string {
  const d = new Date(Math.floor(s) * 1000);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** `%Y-%m-%d %H:%M:%S UTC`. */
export function utcStamp(s: number): string {
  const d = new Date(Math.floor(s) * 1000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`;
}

/** `%Y%m%d_%H%M%S` (UTC) for the default file name. */
export function fileStamp(s: number): string {
  const d = new Date(Math.floor(s) * 1000);
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}_${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
}

export function defaultReportFilename(lastTickS: number, reportCount = 1): string {
  return `planner_report_${fileStamp(lastTickS)}_${String(reportCount).padStart(3, '0')}.html`;
}

/** Python's `os.path.join(dir, name)` for a plain name. */
function joinLikePython(dir: string, name: string): string {
  if (path.isAbsolute(name) || dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe to embed inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

type Trace = Record<string, unknown>;
interface Panel {
  title: string;
  traces: Trace[];
  hline?: { y: number; label: string };
  yTitle?: string;
  categorical?: boolean;
}

function line(x: string[], y: (number | null)[], name: string, extra: Trace = {}): Trace {
  return { type: 'scatter', mode: 'lines', x, y, name, connectgaps: true, ...extra };
}

function buildPanels(snaps: readonly TickSnapshot[], config: PlannerConfig, summary: PlannerSummary): Panel[] {
  const x = snaps.map((s) => clockLabel(s.timestampS));
  const col = <K extends keyof TickSnapshot>(k: K) => snaps.map((s) => s[k] as unknown as number | null);
  const isAgg = summary.metadata.mode === 'agg';

  const replicas: Trace[] = [];
  if (!isAgg) replicas.push(line(x, col('numPrefillReplicas'), 'Prefill Replicas', { mode: 'lines+markers' }));
  replicas.push(line(x, col('numDecodeReplicas'), isAgg ? 'Agg Replicas' : 'Decode Replicas', { mode: 'lines+markers' }));
  for (const [k, name] of [
    ['throughputLowerBoundPrefill', 'Throughput Lower Bound (prefill)'],
    ['throughputLowerBoundDecode', isAgg ? 'Throughput Lower Bound' : 'Throughput Lower Bound (decode)'],
  ] as const) {
    const ys = col(k);
    if (ys.some((v) => v !== null && v > 1)) replicas.push(line(x, ys, name, { line: { dash: 'dash', color: 'red' } }));
  }

  const engineIds = (which: 'prefillEngines' | 'decodeEngines') => {
    const ids = new Map<string, [number, number]>();
    for (const s of snaps) for (const e of s[which]) ids.set(`${e.workerId}:dp${e.dpRank}`, [e.workerId, e.dpRank]);
    return [...ids.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]).map(([id]) => id);
  };
  const engineSeries = (which: 'prefillEngines' | 'decodeEngines', id: string, field: 'queuedPrefillTokens' | 'queuedDecodeKvTokens' | 'inflightDecodeKvTokens') =>
    snaps.map((s) => {
      const e = s[which].find((v) => `${v.workerId}:dp${v.dpRank}` === id);
      return e ? e[field] : null;
    });
  // Agg engines report on the decode side; their queued prefill is shown in the prefill panel.
  const prefillSide = isAgg ? 'decodeEngines' : 'prefillEngines';
  const prefillLoad = engineIds(prefillSide).map((id) => line(x, engineSeries(prefillSide, id, 'queuedPrefillTokens'), `P ${id} queued`, { mode: 'lines+markers', connectgaps: false }));
  const decodeLoad: Trace[] = [];
  for (const id of engineIds('decodeEngines')) {
    decodeLoad.push(line(x, engineSeries('decodeEngines', id, 'queuedDecodeKvTokens'), `D ${id} queued`, { mode: 'lines+markers', connectgaps: false }));
    decodeLoad.push(line(x, engineSeries('decodeEngines', id, 'inflightDecodeKvTokens'), `D ${id} inflight`, { line: { dash: 'dot' }, connectgaps: false }));
  }
  const kvCapacity = summary.metadata.capabilities.decode.max_kv_tokens;

  const decisions = (reasons: (string | null)[], colors: Readonly<Record<string, string>>, name: string, symbol: string): Trace => ({
    type: 'scatter',
    mode: 'markers',
    x,
    y: reasons.map((r) => (r === null ? null : r)),
    name,
    text: reasons,
    hoverinfo: 'text+x',
    marker: { color: reasons.map((r) => colors[r ?? ''] ?? 'gray'), size: 10, symbol },
  });
  const loadReasons = snaps.map((s) => s.loadReason ?? (s.loadReasonPrefill || s.loadReasonDecode ? `${s.loadReasonPrefill}/${s.loadReasonDecode}` : null));

  const ttft = config.ttft_ms;
  const itl = config.itl_ms;
  const empty = (name: string) => [line(x, x.map(() => null), name)];
  return [
    { title: PANEL_TITLES[0]!, traces: replicas, yTitle: 'replicas' },
    {
      title: PANEL_TITLES[1]!,
      traces: [line(x, col('observedRps'), 'Observed RPS'), line(x, col('predictedRps'), 'Predicted RPS', { line: { dash: 'dot' } })],
      yTitle: 'req/s',
    },
    { title: PANEL_TITLES[2]!, traces: [line(x, col('observedTtftMs'), 'Observed TTFT')], hline: { y: ttft, label: `SLA (${ttft.toFixed(0)}ms)` }, yTitle: 'ms' },
    { title: PANEL_TITLES[3]!, traces: [line(x, col('observedItlMs'), 'Observed ITL', { line: { color: 'orange' } })], hline: { y: itl, label: `SLA (${itl.toFixed(0)}ms)` }, yTitle: 'ms' },
    { title: PANEL_TITLES[4]!, traces: [line(x, col('estimatedTtftMs'), 'Estimated TTFT', { mode: 'lines+markers' })], hline: { y: ttft, label: `SLA (${ttft.toFixed(0)}ms)` }, yTitle: 'ms' },
    {
      title: PANEL_TITLES[5]!,
      traces: [line(x, col('estimatedItlMs'), 'Estimated ITL', { mode: 'lines+markers', line: { color: 'orange' } })],
      hline: { y: itl, label: `SLA (${itl.toFixed(0)}ms)` },
      yTitle: 'ms',
    },
    { title: PANEL_TITLES[6]!, traces: prefillLoad.length > 0 ? prefillLoad : empty('no prefill engines'), yTitle: 'tokens' },
    {
      title: PANEL_TITLES[7]!,
      traces: decodeLoad.length > 0 ? decodeLoad : empty('no decode engines'),
      ...(kvCapacity ? { hline: { y: kvCapacity, label: `KV Capacity (${kvCapacity})` } } : {}),
      yTitle: 'tokens',
    },
    {
      title: PANEL_TITLES[8]!,
      traces: [line(x, col('engineRpsPrefill'), 'Prefill Engine RPS', { mode: 'lines+markers' }), line(x, col('engineRpsDecode'), 'Decode Engine RPS', { mode: 'lines+markers' })],
      yTitle: 'req/s',
    },
    {
      title: PANEL_TITLES[9]!,
      traces: [
        line(x, col('observedIsl'), 'Observed ISL'),
        line(x, col('predictedIsl'), 'Predicted ISL', { line: { dash: 'dot' } }),
        line(x, col('observedOsl'), 'Observed OSL'),
        line(x, col('predictedOsl'), 'Predicted OSL', { line: { dash: 'dot' } }),
      ],
      yTitle: 'tokens',
    },
    { title: PANEL_TITLES[10]!, traces: [decisions(loadReasons, LOAD_REASON_COLORS, 'Load Decision', 'square')], categorical: true },
    { title: PANEL_TITLES[11]!, traces: [decisions(snaps.map((s) => s.throughputReason), THROUGHPUT_REASON_COLORS, 'Throughput Decision', 'diamond')], categorical: true },
  ];
}

/** The title block's numbers (reference: events = ticks with a non-null scale_to; GPU hours at the last tick). */
export function reportTitleLines(summary: PlannerSummary, config: PlannerConfig): string[] {
  const snaps = summary.snapshots;
  const first = snaps[0]?.timestampS ?? 0;
  const last = snaps[snaps.length - 1]?.timestampS ?? 0;
  const events = snaps.filter((s) => s.scaleToPrefill !== null || s.scaleToDecode !== null).length;
  const gpuHours = snaps.length > 0 ? snaps[snaps.length - 1]!.gpuHours : summary.gpuHours;
  return [
    'Planner Diagnostics Report',
    `Time range: ${utcStamp(first)} — ${utcStamp(last)} (${snaps.length} ticks)`,
    `Scaling events: ${events} | GPU hours: ${gpuHours.toFixed(2)}`,
    `SLA targets: TTFT=${config.ttft_ms.toFixed(0)}ms, ITL=${config.itl_ms.toFixed(0)}ms`,
  ];
}

/** The whole report as one HTML string (no I/O beyond reading the bundled plotly.js once). */
export function buildPlannerReportHtml(summary: PlannerSummary, config: PlannerConfig): string {
  const panels = buildPanels(summary.snapshots, config, summary);
  const [title, ...rest] = reportTitleLines(summary, config);
  const note = summary.metadata.gpu_accounting.note;
  const figures = panels.map((p, i) => {
    const layout: Record<string, unknown> = {
      title: { text: p.title, font: { size: 14 }, x: 0.02, xanchor: 'left' },
      template: 'plotly_white',
      height: 330,
      margin: { t: 40, r: 20, b: 60, l: p.categorical ? 200 : 60 },
      legend: { orientation: 'h', y: -0.25 },
      xaxis: { type: 'category', nticks: 12 },
      yaxis: p.categorical ? { type: 'category' } : { title: { text: p.yTitle ?? '' }, rangemode: 'tozero' },
      plot_bgcolor: 'white',
      paper_bgcolor: 'white',
    };
    if (p.hline) {
      layout.shapes = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: p.hline.y, y1: p.hline.y, line: { color: 'red', dash: 'dash', width: 1.5 } }];
      layout.annotations = [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: p.hline.y, yanchor: 'bottom', text: p.hline.label, showarrow: false, font: { color: 'red', size: 11 } }];
    }
    return { id: `planner-panel-${i + 1}`, data: p.traces, layout };
  });
  const panelDivs = figures.map((f, i) => `<div class="panel"><div id="${f.id}" class="planner-plot" data-title="${escapeHtml(PANEL_TITLES[i]!)}"></div></div>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Planner Diagnostics Report</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px; color: #222; background: #fff; }
.title-block { margin-bottom: 12px; line-height: 1.5; font-size: 14px; }
.title-block b { font-size: 16px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.panel { border: 1px solid #eee; min-width: 0; }
.note { color: #666; font-size: 12px; }
</style>
<script>${plotlyBundle()}</script>
</head>
<body>
<div class="title-block"><b>${escapeHtml(title!)}</b><br>
${rest.map(escapeHtml).join('<br>\n')}${note ? `<br>\n<span class="note">${escapeHtml(note)}</span>` : ''}</div>
<div class="grid">
${panelDivs}
</div>
<script>
(function () {
  var figures = ${scriptJson(figures)};
  figures.forEach(function (f) {
    Plotly.newPlot(f.id, f.data, f.layout, { responsive: true, displaylogo: false });
  });
})();
</script>
</body>
</html>
`;
}

export interface WrittenPlannerReport {
  /** As the reference prints it: `<report_output_dir>/<name>`. */
  htmlPath: string;
  logPath: string | null;
}

/**
 * Writes the HTML report (and the gzip JSONL sidecar) when the recorder is enabled and there is at
 * least one recorded tick; returns the paths, or null when nothing was written.
 */
export function writePlannerReport(
  summary: PlannerSummary,
  config: PlannerConfig,
  opts: { cwd?: string; reportCount?: number; write?: (absolutePath: string, data: string | Uint8Array) => void } = {},
): WrittenPlannerReport | null {
  if (!summary.metadata.report_enabled || summary.snapshots.length === 0) return null;
  const cwd = opts.cwd ?? process.cwd();
  const write = opts.write ?? writeFileAtomicSync;
  const last = summary.snapshots[summary.snapshots.length - 1]!.timestampS;
  const name = config.report_filename ?? defaultReportFilename(last, opts.reportCount ?? 1);
  const htmlPath = joinLikePython(config.report_output_dir, name);
  write(path.resolve(cwd, htmlPath), buildPlannerReportHtml(summary, config));
  let logPath: string | null = null;
  if (config.report_write_gzip_log) {
    const base = name.toLowerCase().endsWith('.html') ? name.slice(0, -5) : name;
    logPath = joinLikePython(config.report_output_dir, `${base}.log.jsonl.gz`);
    const lines = summary.snapshots.map((s) => JSON.stringify(tickJson(s)) + '\n').join('');
    write(path.resolve(cwd, logPath), gzipSync(Buffer.from(lines, 'utf8')));
  }
  return { htmlPath, logPath };
}
