// The KV router against Dynamo's current code, scenario by scenario (issue 9, items 8 and 10).
// Each expectation is derived by hand from the cited reference function.
import { describe, expect, it } from 'vitest';
import type { NativeEngineConfig, NativeRouterConfig } from '../../src/core/native.js';
import { sglangEngine, simulate, start, workload, type Turn } from './build.js';
import { agg, expectSame, ids as eqIds, run } from './equivalence.js';

const ids = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + i);

// The reference's default polynomial prefill time of one request with T uncached tokens, in ms
// (lib/mocker/src/common/perf_model.rs; the router's estimator here, so durations are exact).
const poly = (tokens: number) => 4.209989e-7 * tokens * tokens + 1.518344e-2 * tokens + 16.50142;

describe('router_prefill_load_model: the active prefill load decays over the predicted prefill time', () => {
  // lib/kv-router/src/sequences/prefill_tracker.rs, PrefillLoadSnapshot::active_tokens_at: the
  // oldest prefill (the anchor) completes initial_tokens × elapsed / expected_duration tokens.
  // One worker, budget 1000 and threshold 0.5: busy above 500 active prefill tokens
  // (lib/mocker/.../kv_router/mod.rs, all_workers_busy_with). Request 0 (1024 tokens) is
  // predicted to take poly(1024) = 32.4907 ms, so its load drops to 500 once
  // floor(1024 t / 32.4907) >= 524, at t = 16.626 ms. The engine itself is 10× slower: its
  // first token comes after 500 ms, so only the decay can free the worker.
  const admissionsBy = (arrivalMs: number, model: NativeRouterConfig['prefillLoadModel'], probes: number[]) => {
    const w = workload([[{ isl: 1024, osl: 2, ids: ids(16, 1), at: 0 }], [{ isl: 64, osl: 2, ids: [500], at: arrivalMs }]], 64);
    const sim = start(w, {
      engine: { maxNumBatchedTokens: 1000, speedupRatio: 0.1 },
      router: { mode: 'kv_router', queueThreshold: 0.5, prefillLoadModel: model },
    });
    let admitted = 0;
    return probes.map((t) => {
      sim.runUntil(t);
      admitted += sim.drainTraffic().kvHitCount;
      return admitted;
    });
  };
  const aic = { kind: 'polynomial' } as const;

  it('poly(1024) is the duration the decay uses', () => {
    expect(poly(1024)).toBeCloseTo(32.4907, 4);
    expect((524 * poly(1024)) / 1024).toBeCloseTo(16.626, 3);
  });

  it('an arrival just before the load reaches the threshold queues; just after, it is placed at once', () => {
    expect(admissionsBy(16.6, aic, [16.61])).toEqual([1]);
    expect(admissionsBy(16.65, aic, [16.66])).toEqual([2]);
  });

  // config.rs, KvRouterConfig::router_queue_recheck_interval: 100 ms with a prefill-load model and
  // a queue threshold (the scheduler's queue looks again on that interval; time alone frees
  // workers). Simulated time, on a fixed grid from 0.
  it('a queued request is released by the 100 ms queue recheck, not before', () => {
    expect(admissionsBy(16.6, aic, [50, 99.999, 100])).toEqual([1, 1, 2]);
  });

  // With every active prefill modelled, the anchor's progress comes off the whole backlog (it
  // "spills over" into later prefills): request 1 (1024 tokens) joins at 5 ms, when request 0
  // has decayed to 1024 − floor(1024 × 5 / 32.4907) = 867 ≤ 900 (threshold 0.9 × 1000). The
  // worker holds 2048 − floor(1024 t / 32.4907) and frees once that is ≤ 900, at t = 1148 ×
  // 32.4907 / 1024 = 36.425 ms, although request 0 alone was done at 32.49 ms and request 1 has
  // barely decayed by its own clock.
  it('the anchor decay spills over to the later prefills (all modelled)', () => {
    const run3 = (at: number) => {
      const w = workload(
        [
          [{ isl: 1024, osl: 2, ids: ids(16, 1), at: 0 }],
          [{ isl: 1024, osl: 2, ids: ids(16, 100), at: 5 }],
          [{ isl: 64, osl: 2, ids: [500], at }],
        ],
        64,
      );
      const sim = start(w, {
        engine: { maxNumBatchedTokens: 1000, speedupRatio: 0.1 },
        router: { mode: 'kv_router', queueThreshold: 0.9, prefillLoadModel: aic },
      });
      sim.runUntil(at + 0.001);
      return sim.drainTraffic().kvHitCount;
    };
    expect((1148 * poly(1024)) / 1024).toBeCloseTo(36.425, 3);
    expect(run3(36.4)).toBe(2);
    expect(run3(36.45)).toBe(3);
  });

  it('without a load model nothing decays: the request waits for the first token', () => {
    const [at100, atEnd] = admissionsBy(16.65, null, [100, 5000]);
    expect(at100).toBe(1);
    expect(atEnd).toBe(2);
  });
});

