// The tick driver: cadence, worker-count bookkeeping, scaling events, GPU-hours, bootstrap
// (planner.md §2.1, §10, §11 and offline/test_replay_adapter_scaling.py).
import { describe, expect, it } from 'vitest';
import { parsePlannerConfig } from '../../src/planner/config.js';
import { decodeGridPoints, prefillGridIsls } from '../../src/planner/bootstrap.js';
import type { EngineLatencyOracle } from '../../src/planner/bootstrap.js';
import type { ForwardPassRegression } from '../../src/planner/regression.js';
import { ReplayPlanner } from '../../src/planner/replay-planner.js';
import { makePass } from '../../src/planner/types.js';
import type { EngineCapabilities, EnginePass, ForwardPassSnapshot, PlannerObservation, TrafficWindow } from '../../src/planner/types.js';

const caps = (over: Partial<EngineCapabilities> = {}): EngineCapabilities => ({
  num_gpu: 1,
  max_num_batched_tokens: 8192,
  max_num_seqs: 256,
  context_length: 32768,
  max_kv_tokens: 1_048_576,
  block_size: 64,
  speculative_nextn: 0,
  ...over,
});

const oracle: EngineLatencyOracle = {
  prefillMs: (points) => points.map(([b, isl]) => 5 + 0.02 * isl * b),
  decodeMs: (points) => points.map(([b, ctx]) => 8 + 0.05 * b + 0.00002 * b * ctx),
};

const config = (obj: Record<string, unknown>) => parsePlannerConfig(JSON.stringify({ load_predictor: 'constant', ...obj })).config;

function window(over: Partial<TrafficWindow> = {}): TrafficWindow {
  return {
    durationS: 5,
    numReq: 0,
    completed: 0,
    avgIsl: 0,
    avgOsl: 0,
    ttftCount: 0,
    avgTtftMs: 0,
    itlCount: 0,
    avgItlMs: 0,
    kvHitCount: 0,
    avgKvHitRate: 0,
    visibleTokens: 0,
    decodeForwards: 0,
    avgAcceptLength: null,
    ...over,
  };
}

interface Pool {
  ready: number;
  /** Provisioned workers (default: ready + starting). */
  total?: number;
  starting?: number;
  passes?: EnginePass[];
  /** When each ready worker became ready (default 0: an initial worker). */
  since?: number[];
}
interface Tick {
  nowMs: number;
  prefill?: Pool;
  decode: Pool;
  traffic?: TrafficWindow | null;
}
function obs(t: Tick): PlannerObservation {
  const ids = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + i);
  return {
    nowMs: t.nowMs,
    activePrefill: t.prefill?.ready ?? 0,
    totalPrefill: t.prefill?.total ?? (t.prefill?.ready ?? 0) + (t.prefill?.starting ?? 0),
    activeDecode: t.decode.ready,
    totalDecode: t.decode.total ?? t.decode.ready + (t.decode.starting ?? 0),
    startingPrefill: t.prefill?.starting ?? 0,
    startingDecode: t.decode.starting ?? 0,
    activePrefillIds: ids(t.prefill?.ready ?? 0, 100),
    activeDecodeIds: ids(t.decode.ready, 0),
    activePrefillSinceMs: t.prefill?.since ?? ids(t.prefill?.ready ?? 0, 0).map(() => 0),
    activeDecodeSinceMs: t.decode.since ?? ids(t.decode.ready, 0).map(() => 0),
    prefillPasses: t.prefill?.passes ?? [],
    decodePasses: t.decode.passes ?? [],
    traffic: t.traffic === undefined ? window() : t.traffic,
  };
}
const pass = (workerId: number, fields: Partial<ForwardPassSnapshot>): EnginePass => ({ workerId, dpRank: 0, pass: makePass({ wallTimeSecs: 0.01, ...fields }) });

