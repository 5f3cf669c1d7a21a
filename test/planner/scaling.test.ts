// Scaling decisions: the easy targets (test_easy_scaling.py), throughput floors
// (test_throughput_scaling.py), SLA load scaling and the throughput/load combination
// (test_state_machine.py, planner.md §6–§8).
import { describe, expect, it } from 'vitest';
import { parsePlannerConfig } from '../../src/planner/config.js';
import { PlannerScalingState } from '../../src/planner/scaling.js';
import type { EngineFpm, ScalingDecision } from '../../src/planner/scaling.js';
import { makePass } from '../../src/planner/types.js';
import type { EngineCapabilities, ForwardPassSnapshot } from '../../src/planner/types.js';

const CONTEXT_LENGTH = 4096;
const MAX_KV = 100_000;
const caps = (over: Partial<EngineCapabilities> = {}): EngineCapabilities => ({
  num_gpu: 1,
  max_num_batched_tokens: 2048,
  max_num_seqs: 256,
  context_length: CONTEXT_LENGTH,
  max_kv_tokens: MAX_KV,
  block_size: 64,
  speculative_nextn: 0,
  ...over,
});

const config = (obj: Record<string, unknown>) => parsePlannerConfig(JSON.stringify({ max_gpu_budget: -1, load_predictor: 'constant', ...obj })).config;
const fpm = (workerId: number, fields: Partial<ForwardPassSnapshot>): EngineFpm => ({ workerId, dpRank: 0, pass: makePass({ wallTimeSecs: 0.01, ...fields }) });

/** One load tick on a single role; returns the projected target (null = no change) and the reason. */
function loadTick(state: PlannerScalingState, role: 'prefill' | 'decode', fpms: EngineFpm[], ready: number): { target: number | null; reason: string | null } {
  state.beginTick();
  state.observeWorkerCounts({
    readyPrefill: role === 'prefill' ? ready : null,
    readyDecode: role === 'decode' ? ready : null,
    expectedPrefill: role === 'prefill' ? ready : null,
    expectedDecode: role === 'decode' ? ready : null,
  });
  const obs = role === 'prefill' ? { prefill: fpms, decode: null } : { prefill: null, decode: fpms };
  const d = state.advanceLoad(obs);
  const v = d === null ? null : role === 'prefill' ? d.numPrefill : d.numDecode;
  return { target: v === null || v === ready ? null : v, reason: state.diag.loadReason };
}

