// The engine perf model: the reference's engine_perf.rs cases (planner.md §13), the regression's
// retention and rejection rules, and the guide's MTP worked example.
import { describe, expect, it } from 'vitest';
import {
  aggregatePrefillPerIter,
  capacityBatchSizes,
  EnginePerfModel,
  MAX_CAPACITY_SEARCH_CANDIDATES,
  PlannerEnginePerfModel,
  PrefillChunkPlan,
  prefillDecodeBalanced,
} from '../../src/planner/perf-model.js';
import type { EnginePerfLimits, WorkerType } from '../../src/planner/perf-model.js';
import { BucketedRegression, fitLinear, fitRegression, fitWeightedHinge, ForwardPassRegression } from '../../src/planner/regression.js';
import { makePass } from '../../src/planner/types.js';

const FAST = { minObservations: 2, maxObservations: 16, bucketCount: 16 };
const LIMITS: EnginePerfLimits = { maxNumBatchedTokens: 8192, maxNumSeqs: 512, maxKvTokens: 2_000_000 };

const prefillObs = (tokens: number, wall: number) => makePass({ numPrefillRequests: 1, sumPrefillTokens: tokens, wallTimeSecs: wall });
const decodeObs = (n: number, kv: number, wall: number) => makePass({ numDecodeRequests: n, sumDecodeKvTokens: kv, wallTimeSecs: wall });
const mixedObs = (p: number, n: number, kv: number, wall: number) =>
  makePass({ numPrefillRequests: p > 0 ? 1 : 0, sumPrefillTokens: p, numDecodeRequests: n, sumDecodeKvTokens: kv, wallTimeSecs: wall });

function model(type: WorkerType, limits: EnginePerfLimits, training: ReturnType<typeof makePass>[]): EnginePerfModel {
  const m = new EnginePerfModel(type, limits, FAST);
  m.tune(training.map((p) => [p]));
  return m;
}