describe('KV events reach the router when the pass that caused them ends', () => {
  // One worker, no queue: the router's admissions (each records overlap/ISL blocks).
  const admissions = (sessions: Turn[][], engine: Partial<NativeEngineConfig>) => {
    const sim = start(workload(sessions, 64), { engine, router: { mode: 'kv_router', queueThreshold: Number.NaN } });
    sim.runUntil(Infinity);
    return sim.drainTraffic();
  };
  const prefix = ids(10, 1);

  // aisimulate/crates/replay/src/agg.rs, process_completed_pass (and disagg.rs,
  // process_prefill_pass / process_decode_pass) applies a pass's engine observations at
  // KvIngestBoundary::PassEnd, before its output signals. Request 1 shares request 0's 10-block
  // prefix and arrives 1 ms into request 0's 26 ms prefill pass: the router has not seen those
  // blocks. Request 2 arrives after it ended and sees all 10: (0/10 + 0/12 + 10/12) / 3.
  it.each(['vllm', 'trtllm', 'sglang'] as const)('stores: %s', (kind) => {
    const t = admissions(
      [
        [{ isl: 640, osl: 2, ids: prefix, at: 0 }],
        [{ isl: 768, osl: 2, ids: [...prefix, 20, 21], at: 1 }],
        [{ isl: 768, osl: 2, ids: [...prefix, 30, 31], at: 500 }],
      ],
      kind === 'sglang' ? sglangEngine() : { kind },
    );
    expect(t.kvHitCount).toBe(3);
    expect(t.avgKvHitRate).toBeCloseTo(10 / 12 / 3, 12);
  });

  // The same for blocks a pass evicts. A worker of 12 blocks; a 768-token prefill pass takes
  // 62.4 ms. Request 0 (10 blocks) finishes and leaves its blocks cached. Request 1 (12 new
  // blocks, one output token) arrives at 500 ms: planning its prefill pass (500-562.4 ms) evicts
  // all of request 0's blocks. Request 2 (request 0's prefix + 2 blocks) arrives 1 ms into that
  // pass: the router has not seen the removals yet and credits the whole 10-block prefix.
  // Request 3 (the same prefix) arrives at 580 ms, after that pass ended and while request 2's
  // own prefill pass (562.4-624.8 ms, storing the prefix again) runs: the removals are visible,
  // the new stores not yet, so it sees none. (0/10 + 0/12 + 10/12 + 0/12) / 4.
  it('removals: vllm', () => {
    const t = admissions(
      [
        [{ isl: 640, osl: 2, ids: prefix, at: 0 }],
        [{ isl: 768, osl: 1, ids: ids(12, 40), at: 500 }],
        [{ isl: 768, osl: 1, ids: [...prefix, 20, 21], at: 501 }],
        [{ isl: 768, osl: 1, ids: [...prefix, 30, 31], at: 580 }],
      ],
      { numGpuBlocks: 12 },
    );
    expect(t.kvHitCount).toBe(4);
    expect(t.avgKvHitRate).toBeCloseTo(10 / 12 / 4, 12);
  });
});

describe('equal costs are broken uniformly at random, seeded', () => {
  // lib/kv-router/src/scheduling/selector/default.rs, minimum_cost_index: a reservoir pick among
  // the minimum-cost workers (no preference for the smaller cache). 400 one-block requests, each
  // done before the next arrives, on 4 idle workers: every cost is 2 blocks, so each pick is
  // uniform — about 100 per worker, and about a quarter of the picks repeat the previous one
  // (a deterministic rotation would never repeat).
  const sessions: Turn[][] = Array.from({ length: 400 }, (_, i) => [{ isl: 64, osl: 1, ids: [1000 + i], at: 100 * i }]);
  const run = (seed: number) =>
    Array.from(simulate(workload(sessions, 64), { numWorkers: 4, router: { mode: 'kv_router', seed } }).requests.workerIdx);

  it('spreads uniformly and repeats as often as chance says', () => {
    const picks = run(42);
    const counts = [0, 0, 0, 0];
    for (const w of picks) counts[w]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(60), expect(c).toBeLessThan(140);
    let repeats = 0;
    for (let i = 1; i < picks.length; i++) if (picks[i] === picks[i - 1]) repeats += 1;
    expect(repeats).toBeGreaterThan(60);
    expect(repeats).toBeLessThan(140);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    expect(run(42)).toEqual(run(42));
    expect(run(7)).not.toEqual(run(42));
  });
});