describe('cadence', () => {
  it('ticks every 5 s; load at 5, 10, 15…; throughput at 180, 360 (defaults, SLA)', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg', optimization_target: 'sla', enable_load_scaling: true }), { mode: 'agg', decode: caps() }, oracle);
    expect(planner.initialTickMs()).toBe(5000);
    let next = planner.initialTickMs();
    const tputTicks: number[] = [];
    for (let i = 0; i < 80; i++) {
      const d = planner.onTick(obs({ nowMs: next, decode: { ready: 1, passes: [pass(0, { numDecodeRequests: 1, sumDecodeKvTokens: 1000 })] }, traffic: window({ numReq: 2, completed: 2, avgIsl: 1000, avgOsl: 100 }) }));
      expect(d.nextTickMs).toBe(next + 5000);
      next = d.nextTickMs!;
    }
    const summary = planner.finish();
    expect(summary.totalTicks).toBe(80);
    for (const s of summary.snapshots) {
      expect(s.loadReason).not.toBeNull();
      if (s.throughputReason !== null) tputTicks.push(s.timestampS);
    }
    expect(summary.snapshots.length).toBe(80);
    expect(tputTicks).toEqual([180, 360]);
  });

  it('the guide config ticks every 10 s with throughput at 300 s', () => {
    const cfg = config({ mode: 'agg', optimization_target: 'sla', enable_throughput_scaling: true, enable_load_scaling: true, throughput_adjustment_interval_seconds: 300, load_adjustment_interval_seconds: 10 });
    const planner = new ReplayPlanner(cfg, { mode: 'agg', decode: caps() }, oracle);
    expect(planner.initialTickMs()).toBe(10_000);
    let next = planner.initialTickMs();
    for (let i = 0; i < 60; i++) next = planner.onTick(obs({ nowMs: next, decode: { ready: 1 } })).nextTickMs!;
    const tput = planner.finish().snapshots.filter((s) => s.throughputReason !== null).map((s) => s.timestampS);
    expect(tput).toEqual([300, 600]);
  });

  it('throughput-only still runs the load loop every 5 s to feed the perf model', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg', optimization_target: 'sla' }), { mode: 'agg', decode: caps() }, oracle);
    planner.onTick(obs({ nowMs: 5000, decode: { ready: 1 } }));
    const [snap] = planner.finish().snapshots;
    expect(snap!.loadReason).toBe('disabled');
    expect(snap!.throughputReason).toBeNull();
  });
});

