// `dynosim compare`: runs side by side from their report JSON files — the AIPerf latency and
// throughput metrics, GPU-hours, scaling events, goodput — each with its change against the first
// (the baseline). The same rows feed the terminal table and the HTML page.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPlainObject } from '../config/knob.js';
import { UsageError } from '../errors.js';
import { STUDY_METRICS, studyMetrics, type MetricDef, type ReportLike } from '../report/study-metrics.js';
import { formatCell, textTable } from '../report/text-table.js';

export interface ComparedRun {
  label: string;
  file: string;
  report: ReportLike;
  metrics: Record<string, number | null>;
}

export interface ComparisonRow {
  def: MetricDef;
  values: (number | null)[];
  /** Relative change against the first run (null when either side is missing or the base is 0). */
  deltas: (number | null)[];
}

/** `a/report.json` is labelled `a`; `agg.json` is labelled `agg`. */
export function defaultLabel(file: string): string {
  const base = path.basename(file).replace(/\.json$/i, '');
  // A sweep point's folder name ends in its hash: the readable part names the run.
  return base === 'report' ? path.basename(path.dirname(path.resolve(file))).replace(/-[0-9a-f]{16}$/, '') : base;
}

export function loadRun(file: string, label?: string): ComparedRun {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UsageError(`${file}: ${e.code ? `cannot read (${e.code})` : `not JSON: ${e.message}`}`);
  }
  if (!isPlainObject(data) || typeof data.num_requests !== 'number') throw new UsageError(`${file}: not a dynosim report JSON (no num_requests)`);
  return { label: label ?? defaultLabel(file), file, report: data, metrics: studyMetrics(data) };
}

export function compareRuns(runs: readonly ComparedRun[]): ComparisonRow[] {
  return STUDY_METRICS.filter((def) => runs.some((r) => r.metrics[def.key] !== null)).map((def) => {
    const values = runs.map((r) => r.metrics[def.key] ?? null);
    const base = values[0] ?? null;
    const deltas = values.map((v, i) => (i === 0 || v === null || base === null || base === 0 ? null : (v - base) / Math.abs(base)));
    return { def, values, deltas };
  });
}

export function formatDelta(d: number | null): string {
  if (d === null) return '';
  const pct = d * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 10 ? 1 : 0)}%`;
}

export function comparisonText(runs: readonly ComparedRun[], rows: readonly ComparisonRow[]): string {
  const header = ['metric', ...runs.map((r, i) => (i === 0 ? `${r.label} (base)` : r.label))];
  const body = rows.map((row) => [
    row.def.label,
    ...row.values.map((v, i) => {
      const cell = formatCell(v, row.def.digits);
      const d = formatDelta(row.deltas[i] ?? null);
      return d ? `${cell} (${d})` : cell;
    }),
  ]);
  return textTable(header, body);
}
