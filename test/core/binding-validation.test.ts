// The addon checks everything it is handed (issue 11, item 9): a workload whose lengths, offsets
// or times disagree, a NaN or infinite number anywhere, an extreme speedup or bandwidth — each is
// a JS Error naming the field, never a crash, an out-of-bounds read or a hang.
import { describe, expect, it } from 'vitest';
import { createSimulation, evaluatePerfModel } from '../../src/core/native.js';
import { engine, pool, router, simulate, startDisagg, workload } from './build.js';

const one = () => workload([[{ isl: 100, osl: 3, ids: [1] }]], 512);

function agg(w: ReturnType<typeof one>, over: Parameters<typeof pool>[0] = {}) {
  return createSimulation({ disaggregated: false, agg: pool(over), maxSimTimeMs: Infinity }, w);
}

describe('workload arrays', () => {
  it('a prompt longer than its hash ids cover is refused (it read past the ids: SIGSEGV)', () => {
    const w = one();
    w.inputLength[0] = 513; // one id covers 512 tokens
    expect(() => agg(w)).toThrow('native config: workload.inputLength exceeds what its hash ids cover for request 0');
  });

  it('session starts that leave [0, n) are refused before any session is read', () => {
    const w = workload([[{ isl: 10, osl: 1, ids: [1] }], [{ isl: 10, osl: 1, ids: [2] }]], 512);
    w.sessionStart = Uint32Array.from([0, 100, 2]);
    expect(() => agg(w)).toThrow('native config: workload.sessionStart has an empty session 1');
  });

  it('times beyond 100 years or not finite are refused', () => {
    const late = one();
    late.firstArrivalMs[0] = 1e13;
    expect(() => agg(late)).toThrow('native config: workload.firstArrivalMs puts session 0 outside [0, 100 years]');
    const nan = workload([[{ isl: 10, osl: 1, ids: [1] }, { isl: 10, osl: 1, ids: [1] }]], 512);
    nan.turnDelayMs[1] = NaN;
    expect(() => agg(nan)).toThrow('native config: workload.turnDelayMs[1] must be finite');
  });
});

describe('numbers in the configuration', () => {
  it('a NaN router weight is refused (it crashed with dp_size 2 and hung with 3 workers)', () => {
    const w = one();
    expect(() => agg(w, { engine: { dpSize: 2 }, router: { mode: 'kv_router', overlapScoreWeight: NaN } })).toThrow(
      '--router-config: overlap_score_weight must be a finite number in [0, 1000000000], got nan',
    );
    expect(() => agg(w, { numWorkers: 3, router: { mode: 'kv_router', temperature: Infinity } })).toThrow('--router-config: router_temperature must be a finite number');
  });

  it("the approximate indexer's TTL, size and ratio are range-checked, naming the router key", () => {
    const w = one();
    const approx = (over: Record<string, number>) => () => agg(w, { numWorkers: 2, router: { mode: 'kv_router', useKvEvents: false, ...over } });
    expect(approx({ ttlSecs: NaN })).toThrow('--router-config: router_ttl_secs must be a finite number');
    expect(approx({ ttlSecs: 1e300 })).toThrow('--router-config: router_ttl_secs must be a finite number in [0, ');
    expect(approx({ maxTreeSize: 0 })).toThrow('--router-config: router_max_tree_size must be');
    expect(approx({ pruneTargetRatio: 1.5 })).toThrow('--router-config: router_prune_target_ratio must be a finite number in [0, 1]');
  });

  it('a speedup ratio of 1e-300 is refused (it gave TTFT 0)', () => {
    expect(() => agg(one(), { engine: { speedupRatio: 1e-300 } })).toThrow('--extra-engine-args: speedup_ratio must be a finite number in [1e-09, 1000000000], got 1e-300');
  });

  it('a duration past 100 years ends the run with an error instead of wrapping (a 1e-9 speedup on a long pass)', () => {
    // The polynomial model prices this 100k-token prompt at seconds; divided by 1e-9 that is > 100 years.
    const w = workload([[{ isl: 100_000, osl: 1, ids: Array.from({ length: 200 }, (_, i) => i) }]], 512);
    const sim = agg(w, { engine: { speedupRatio: 1e-9, maxNumBatchedTokens: 200_000 } });
    expect(() => sim.runUntil(Infinity)).toThrow('a simulated duration passes the 100-year limit');
  });

  it('a KV transfer at 1e-300 GB/s is an error, not an instant hand-off', () => {
    const w = one();
    const sim = startDisagg(w, { prefill: { engine: { } }, decode: {}, kvBytesPerToken: 1024, kvTransferGbps: 1e-300 });
    expect(() => sim.runUntil(Infinity)).toThrow('a simulated duration passes the 100-year limit');
  });

  it('run limits that are not finite or are huge are clamped, not cast (runUntil(1e300))', () => {
    const sim = agg(one());
    expect(() => sim.runUntil(1e300)).not.toThrow();
    expect(sim.results().requests.status[0]).toBeDefined();
  });

  it('still runs what is valid', () => {
    const r = simulate(one(), { engine: engine({}), router: router({}) });
    expect(r.requests.status.length).toBe(1);
  });
});