describe('worker counts and scaling events', () => {
  it('agg scale-up: starting workers count as non-draining; a worker ready < 1 s that never ran blocks with worker_count_mismatch (replay_adapter.py _build_tick_input, LatestFpmBuffer::emit_idle_due)', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg', optimization_target: 'throughput', max_gpu_budget: -1 }), { mode: 'agg', decode: caps({ max_kv_tokens: 100_000 }) }, null);
    const hot = pass(0, { sumDecodeKvTokens: 110_000 });
    const d1 = planner.onTick(obs({ nowMs: 5000, decode: { ready: 1, passes: [hot] } }));
    expect(d1).toEqual({ targetPrefill: null, targetDecode: 2, nextTickMs: 10_000 });
    expect(planner.scalingEvents).toEqual([{ atS: 5, component: 'agg', from: 1, to: 2, reason: 'scale_up' }]);
    // Starting worker: 2 non-draining = the target, but expected 2 ≠ ready 1 → in progress.
    const d2 = planner.onTick(obs({ nowMs: 10_000, decode: { ready: 1, starting: 1, passes: [hot] } }));
    expect(d2.targetDecode).toBeNull();
    // Ready since 14.5 s and no pass yet: absent from the FPM snapshot → worker-count mismatch.
    const d3 = planner.onTick(obs({ nowMs: 15_000, decode: { ready: 2, since: [0, 14_500], passes: [hot] } }));
    expect(d3.targetDecode).toBeNull();
    // Ready 5.5 s and still idle: it reports an empty snapshot, and decisions resume.
    const d4 = planner.onTick(obs({ nowMs: 20_000, decode: { ready: 2, since: [0, 14_500], passes: [hot] } }));
    expect(d4.targetDecode).toBe(3);
    expect(planner.finish().snapshots.map((s) => s.loadReason)).toEqual(['scale_up', 'scaling_in_progress', 'worker_count_mismatch', 'scale_up']);
    expect(planner.scalingEvents[1]).toEqual({ atS: 20, component: 'agg', from: 2, to: 3, reason: 'scale_up' });
  });

  it('a draining worker does not hold decisions: only non-draining workers count (replay_adapter.py _build_tick_input)', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg', optimization_target: 'throughput', max_gpu_budget: -1 }), { mode: 'agg', decode: caps({ max_kv_tokens: 100_000 }) }, null);
    expect(planner.onTick(obs({ nowMs: 5000, decode: { ready: 2 } })).targetDecode).toBe(1);
    expect(planner.scalingEvents[0]).toEqual({ atS: 5, component: 'agg', from: 2, to: 1, reason: 'scale_down' });
    planner.onTick(obs({ nowMs: 10_000, decode: { ready: 1, total: 2 } }));
    planner.onTick(obs({ nowMs: 15_000, decode: { ready: 1, total: 1 } }));
    const reasons = planner.finish().snapshots.map((s) => s.loadReason);
    expect(reasons).toEqual(['scale_down', 'no_change', 'no_change']);
  });

  it('disagg events name the component that moved (prefill only)', () => {
    const cfg = config({ mode: 'disagg', optimization_target: 'throughput', max_gpu_budget: -1 });
    const planner = new ReplayPlanner(cfg, { mode: 'disagg', prefill: caps({ context_length: 4096 }), decode: caps() }, null);
    const d = planner.onTick(obs({ nowMs: 5000, prefill: { ready: 1, passes: [pass(100, { sumQueuedPrefillTokens: 5000 })] }, decode: { ready: 2, passes: [pass(0, { sumDecodeKvTokens: 700_000 }), pass(1, { sumDecodeKvTokens: 700_000 })] } }));
    expect(d.targetPrefill).toBe(2);
    expect(d.targetDecode).toBeNull();
    expect(planner.scalingEvents).toEqual([{ atS: 5, component: 'prefill', from: 1, to: 2, reason: 'scale_up' }]);
  });

  it('throughput-only agg: predicted demand sets a target directly (1 → 3) with reason scale', () => {
    const cfg = config({ mode: 'agg', optimization_target: 'sla', throughput_adjustment_interval_seconds: 10, load_adjustment_interval_seconds: 5, ttft_ms: 100000, itl_ms: 100000 });
    const planner = new ReplayPlanner(cfg, { mode: 'agg', decode: caps() }, oracle);
    // Teach the agg model mixed passes (bootstrap data is pure prefill / pure decode).
    const mixed = (k: number) => pass(0, { numPrefillRequests: 1, sumPrefillTokens: 1000 * k, numDecodeRequests: 8 * k, sumDecodeKvTokens: 8000 * k + 500 * (k % 2), wallTimeSecs: 0.01 + 0.02 * k });
    for (let k = 1; k <= 5; k++) planner.onTick(obs({ nowMs: 5000 * k, decode: { ready: 1, passes: [mixed(k)] }, traffic: null }));
    const summary0 = planner.finish();
    expect(summary0.snapshots.filter((s) => s.throughputReason !== null).map((s) => s.throughputReason)).toEqual(['no_traffic_data', 'no_traffic_data']);
    const rps = planner.state.aggModel!.findEngineCapacityRps({ isl: 2000, osl: 200 })!.rps;
    const demandReq = Math.ceil(2.5 * rps * 10); // 2.5 engines' worth over a 10 s window
    const d = planner.onTick(obs({ nowMs: 30_000, decode: { ready: 1 }, traffic: window({ durationS: 10, numReq: demandReq, completed: demandReq, avgIsl: 2000, avgOsl: 200 }) }));
    expect(d.targetDecode).toBe(3);
    const last = planner.finish().snapshots.at(-1)!;
    expect(last.throughputReason).toBe('scale');
    expect(planner.scalingEvents.at(-1)).toMatchObject({ component: 'agg', from: 1, to: 3, reason: 'scale_up' });
  });

  it('a throughput tick without traffic records no_traffic_data', () => {
    const cfg = config({ mode: 'agg', optimization_target: 'sla', throughput_adjustment_interval_seconds: 10, load_adjustment_interval_seconds: 5 });
    const planner = new ReplayPlanner(cfg, { mode: 'agg', decode: caps() }, oracle);
    planner.onTick(obs({ nowMs: 5000, decode: { ready: 1 }, traffic: null }));
    planner.onTick(obs({ nowMs: 10_000, decode: { ready: 1 }, traffic: null }));
    expect(planner.finish().snapshots.at(-1)!.throughputReason).toBe('no_traffic_data');
  });
});

