// One run of a sweep, wherever it executes (a worker thread, a child process or the sweep's own
// thread): replay it through the programmatic API on the shared parsed trace, write its report
// (and planner report) into a staging folder, record its metrics or its error, publish the folder.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { replay } from '../api.js';
import { parseCli } from '../cli/args.js';
import { checkTopology } from '../cli/check-topology.js';
import type { JsonObject } from '../config/knob.js';
import { RequestStatus } from '../core/results.js';
import type { Workload } from '../core/workload.js';
import { safeLine } from '../cli/terminal.js';
import { studyMetrics, type RequestOutcomes } from '../report/study-metrics.js';
import { formatReportJson } from '../report/summary.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import { POINT_FORMAT } from './identity.js';
import { runArgv, type SweepRun } from './points.js';
import { POINTS_DIR, publishPoint, stagingDir, type PointRecord } from './store.js';
import { deriveWorkload, traceKeyOf, traceKeyString } from './workloads.js';

/** What the sweep hands an executor for one run (plain data: it crosses to workers). */
export interface RunTask {
  run: SweepRun;
  hash: string;
  name: string;
  command: string;
}

export interface ExecContext {
  sweepDir: string;
  /** Tags this invocation's staging folders (removed on Ctrl-C). */
  runId: string;
  /** Parsed traces by `traceKeyString`. */
  traces: ReadonlyMap<string, Workload>;
  /**
   * Whether the sweep wants the run stopped (it was interrupted, or a process executor lost its
   * sweep): asked at each progress report, between two calls into the core, so a worker thread is
   * never stopped inside native code and an orphaned process does not finish its run.
   */
  stopRequested?: () => boolean;
}

export interface RunOutcome {
  /** null when the sweep was interrupted before the run finished (nothing is published). */
  record: PointRecord | null;
  notes: string[];
}

class RunAborted extends Error {}

export const REPORT_FILE = 'report.json';
export const PLANNER_REPORT_FILE = 'planner_report.html';

function outcomes(result: Awaited<ReturnType<typeof replay>>): RequestOutcomes {
  const status = result.results.requests.status;
  let completed = 0;
  let rejected = 0;
  for (const s of status) {
    if (s === RequestStatus.Completed) completed += 1;
    else if (s === RequestStatus.Rejected) rejected += 1;
  }
  return { requests: status.length, completed, rejected, incomplete: status.length - completed - rejected };
}

/** The run's argv with its planner report directed into the staging folder. */
function execArgv(task: RunTask, staging: string): string[] {
  const planner = task.run.config.knobs['planner-config'];
  if (!planner) return runArgv(task.run.config);
  const redirected: JsonObject = { ...planner, report_output_dir: staging, report_filename: PLANNER_REPORT_FILE };
  return runArgv({ ...task.run.config, knobs: { ...task.run.config.knobs, 'planner-config': redirected } });
}

function recordBase(task: RunTask) {
  return {
    format: POINT_FORMAT,
    hash: task.hash,
    index: task.run.index,
    point: task.run.point,
    repeat: task.run.repeat,
    values: task.run.values,
    command: task.command,
    stretch: task.run.stretch,
    jitter: task.run.jitter,
  };
}

function failedRecord(task: RunTask, message: string, wallS: number): PointRecord {
  return { ...recordBase(task), status: 'failed', error: message, metrics: {}, files: { report: null, planner_report: null }, wall_s: wallS };
}

/** Records a run whose executor died under it (a crash of the process or thread) as failed. */
export function publishFailure(task: RunTask, ctx: Pick<ExecContext, 'sweepDir' | 'runId'>, message: string): PointRecord {
  const record = failedRecord(task, safeLine(message), 0);
  publishPoint(ctx.sweepDir, stagingDir(ctx.sweepDir, ctx.runId, task.name), task.name, record);
  return record;
}

export async function executeRun(task: RunTask, ctx: ExecContext): Promise<RunOutcome> {
  const started = performance.now();
  const staging = stagingDir(ctx.sweepDir, ctx.runId, task.name);
  const notes: string[] = [];
  const base = recordBase(task);
  let record: PointRecord;
  try {
    const prepared = parseCli(execArgv(task, staging));
    if (prepared.kind !== 'run') throw new Error('help requested');
    checkTopology(prepared);
    const options = prepared.options;
    const key = traceKeyOf(options);
    let workload: Workload | undefined;
    if (key) {
      const shared = ctx.traces.get(traceKeyString(key));
      if (shared) workload = deriveWorkload(shared, options.arrivalSpeedupRatio ?? 1, options.replayConcurrency ?? 0, task.run.jitter, key.file);
    }
    const stop = ctx.stopRequested;
    const onProgress = stop
      ? () => {
          if (stop()) throw new RunAborted('interrupted');
        }
      : undefined;
    const result = await replay({ ...options, ...(workload ? { workload } : {}), ...(onProgress ? { onProgress } : {}), onNote: (line) => notes.push(line) });
    const plannerReport = result.planner?.htmlPath ? PLANNER_REPORT_FILE : null;
    if (result.report.planner && typeof result.report.planner === 'object') {
      // The report names its HTML relative to the sweep folder (the staging path is gone by now).
      (result.report.planner as JsonObject).html_report_path = plannerReport ? `${POINTS_DIR}/${task.name}/${plannerReport}` : null;
    }
    writeFileAtomicSync(path.join(staging, REPORT_FILE), formatReportJson(result.report, result.reportIntKeys));
    record = {
      ...base,
      status: 'ok',
      error: null,
      metrics: studyMetrics(result.report as unknown as JsonObject, outcomes(result)),
      files: { report: REPORT_FILE, planner_report: plannerReport },
      wall_s: (performance.now() - started) / 1000,
    };
  } catch (error) {
    if (error instanceof RunAborted) {
      fs.rmSync(staging, { recursive: true, force: true });
      return { record: null, notes };
    }
    record = failedRecord(task, safeLine(error instanceof Error ? error.message : String(error)), (performance.now() - started) / 1000);
  }
  publishPoint(ctx.sweepDir, staging, task.name, record);
  return { record, notes };
}
