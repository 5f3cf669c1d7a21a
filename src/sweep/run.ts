// `runSweep`: the whole study in one call. Load and check the spec and every point, parse each
// trace once, write the plan (sweep.json), skip points already finished in the folder, run the
// rest of this shard on the pool, then write the tables and the page. Abortable: an aborted sweep
// stops dispatching, drops unfinished points and still writes the tables of what finished.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../report/write-file.js';
import { publishFailure, type RunOutcome, type RunTask } from './execute.js';
import { POINT_FORMAT, runHash } from './identity.js';
import { expandRuns, runArgv, runCommand } from './points.js';
import { writeSweepHtml } from './plot.js';
import { createPool, type PoolKind } from './pool.js';
import { inShard, type Shard } from './shard.js';
import { loadSpec, type SweepSpec } from './spec.js';
import { pointDirName, removeStaging, scanPoints, type PointRecord } from './store.js';
import { writeTables, type PlanEntry, type Row } from './table.js';
import { validateSweep } from './validate.js';
import { isReplayFlag } from '../cli/args.js';

export const PLAN_FILE = 'sweep.json';

export interface SweepPlan {
  format: number;
  name: string;
  spec: string;
  axes: string[];
  repeats: number;
  plot: { x: string | null; metrics: string[] | null };
  runs: { index: number; point: number; repeat: number; values: PlanEntry['values']; hash: string; name: string; command: string }[];
}

export interface SweepProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  /** Seconds to go, from the mean time per finished run (null before the first). */
  etaS: number | null;
}

export interface SweepOptions {
  spec: string;
  sets?: readonly string[];
  /** Output folder (default: `<spec name>-sweep` in the working directory). */
  out?: string;
  /** Runs at once (default: the machine's cores). */
  parallel?: number;
  shard?: Shard | null;
  pool?: PoolKind;
  signal?: AbortSignal;
  onNote?: (line: string) => void;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepSummary {
  dir: string;
  /** Runs in the plan, in this shard, reused from an earlier invocation, run now, failed, unfinished. */
  total: number;
  inShard: number;
  reused: number;
  ran: number;
  failed: number;
  pending: number;
  aborted: boolean;
  rows: Row[];
  wallS: number;
}

export function defaultOutDir(spec: SweepSpec, cwd = process.cwd()): string {
  return path.resolve(cwd, `${spec.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-sweep`);
}

export function readPlan(dir: string): SweepPlan {
  const file = path.join(dir, PLAN_FILE);
  let plan: SweepPlan;
  try {
    plan = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepPlan;
  } catch (error) {
    throw new Error(`${file}: not a sweep folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (plan.format !== POINT_FORMAT) throw new Error(`${file}: written by another dynosim version (format ${plan.format})`);
  return plan;
}

/** The plan's runs with the records found in `dir` (null where a run has not finished). */
export function planEntries(plan: SweepPlan, dir: string): PlanEntry[] {
  const found = scanPoints(dir);
  return plan.runs.map((r) => {
    const hit = found.get(r.hash.slice(0, 16));
    return { ...r, record: hit && hit.record.hash === r.hash ? hit.record : null };
  });
}

/** Tables and page of a sweep folder, from its plan and its points. */
export function writeOutputs(plan: SweepPlan, dir: string): Row[] {
  const entries = planEntries(plan, dir);
  const rows = writeTables(dir, entries, plan.axes, plan.repeats);
  writeSweepHtml({ name: plan.name, axes: plan.axes, repeats: plan.repeats, rows, x: plan.plot.x, metrics: plan.plot.metrics, sweepDir: dir });
  return rows;
}

export async function runSweep(o: SweepOptions): Promise<SweepSummary> {
  const started = performance.now();
  const spec = loadSpec(o.spec, { sets: o.sets ?? [], isFlag: isReplayFlag });
  const runs = expandRuns(spec);
  const seenNotes = new Set<string>();
  const note = (line: string) => {
    if (seenNotes.has(line)) return;
    seenNotes.add(line);
    o.onNote?.(line);
  };
  const { traces } = await validateSweep(spec, runs, note);
  const dir = o.out ? path.resolve(o.out) : defaultOutDir(spec);
  fs.mkdirSync(dir, { recursive: true });

  const tasks: RunTask[] = runs.map((run) => {
    const hash = runHash(run, spec.dir);
    return { run, hash, name: pointDirName(run.values, run.repeat, hash), command: runCommand(runArgv(run.config)) };
  });
  const plan: SweepPlan = {
    format: POINT_FORMAT,
    name: spec.name,
    spec: path.resolve(spec.file),
    axes: spec.axes.map((a) => a.name),
    repeats: spec.repeats,
    plot: spec.plot,
    runs: tasks.map((t) => ({ index: t.run.index, point: t.run.point, repeat: t.run.repeat, values: t.run.values, hash: t.hash, name: t.name, command: t.command })),
  };
  writeFileAtomicSync(path.join(dir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);

  const mine = tasks.filter((t) => inShard(t.run.index, o.shard ?? null));
  const finished = planEntries(plan, dir);
  const todo = mine.filter((t) => finished[t.run.index]!.record?.status !== 'ok');
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const pool = createPool(o.pool ?? 'processes', o.parallel ?? os.availableParallelism(), { sweepDir: dir, runId, traces });

  const progress: SweepProgress = { total: todo.length, done: 0, running: 0, failed: 0, etaS: null };
  const poolStarted = performance.now();
  const onAbort = () => void pool.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pool.runAll(
      todo,
      () => {
        progress.running += 1;
        o.onProgress?.({ ...progress });
      },
      (task, outcome: RunOutcome | Error) => {
        progress.running -= 1;
        if (!(outcome instanceof Error) && outcome.record === null) return; // interrupted
        progress.done += 1;
        const failed = outcome instanceof Error || outcome.record?.status === 'failed';
        if (failed) progress.failed += 1;
        if (outcome instanceof Error) publishFailure(task, { sweepDir: dir, runId }, outcome.message);
        else for (const line of outcome.notes) note(line);
        // Time per finished run so far (the lanes' parallelism included) × runs to go.
        progress.etaS = (((performance.now() - poolStarted) / 1000) * (progress.total - progress.done)) / progress.done;
        o.onProgress?.({ ...progress });
      },
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (o.signal?.aborted) removeStaging(dir, runId);
  }
  const rows = writeOutputs(plan, dir);
  const entries = planEntries(plan, dir);
  const mineEntries = entries.filter((e) => inShard(e.index, o.shard ?? null));
  return {
    dir,
    total: tasks.length,
    inShard: mine.length,
    reused: mine.length - todo.length,
    ran: progress.done,
    failed: mineEntries.filter((e) => e.record?.status === 'failed').length,
    pending: mineEntries.filter((e) => e.record === null).length,
    aborted: o.signal?.aborted ?? false,
    rows,
    wallS: (performance.now() - started) / 1000,
  };
}

export type { PointRecord };