describe('GPU-hours', () => {
  it('1 h at 1 × 2-GPU prefill + 2 × 4-GPU decode = 10.0 (engine GPU counts, not the config hints)', () => {
    const cfg = config({ mode: 'disagg', optimization_target: 'throughput', prefill_engine_num_gpu: 100, decode_engine_num_gpu: 100, max_gpu_budget: -1 });
    const planner = new ReplayPlanner(cfg, { mode: 'disagg', prefill: caps({ num_gpu: 2 }), decode: caps({ num_gpu: 4 }) }, null);
    planner.onTick(obs({ nowMs: 5000, prefill: { ready: 1 }, decode: { ready: 2 } }));
    expect(planner.cumulativeGpuHours).toBe(0); // the first tick contributes nothing
    planner.onTick(obs({ nowMs: 3_605_000, prefill: { ready: 1 }, decode: { ready: 2 } }));
    expect(planner.cumulativeGpuHours).toBe(10.0);
    const summary = planner.finish();
    expect(summary.gpuHours).toBe(10.0);
    expect(summary.metadata.gpu_accounting.source).toBe('engine_capabilities');
    expect(summary.metadata.gpu_accounting.defaulted_from_engine).toBe(false);
    expect(summary.metadata.gpu_accounting.note).toMatch(/not used/);
  });

  it('unset *_engine_num_gpu: the engine count is used and the metadata says so', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg' }), { mode: 'agg', decode: caps({ num_gpu: 2 }) }, null);
    planner.onTick(obs({ nowMs: 5000, decode: { ready: 3 } }));
    planner.onTick(obs({ nowMs: 1_805_000, decode: { ready: 3 } }));
    const s = planner.finish();
    expect(s.gpuHours).toBeCloseTo(3.0, 12);
    expect(s.metadata.gpu_accounting.defaulted_from_engine).toBe(true);
    expect(s.metadata.gpu_accounting.decode_gpus_per_replica).toBe(2);
    expect(s.snapshots.at(-1)!.gpuHours).toBeCloseTo(3.0, 12);
  });
});

describe('bootstrap', () => {
  it('the reference grid: MBT 8192, g = 8 → 9 ISLs 100…8188; 256 seqs → batches 1, 33, …, 225', () => {
    const isls = prefillGridIsls(caps(), 8);
    expect(isls.length).toBe(9);
    expect(isls[0]).toBe(100);
    expect(isls[1]).toBe(1111);
    expect(isls.at(-1)).toBe(8188);
    const points = decodeGridPoints(caps({ max_kv_tokens: 16_384 * 64 }), 8);
    const at500 = points.filter((p) => p.context === 500).map((p) => p.batch);
    expect(at500).toEqual([1, 33, 65, 97, 129, 161, 193, 225]);
    // 8000-token contexts stop where batch × context exceeds the KV capacity (1,048,576).
    expect(points.filter((p) => p.context === 8000).map((p) => p.batch)).toEqual([1, 33, 65, 97, 129]);
  });

  it('rapid installs pure-prefill and pure-decode passes; disagg throughput is ready from the first tick', () => {
    const cfg = config({ mode: 'disagg', optimization_target: 'sla', throughput_adjustment_interval_seconds: 10, load_adjustment_interval_seconds: 5 });
    const planner = new ReplayPlanner(cfg, { mode: 'disagg', prefill: caps(), decode: caps() }, { prefill: oracle, decode: oracle }, { benchmarkGranularity: 8 });
    expect(planner.bootstrap.status).toBe('installed');
    expect(planner.bootstrap.prefillFpms.length).toBe(9);
    expect(planner.bootstrap.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(planner.state.prefillModel!.hasSufficientData()).toBe(true);
    expect(planner.state.decodeModel!.hasSufficientData()).toBe(true);
    planner.onTick(obs({ nowMs: 5000, prefill: { ready: 1 }, decode: { ready: 1 } }));
    planner.onTick(obs({ nowMs: 10_000, prefill: { ready: 1 }, decode: { ready: 1 }, traffic: window({ durationS: 5, numReq: 20, completed: 20, avgIsl: 3000, avgOsl: 150 }) }));
    const last = planner.finish().snapshots.at(-1)!;
    expect(last.engineRpsPrefill).toBeGreaterThan(0);
    expect(last.engineRpsDecode).toBeGreaterThan(0);
    expect(last.throughputReason).not.toBe('model_not_ready');
  });

  it('agg bootstrap data does not reach the mixed store (G3): capacity waits for live mixed passes', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg', optimization_target: 'sla' }), { mode: 'agg', decode: caps() }, oracle);
    expect(planner.bootstrap.status).toBe('installed');
    expect(planner.state.aggModel!.hasSufficientData()).toBe(true);
    expect(planner.state.aggModel!.findEngineCapacityRps({ isl: 1000, osl: 100 })).toBeNull();
  });

  it('easy mode builds no perf models and no predictors', () => {
    const planner = new ReplayPlanner(config({ mode: 'agg' }), { mode: 'agg', decode: caps() }, oracle);
    expect(planner.predictor).toBeNull();
    expect(planner.state.aggModel).toBeNull();
  });

  it('none / easy / no oracle statuses', () => {
    expect(new ReplayPlanner(config({ mode: 'agg', optimization_target: 'sla', pre_deployment_sweeping_mode: 'none' }), { mode: 'agg', decode: caps() }, oracle).bootstrap.status).toBe('not_required');
    expect(new ReplayPlanner(config({ mode: 'agg' }), { mode: 'agg', decode: caps() }, oracle).bootstrap.status).toBe('not_required');
    expect(new ReplayPlanner(config({ mode: 'agg', optimization_target: 'sla' }), { mode: 'agg', decode: caps() }, null).bootstrap.status).toBe('not_configured_load_only');
  });
});