describe('engine_perf.rs cases', () => {
  it('capacity candidates: ≤128 keeps every size, more are sampled to 128 with both endpoints', () => {
    expect(capacityBatchSizes(0)).toEqual([]);
    expect(capacityBatchSizes(3)).toEqual([1, 2, 3]);
    const exact = capacityBatchSizes(MAX_CAPACITY_SEARCH_CANDIDATES);
    expect(exact.length).toBe(128);
    expect(exact[0]).toBe(1);
    expect(exact[127]).toBe(128);
    const sampled = capacityBatchSizes(129);
    expect(sampled.length).toBe(128);
    expect(sampled[0]).toBe(1);
    expect(sampled[127]).toBe(129);
    for (let i = 1; i < sampled.length; i++) expect(sampled[i]!).toBeGreaterThan(sampled[i - 1]!);
  });

  it('chunk plan 250/100 → 2 full chunks + a 50-token tail', () => {
    const plan = new PrefillChunkPlan(250, 100);
    expect(plan.fullChunks).toBe(2);
    expect(plan.tailTokens).toBe(50);
    expect([0, 1, 2, 3].map((i) => plan.chunkAt(i))).toEqual([100, 100, 50, 0]);
  });

  it('prefill regression (50→5 ms, 100→10 ms) gives 250 tokens in 25 ms', () => {
    const m = model('prefill', { maxNumBatchedTokens: 100, maxNumSeqs: 4, maxKvTokens: 1_000_000 }, [prefillObs(50, 0.005), prefillObs(100, 0.01)]);
    expect(m.prefillTimeForTokensMs(250)).toBeCloseTo(25, 6);
  });

  it('a regression model estimates nothing until tuned', () => {
    const m = new EnginePerfModel('decode', LIMITS, FAST);
    expect(m.scheduledDecodeItlMs([decodeObs(1, 128, 0)])).toBeNull();
    expect(new EnginePerfModel('prefill', LIMITS, FAST).scheduledDecodeItlMs([makePass({})])).toBeNull();
    expect(new EnginePerfModel('decode', LIMITS, FAST).queuedPrefillTimeMs([makePass({})])).toBeNull();
  });

  it('queued prefill of 1000 tokens at MBT 1 takes 1.0 s', () => {
    const m = model('prefill', { maxNumBatchedTokens: 1, maxNumSeqs: 4, maxKvTokens: 1_000_000 }, [prefillObs(1, 0.001), prefillObs(2, 0.002)]);
    expect(m.queuedPrefillTimeMs([makePass({ numQueuedPrefill: 1, sumQueuedPrefillTokens: 1000 })])! / 1000).toBeCloseTo(1.0, 9);
  });

  it('the queued-prefill estimate ignores scheduled work', () => {
    const m = model('prefill', LIMITS, [prefillObs(100, 0.01), prefillObs(200, 0.02)]);
    const base = m.queuedPrefillTimeMs([makePass({ numQueuedPrefill: 1, sumQueuedPrefillTokens: 100 })])!;
    const noisy = m.queuedPrefillTimeMs([
      makePass({ numQueuedPrefill: 1, sumQueuedPrefillTokens: 100, numPrefillRequests: 99, sumPrefillTokens: 999_999, numDecodeRequests: 99, sumDecodeKvTokens: 999_999 }),
    ])!;
    expect(Math.abs(base - noisy)).toBeLessThan(1e-6);
  });

  it('the decode ITL estimate ignores queued decode', () => {
    const m = model('decode', LIMITS, [decodeObs(1, 100, 0.01), decodeObs(2, 200, 0.02)]);
    const base = m.scheduledDecodeItlMs([decodeObs(1, 100, 0)])!;
    const queued = m.scheduledDecodeItlMs([makePass({ numDecodeRequests: 1, sumDecodeKvTokens: 100, numQueuedDecode: 64, sumQueuedDecodeKvTokens: 1_000_000 })])!;
    expect(Math.abs(base - queued)).toBeLessThan(1e-6);
  });

  it('agg helpers keep the mixed workload shape', () => {
    const m = model('aggregated', LIMITS, [mixedObs(100, 1, 100, 0.02), mixedObs(100, 2, 200, 0.04), mixedObs(200, 1, 100, 0.03)]);
    expect(m.queuedPrefillTimeMs([makePass({ numQueuedPrefill: 1, sumQueuedPrefillTokens: 100, numDecodeRequests: 2, sumDecodeKvTokens: 200 })])).not.toBeNull();
    expect(m.scheduledDecodeItlMs([decodeObs(1, 100, 0)])).not.toBeNull();
  });

  it('agg capacity TTFT includes the new request’s prefill', () => {
    const m = model('aggregated', { maxNumBatchedTokens: 50, maxNumSeqs: 1, maxKvTokens: 1_000_000 }, [
      mixedObs(10, 1, 105, 0.011),
      mixedObs(25, 1, 105, 0.026),
      mixedObs(50, 1, 105, 0.051),
    ]);
    const cap = m.findEngineCapacityRps({ isl: 100, osl: 10 })!;
    expect(cap.ttftMs!).toBeGreaterThan(80);
  });

  it('accept length 2 raises decode rps and lowers ITL', () => {
    const m = model('decode', LIMITS, [decodeObs(1, 100, 0.01), decodeObs(2, 200, 0.02)]);
    const base = m.findEngineCapacityRps({ isl: 100, osl: 10, acceptLength: 1 })!;
    const spec = m.findEngineCapacityRps({ isl: 100, osl: 10, acceptLength: 2 })!;
    expect(spec.rps).toBeGreaterThan(base.rps);
    expect(spec.itlMs!).toBeLessThan(base.itlMs!);
  });

  it('prefill_decode_balanced(100,100,33,100,2.0) holds, 34 does not; 66 prefill tokens per iteration', () => {
    expect(prefillDecodeBalanced(100, 100, 33, 100, 2.0)).toBe(true);
    expect(prefillDecodeBalanced(100, 100, 34, 100, 2.0)).toBe(false);
    expect(aggregatePrefillPerIter(100, 100, 33, 2.0)).toBe(66);
  });

  it('agg capacity with accept length 2 implies a batch ≤ 34', () => {
    const m = model('aggregated', { maxNumBatchedTokens: 100, maxNumSeqs: 100, maxKvTokens: 1_000_000 }, [
      mixedObs(10, 1, 150, 0.01),
      mixedObs(50, 1, 150, 0.05),
      mixedObs(100, 1, 150, 0.1),
    ]);
    const cap = m.findEngineCapacityRps({ isl: 100, osl: 100, acceptLength: 2 })!;
    expect(cap).not.toBeNull();
    expect(cap.rps * 100 * (cap.itlMs! / 1000)).toBeLessThanOrEqual(34 + 1e-9);
  });

  it('prefill capacity (100→20 ms, 400→50 ms, MBT 400, 4 seqs, ISL 100) exceeds 70 rps with e2e == ttft', () => {
    const m = model('prefill', { maxNumBatchedTokens: 400, maxNumSeqs: 4, maxKvTokens: 1_000_000 }, [prefillObs(100, 0.02), prefillObs(400, 0.05)]);
    const cap = m.findEngineCapacityRps({ isl: 100, osl: 10 })!;
    expect(cap.rps).toBeGreaterThan(70);
    expect(cap.ttftMs).not.toBeNull();
    expect(cap.e2eMs).toBe(cap.ttftMs);
    expect(cap.itlMs).toBeNull();
  });

  it('a KV hit rate of 0.5 raises prefill rps and lowers TTFT', () => {
    const m = model('prefill', { maxNumBatchedTokens: 8192, maxNumSeqs: 1, maxKvTokens: 1_000_000 }, [prefillObs(100, 0.02), prefillObs(400, 0.08)]);
    const base = m.findEngineCapacityRps({ isl: 400, osl: 10, kvHitRate: 0 })!;
    const hit = m.findEngineCapacityRps({ isl: 400, osl: 10, kvHitRate: 0.5 })!;
    expect(hit.rps).toBeGreaterThan(base.rps);
    expect(hit.ttftMs!).toBeLessThan(base.ttftMs!);
  });

  it('agg KV hits keep the raw context for the KV cap', () => {
    const training = [mixedObs(10, 1, 1050, 0.011), mixedObs(20, 1, 1050, 0.021), mixedObs(40, 1, 1050, 0.041)];
    const one = model('aggregated', { maxNumBatchedTokens: 8192, maxNumSeqs: 1, maxKvTokens: 1100 }, training);
    const many = model('aggregated', { maxNumBatchedTokens: 8192, maxNumSeqs: 100, maxKvTokens: 1100 }, training);
    const req = { isl: 1000, osl: 100, kvHitRate: 0.9 };
    expect(Math.abs(one.findEngineCapacityRps(req)!.rps - many.findEngineCapacityRps(req)!.rps)).toBeLessThan(1e-9);
  });

  it('decode capacity is none when one sequence does not fit the KV cache', () => {
    const m = model('decode', { maxNumBatchedTokens: 8192, maxNumSeqs: 4, maxKvTokens: 50 }, [decodeObs(1, 100, 0.01), decodeObs(2, 200, 0.02)]);
    expect(m.findEngineCapacityRps({ isl: 100, osl: 10 })).toBeNull();
  });

  it('an SLA on a metric the role does not produce makes the point ineligible', () => {
    const p = model('prefill', LIMITS, [prefillObs(100, 0.01), prefillObs(200, 0.02)]);
    expect(p.findEngineCapacityRps({ isl: 100, osl: 10, itlSlaMs: 1000 })!.eligible).toBe(false);
    const d = model('decode', LIMITS, [decodeObs(1, 100, 0.01), decodeObs(2, 200, 0.02)]);
    expect(d.findEngineCapacityRps({ isl: 100, osl: 10, ttftSlaMs: 1000 })!.eligible).toBe(false);
    const best = d.findEngineCapacityRps({ isl: 100, osl: 10, itlSlaMs: 1000 })!;
    expect(best.rps).toBeGreaterThan(0);
    expect(best.ttftMs).toBeNull();
  });
});