describe('easy targets', () => {
  const prefill = (target: string) => new PlannerScalingState(config({ mode: 'prefill', optimization_target: target }), { prefill: caps(), decode: caps() });
  const decode = (target: string) => new PlannerScalingState(config({ mode: 'decode', optimization_target: target }), { decode: caps() });

  it('no perf models or predictors in easy mode', () => {
    const s = prefill('throughput');
    expect(s.prefillModel).toBeNull();
    expect(s.decodeModel).toBeNull();
  });

  it('prefill throughput: 4096 queued on 1 → 2 (scale_up); 2048 on 2 → none; 204 on both of 2 → 1; empty single → none', () => {
    expect(loadTick(prefill('throughput'), 'prefill', [fpm(1, { sumQueuedPrefillTokens: CONTEXT_LENGTH })], 1)).toEqual({ target: 2, reason: 'scale_up' });
    expect(loadTick(prefill('throughput'), 'prefill', [fpm(1, { sumQueuedPrefillTokens: 2048 }), fpm(2, { sumQueuedPrefillTokens: 2048 })], 2)).toEqual({
      target: null,
      reason: 'no_change',
    });
    expect(loadTick(prefill('throughput'), 'prefill', [fpm(1, { sumQueuedPrefillTokens: 204 }), fpm(2, { sumQueuedPrefillTokens: 204 })], 2)).toEqual({
      target: 1,
      reason: 'scale_down',
    });
    expect(loadTick(prefill('throughput'), 'prefill', [fpm(1, {})], 1).target).toBeNull();
  });

  it('prefill latency: 410 queued → 2; empty queues on 2 → 1; 10 queued each → none', () => {
    expect(loadTick(prefill('latency'), 'prefill', [fpm(1, { sumQueuedPrefillTokens: 410 })], 1).target).toBe(2);
    expect(loadTick(prefill('latency'), 'prefill', [fpm(1, {}), fpm(2, {})], 2).target).toBe(1);
    expect(loadTick(prefill('latency'), 'prefill', [fpm(1, { sumQueuedPrefillTokens: 10 }), fpm(2, { sumQueuedPrefillTokens: 10 })], 2).target).toBeNull();
  });

  it('decode throughput: util 1.1 → 2; 0.4/0.4 on 2 → 1; 0.7 → none', () => {
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 80_000, sumQueuedDecodeKvTokens: 30_000 })], 1)).toEqual({ target: 2, reason: 'scale_up' });
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 40_000 }), fpm(2, { sumDecodeKvTokens: 40_000 })], 2).target).toBe(1);
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 70_000 }), fpm(2, { sumDecodeKvTokens: 70_000 })], 2).target).toBeNull();
  });

  it('decode latency: 0.45 → 2; 0.05 on 2 → 1', () => {
    expect(loadTick(decode('latency'), 'decode', [fpm(1, { sumDecodeKvTokens: 45_000 })], 1).target).toBe(2);
    expect(loadTick(decode('latency'), 'decode', [fpm(1, { sumDecodeKvTokens: 5000 }), fpm(2, { sumDecodeKvTokens: 5000 })], 2).target).toBe(1);
  });

  it('any engine over → up: (0.5, 1.1) on 2 → 3; mixed (0.2, 0.7) → none; all below → down', () => {
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 50_000 }), fpm(2, { sumDecodeKvTokens: 80_000, sumQueuedDecodeKvTokens: 30_000 })], 2).target).toBe(3);
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 20_000 }), fpm(2, { sumDecodeKvTokens: 70_000 })], 2).target).toBeNull();
    expect(loadTick(decode('throughput'), 'decode', [fpm(1, { sumDecodeKvTokens: 20_000 }), fpm(2, { sumDecodeKvTokens: 30_000 })], 2).target).toBe(1);
  });

  it('the load target uses the configured thresholds', () => {
    const s = new PlannerScalingState(config({ mode: 'decode', optimization_target: 'load', decode_scale_up_kv_rate: 50, decode_scale_down_kv_rate: 10 }), { decode: caps() });
    expect(loadTick(s, 'decode', [fpm(1, { sumDecodeKvTokens: 50_000 })], 1).target).toBe(2);
  });

  it('agg counts queued prefill as KV; min endpoints bound scale-down', () => {
    const agg = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'throughput', min_endpoint: 2 }), { decode: caps() });
    agg.observeWorkerCounts({ readyPrefill: null, readyDecode: 2, expectedPrefill: null, expectedDecode: 2 });
    const up = agg.advanceLoad({ prefill: null, decode: [fpm(1, { sumDecodeKvTokens: 60_000, sumQueuedPrefillTokens: 50_000 }), fpm(2, {})] });
    expect(up).toEqual({ numPrefill: null, numDecode: 3 });
    agg.beginTick();
    const down = agg.advanceLoad({ prefill: null, decode: [fpm(1, {}), fpm(2, {})] });
    expect(down?.numDecode).toBe(2);
    expect(agg.diag.loadReason).toBe('no_change');
  });

  it('gates: in progress, no FPM, worker-count mismatch', () => {
    const s = decode('throughput');
    s.observeWorkerCounts({ readyPrefill: null, readyDecode: 1, expectedPrefill: null, expectedDecode: 2 });
    expect(s.advanceLoad({ prefill: null, decode: [fpm(1, {})] })).toBeNull();
    expect(s.diag.loadReason).toBe('scaling_in_progress');
    s.observeWorkerCounts({ readyPrefill: null, readyDecode: 2, expectedPrefill: null, expectedDecode: 2 });
    s.beginTick();
    expect(s.advanceLoad({ prefill: null, decode: [] })).toBeNull();
    expect(s.diag.loadReason).toBe('no_fpm_data');
    s.beginTick();
    expect(s.advanceLoad({ prefill: null, decode: [fpm(1, {})] })).toBeNull();
    expect(s.diag.loadReason).toBe('worker_count_mismatch');
    expect(PlannerScalingState.reconcileFpmWorkerCount([fpm(1, {}), { ...fpm(1, {}), dpRank: 1 }, fpm(2, {})], 2)).toBe(false);
  });
});