describe('a queued request keeps the overlap computed at its arrival', () => {
  // lib/mocker/.../kv_router/mod.rs: build_pending_request computes `overlaps` once; the queue
  // holds the PendingRequest and admit_request scores it as it was. Two workers busy above 82
  // prompt tokens (threshold 0.01 × 8192). Request 2 shares request 0's 10-block prefix but
  // arrives (1 ms) before request 0's prefill pass ends, so it sees no overlap and queues; it is
  // released when request 0's first token comes — by then the router knows the prefix, but
  // request 2 keeps its arrival view. Request 3 (later, not queued) sees it.
  // (0/10 + 0/20 + 0/12 + 10/12) / 4.
  it('records the arrival overlap at admission', () => {
    const prefix = ids(10, 1);
    const sessions: Turn[][] = [
      [{ isl: 640, osl: 2, ids: prefix, at: 0 }],
      [{ isl: 1280, osl: 2, ids: ids(20, 100), at: 0 }],
      [{ isl: 768, osl: 2, ids: [...prefix, 40, 41], at: 1 }],
      [{ isl: 768, osl: 2, ids: [...prefix, 50, 51], at: 1000 }],
    ];
    const sim = start(workload(sessions, 64), { numWorkers: 2, router: { mode: 'kv_router', queueThreshold: 0.01 } });
    sim.runUntil(Infinity);
    const r = sim.results().requests;
    // Request 2 did wait in the router's queue: admitted when request 0 produced its first token.
    expect(r.firstAdmitMs[2]).toBe(r.firstTokenMs[0]);
    const t = sim.drainTraffic();
    expect(t.kvHitCount).toBe(4);
    expect(t.avgKvHitRate).toBeCloseTo(10 / 12 / 4, 12);
  });
});

describe('decode blocks count full prompt blocks only', () => {
  // KvRouterConfig::compute_seq_hashes_for_tracking (and random_seq_hashes_for_tracking) track
  // tokens / block_size blocks: a partial last block is no decode load. With the decode router's
  // settings (no overlap credit, no prefill tokens, private blocks) the cost is decode blocks
  // alone. Request 0 (316 tokens: 4 full blocks + 60) and request 1 (320 tokens: 5 blocks) decode
  // on the two workers; request 2 (1 block) then costs 4 + 1 on request 0's worker and 5 + 1 on
  // the other, whatever the seed (counting the partial block would make it a tie: a coin flip).
  it('places the third request with the first, under every seed', () => {
    const sessions: Turn[][] = [
      [{ isl: 316, osl: 1000, ids: ids(5, 1), at: 0 }],
      [{ isl: 320, osl: 1000, ids: ids(5, 10), at: 1 }],
      [{ isl: 64, osl: 1000, ids: [20], at: 2 }],
    ];
    for (let seed = 1; seed <= 12; seed++) {
      const r = simulate(workload(sessions, 64), {
        numWorkers: 2,
        engine: { enablePrefixCaching: false },
        router: { mode: 'kv_router', seed, overlapScoreCredit: 0, trackPrefillTokens: false, assumeKvReuse: false },
      });
      const w = r.requests.workerIdx;
      expect(w[1]).not.toBe(w[0]);
      expect(w[2], `seed ${seed}`).toBe(w[0]);
    }
  });
});

describe('queue rechecks and decode runs', () => {
  // Rechecks are events like any other: runs must stay exact across them (the same results pass
  // by pass), including planner pauses on the 100 ms grid and a ns either side.
  it('runs give the same results as stepping, with pauses on the recheck grid', () => {
    const sessions: Turn[][] = [];
    for (let s = 0; s < 16; s++) {
      const isl = 256 + 64 * (s % 6);
      sessions.push([{ isl, osl: 60 + 17 * (s % 5), ids: eqIds(isl, 64, 31000 + 50 * s, s % 4 === 0 ? [9, 10] : []), at: 7 * s }]);
    }
    const w = workload(sessions, 64);
    const base = { numWorkers: 2, engine: { speedupRatio: 0.5 }, router: { mode: 'kv_router' as const, queueThreshold: 0.05 } };
    const withModel = agg({ ...base, router: { ...base.router, prefillLoadModel: { kind: 'polynomial' } } });
    const ticks = [100, 200, 300, 400, 500].flatMap((t) => [t - 1e-6, t, t + 1e-6]);
    const { stepped: a } = expectSame(withModel, w, { ticks });
    // The rechecks did release queued requests earlier than first tokens alone would.
    const b = run(agg(base), w, false).results;
    expect([...a.results.requests.firstAdmitMs]).not.toEqual([...b.requests.firstAdmitMs]);
  });
});