describe("the guide's MTP worked example", () => {
  // A decode model whose forward pass is 8 + 2·batch ms at the example's context (1000 + 64/2):
  // 40 ms at batch 16, the largest batch the engine runs, which is also its best-rps point.
  it('16 / (64 × 0.040) = 6.25 rps without MTP, 18.2 with accept length 2.91', () => {
    const m = new EnginePerfModel('decode', { maxNumBatchedTokens: 8192, maxNumSeqs: 16, maxKvTokens: 10_000_000 }, FAST);
    m.tune([1, 4, 8, 16].map((b) => [decodeObs(b, b * 1032, (8 + 2 * b) / 1000)]));
    const noMtp = m.findEngineCapacityRps({ isl: 1000, osl: 64, acceptLength: 1 })!;
    expect(noMtp.itlMs).toBeCloseTo(40, 9);
    expect(noMtp.rps).toBeCloseTo(6.25, 9);
    const mtp = m.findEngineCapacityRps({ isl: 1000, osl: 64, acceptLength: 64 / 22 })!;
    expect(64 / 22).toBeCloseTo(2.91, 2);
    expect(mtp.itlMs).toBeCloseTo(13.75, 2);
    expect(mtp.rps).toBeCloseTo(18.2, 1);
    // The ITL SLA is checked against the discounted ITL: under 20 ms MTP keeps batch 16, while
    // without MTP the search falls back to the largest batch within the SLA (8 + 2·6 = 20 ms).
    const mtpSla = m.findEngineCapacityRps({ isl: 1000, osl: 64, acceptLength: 64 / 22, itlSlaMs: 20 })!;
    expect(mtpSla.eligible).toBe(true);
    expect(mtpSla.rps).toBeCloseTo(18.2, 1);
    const plainSla = m.findEngineCapacityRps({ isl: 1000, osl: 64, acceptLength: 1, itlSlaMs: 20 })!;
    expect(plainSla.eligible).toBe(true);
    expect(plainSla.itlMs).toBeCloseTo(20, 9);
    expect(plainSla.rps).toBeCloseTo(6 / (64 * 0.02), 9);
  });
});