describe('throughput floors (test_throughput_scaling.py)', () => {
  const stub = { findEngineCapacityRps: () => ({ rps: 1.0, ttftMs: 1002.0, itlMs: null, e2eMs: 1002.0, eligible: false }) };

  it('an unreachable TTFT SLA creates no replica floor: 0.01 rps → 1 replica', () => {
    const s = new PlannerScalingState(config({ mode: 'disagg', optimization_target: 'sla', ttft_ms: 200 }), { prefill: caps(), decode: caps() });
    s.capacityOverrides.prefill = stub;
    expect(s.computePrefillReplicas(0.01, 1000, 150)).toBe(1);
  });

  it('prefill_min_endpoint = 3 → 3', () => {
    const s = new PlannerScalingState(config({ mode: 'disagg', optimization_target: 'sla', ttft_ms: 200, prefill_min_endpoint: 3 }), { prefill: caps(), decode: caps() });
    s.capacityOverrides.prefill = stub;
    expect(s.computePrefillReplicas(0.01, 1000, 150)).toBe(3);
  });

  it('the step cap bounds one observation to ±max_throughput_scaling_replicas', () => {
    const s = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'sla', max_throughput_scaling_replicas: 2 }), { decode: caps() });
    s.capacityOverrides.agg = { findEngineCapacityRps: () => ({ rps: 1, ttftMs: 10, itlMs: 5, e2eMs: 100, eligible: true }) };
    s.observeWorkerCounts({ readyPrefill: null, readyDecode: 1, expectedPrefill: null, expectedDecode: 1 });
    const d = s.advanceThroughput({ durationS: 60 }, { numReq: 600, isl: 1000, osl: 100, kvHitRate: null });
    expect(s.throughputLowerBoundD).toBe(1); // load scaling off: a SET target, not a floor
    expect(d).toEqual({ numPrefill: null, numDecode: 3 });
    expect(s.diag.throughputReason).toBe('scale');
    expect(s.diag.engineRpsDecode).toBe(1);
  });

  it('throughput-only prefill emits a decision with reason scale', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla' }), { prefill: caps() });
    s.capacityOverrides.prefill = { findEngineCapacityRps: () => ({ rps: 2, ttftMs: 100, itlMs: null, e2eMs: 100, eligible: true }) };
    s.observeWorkerCounts({ readyPrefill: 1, readyDecode: null, expectedPrefill: 1, expectedDecode: null });
    expect(s.advanceThroughput({ durationS: 60 }, { numReq: 360, isl: 3000, osl: 150, kvHitRate: null })).toEqual({ numPrefill: 3, numDecode: null });
    expect(s.diag.throughputReason).toBe('scale');
    expect(s.diag.predictedNumReq).toBe(360);
  });

  it('with load scaling on, throughput only sets floors (set_lower_bound), capped by the GPU ceiling', () => {
    const s = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'sla', enable_load_scaling: true, max_gpu_budget: 8 }), { decode: caps() });
    s.capacityOverrides.agg = { findEngineCapacityRps: () => ({ rps: 1, ttftMs: 10, itlMs: 5, e2eMs: 100, eligible: true }) };
    s.observeWorkerCounts({ readyPrefill: null, readyDecode: 2, expectedPrefill: null, expectedDecode: 2 });
    expect(s.advanceThroughput({ durationS: 60 }, { numReq: 1200, isl: 1000, osl: 100, kvHitRate: null })).toBeNull();
    expect(s.diag.throughputReason).toBe('set_lower_bound');
    expect(s.throughputLowerBoundD).toBe(8); // 20 wanted, +8 step cap → 10, 8-GPU ceiling → 8
  });

  it('disagg: one side not ready holds both (model_not_ready / partner_not_ready)', () => {
    const s = new PlannerScalingState(config({ mode: 'disagg', optimization_target: 'sla' }), { prefill: caps(), decode: caps() });
    s.capacityOverrides.prefill = { findEngineCapacityRps: () => ({ rps: 2, ttftMs: 10, itlMs: null, e2eMs: 10, eligible: true }) };
    s.capacityOverrides.decode = { findEngineCapacityRps: () => null };
    s.observeWorkerCounts({ readyPrefill: 1, readyDecode: 1, expectedPrefill: 1, expectedDecode: 1 });
    expect(s.advanceThroughput({ durationS: 60 }, { numReq: 600, isl: 1000, osl: 100, kvHitRate: null })).toBeNull();
    expect(s.diag.throughputReason).toBe('model_not_ready');
    expect(s.diag.throughputReasonPrefill).toBe('partner_not_ready');
    expect(s.diag.throughputReasonDecode).toBe('model_not_ready');
  });

  it('throughput disabled → reason disabled; non-positive window → no_traffic_data', () => {
    const s = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'throughput' }), { decode: caps() });
    expect(s.advanceThroughput({ durationS: 60 }, { numReq: 1, isl: 1, osl: 1, kvHitRate: null })).toBeNull();
    expect(s.diag.throughputReason).toBe('disabled');
    const t = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'sla' }), { decode: caps() });
    t.advanceThroughput({ durationS: 0 }, { numReq: 1, isl: 1, osl: 1, kvHitRate: null });
    expect(t.diag.throughputReason).toBe('no_traffic_data');
  });
});

