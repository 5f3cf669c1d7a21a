// The sweep spec: ranges, combinations, --set overrides, and the one-line errors of a bad spec.
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { isReplayFlag } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';
import { combinations, derivedSeed, expandRuns, runArgv } from '../../src/sweep/points.js';
import { applySetOverrides, buildSpec, rangeValues } from '../../src/sweep/spec.js';
import { EXAMPLE_TRACE } from './helpers.js';

const opts = { isFlag: isReplayFlag };
const build = (data: unknown, sets: string[] = []) => buildSpec(data, '/studies/s.yaml', { ...opts, sets });
const base = { trace: EXAMPLE_TRACE, flags: { 'num-workers': 2 } };

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('axes', () => {
  it("the guide's startup range 0..300 step 10 has 31 values, ends included", () => {
    const v = rangeValues(0, 300, 10);
    expect(v.length).toBe(31);
    expect(v[0]).toBe(0);
    expect(v[30]).toBe(300);
  });

  it('fractional steps land on the decimal values', () => {
    expect(rangeValues(0.1, 0.5, 0.1)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(rangeValues(0.95, 1.05, 0.05)).toEqual([0.95, 1, 1.05]);
  });

  it('cartesian products vary the last axis fastest; zip pairs values', () => {
    const spec = build({ base, axes: { 'num-workers': [1, 2], 'extra-engine-args.max_num_seqs': [8, 16, 32] } });
    const c = combinations(spec.axes, 'cartesian');
    expect(c.length).toBe(6);
    expect(c[1]).toEqual({ 'num-workers': 1, 'extra-engine-args.max_num_seqs': 16 });
    const z = build({ base, combine: 'zip', axes: { 'num-workers': [1, 2], 'extra-engine-args.max_num_seqs': [8, 16] } });
    expect(combinations(z.axes, 'zip')).toEqual([
      { 'num-workers': 1, 'extra-engine-args.max_num_seqs': 8 },
      { 'num-workers': 2, 'extra-engine-args.max_num_seqs': 16 },
    ]);
  });

  it('axes write flags and knob keys; relative paths resolve against the spec folder', () => {
    const spec = build({
      base: { trace: 'traces/t.jsonl', 'extra-engine-args': { aic_systems_path: '../aic' }, 'planner-config': { mode: 'agg', ttft_ms: 900 } },
      axes: { 'extra-engine-args.startup_time': [0, 30], 'planner-config.itl_ms': [40] },
    });
    const runs = expandRuns(spec);
    expect(runs.length).toBe(2);
    const argv = runArgv(runs[1]!.config);
    expect(argv[0]).toBe(path.resolve('/studies/traces/t.jsonl'));
    const engine = JSON.parse(argv[argv.indexOf('--extra-engine-args') + 1]!) as Record<string, unknown>;
    expect(engine).toEqual({ aic_systems_path: path.resolve('/aic'), startup_time: 30 });
    const planner = JSON.parse(argv[argv.indexOf('--planner-config') + 1]!) as Record<string, unknown>;
    expect(planner.itl_ms).toBe(40);
    // Goodput is measured against the planner's own SLA when no --sla-* flag is set.
    expect(argv.slice(argv.indexOf('--sla-ttft-ms'), argv.indexOf('--sla-ttft-ms') + 2)).toEqual(['--sla-ttft-ms', '900']);
  });

  it('repeat 0 is the run as configured; later repeats draw new seeds and a stretch within the spread', () => {
    const spec = build({ base: { ...base, flags: { 'arrival-speedup-ratio': 2 } }, repeats: 3, perturbation: { stretch: 0.05 } });
    const runs = expandRuns(spec);
    expect(runs.map((r) => r.repeat)).toEqual([0, 1, 2]);
    expect(runs[0]!.config.flags).toEqual({ 'arrival-speedup-ratio': 2 });
    for (const r of runs.slice(1)) {
      expect(Math.abs(r.stretch - 1)).toBeLessThanOrEqual(0.05);
      expect(r.config.flags['arrival-speedup-ratio']).toBeCloseTo(2 / r.stretch, 12);
      expect(r.config.flags['router-seed']).toBe(derivedSeed(0, r.repeat, 'router'));
    }
    expect(runs[1]!.config.flags['router-seed']).not.toBe(runs[2]!.config.flags['router-seed']);
  });

  it('synthetic repeats vary the arrival and prefix-group seeds', () => {
    const spec = build({ base: { flags: { 'input-tokens': 64, 'output-tokens': 8, 'request-count': 10, 'request-rate': 5 } }, repeats: 2 });
    const r1 = expandRuns(spec)[1]!;
    expect(typeof r1.config.flags['arrival-seed']).toBe('number');
    expect(typeof r1.config.flags['workload-seed']).toBe('number');
  });
});

describe('--set overrides (AIC generator semantics: dotted keys, YAML values)', () => {
  it('sets axes, repeats and base sections', () => {
    const data = applySetOverrides({ base, axes: { 'num-workers': [1] } }, ['repeats=3', 'axes.extra-engine-args.startup_time=[0, 60]', 'flags.num-workers=4', 'planner-config.ttft_ms=900']) as Record<string, any>;
    expect(data.repeats).toBe(3);
    expect(data.axes['extra-engine-args.startup_time']).toEqual([0, 60]);
    expect(data.base.flags['num-workers']).toBe(4);
    expect(data.base['planner-config']).toEqual({ ttft_ms: 900 });
  });

  it('a value that is not YAML stays a string; no = is an error', () => {
    const data = applySetOverrides({ base }, ['name=cold: start: x']) as Record<string, unknown>;
    expect(data.name).toBe('cold: start: x');
    expect(errorOf(() => applySetOverrides({}, ['repeats']))).toBe("--set: expected KEY=VALUE, got 'repeats'");
  });
});

describe('a bad spec is one line naming the key', () => {
  it.each([
    [{ base, axes: {}, repeatz: 2 }, 'sweep spec /studies/s.yaml: repeatz: unknown key'],
    [{ base: { ...base, flagz: {} } }, 'sweep spec /studies/s.yaml: base.flagz: unknown key'],
    [{ base, axes: { 'num-workers': [] } }, 'sweep spec /studies/s.yaml: axes.num-workers: an axis needs at least one value'],
    [{ base, axes: { 'extra-engine-args.startup_time': { from: 10, to: 0, step: 5 } } }, 'sweep spec /studies/s.yaml: axes.extra-engine-args.startup_time: empty range (from 10 is past to)'],
    [{ base, axes: { 'num-wrokers': [1] } }, 'sweep spec /studies/s.yaml: axes.num-wrokers: unknown axis'],
    [{ base: { ...base, flags: { 'report-json': 'x.json' } } }, 'sweep spec /studies/s.yaml: base.flags.report-json: not allowed here'],
    [{ base, repeats: 0 }, 'sweep spec /studies/s.yaml: repeats: repeats must be at least 1'],
    [{ base, axes: { 'num-workers': [1, 2], 'router-config.router_temperature': [0] }, combine: 'zip' }, 'sweep spec /studies/s.yaml: axes.router-config.router_temperature: zip needs axes of equal length'],
    [{ base: { flags: { 'input-tokens': 8 } }, perturbation: { stretch: 0.05 } }, 'sweep spec /studies/s.yaml: perturbation: applies to trace replays only'],
    [{ base, axes: { 'num-workers': [1] }, plot: { x: 'startup_time' } }, "sweep spec /studies/s.yaml: plot.x: 'startup_time' is not an axis"],
  ])('%j', (data, expected) => {
    const message = errorOf(() => build(data));
    expect(message.startsWith(expected)).toBe(true);
    expect(message).not.toContain('\n');
  });
});