describe('regression (aiconfigurator fpm/regression.rs, fit_regression)', () => {
  const tuned = (min: number, passes: ReturnType<typeof makePass>[][]) => {
    const r = new ForwardPassRegression({ minObservations: min, maxObservations: 64, bucketCount: 16 });
    for (const ranks of passes) r.tune(ranks);
    return r;
  };

  it('fpm/tests.rs fallback_regression_predicts_prefill_decode_and_mixed_workload_kinds: 40, 14 and 30 ms', () => {
    // Each kind's three samples determine its plane exactly: prefill y = x; decode y = 2·n + 0.5·kv;
    // mixed y = p + 0.5·kv (solved by hand from pairs of samples).
    const r = tuned(3, [
      [prefillObs(10, 0.01)], [prefillObs(20, 0.02)], [prefillObs(30, 0.03)],
      [decodeObs(1, 10, 0.007)], [decodeObs(2, 10, 0.009)], [decodeObs(1, 20, 0.012)],
      [mixedObs(10, 1, 10, 0.015)], [mixedObs(20, 1, 10, 0.025)], [mixedObs(10, 1, 20, 0.02)],
    ]);
    expect(r.estimateMs([prefillObs(40, 0)])).toBeCloseTo(40, 6);
    expect(r.estimateMs([decodeObs(2, 20, 0)])).toBeCloseTo(14, 6);
    expect(r.estimateMs([mixedObs(20, 1, 20, 0)])).toBeCloseTo(30, 6);
  });

  it('fpm/tests.rs fallback_regression_keeps_decode_fit_ready_when_ols_kv_slope_is_negative', () => {
    const obs = [[8, 16_000], [16, 33_000], [24, 47_000], [32, 66_000], [40, 79_000], [48, 98_000]] as const;
    const r = tuned(6, obs.map(([n, kv]) => [decodeObs(n, kv, (5 + 0.07 * n - 0.00003 * kv) / 1000)]));
    expect(r.ready).toBe(true);
    expect(r.estimateMs([decodeObs(32, 80_000, 0)])!).toBeGreaterThanOrEqual(r.estimateMs([decodeObs(32, 60_000, 0)])!);
    expect(r.estimateMs([decodeObs(40, 70_000, 0)])!).toBeGreaterThan(r.estimateMs([decodeObs(24, 70_000, 0)])!);
  });

  it('fpm/tests.rs fallback_regression_rejects_intercept_only_fit_when_slopes_are_identifiable', () => {
    const r = tuned(4, [[decodeObs(8, 10_000, 0.02)], [decodeObs(16, 10_000, 0.018)], [decodeObs(8, 20_000, 0.017)], [decodeObs(16, 20_000, 0.015)]]);
    expect(r.ready).toBe(false);
    expect(r.estimateMs([decodeObs(12, 15_000, 0)])).toBeNull();
  });

  it('fpm/tests.rs fallback_regression_prefill_weighted_hinge_avoids_small_token_collapse', () => {
    const pts = [[59, 0.0317], [120, 0.045], [1500, 0.04], [5000, 0.054], [8000, 0.1], [12_000, 0.13], [20_000, 0.226], [50_000, 0.729], [100_000, 1.568]] as const;
    const r = tuned(6, pts.map(([t, w]) => [prefillObs(t, w)]));
    const [small, mid, large] = [1000, 12_000, 100_000].map((t) => r.estimateMs([prefillObs(t, 0)])!);
    expect(small).toBeGreaterThan(1);
    expect(small).toBeLessThan(mid!);
    expect(mid).toBeLessThan(large!);
    expect(large).toBeGreaterThan(1000);
  });

  it('fpm/tests.rs tune_with_fpms_uses_one_rank_feature_vector: ranks never combine into a mixed feature', () => {
    const r = tuned(1, [[prefillObs(10, 0.01), decodeObs(1, 100_000, 0.02)]]);
    expect(r.estimateMs([decodeObs(1, 100_000, 0)])).not.toBeNull();
    expect(r.estimateMs([mixedObs(10, 1, 100_000, 0)])).toBeNull();
  });

  it('fpm/tests.rs tuning_ignores_idle_wall_time_and_queued_only_work', () => {
    const r = tuned(2, [[prefillObs(10, 0)], [makePass({ sumQueuedPrefillTokens: 10_000, wallTimeSecs: 1 })], [prefillObs(10, 0.01)], [prefillObs(20, 0.02)]]);
    expect(r.retainedObservations).toBe(2);
    expect(r.estimateMs([prefillObs(30, 0)])).toBeCloseTo(30, 6);
  });

  it('regression.rs fit_linear: the intercept stays free, so a negative one collapses small passes to 1e-6 ms', () => {
    // Three mixed passes on the plane y = −100 + 0.02·p + 0.0001·kv (ms): the fit is that plane.
    const plane = (p: number, kv: number) => -100 + 0.02 * p + 0.0001 * kv;
    const r = tuned(3, [[8000, 100_000], [7000, 200_000], [8000, 300_000]].map(([p, kv]) => [mixedObs(p!, 4, kv!, plane(p!, kv!) / 1000)]));
    const fit = r.fitOf('mixed')!;
    expect(fit.intercept).toBeCloseTo(-100, 6);
    expect(fit.coefficients[0]).toBeCloseTo(0.02, 9);
    expect(fit.coefficients[1]).toBeCloseTo(0.0001, 9);
    expect(r.estimateMs([mixedObs(6000, 4, 150_000, 0)])).toBeCloseTo(plane(6000, 150_000), 6);
    // 1000 prefill tokens on 10,000 KV: −79 ms on the plane → the floor.
    expect(r.estimateMs([mixedObs(1000, 1, 10_000, 0)])).toBe(1e-6);
  });

  it('regression.rs fit_weighted_hinge: no intercept check either; an exact line with a negative intercept is kept', () => {
    // y = −10 + 0.02·x on six prefill sizes: every knot fits exactly (delta 0), the first is kept.
    const r = tuned(5, [1000, 2000, 3000, 4000, 5000, 6000].map((x) => [prefillObs(x, (-10 + 0.02 * x) / 1000)]));
    const fit = r.fitOf('prefill')!;
    expect(fit.hinge).toBeDefined();
    expect(fit.intercept).toBeCloseTo(-10, 6);
    expect(fit.coefficients[0]).toBeCloseTo(0.02, 9);
    expect(fit.hinge!.delta).toBeCloseTo(0, 9);
    expect(r.estimateMs([prefillObs(100, 0)])).toBe(1e-6);
    expect(r.estimateMs([prefillObs(2500, 0)])).toBeCloseTo(40, 6);
  });

  it('regression.rs fit_weighted_hinge min_by: of knots that score the same, the first (smallest) is kept, not the one rounding favours', () => {
    // One sample at x = 100 (30 ms), then the line 10 + 0.02·x from 2000 to 6000. Knots are the
    // quantiles 2000..5000 and 100·60^(i/9). A knot k in (100, 2000] fits all samples exactly with
    // left slope (20 − 0.02k)/(100 − k), which is ≥ 0 from k = 1000 on: knots 100·60^(6/9) ≈ 1531
    // and 2000 both score 0, and predict differently left of the data. Exact arithmetic (and so
    // the reference's min_by, first of equals) keeps 1531; the scores in floating point are
    // rounding noise, which picked 2000 here before equal scores were treated as equal.
    const samples = [{ x: [100], y: 30 }, ...[2000, 3000, 4000, 5000, 6000].map((x) => ({ x: [x], y: 10 + 0.02 * x }))];
    const k = Math.exp(Math.log(100) + (6 / 9) * (Math.log(6000) - Math.log(100)));
    const fit = fitWeightedHinge(samples)!;
    expect(fit.hinge!.knot).toBeCloseTo(k, 9);
    const left = (20 - 0.02 * k) / (100 - k);
    expect(fit.coefficients[0]).toBeCloseTo(left, 12);
    const r = tuned(5, samples.map((s) => [prefillObs(s.x[0]!, s.y / 1000)]));
    expect(r.estimateMs([prefillObs(50, 0)])).toBeCloseTo(30 - 50 * left, 9); // 29.629 ms (knot 2000: 29.474)
  });

  it('regression.rs normalize_monotonic_nonnegative: a falling right slope is clamped flat and the clamped fit is scored', () => {
    // Rises 0.02 ms/token to x = 4000, then falls: the hinge at 4000 fits exactly but its right
    // slope is negative → rejected; a knot whose right slope stays ≥ 0 wins instead, and every
    // estimate is non-decreasing in x.
    const f = (x: number) => (x <= 4000 ? 10 + 0.02 * x : 90 - 0.005 * (x - 4000));
    const samples = [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000].map((x) => ({ x: [x], y: f(x) }));
    const fit = fitWeightedHinge(samples);
    if (fit !== null) {
      expect(fit.coefficients[0]!).toBeGreaterThanOrEqual(0);
      expect(fit.coefficients[0]! + fit.hinge!.delta).toBeGreaterThanOrEqual(0);
    }
    const r = tuned(6, samples.map((s) => [prefillObs(s.x[0]!, s.y / 1000)]));
    let last = -Infinity;
    for (const x of [500, 1500, 3500, 4500, 7000, 9000]) {
      const y = r.estimateMs([prefillObs(x, 0)])!;
      expect(y).toBeGreaterThanOrEqual(last - 1e-9);
      last = y;
    }
  });

  it('fit_linear keeps the least-squares face with non-negative slopes: a negative slope goes to zero', () => {
    // Decode: time grows with KV but falls with the request count → the request slope is 0 and
    // the KV face alone is the fit, the simple regression of y on kv.
    const decode = [
      { x: [1, 1000], y: 11 },
      { x: [4, 1000], y: 8 },
      { x: [2, 2000], y: 20 },
      { x: [8, 4000], y: 36 },
    ];
    const fit = fitLinear(decode, 2)!;
    expect(fit.coefficients[0]).toBe(0);
    // Mean kv 2000, mean y 18.75; Sxy = 53,000, Sxx = 6e6.
    expect(fit.coefficients[1]).toBeCloseTo(53_000 / 6e6, 12);
    expect(fit.intercept).toBeCloseTo(18.75 - (53_000 / 6e6) * 2000, 9);
    // Falling latency: no load signal once identifiable → no fit.
    expect(fitLinear([{ x: [10], y: 10 }, { x: [20], y: 5 }, { x: [30], y: 1 }], 1)).toBeNull();
    expect(fitRegression([{ x: [10], y: 10 }, { x: [20], y: 5 }, { x: [30], y: 1 }], 1, 3)).toBeNull();
  });

  it('is ready only from min observations on, per workload kind', () => {
    const r = new ForwardPassRegression({ minObservations: 3, maxObservations: 8, bucketCount: 16 });
    r.tune([prefillObs(100, 0.01)]);
    r.tune([prefillObs(200, 0.02)]);
    expect(r.ready).toBe(false);
    r.tune([makePass({ numPrefillRequests: 1, sumPrefillTokens: 300, wallTimeSecs: 0 })]); // heartbeat: ignored
    expect(r.ready).toBe(false);
    r.tune([prefillObs(300, 0.03)]);
    expect(r.ready).toBe(true);
    expect(r.kindReady('decode')).toBe(false);
    expect(r.estimateMs([decodeObs(1, 10, 0)])).toBeNull();
    expect(r.estimateMs([makePass({})])).toBe(0);
    expect(r.estimateMs([makePass({ sumPrefillTokens: 150, numPrefillRequests: 1 })])).toBeCloseTo(15, 6);
  });

  it('caps retention at max observations by evicting the oldest sample of the fullest bucket', () => {
    const store = new BucketedRegression(1, { minObservations: 1, maxObservations: 4, bucketCount: 4 });
    // Range 0..100 → buckets of 25. Three samples near 0, one at 100.
    store.add([0], 1);
    store.add([1], 1);
    store.add([100], 10);
    store.add([2], 1);
    store.add([60], 6); // five samples: bucket 0 holds three → its oldest ([0]) goes
    expect(store.size).toBe(4);
    for (let i = 0; i < 20; i++) store.add([i * 5], 1 + i);
    expect(store.size).toBe(4);
  });
});