describe('every-pass feed (feed_extra_fpm_to_regression, the guide-era replay adapter _feed_extra_fpm_to_regression)', () => {
  // Worker 0: a decode stretch of three passes (2 requests, KV 100, 102, 104) from 9.0 s; worker 1:
  // one mixed pass at 9.5 s. The observation reports each engine's latest pass.
  const log = (start0: number) => ({
    startMs: Float64Array.of(start0, 9500),
    workerId: Int32Array.of(0, 1),
    dpRank: Int32Array.of(0, 0),
    count: Int32Array.of(3, 1),
    work: Float64Array.of(0, 0, 0, 2, 100, 1, 500, 0, 2, 300),
    wallSecs: Float64Array.of(0.01, 0.011, 0.012, 0.05),
  });
  const latest = (start0: number): EnginePass[] => [
    { workerId: 0, dpRank: 0, startMs: start0 + 21, pass: makePass({ numDecodeRequests: 2, sumDecodeKvTokens: 104, wallTimeSecs: 0.012 }) },
    { workerId: 1, dpRank: 0, startMs: 9500, pass: makePass({ numPrefillRequests: 1, sumPrefillTokens: 500, numDecodeRequests: 2, sumDecodeKvTokens: 300, wallTimeSecs: 0.05 }) },
  ];
  const tick = (feed: boolean, start0: number) => {
    const cfg = config({ mode: 'agg', optimization_target: 'sla', enable_load_scaling: true, load_adjustment_interval_seconds: 10, throughput_adjustment_interval_seconds: 60, pre_deployment_sweeping_mode: 'none', feed_extra_fpm_to_regression: feed });
    const planner = new ReplayPlanner(cfg, { mode: 'agg', decode: caps() }, null);
    expect(planner.wantsPassLog).toBe(feed);
    planner.onTick({ ...obs({ nowMs: 10_000, decode: { ready: 2, passes: latest(start0) } }), decodePassLog: log(start0) });
    return planner.state.aggModel!.engine!.regression as ForwardPassRegression;
  };

  it('feeds every pass once: the extras, then each engine latest from the cache', () => {
    const r = tick(true, 9000);
    expect(r.retainedObservations).toBe(4);
    const off = tick(false, 9000);
    expect(off.retainedObservations).toBe(2); // the latest pass of each engine only
  });

  it("an engine idle for a second reports an empty snapshot: its last logged pass goes with the extras", () => {
    // Worker 0's stretch began at 8.0 s: its latest pass (8.021 s) is over a second old → idle.
    const r = tick(true, 8000);
    expect(r.retainedObservations).toBe(4); // 3 decode passes (all extras) + worker 1's mixed pass
    const off = tick(false, 8000);
    expect(off.retainedObservations).toBe(1); // worker 0 reports empty: only worker 1's pass
  });
});
