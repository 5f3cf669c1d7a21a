// Before anything runs, every run of the sweep is checked as `dynosim` would check it — the command
// line, the topology, engine and router JSON, perf models, the planner config — and every trace is
// parsed. The first problem ends the sweep as a usage error naming the point and the key.

import { checkReplay } from '../api.js';
import { parseCli } from '../cli/args.js';
import { checkTopology } from '../cli/check-topology.js';
import type { Workload } from '../core/workload.js';
import { UsageError } from '../errors.js';
import { safeLine } from '../cli/terminal.js';
import type { ReplayOptions } from '../options.js';
import { METRIC_KEYS } from '../report/study-metrics.js';
import { canonicalJson } from './identity.js';
import { runArgv, type SweepRun } from './points.js';
import { specError, type SweepSpec } from './spec.js';
import { deriveWorkload, loadBaseTrace, traceKeyOf, traceKeyString } from './workloads.js';

function describeRun(run: SweepRun): string {
  const values = Object.entries(run.values).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return `point ${run.point}${run.repeat > 0 ? ` repeat ${run.repeat}` : ''}${values.length ? ` (${values.join(', ')})` : ''}`;
}

function message(error: unknown): string {
  return safeLine(error instanceof Error ? error.message : String(error));
}

export interface ValidatedSweep {
  /** Each run's replay options, in plan order. */
  options: ReplayOptions[];
  /** The parsed traces, by `traceKeyString`. */
  traces: Map<string, Workload>;
}

/** Checks the whole sweep; throws a one-line UsageError at the first problem. */
export async function validateSweep(spec: SweepSpec, runs: readonly SweepRun[], onNote?: (line: string) => void): Promise<ValidatedSweep> {
  const fail = (run: SweepRun, error: unknown): never => {
    throw specError(spec.file, describeRun(run), message(error));
  };
  for (const metric of spec.plot.metrics ?? [])
    if (!METRIC_KEYS.has(metric)) throw specError(spec.file, 'plot.metrics', `unknown metric '${metric}' (one of ${[...METRIC_KEYS].join(', ')})`);

  const options: ReplayOptions[] = [];
  for (const run of runs) {
    try {
      const prepared = parseCli(runArgv(run.config));
      if (prepared.kind !== 'run') throw new UsageError('-h/--help is not a sweep flag');
      checkTopology(prepared);
      options.push(prepared.options);
    } catch (error) {
      fail(run, error);
    }
  }
  // The deeper checks (perf models, planner config) once per distinct configuration.
  const checked = new Set<string>();
  for (let i = 0; i < runs.length; i++) {
    const o = options[i]!;
    const key = canonicalJson({ ...o, arrivalSpeedupRatio: undefined, routerSeed: undefined, arrivalSeed: undefined });
    if (checked.has(key)) continue;
    checked.add(key);
    try {
      await checkReplay({ ...o, ...(onNote ? { onNote } : {}) });
    } catch (error) {
      fail(runs[i]!, error);
    }
  }
  const traces = new Map<string, Workload>();
  for (let i = 0; i < runs.length; i++) {
    const o = options[i]!;
    const key = traceKeyOf(o);
    if (!key) continue;
    let base = traces.get(traceKeyString(key));
    if (!base) {
      try {
        base = await loadBaseTrace(key);
      } catch (error) {
        throw specError(spec.file, 'base.trace', message(error));
      }
      traces.set(traceKeyString(key), base);
    }
    // Each run's own arrivals (speedup, stretch, jitter) must fit the simulated-time bound.
    try {
      deriveWorkload(base, o.arrivalSpeedupRatio ?? 1, o.replayConcurrency ?? 0, runs[i]!.jitter, key.file);
    } catch (error) {
      fail(runs[i]!, error);
    }
  }
  return { options, traces };
}