describe('planner adapter', () => {
  const caps = { num_gpu: 1, max_num_batched_tokens: 100, max_num_seqs: 4, context_length: 4096, max_kv_tokens: 1_000_000, block_size: 64, speculative_nextn: 0 };

  it('tracks the average prompt length over passes with prefill (2000 for 1000/2000/3000)', () => {
    const m = new PlannerEnginePerfModel('prefill', { minObservations: 2, maxObservations: 64, bucketCount: 16 }, caps);
    m.addObservations([prefillObs(1000, 0.1), prefillObs(2000, 0.2), prefillObs(3000, 0.3)]);
    expect(m.avgIsl).toBe(2000);
  });

  it('tracks the average decode length (200)', () => {
    const m = new PlannerEnginePerfModel('decode', { minObservations: 2, maxObservations: 64, bucketCount: 16 }, caps);
    m.addObservations([decodeObs(2, 400, 0.01), decodeObs(4, 800, 0.02)]);
    expect(m.avgDecodeLength).toBe(200);
  });

  it('is unavailable without capabilities or with a non-positive limit', () => {
    expect(new PlannerEnginePerfModel('prefill', FAST, null).engine).toBeNull();
    expect(new PlannerEnginePerfModel('prefill', FAST, { ...caps, max_num_seqs: 0 }).engine).toBeNull();
  });

  it('a zero ISL or context gives no capacity', () => {
    const m = new PlannerEnginePerfModel('decode', FAST, caps);
    m.addObservations([decodeObs(1, 100, 0.01), decodeObs(2, 200, 0.02)]);
    expect(m.findEngineCapacityRps({ isl: 0, osl: 10 })).toBeNull();
    expect(m.findEngineCapacityRps({ isl: 100, osl: 0 })).toBeNull();
  });

  it('adds the hypothetical next request and discounts queued prefill by the KV hit rate', () => {
    const m = new PlannerEnginePerfModel('prefill', FAST, { ...caps, max_num_batched_tokens: 8192 });
    m.addObservations([prefillObs(100, 0.01), prefillObs(300, 0.03)]);
    expect(m.avgIsl).toBe(200);
    const fpm = makePass({ numQueuedPrefill: 2, sumQueuedPrefillTokens: 1000 });
    expect(m.estimateQueuedPrefillTime([fpm])).toBeCloseTo(0.12, 6); // (1000 + 200) tokens × 0.1 ms
    expect(m.estimateQueuedPrefillTime([fpm], { kvHitRate: 0.5 })).toBeCloseTo(0.06, 6);
    expect(m.estimateQueuedPrefillTime([fpm], { queueScale: 0 })).toBeCloseTo(0.02, 6);
  });
});