describe('the cost terms of the current scorer beyond the classic formula', () => {
  // lib/kv-router/src/scheduling/selector/default.rs, DefaultWorkerScorer::worker_logit:
  // + decode_active_request_weight × active_requests, and the device credit divided by
  // 1 + overlap_score_credit_decay × ((active_prefill − min active_prefill) / B) / request_blocks
  // (request_blocks = ceil(isl / B)). Both default to 0, which is the classic formula.
  it('decode_active_request_weight charges each live request', () => {
    // Decode-router settings and private blocks: cost = blocks + w × live requests. Request 0
    // (3 blocks) sits on T0; requests 1 and 2 (1 block each) go to T1 (1 + 1 < 3 + 1, then
    // 2 + 1 < 4). Request 3: T0 = 4 + w, T1 = 3 + 2w — T1 at w = 0, T0 at w = 1.5.
    const sessions: Turn[][] = [
      [{ isl: 192, osl: 1000, ids: ids(3, 1), at: 0 }],
      [{ isl: 64, osl: 1000, ids: [10], at: 1 }],
      [{ isl: 64, osl: 1000, ids: [11], at: 2 }],
      [{ isl: 64, osl: 1000, ids: [12], at: 3 }],
    ];
    const place = (decodeActiveRequestWeight: number) =>
      simulate(workload(sessions, 64), {
        numWorkers: 2,
        engine: { enablePrefixCaching: false },
        router: { mode: 'kv_router', overlapScoreCredit: 0, trackPrefillTokens: false, assumeKvReuse: false, decodeActiveRequestWeight },
      }).requests.workerIdx;
    const plain = place(0);
    expect([plain[1], plain[2], plain[3]]).toEqual([1 - plain[0]!, 1 - plain[0]!, 1 - plain[0]!]);
    const weighted = place(1.5);
    expect([weighted[1], weighted[2]]).toEqual([1 - weighted[0]!, 1 - weighted[0]!]);
    expect(weighted[3]).toBe(weighted[0]);
  });

  it('overlap_score_credit_decay shrinks the credit of a worker with more prefill backlog', () => {
    // Prefill cost only (active blocks untracked). Request 0 caches prefix P (10 blocks) on X;
    // request 1 (P + 4 blocks) follows it there, leaving a 256-token backlog while it prefills;
    // request 2 (P + 2, 12 blocks) arrives then: X = (256 + 768) / 64 − 10 c = 16 − 10 c,
    // Y = 12, with c = 1 / (1 + d × (256 / 64) / 12). d = 3: c = 0.5, X = 11 → X;
    // d = 6: c = 1/3, X = 12.67 → Y.
    const prefix = ids(10, 1);
    const sessions: Turn[][] = [
      [{ isl: 640, osl: 1, ids: prefix, at: 0 }],
      [{ isl: 896, osl: 2, ids: [...prefix, 20, 21, 22, 23], at: 100 }],
      [{ isl: 768, osl: 2, ids: [...prefix, 30, 31], at: 101 }],
    ];
    const place = (overlapScoreCreditDecay: number) =>
      simulate(workload(sessions, 64), {
        numWorkers: 2,
        router: { mode: 'kv_router', queueThreshold: Number.NaN, trackActiveBlocks: false, overlapScoreCreditDecay },
      }).requests.workerIdx;
    for (const [d, sameAsX] of [[0, true], [3, true], [6, false]] as const) {
      const w = place(d);
      expect(w[1]).toBe(w[0]);
      expect(w[2] === w[0], `decay ${d}`).toBe(sameAsX);
    }
  });
});

describe('wspt orders the router queue by uncached prompt tokens', () => {
  // lib/kv-router/src/scheduling/policy_queue.rs, queue_policy_score: wspt scores
  // (1 + priority) / scheduling_cost_tokens, the queue snapshot's prompt less the best cached
  // prefix over eligible workers at arrival. Request 0 leaves prefix P (10 blocks) cached; the
  // 4096-token request B makes the worker busy (threshold 82 tokens); requests 1 (P + 10 blocks:
  // 640 uncached of 1280) and 2 (768 tokens, none cached) queue behind it. When B's first token
  // frees the worker, request 1 goes first although its prompt is longer.
  it('releases the request with fewer uncached tokens first', () => {
    const prefix = ids(10, 1);
    const sessions: Turn[][] = [
      [{ isl: 640, osl: 2, ids: prefix, at: 0 }],
      [{ isl: 4096, osl: 2, ids: ids(64, 1000), at: 50 }],
      [{ isl: 1280, osl: 2, ids: [...prefix, ...ids(10, 100)], at: 60 }],
      [{ isl: 768, osl: 2, ids: ids(12, 200), at: 61 }],
    ];
    const r = simulate(workload(sessions, 64), { router: { mode: 'kv_router', queueThreshold: 0.01, queuePolicy: 'wspt' } }).requests;
    expect(r.firstAdmitMs[2]).toBe(r.firstTokenMs[1]);
    expect(r.firstAdmitMs[3]!).toBeGreaterThan(r.firstAdmitMs[2]!);
  });
});
