// Workers in transition: the scaling rule replayed over the planner's targets gives each tick's
// starting and draining workers and the GPU-hours split. A hand-computed scenario first, then a
// planner run whose split must add up to the report's provisioned GPU-hours.
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { poolTransitions, type RecordedTick } from '../../src/report/worker-transitions.js';

const tick = (s: number, active: number, total: number, target: number | null, starting = 0): RecordedTick => ({
  nowMs: s * 1000,
  prefill: null,
  decode: { active, total, starting },
  kvHitRate: null,
  acceptLength: null,
  targetPrefill: null,
  targetDecode: target,
});

describe('the scaling rule (native/sim/pool.cc Pool::scale_to)', () => {
  it('starts, cancels the newest starting worker first, then drains the newest ready one', () => {
    // 2 ready. t=10: target 4 → 2 start, ready at 40. t=20: target 3 → the newest starting one is
    // cancelled. t=40: 3 ready. t=60: target 2 → one drains (the core still counts it: total 3).
    // t=70: drained. The run ends at 100 s.
    const ticks = [tick(10, 2, 2, 4), tick(20, 2, 4, 3, 2), tick(40, 3, 3, null), tick(60, 3, 3, 2), tick(70, 2, 3, null), tick(80, 2, 2, null)];
    const t = poolTransitions(ticks, (k) => k.decode, (k) => k.targetDecode, 2, 30, 100_000);
    expect(t.mismatches).toBe(0);
    expect(t.starting).toEqual([0, 2, 0, 0, 0, 0]);
    // A core that reported another starting count would be a mismatch.
    expect(poolTransitions([tick(10, 2, 2, 4), tick(20, 2, 4, null, 1)], (k) => k.decode, (k) => k.targetDecode, 2, 30, 30_000).mismatches).toBe(1);
    // At t=70 one worker is draining: total 3 − ready 2 − starting 0.
    expect(t.draining).toEqual([0, 0, 0, 0, 1, 0]);
    // Ready: 2 workers × 40 s + 3 × 20 s + 2 × 40 s = 220 worker-seconds.
    expect(t.readySeconds).toBeCloseTo(220, 9);
    // Starting: one worker 10→40 s and one 10→20 s (cancelled) = 40 worker-seconds.
    expect(t.startingSeconds).toBeCloseTo(40, 9);
  });

  it('without a startup time workers are ready at once', () => {
    const t = poolTransitions([tick(10, 1, 1, 3), tick(20, 3, 3, null)], (k) => k.decode, (k) => k.targetDecode, 1, 0, 30_000);
    expect(t.startingSeconds).toBe(0);
    expect(t.readySeconds).toBeCloseTo(1 * 10 + 3 * 20, 9);
    expect(t.mismatches).toBe(0);
  });
});

describe('a planner run', () => {
  it('splits the provisioned GPU-hours; starting time is the scale-ups × startup_time; the rule agrees with the core at every tick', async () => {
    const startup = 20;
    const { report, planner } = await replay({
      inputTokens: 2048,
      outputTokens: 128,
      requestCount: 3000,
      requestRate: 40,
      numWorkers: 1,
      extraEngineArgs: { startup_time: startup },
      plannerConfig: JSON.stringify({
        mode: 'agg',
        optimization_target: 'sla',
        ttft_ms: 1000,
        itl_ms: 40,
        throughput_adjustment_interval_seconds: 30,
        load_adjustment_interval_seconds: 5,
        report_output_dir: '/tmp',
        report_interval_hours: null,
        live_dashboard_port: 0,
      }),
    });
    const t = planner!.transitions;
    expect(t.decode.mismatches).toBe(0);
    const split = planner!.transitions.split;
    expect(split.ready + split.starting + split.draining).toBeCloseTo(report.gpu_hours, 9);
    const added = planner!.events.filter((e) => e.to > e.from).reduce((n, e) => n + (e.to - e.from), 0);
    expect(added).toBeGreaterThan(0);
    const cancelled = t.decode.starting.length > 0 && planner!.events.some((e) => e.to < e.from);
    if (!cancelled) expect(split.starting).toBeCloseTo((added * startup) / 3600, 9);
    else expect(split.starting).toBeLessThanOrEqual((added * startup) / 3600 + 1e-9);
    expect((report.planner as { gpu_hours_split: unknown }).gpu_hours_split).toEqual(split);
  });
});
