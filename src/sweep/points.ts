// Axis expansion: the spec's axes, cartesian or zipped, times its repeats, become an ordered list
// of runs. Each run is the base run with the axis values written in, its repeat's seeds and
// perturbation applied, and is spelled as the `dynosim` command line that would replay it alone.

import { createHash } from 'node:crypto';
import { isPlainObject } from '../config/knob.js';
import { KNOBS, resolveFlagPaths, resolveKnobPaths, resolveSpecPath, type Axis, type AxisValue, type BaseRun, type KnobName, type SweepSpec } from './spec.js';

/** A run's configuration after the axes, seeds and perturbation are applied: a base run. */
export type RunConfig = BaseRun;

/** Arrival jitter (not expressible as a replay flag): each session's first arrival moves by up to ±ms. */
export interface Jitter {
  ms: number;
  seed: number;
}

export interface SweepRun {
  /** Position in the sweep's plan (point-major, repeats inner); shards split on it. */
  index: number;
  /** The point (axis combination) this run belongs to, and its repeat number (0 = as configured). */
  point: number;
  repeat: number;
  /** Axis name → value. */
  values: Record<string, AxisValue>;
  config: RunConfig;
  jitter: Jitter | null;
  /** Stretch factor of the arrival times (1 = none); already folded into arrival-speedup-ratio. */
  stretch: number;
}

/** Axis-value combinations, in plan order. */
export function combinations(axes: readonly Axis[], combine: 'cartesian' | 'zip'): Record<string, AxisValue>[] {
  if (axes.length === 0) return [{}];
  if (combine === 'zip') {
    return axes[0]!.values.map((_, i) => Object.fromEntries(axes.map((a) => [a.name, a.values[i]!])));
  }
  let acc: Record<string, AxisValue>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, AxisValue>[] = [];
    for (const partial of acc) for (const v of axis.values) next.push({ ...partial, [axis.name]: v });
    acc = next;
  }
  return acc;
}

/** A 31-bit seed drawn from the spec's seed, the repeat and a purpose, stable across machines. */
export function derivedSeed(specSeed: number, repeat: number, purpose: string): number {
  const digest = createHash('sha256').update(`${specSeed}:${repeat}:${purpose}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

/** Uniform in [-1, 1) from a derived seed. */
function unitSymmetric(seed: number): number {
  return (seed / 0x40000000) - 1;
}

function engineKnobs(config: RunConfig): KnobName[] {
  return (['extra-engine-args', 'prefill-engine-args', 'decode-engine-args'] as const).filter((k) => config.knobs[k] !== undefined);
}

function applyAxis(config: RunConfig, axis: Axis, value: AxisValue, dir: string): void {
  const t = axis.target;
  switch (t.kind) {
    case 'trace':
      config.trace = (Array.isArray(value) ? value : [value]).map((v) => resolveSpecPath(dir, String(v)));
      return;
    case 'flag':
      if (value === null || (typeof value === 'object')) {
        // null removes the flag (its default applies); objects are not flag values.
        if (value === null) delete config.flags[t.flag];
        else config.flags[t.flag] = JSON.stringify(value);
      } else config.flags[t.flag] = value;
      resolveFlagPaths(config.flags, dir);
      return;
    case 'knob':
    case 'engine-args': {
      const knobs = t.kind === 'knob' ? [t.knob] : engineKnobs(config);
      for (const knob of knobs) {
        const obj = (config.knobs[knob] ??= {});
        if (value === null) delete obj[t.field];
        else obj[t.field] = isPlainObject(value) ? { ...value } : value;
        resolveKnobPaths(knob, obj, dir);
      }
      return;
    }
  }
}

/** The seeds a repeat ≥ 1 changes: router tie-breaks, the MTP sampler, synthetic arrivals and prefixes. */
function applyRepeatSeeds(config: RunConfig, spec: SweepSpec, repeat: number): void {
  const seed = (purpose: string) => derivedSeed(spec.seed, repeat, purpose);
  config.flags['router-seed'] = seed('router');
  for (const knob of engineKnobs(config)) {
    const obj = config.knobs[knob]!;
    if (obj.aic_nextn !== undefined && obj.aic_nextn !== 0) obj.aic_mtp_seed = seed(`mtp:${knob}`);
  }
  if (config.trace === null) {
    config.flags['arrival-seed'] = seed('arrivals');
    config.flags['workload-seed'] = seed('workload');
  }
}

/**
 * Goodput and SLA attainment need an SLA: a planner run without `sla-*` flags is measured against
 * the planner's own targets (`ttft_ms`, `itl_ms`).
 */
function defaultSlaFromPlanner(config: RunConfig): void {
  const planner = config.knobs['planner-config'];
  if (!planner || 'sla-ttft-ms' in config.flags || 'sla-itl-ms' in config.flags || 'sla-e2e-ms' in config.flags) return;
  if (typeof planner.ttft_ms === 'number') config.flags['sla-ttft-ms'] = planner.ttft_ms;
  if (typeof planner.itl_ms === 'number') config.flags['sla-itl-ms'] = planner.itl_ms;
}

/** Expands the spec into its runs, in plan order. */
export function expandRuns(spec: SweepSpec): SweepRun[] {
  const runs: SweepRun[] = [];
  const points = combinations(spec.axes, spec.combine);
  points.forEach((values, point) => {
    for (let repeat = 0; repeat < spec.repeats; repeat++) {
      const config: RunConfig = {
        trace: spec.base.trace ? [...spec.base.trace] : null,
        flags: { ...spec.base.flags },
        knobs: Object.fromEntries(Object.entries(spec.base.knobs).map(([k, v]) => [k, structuredClone(v)])),
      };
      for (const axis of spec.axes) applyAxis(config, axis, values[axis.name]!, spec.dir);
      defaultSlaFromPlanner(config);
      let stretch = 1;
      let jitter: Jitter | null = null;
      if (repeat > 0) {
        applyRepeatSeeds(config, spec, repeat);
        const p = spec.perturbation;
        if (p?.kind === 'stretch') {
          stretch = 1 + p.spread * unitSymmetric(derivedSeed(spec.seed, repeat, 'stretch'));
          // Arrival times × stretch ⇔ the speedup ratio ÷ stretch (the loader divides by it).
          const ratio = Number(config.flags['arrival-speedup-ratio'] ?? 1);
          config.flags['arrival-speedup-ratio'] = ratio / stretch;
        } else if (p?.kind === 'jitter') {
          jitter = { ms: p.ms, seed: derivedSeed(spec.seed, repeat, 'jitter') };
        }
      }
      runs.push({ index: runs.length, point, repeat, values, config, jitter, stretch });
    }
  });
  return runs;
}

/** The run as `dynosim` argv (trace files first, then flags, then the JSON knobs). */
export function runArgv(config: RunConfig): string[] {
  const argv: string[] = [...(config.trace ?? [])];
  for (const [flag, value] of Object.entries(config.flags)) argv.push(`--${flag}`, String(value));
  for (const knob of KNOBS) {
    const value = config.knobs[knob];
    if (value !== undefined) argv.push(`--${knob}`, JSON.stringify(value));
  }
  return argv;
}

/** POSIX-shell quoting of one argument. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command a user can paste to replay the run alone. */
export function runCommand(argv: readonly string[]): string {
  return ['dynosim', ...argv].map(shellQuote).join(' ');
}