describe('perf-model points', () => {
  it('must be a Float64Array of whole numbers in [0, 2^31] (NaN and 2^53 overflowed int64 arithmetic)', () => {
    const e = engine();
    const ok = new Float64Array([1, 1000, 0]);
    expect(evaluatePerfModel(e, ok, new Float64Array([4, 500])).prefillMs.length).toBe(1);
    expect(() => evaluatePerfModel(e, new Float64Array([1, NaN, 0]), new Float64Array(0))).toThrow('must hold whole numbers in [0, 2^31], got nan at 1');
    expect(() => evaluatePerfModel(e, ok, new Float64Array([2 ** 53, 2]))).toThrow('decode points (batch, context) must hold whole numbers');
    expect(() => evaluatePerfModel(e, new Uint32Array([1, 2, 3]) as unknown as Float64Array, new Float64Array(0))).toThrow('must be a Float64Array');
  });
});

describe('hash ids held, not copied', () => {
  it('a workload whose hashIds buffer is detached between batches is refused, never read', () => {
    const w = workload([[{ isl: 100, osl: 3, ids: [1] }], [{ isl: 100, osl: 3, ids: [2], at: 50 }]], 512);
    const sim = agg(w);
    expect(sim.runUntil(10)).toBe(false);
    structuredClone(w.hashIds.buffer, { transfer: [w.hashIds.buffer] });
    expect(w.hashIds.length).toBe(0);
    expect(() => sim.runUntil(Infinity)).toThrow('native config: workload.hashIds was detached or replaced after the simulation was made');
    expect(() => sim.scale(null, 2)).toThrow('workload.hashIds was detached');
  });

  it('runs from the JS array itself: the same results as before the core held it', () => {
    const turns = [[{ isl: 300, osl: 4, ids: [7, 8, 9] }], [{ isl: 300, osl: 4, ids: [7, 8, 10], at: 1000 }]];
    const a = simulate(workload(turns, 128), { router: { mode: 'kv_router' }, numWorkers: 2 });
    expect(a.requests.reusedTokens[1]).toBe(256); // two 128-token blocks shared
  });
});

describe('release', () => {
  it("frees the core once its results are read; a later call is refused with a message, not a crash", () => {
    const sim = agg(one());
    sim.runUntil(Infinity);
    const results = sim.results();
    sim.release();
    expect(results.requests.status[0]).toBe(1);
    expect(() => sim.runUntil(Infinity)).toThrow('NativeSimulation: released (its results were already read)');
    expect(() => sim.results()).toThrow('released');
    expect(() => sim.status()).toThrow('released');
    expect(() => sim.observe()).toThrow('released');
    expect(() => sim.drainPasses()).toThrow('released');
    expect(() => sim.drainTraffic()).toThrow('released');
    expect(() => sim.scale(null, 2)).toThrow('released');
    sim.release(); // twice is harmless
  });
});
