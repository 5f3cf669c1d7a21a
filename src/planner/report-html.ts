// The planner diagnostics report: one self-contained HTML file (plotly.js's basic bundle inlined,
// opens offline) with the title block of the reference (time range, tick count, `Scaling events: k
// | GPU hours: x.xx`, SLA targets) and twelve panels after the reference's (replay_cli.md §5,
// planner.md §12), reworked to answer questions (report/planner-panels.ts).
// Written atomically to `report_output_dir`/(`report_filename` or
// `planner_report_<YYYYmmdd_HHMMSS of the last tick, UTC>_<NNN>.html`), with the gzip JSONL
// sidecar of the recorded ticks when `report_write_gzip_log` is set.

import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildPlannerFigures, panelTitles, simClock } from '../report/planner-panels.js';
import { escapeHtml, plotlyPage, plotlyPageBytes, type PlotlyPageOptions } from '../report/plotly-page.js';
import type { RunTransitions } from '../report/worker-transitions.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import type { PlannerConfig } from './config.js';
import type { PlannerSummary } from './replay-planner.js';
import { tickJson } from './report-json.js';

export { LOAD_REASON_COLORS, THROUGHPUT_REASON_COLORS } from '../report/planner-panels.js';

/** The twelve panel titles of an agg run (a disagg run names its pools instead). */
export const PANEL_TITLES: readonly string[] = panelTitles(true);

const pad2 = (n: number) => String(n).padStart(2, '0');

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

/** What the replay adds beside the planner's own summary. */
export interface PlannerReportExtras {
  /** Workers starting and draining, and the GPU-hours split. */
  transitions?: RunTransitions;
  /** The report JSON's gpu_hours: provisioned (ready + starting + draining) GPU-hours. */
  gpuHours?: number;
}

/**
 * The title block. `Scaling events` counts ticks with a non-null scale_to, as the reference's;
 * `GPU hours` is the provisioned figure of the report JSON (`gpu_hours`) with its split by worker
 * state, so a cold-start study sees what starting workers cost (the reference's recorder counts
 * ready workers only). Times are simulated, since the start of the run.
 */
export function reportTitleLines(summary: PlannerSummary, config: PlannerConfig, extras: PlannerReportExtras = {}): string[] {
  const snaps = summary.snapshots;
  const first = snaps[0]?.timestampS ?? 0;
  const last = snaps[snaps.length - 1]?.timestampS ?? 0;
  const events = snaps.filter((s) => s.scaleToPrefill !== null || s.scaleToDecode !== null).length;
  const split = extras.transitions?.split;
  const gpuHours = extras.gpuHours ?? (snaps.length > 0 ? snaps[snaps.length - 1]!.gpuHours : summary.gpuHours);
  const gpu = split
    ? `${gpuHours.toFixed(2)} (ready ${split.ready.toFixed(2)}, starting ${split.starting.toFixed(2)}, draining ${split.draining.toFixed(2)})`
    : gpuHours.toFixed(2);
  return [
    'Planner Diagnostics Report',
    `Time range: ${simClock(first)} — ${simClock(last)} simulated (${snaps.length} ticks) | mode: ${summary.metadata.mode}`,
    `Scaling events: ${events} | GPU hours: ${gpu}`,
    `SLA targets: TTFT=${config.ttft_ms.toFixed(0)}ms, ITL=${config.itl_ms.toFixed(0)}ms`,
  ];
}

/** The whole report as one HTML string (no I/O beyond reading the bundled plotly.js once). */
export function buildPlannerReportHtml(summary: PlannerSummary, config: PlannerConfig, extras: PlannerReportExtras = {}): string {
  return plotlyPage(plannerPage(summary, config, extras));
}

function plannerPage(summary: PlannerSummary, config: PlannerConfig, extras: PlannerReportExtras): PlotlyPageOptions {
  const figures = buildPlannerFigures(summary, config, extras.transitions ?? null);
  const [title, ...rest] = reportTitleLines(summary, config, extras);
  const note = summary.metadata.gpu_accounting.note;
  const header = `<div class="title-block"><b>${escapeHtml(title!)}</b><br>
${rest.map(escapeHtml).join('<br>\n')}${note ? `<br>\n<span class="note">${escapeHtml(note)}</span>` : ''}</div>`;
  const body = `<div class="grid">\n${figures.map((f, i) => `<div class="panel"><div id="${f.id}" class="planner-plot" data-title="${escapeHtml(String((f.layout.title as { text: string }).text))}" data-index="${i}"></div></div>`).join('\n')}\n</div>`;
  return {
    title: 'Planner Diagnostics Report',
    style: '.title-block { margin-bottom: 12px; line-height: 1.5; font-size: 14px; } .title-block b { font-size: 16px; }',
    header,
    body,
    figures,
  };
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
  opts: { cwd?: string; reportCount?: number; write?: (absolutePath: string, data: string | Uint8Array) => void } & PlannerReportExtras = {},
): WrittenPlannerReport | null {
  if (!summary.metadata.report_enabled || summary.snapshots.length === 0) return null;
  const cwd = opts.cwd ?? process.cwd();
  const write = opts.write ?? writeFileAtomicSync;
  const last = summary.snapshots[summary.snapshots.length - 1]!.timestampS;
  const name = config.report_filename ?? defaultReportFilename(last, opts.reportCount ?? 1);
  const htmlPath = joinLikePython(config.report_output_dir, name);
  // Written as bytes: the inlined plotly.js is copied, never decoded and re-encoded.
  write(path.resolve(cwd, htmlPath), plotlyPageBytes(plannerPage(summary, config, opts)));
  let logPath: string | null = null;
  if (config.report_write_gzip_log) {
    const base = name.toLowerCase().endsWith('.html') ? name.slice(0, -5) : name;
    logPath = joinLikePython(config.report_output_dir, `${base}.log.jsonl.gz`);
    const lines = summary.snapshots.map((s) => JSON.stringify(tickJson(s)) + '\n').join('');
    write(path.resolve(cwd, logPath), gzipSync(Buffer.from(lines, 'utf8')));
  }
  return { htmlPath, logPath };
}