describe('SLA load scaling', () => {
  const trainPrefill = (s: PlannerScalingState) =>
    s.observeFpm({ prefill: [1, 2, 3, 4, 5].map((k) => fpm(1, { numPrefillRequests: 1, sumPrefillTokens: 1000 * k, wallTimeSecs: 0.01 * k })), decode: null });

  it('an untrained model → insufficient_data', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla', enable_load_scaling: true, load_adjustment_interval_seconds: 5 }), { prefill: caps() });
    expect(loadTick(s, 'prefill', [fpm(1, { sumQueuedPrefillTokens: 10_000 })], 1)).toEqual({ target: null, reason: 'insufficient_data' });
  });

  it('TTFT SLA 5 ms with 10,000 queued tokens → scale up', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla', ttft_ms: 5, enable_load_scaling: true, enable_throughput_scaling: false }), {
      prefill: caps({ max_num_batched_tokens: 8192 }),
    });
    trainPrefill(s);
    expect(s.prefillModel!.hasSufficientData()).toBe(true);
    const r = loadTick(s, 'prefill', [fpm(1, { numQueuedPrefill: 3, sumQueuedPrefillTokens: 10_000 })], 1);
    expect(r).toEqual({ target: 2, reason: 'scale_up' });
    expect(s.diag.estimatedTtftMs!).toBeCloseTo(130, 6); // (10,000 + avg ISL 3,000) × 0.01 ms
  });

  it('load scaling disabled → reason disabled', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla' }), { prefill: caps() });
    expect(loadTick(s, 'prefill', [fpm(1, {})], 1)).toEqual({ target: null, reason: 'disabled' });
  });

  it('scale-up needs every engine over the SLA; idle survivors pass the consolidation test', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla', ttft_ms: 100, enable_load_scaling: true, enable_throughput_scaling: false }), {
      prefill: caps({ max_num_batched_tokens: 8192 }),
    });
    trainPrefill(s);
    // One hot engine, one idle: not all over → no scale-up; the hot one blocks consolidation.
    const mixed = loadTick(s, 'prefill', [fpm(1, { numQueuedPrefill: 5, sumQueuedPrefillTokens: 20_000 }), fpm(2, {})], 2);
    expect(mixed.target).toBeNull();
    expect(mixed.reason).toBe('scale_down_refused_consolidation');
    // Both idle: (100 − 30) × 0.8 = 56 ms of queue budget, survivor's queue 0 → scale down to 1.
    expect(loadTick(s, 'prefill', [fpm(1, {}), fpm(2, {})], 2)).toEqual({ target: 1, reason: 'scale_down' });
  });

  it('decode: the KV-feasibility check refuses a consolidation that overflows the cache', () => {
    const s = new PlannerScalingState(config({ mode: 'decode', optimization_target: 'sla', itl_ms: 1000, enable_load_scaling: true, enable_throughput_scaling: false }), {
      decode: caps(),
    });
    s.observeFpm({ prefill: null, decode: [1, 2, 3, 4, 5].map((k) => fpm(1, { numDecodeRequests: k, sumDecodeKvTokens: 1000 * k * k, wallTimeSecs: 0.005 * k })) });
    const r = loadTick(s, 'decode', [fpm(1, { numDecodeRequests: 10, sumDecodeKvTokens: 60_000 }), fpm(2, { numDecodeRequests: 1, sumDecodeKvTokens: 1000 })], 2);
    expect(r).toEqual({ target: null, reason: 'scale_down_refused_consolidation' });
  });

  it('a throughput floor holds a load scale-down (single role: no_change; disagg: scale_down_capped_by_throughput)', () => {
    const s = new PlannerScalingState(config({ mode: 'prefill', optimization_target: 'sla', ttft_ms: 100, enable_load_scaling: true }), {
      prefill: caps({ max_num_batched_tokens: 8192 }),
    });
    trainPrefill(s);
    s.throughputLowerBoundP = 3;
    expect(loadTick(s, 'prefill', [fpm(1, {}), fpm(2, {}), fpm(3, {})], 3)).toEqual({ target: null, reason: 'no_change' });

    const d = new PlannerScalingState(config({ mode: 'disagg', optimization_target: 'sla', ttft_ms: 100, enable_load_scaling: true }), {
      prefill: caps({ max_num_batched_tokens: 8192 }),
      decode: caps(),
    });
    trainPrefill(d);
    d.throughputLowerBoundP = 2;
    d.observeWorkerCounts({ readyPrefill: 2, readyDecode: 1, expectedPrefill: 2, expectedDecode: 1 });
    expect(d.advanceLoad({ prefill: [fpm(1, {}), fpm(2, {})], decode: [fpm(3, {})] })).toBeNull();
    expect(d.diag.loadReasonPrefill).toBe('scale_down_capped_by_throughput');
    expect(d.diag.loadReasonDecode).toBe('insufficient_data');
  });

  it('agg: all engines over the TTFT SLA → +1', () => {
    const s = new PlannerScalingState(config({ mode: 'agg', optimization_target: 'sla', ttft_ms: 50, enable_load_scaling: true, enable_throughput_scaling: false }), {
      decode: caps({ max_num_batched_tokens: 8192 }),
    });
    const train: EngineFpm[] = [];
    for (let k = 1; k <= 6; k++) train.push(fpm(1, { numPrefillRequests: 1, sumPrefillTokens: 500 * k, numDecodeRequests: k, sumDecodeKvTokens: 2000 * k + 300 * (k % 2), wallTimeSecs: 0.002 * k + 0.001 }));
    s.observeFpm({ prefill: null, decode: train });
    expect(s.aggModel!.hasSufficientData()).toBe(true);
    s.observeWorkerCounts({ readyPrefill: null, readyDecode: 2, expectedPrefill: null, expectedDecode: 2 });
    const hot = (id: number) => fpm(id, { numDecodeRequests: 4, sumDecodeKvTokens: 8000, numQueuedPrefill: 10, sumQueuedPrefillTokens: 60_000 });
    const d = s.advanceLoad({ prefill: null, decode: [hot(1), hot(2)] });
    expect(d).toEqual<ScalingDecision>({ numPrefill: null, numDecode: 3 });
    expect(s.diag.loadReason).toBe('scale_up');
  });
});
