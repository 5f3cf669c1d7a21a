// The sweep's tables. results.csv / results.jsonl: one row per point (axis combination) — its
// axis values, status, and each metric's mean over the repeats, with its standard deviation, min
// and max when there are several. runs.csv / runs.jsonl: one row per run. Rows follow the plan's
// order and hold nothing that depends on wall-clock time or where the sweep ran, so an interrupted
// and resumed sweep, or a merged sharded one, writes the same bytes as an uninterrupted one.

import * as path from 'node:path';
import { STUDY_METRICS } from '../report/study-metrics.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import type { AxisValue } from './spec.js';
import { POINTS_DIR, type PointRecord } from './store.js';

/** One planned run and its record (null while it has not finished). */
export interface PlanEntry {
  index: number;
  point: number;
  repeat: number;
  values: Record<string, AxisValue>;
  hash: string;
  name: string;
  record: PointRecord | null;
}

export type Row = Record<string, string | number | boolean | null>;

function axisCell(v: AxisValue): string | number | boolean | null {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
}

function statusOf(record: PointRecord | null): 'ok' | 'failed' | 'pending' {
  return record ? record.status : 'pending';
}

/** Metric columns that hold a value somewhere (a sweep without a planner has no scale counts). */
function usedMetrics(entries: readonly PlanEntry[]): string[] {
  return STUDY_METRICS.map((d) => d.key).filter((k) => entries.some((e) => e.record?.metrics[k] !== null && e.record?.metrics[k] !== undefined));
}

export function runRows(entries: readonly PlanEntry[], axes: readonly string[]): Row[] {
  const metrics = usedMetrics(entries);
  return entries.map((e) => {
    const row: Row = { run: e.index, point: e.point, repeat: e.repeat };
    for (const a of axes) row[a] = axisCell(e.values[a]!);
    row.status = statusOf(e.record);
    row.error = e.record?.error ?? null;
    for (const k of metrics) row[k] = e.record?.metrics[k] ?? null;
    row.dir = e.record ? `${POINTS_DIR}/${e.name}` : null;
    return row;
  });
}

interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export function pointRows(entries: readonly PlanEntry[], axes: readonly string[], repeats: number): Row[] {
  const metrics = usedMetrics(entries);
  const byPoint = new Map<number, PlanEntry[]>();
  for (const e of entries) {
    const list = byPoint.get(e.point);
    if (list) list.push(e);
    else byPoint.set(e.point, [e]);
  }
  const rows: Row[] = [];
  for (const [point, runs] of [...byPoint.entries()].sort((a, b) => a[0] - b[0])) {
    const row: Row = { point };
    for (const a of axes) row[a] = axisCell(runs[0]!.values[a]!);
    const statuses = runs.map((r) => statusOf(r.record));
    row.status = statuses.includes('failed') ? 'failed' : statuses.includes('pending') ? 'pending' : 'ok';
    row.runs_ok = statuses.filter((s) => s === 'ok').length;
    row.error = runs.find((r) => r.record?.error)?.record?.error ?? null;
    for (const k of metrics) {
      const values = runs.map((r) => (r.record?.status === 'ok' ? r.record.metrics[k] : null)).filter((v): v is number => typeof v === 'number');
      const s = spread(values);
      row[k] = s ? s.mean : null;
      if (repeats > 1) {
        row[`${k}_sd`] = s ? s.sd : null;
        row[`${k}_min`] = s ? s.min : null;
        row[`${k}_max`] = s ? s.max : null;
      }
    }
    row.dir = runs[0]!.record ? `${POINTS_DIR}/${runs[0]!.name}` : null;
    rows.push(row);
  }
  return rows;
}

function csvCell(v: Row[string]): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(','))].join('\n') + '\n';
}

export function toJsonl(rows: readonly Row[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

export const RESULTS_CSV = 'results.csv';
export const RESULTS_JSONL = 'results.jsonl';
export const RUNS_CSV = 'runs.csv';
export const RUNS_JSONL = 'runs.jsonl';

/** Writes the four table files atomically; returns the per-point rows. */
export function writeTables(sweepDir: string, entries: readonly PlanEntry[], axes: readonly string[], repeats: number): Row[] {
  const points = pointRows(entries, axes, repeats);
  const runs = runRows(entries, axes);
  writeFileAtomicSync(path.join(sweepDir, RESULTS_CSV), toCsv(points));
  writeFileAtomicSync(path.join(sweepDir, RESULTS_JSONL), toJsonl(points));
  writeFileAtomicSync(path.join(sweepDir, RUNS_CSV), toCsv(runs));
  writeFileAtomicSync(path.join(sweepDir, RUNS_JSONL), toJsonl(runs));
  return points;
}
