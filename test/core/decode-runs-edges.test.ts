// Adversarial edge cases for decode runs (plain decode passes priced and completed in bulk). Each
// scenario is built so that something lands exactly on a pass boundary inside a run — an arrival,
// a rejection and its zero-delay follow-up, a KV hand-off, a worker becoming ready, a planner
// pause, the end of simulated time — or so that passes tie at equal nanoseconds (identical
// workers fed identical requests, passes of 0 or 1 ns). Every scenario runs pass by pass
// (`decodeRuns: false`) and with runs; results (all but decodeRunPasses) and, when the scenario
// pauses, every tick's status, traffic window and observation must be identical, and the bulk run
// must really have completed passes in bulk.
//
// Pass boundaries are found from pass-by-pass runs: token timestamps come back in ms with ns
// precision, and `tokenAt` gives the instant of a request's n-th token (a run with its output cut
// there), a pass end of its worker. Decode passes lengthen as the batch's context grows, so
// firstToken + k × (secondToken − firstToken) only approximates pass ends (used where any instant
// will do). Where it matters, `settledAt` confirms an instant: a pass-by-pass run stopped by
// max_sim_time reports the last instant it settled, i.e. the last event (pass end) before the stop.
import { describe, expect, it } from 'vitest';
import type { NativeSimConfig, NativeSimulation } from '../../src/core/native.js';
import { pool, workload, type PoolOpts, type Turn } from './build.js';
import { agg, boundaryTimes, disagg, expectSame, ids, ms, ns, run, settledAt, stepped, tokenAt } from './equivalence.js';

describe('decode runs: edge cases stay identical to stepping every pass', () => {
  it('identical workers fed identical requests at the same instants (ties at equal ns), paused on every token instant', () => {
    // Four identical workers, each getting the same multi-turn session at the same time: all
    // workers' passes end at the same nanoseconds, so completion events of runs (pushed early)
    // and of ordinary passes (pushed at their start) tie on (time, kind, planned time) and only
    // the insertion order separates them; follow-up turns (zero delay) arrive exactly on those
    // ties and round robin hands them to workers that are mid-run.
    const turns = (s: number): Turn[] => [
      { isl: 300, osl: 150, ids: ids(300, 64, 1000 + 100 * s), at: 0 },
      { isl: 400, osl: 90, ids: ids(400, 64, 1000 + 100 * s), delay: 0 },
      { isl: 500, osl: 40, ids: ids(500, 64, 1000 + 100 * s), delay: 0 },
    ];
    const w = workload([0, 1, 2, 3, 4, 5, 6, 7].map((s) => turns(s)), 64);
    for (const router of [{ mode: 'round_robin' as const }, { mode: 'kv_router' as const, queueThreshold: 0.01 }]) {
      const config = agg({ numWorkers: 4, router });
      const times = boundaryTimes(stepped(config, w), 20);
      expectSame(config, w, { ticks: times.map(ms) });
    }
  });

  it('planner pauses on pass ends, inside runs and one ns either side, with scaling', () => {
    // A tick exactly on a pass end inside a run must see that pass completed and the next one
    // planned (its events at the limit have run); one ns earlier, the pass is still in flight.
    const w = workload(
      [0, 1, 2, 3, 4, 5].map((s) => [
        { isl: 200 + 37 * s, osl: 120 + 11 * s, ids: ids(200 + 37 * s, 64, 2000 + 100 * s), at: 3 * s },
        { isl: 90, osl: 60, ids: ids(90, 64, 2050 + 100 * s), delay: 5 },
      ]),
      64,
    );
    const config = agg({ numWorkers: 3, startupTimeS: 0.01 });
    const times = boundaryTimes(stepped(config, w), 30).map(ms);
    const scale = (k: number): [number | null, number | null] | null => (k === 40 ? [null, 5] : k === 90 ? [null, 2] : k === 150 ? [null, 4] : null);
    expectSame(config, w, { ticks: times, scale });
  });

  it('repeated and backward runUntil limits, and two scale calls at one instant', () => {
    // After a scale the drain may start runs at the paused instant; a runUntil to the same (or an
    // earlier) limit must interrupt them without moving the clock.
    const w = workload(
      [0, 1, 2, 3].map((s) => [{ isl: 150, osl: 200, ids: ids(150, 64, 3000 + 100 * s), at: 2 * s }]),
      64,
    );
    const config = agg({ numWorkers: 2 });
    const times = boundaryTimes(stepped(config, w), 10).map(ms);
    const after = (sim: NativeSimulation, k: number) => {
      if (k % 7 === 3) {
        sim.scale(null, 3);
        sim.scale(null, 2);
        sim.runUntil(sim.status().nowMs);
        sim.runUntil(sim.status().nowMs - 1e-6);
      }
    };
    expectSame(config, w, { ticks: times, after });
  });

  it('max_sim_time exactly on a pass end, and one ns either side', () => {
    // The stop must complete the passes ending at or before it (bulk ones included), leave the
    // one in flight planned, and stop the clock at the last instant stepping would have settled.
    const w = workload(
      [0, 1, 2].map((s) => [{ isl: 130 + 64 * s, osl: 180, ids: ids(130 + 64 * s, 64, 4000 + 100 * s), at: s }]),
      64,
    );
    const base = agg({ numWorkers: 2 });
    const r = stepped(base, w);
    const f = ns(r.requests.firstTokenMs[0]!), d = ns(r.requests.secondTokenMs[0]!) - f;
    // Instants where stepping settles (pass ends), spread over the decode phase.
    const ends = [3, 5, 17, 40, 90, 150, 178].map((k) => settledAt(base, w, f + k * d));
    expect(new Set(ends).size).toBeGreaterThanOrEqual(5);
    for (const end of ends) {
      for (const stop of [end - 1, end, end + 1]) {
        const res = expectSame(agg({ numWorkers: 2 }, ms(stop)), w).stepped.results;
        expect(ns(res.endTimeMs)).toBe(stop === end - 1 ? settledAt(base, w, stop) : end);
      }
    }
  });

  it('a rejection on another worker at a pass boundary, its zero-delay follow-up routed to the running worker', () => {
    // Worker 0 decodes a long request in runs. At an instant where one of its passes ends, a
    // request over max_model_len reaches worker 1 and is rejected by a zero-duration pass after
    // the workers were driven; the session's next turn (delay 0) arrives in the same instant and
    // round robin sends it to worker 0, whose next pass has already begun. Also the mirror image
    // (the rejecting worker has the lower id) and the instants just before and after.
    const probeConfig = agg({ numWorkers: 2, engine: { maxModelLen: 1000 } });
    const probeW = workload([[{ isl: 641, osl: 200, ids: ids(641, 64, 5000), at: 0 }]], 64);
    const [f, s, p3] = [1, 2, 4].map((n) => tokenAt(probeConfig, probeW, 0, n));
    for (const at of [f!, s!, p3!, p3! - 1, p3! + 1]) {
      const rejected = (s: number): Turn[] => [
        { isl: 1000, osl: 10, ids: ids(1000, 64, 6000 + s), at: ms(at) },
        { isl: 64, osl: 50, ids: ids(64, 64, 6100 + s), delay: 0 },
      ];
      const long = { isl: 641, osl: 200, ids: ids(641, 64, 5000), at: 0 };
      const config = agg({ numWorkers: 2, engine: { maxModelLen: 1000 } });
      // r0 -> w0 (long), r1 -> w1 (rejected), follow-up -> w0.
      const a = workload([[long], rejected(0)], 64);
      if (at === p3) expect(settledAt(config, workload([[long]], 64), at)).toBe(at); // w0's pass ends there
      const ra = expectSame(config, a).stepped.results;
      expect([...ra.requests.status]).toEqual([1, 2, 1]);
      expect([...ra.requests.workerIdx]).toEqual([0, 1, 0]);
      expect(ns(ra.requests.arrivalMs[2]!)).toBe(at);
      // filler -> w0, long -> w1, rejected -> w0, follow-up -> w1.
      const filler = { isl: 64, osl: 1, ids: ids(64, 64, 7000), at: 0 };
      const rb = expectSame(config, workload([[filler], [long], rejected(1)], 64)).stepped.results;
      expect([...rb.requests.status]).toEqual([1, 1, 2, 1]);
      expect([...rb.requests.workerIdx]).toEqual([0, 1, 0, 1]);
    }
  });

  it('output limits and max_model_len ending exactly at a block (run) boundary', () => {
    // A run stops before the pass that emits a request's last token, before a pass that needs a
    // new block, and before max_model_len; lengths here put those limits on, just before and
    // just after block boundaries (block size 16), alone and combined.
    const sessions: Turn[][] = [];
    let s = 0;
    for (const isl of [15, 16, 17, 31, 32, 33]) {
      for (const osl of [1, 2, 3, 15, 16, 17, 18, 33, 48, 49]) {
        sessions.push([{ isl, osl, ids: ids(isl, 16, 8000 + 10 * s), at: (s % 7) * 0.5 }]);
        s++;
      }
    }
    sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
    const w = workload(sessions, 16);
    expectSame(agg({ numWorkers: 3, engine: { blockSize: 16 } }), w);
    for (const maxModelLen of [32, 33, 48, 49, 64]) expectSame(agg({ numWorkers: 3, engine: { blockSize: 16, maxModelLen } }), w);
  });

  it('token budget equal to the running batch, one below it, and one above', () => {
    // Runs need every running request to fit one token in the budget: at budget == batch they
    // run, at batch - 1 they must not (and stepping rotates who waits).
    const w = workload(
      [0, 1, 2, 3, 4].map((s) => [{ isl: 40 + s, osl: 60 + 7 * s, ids: ids(40 + s, 16, 9000 + 10 * s), at: 0 }]),
      16,
    );
    for (const maxNumBatchedTokens of [4, 5, 6]) {
      const config = agg({ numWorkers: 1, engine: { blockSize: 16, maxNumBatchedTokens } });
      expectSame(config, w);
    }
  });

  it('TRT-LLM admission, prefix caching off, FIFO preemption in a tight pool', () => {
    const sessions: Turn[][] = [];
    for (let s = 0; s < 24; s++) {
      const isl = 20 + ((s * 37) % 90);
      sessions.push([
        { isl, osl: 5 + ((s * 53) % 70), ids: ids(isl, 16, 10000 + 10 * (s % 5), [1, 2]), at: s * 2 },
        { isl: isl + 16, osl: 9, ids: ids(isl + 16, 16, 10000 + 10 * (s % 5), [1, 2]), delay: 0 },
      ]);
    }
    const w = workload(sessions, 16);
    const tight = { blockSize: 16, numGpuBlocks: 24 };
    expectSame(agg({ numWorkers: 2, engine: { ...tight, kind: 'trtllm' } }), w);
    expectSame(agg({ numWorkers: 2, engine: { ...tight, enablePrefixCaching: false } }), w);
    expectSame(agg({ numWorkers: 2, engine: { ...tight, preemptionMode: 'fifo', maxNumSeqs: 3 } }), w);
  });

  it('huge speedup: passes of 0, 1 and 2 ns, paused on fine grids', () => {
    // With speedupRatio 1.5e7 the polynomial model gives 0 ns decode steps on an almost empty
    // pool and 1–2 ns ones as it fills: zero-duration passes end "at once" (another settling
    // round at the same instant), runs stop before a zero pass, and every ns is a pass end. Ticks
    // every 3 and every 7 ns pause at most instants on a pass end, with a few passes completed in
    // bulk in between.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 6; s++)
      sessions.push([
        { isl: 100 + 20 * s, osl: 120, ids: ids(100 + 20 * s, 16, 11000 + 20 * s), at: ms(s) },
        { isl: 40, osl: 30, ids: ids(40, 16, 11500 + 20 * s), delay: 0 },
      ]);
    const w = workload(sessions, 16);
    const config = agg({ numWorkers: 2, engine: { blockSize: 16, numGpuBlocks: 96, speedupRatio: 1.5e7 } });
    const r = stepped(config, w);
    const end = Math.max(...[...r.requests.lastTokenMs].map(ns));
    for (const step of [3, 7]) expectSame(config, w, { ticks: Array.from({ length: Math.ceil(end / step) + 1 }, (_, i) => ms(step * (i + 1))) });
    expectSame(config, w);
  });

  it('concurrency-limited workload: a session starts the instant another ends', () => {
    const sessions: Turn[][] = [];
    for (let s = 0; s < 12; s++) sessions.push([{ isl: 64 + 8 * s, osl: 30 + 13 * s, ids: ids(64 + 8 * s, 64, 12000 + 10 * s), at: 0 }]);
    const w = { ...workload(sessions, 64), concurrency: 3 };
    const config = agg({ numWorkers: 2 });
    const times = boundaryTimes(stepped(config, w), 5).map(ms);
    expectSame(config, w, { ticks: times });
  });

  it('startup: a worker becomes ready exactly on a pass end; scale-down drains a worker mid-run', () => {
    // kv_router with a queue: the WorkerReady event (mark candidate, release the router queue)
    // lands at an instant where the running workers' passes end, while they are mid-run. Startup
    // is 5 ms; the scale-up tick is 5 ms before a pass end. Later the pool shrinks to one worker
    // while the workers are inside runs: the drained ones finish their requests and leave.
    const w = workload(
      [0, 1, 2, 3, 4, 5, 6, 7].map((s) => [{ isl: 700 + 64 * s, osl: 150, ids: ids(700 + 64 * s, 64, 13000 + 100 * s), at: s * 0.25 }]),
      64,
    );
    const base: PoolOpts = { numWorkers: 2, startupTimeS: 0.005, router: { mode: 'kv_router', queueThreshold: 0.05 } };
    const end = ns(stepped(agg(base), w).endTimeMs);
    // Instants in the decode phase (every prefill done) at which stepping settles: pass ends.
    for (const frac of [0.4, 0.55, 0.7]) {
      const ready = settledAt(agg(base), w, Math.round(frac * end));
      const up = ms(ready - 5_000_000);
      const down = ms(ready + 30_000_000);
      const ticks = [up, ms(ready - 1), ms(ready), down, down + 1e-6, down + 50];
      const scale = (tick: number): [number | null, number | null] | null => (tick === 0 ? [null, 3] : tick === 3 ? [null, 1] : null);
      const { ticks: seen } = expectSame(agg(base), w, { ticks, scale }).stepped;
      // The new worker became routable exactly at `ready` (tick 2), not a ns before (tick 1).
      const active = seen.map((t) => (t.observation as { decode: { active: number } }).decode.active);
      expect(active.slice(0, 3)).toEqual([2, 2, 3]);
    }
  });

  it('runs capped at 1024 passes follow each other with no ordinary pass between; ticks at the seams', () => {
    // Block size 2048: request 1 holds room for ~2028 decode steps, so a run stops at the
    // 1024-pass cap and the next one starts at once (no pass is planned in between). Ticks fall
    // on the seam, a ns either side, inside the second run and around its block-room end.
    const w = workload([[{ isl: 10, osl: 3000, ids: [1], at: 0 }], [{ isl: 20, osl: 2500, ids: [2], at: 0.5 }]], 2048);
    const config = agg({ numWorkers: 1, engine: { blockSize: 2048 } });
    // The first run starts as request 1's first token is out; k passes later its token k + 1.
    const end = (k: number) => tokenAt(config, w, 1, k + 1);
    expect(settledAt(config, w, end(2000))).toBe(end(2000)); // a pass end indeed
    const ticks = [1024, 1025, 1500, 2000, 2027, 2028, 2029].map(end).flatMap((t) => [t - 1, t, t + 1]).map(ms);
    const { results } = expectSame(config, w, { ticks }).stepped;
    expect(results.forwardPasses).toBeGreaterThanOrEqual(3000);
    expect(run(config, w, true).results.decodeRunPasses).toBeGreaterThan(2048);
  });
});

describe('decode runs: worker-seconds past 2^53 worker-ns', () => {
  // Past 2^53 ns (~104 worker-days) a double no longer holds every integer; runs move the clock
  // in fewer, larger steps than stepping, so worker-ns must not be summed in one. Here the second
  // session starts after 1e7 s.
  const w = workload(
    [
      [{ isl: 100, osl: 5, ids: ids(100, 64, 1), at: 0 }],
      [{ isl: 100, osl: 400, ids: ids(100, 64, 50), at: 1e10 }],
      [{ isl: 300, osl: 300, ids: ids(300, 64, 80), at: 1e10 + 1 }],
    ],
    64,
  );
  const config = agg({ numWorkers: 3 });

  it('the worker-ns do pass 2^53', () => {
    const a = run(config, w, false).results;
    expect(a.decodeWorkerSeconds * 1e9).toBeGreaterThan(2 ** 53);
  });

  it('all results are identical, decodeWorkerSeconds included', () => {
    expectSame(config, w);
  });
});

describe('decode runs: disaggregated hand-offs at pass boundaries', () => {
  // Prefill is instantaneous (speedup 1e9), so a request's hand-off happens at its arrival; with
  // 1 byte per token at 1 GB/s a transfer takes as many ns as it moves tokens.
  it('a KV transfer lands, or a zero-delay hand-off arrives, exactly as a decode pass ends', () => {
    const long = { isl: 641, osl: 300, ids: ids(641, 64, 20000), at: 0 };
    for (const k of [2, 5]) {
      const passEnd = tokenAt(disagg({ numWorkers: 2 }), workload([[long]], 64), 0, k + 1);
      for (const dt of [-1, 0, 1]) {
        const land = passEnd + dt;
        // r0 (long) -> decode 0, r1 -> decode 1, r2 -> decode 0 landing at `land`.
        const filler = { isl: 64, osl: 3, ids: ids(64, 64, 21000), at: ms(1) };
        const withDelay = workload([[long], [filler], [{ isl: 200, osl: 20, ids: ids(200, 64, 22000), at: ms(land - 200) }]], 64);
        const r = expectSame(disagg({ numWorkers: 2 }), withDelay).stepped.results;
        // The geometry: r2 lands on decode worker 0 at `land`; exactly on a pass end it is
        // admitted at once, otherwise at the end of the pass in flight.
        expect([...r.requests.workerIdx]).toEqual([0, 1, 0]);
        expect(ns(r.requests.handoff!.destinationActivatedMs[2]!)).toBe(land);
        const admit = ns(r.requests.handoff!.decodeAdmitMs[2]!);
        if (dt === 0) expect(admit).toBe(land);
        else expect(admit).toBeGreaterThan(land);
        const instant = workload([[long], [filler], [{ isl: 200, osl: 20, ids: ids(200, 64, 22000), at: ms(land) }]], 64);
        expectSame(disagg({ numWorkers: 2 }, {}, { kvBytesPerToken: 0 }), instant);
        // Sharing the long prompt: destination_missing moves no tokens, the hand-off is immediate.
        const shared = workload([[long], [filler], [{ isl: 641, osl: 20, ids: long.ids, at: ms(land) }]], 64);
        expectSame(disagg({ numWorkers: 2 }, {}, { kvTransferTiming: 'destination_missing' }), shared);
      }
    }
  });

  it('reservations wait for decode KV and retry when a decode worker frees blocks', () => {
    const sessions: Turn[][] = [];
    // 10–16 prompt blocks per request into 80-block decode workers: hand-offs wait for KV, and
    // their retries interrupt the target's run whether or not the reservation then succeeds.
    for (let s = 0; s < 16; s++) sessions.push([{ isl: 160 + 32 * (s % 4), osl: 20 + 9 * s, ids: ids(160 + 32 * (s % 4), 16, 23000 + 20 * s), at: 2 * s }]);
    const w = workload(sessions, 16);
    const config = disagg({ numWorkers: 2, engine: { blockSize: 16, numGpuBlocks: 80 } });
    config.prefill = pool({ engine: { blockSize: 16, speedupRatio: 1e9 } });
    const { results: r } = expectSame(config, w).stepped;
    // Some reservations did wait for decode KV (reserved after the source held the request).
    const h = r.requests.handoff!;
    expect([...h.sourceHeldMs].filter((t, i) => h.destinationReservedMs[i]! > t).length).toBeGreaterThan(3);
    const times = boundaryTimes(r, 5).map(ms);
    expectSame(config, w, { ticks: times, scale: (k) => (k === 10 ? [2, 3] : k === 30 ? [1, 2] : null) });
  });

  it('decode kv_router queue released at pass ends (and by a decode worker becoming ready) to workers mid-run', () => {
    // Threshold 0: a decode target is busy while any request routed to it has not produced its
    // first token (reservation, transfer, admission), so hand-offs queue in the decode router and
    // are released when a decode pass ends with a first token or a finish — at an instant where
    // the other decode worker's passes may end inside a run. Slow transfers (8 ns per token)
    // keep targets busy; shared prefixes steer placements.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 20; s++) {
      const isl = 64 * (2 + (s % 5));
      sessions.push([
        { isl, osl: 30 + ((s * 41) % 120), ids: ids(isl, 64, 24000 + 100 * s, s % 3 === 0 ? [7, 8] : []), at: 1.5 * s },
        { isl: isl + 64, osl: 25, ids: ids(isl + 64, 64, 24000 + 100 * s, s % 3 === 0 ? [7, 8] : []), delay: s % 2 ? 0 : 3 },
      ]);
    }
    const w = workload(sessions, 64);
    const config = disagg(
      { numWorkers: 2, startupTimeS: 0.02, router: { mode: 'kv_router', queueThreshold: 0 } },
      {},
      { kvBytesPerToken: 8, kvTransferTiming: 'destination_missing' },
    );
    const { results: r } = expectSame(config, w).stepped;
    // Some hand-offs did wait in the decode router's queue (reserved after the source held them).
    const h = r.requests.handoff!;
    const queued = [...h.sourceHeldMs].filter((t, i) => h.destinationReservedMs[i]! > t).length;
    expect(queued).toBeGreaterThan(3);
    const times = boundaryTimes(r, 3).map(ms);
    expectSame(config, w, { ticks: times, scale: (k) => (k === 15 ? [null, 3] : k === 60 ? [null, 2] : null) });
  });

  // A decode worker's zero-duration pass, driven after a lower-id worker whose run has a pass
  // ending at that very instant, finishes a request; the decode router then releases a queued
  // request to the lower-id worker. Stepping drove that worker first (its pass ended at this
  // instant), so the request waits one pass: the interrupt must know where the drive stands.
  //
  // Decode worker 0 (A) decodes r0 in 1 ns passes (speedup 1.25e7, KV ~12% full); worker 1 (Z)
  // gets r_Z (1 block, 1 output token), whose decode step rounds to 0 ns. r_X (in transfer to A)
  // and r_Z keep both decode targets "busy" for the kv_router (threshold 0), so r_Q, sharing
  // r0's prompt, queues; when Z finishes r_Z at T = 5411 ns it is released to A (its prompt is
  // cached there), needs no transfer (destination_missing) and is activated at once.
  describe('queued decode request released to a worker mid-run by a zero-duration pass at a pass end', () => {
    const r0ids = Array.from({ length: 32 }, (_, i) => 100 + i);
    const r0: Turn = { isl: 512, osl: 600, ids: r0ids, at: 0 };
    const rX: Turn = { isl: 512 + 160, osl: 5, ids: [...r0ids, ...Array.from({ length: 10 }, (_, i) => 200 + i)], at: ms(5200) };
    const rZ: Turn = { isl: 16, osl: 1, ids: [300], at: ms(5251) };
    const rQ: Turn = { isl: 512, osl: 5, ids: r0ids, at: ms(5260) };
    const w = workload([[r0], [rX], [rZ], [rQ]], 16);
    const config: NativeSimConfig = {
      disaggregated: true,
      prefill: pool({ engine: { blockSize: 16, speedupRatio: 1e9 } }),
      decode: pool({
        numWorkers: 2,
        engine: { blockSize: 16, numGpuBlocks: 512, speedupRatio: 1.25e7 },
        router: { mode: 'kv_router', queueThreshold: 0, seed: 1 },
      }),
      kvBytesPerToken: 10,
      kvTransferGbps: 1,
      kvTransferTiming: 'destination_missing',
      maxSimTimeMs: Infinity,
    };

    it('the scenario is what it claims (pass by pass)', () => {
      const r = stepped(config, w);
      // r0, r_X, r_Q on decode worker 0, r_Z on worker 1; r_Z lands, runs and ends at 5411 ns.
      expect([...r.requests.workerIdx]).toEqual([0, 0, 1, 0]);
      expect(ns(r.requests.handoff!.destinationActivatedMs[2]!)).toBe(5411);
      expect(ns(r.requests.lastTokenMs[2]!)).toBe(5411);
      // A pass of worker 0 ends at T (without r_Z and r_Q, its timeline to T is the same and
      // stepping settles at T), so r_Q waits for the next one.
      expect(settledAt(config, workload([[r0], [rX]], 16), 5411)).toBe(5411);
      expect(ns(r.requests.handoff!.destinationActivatedMs[3]!)).toBe(5411);
      expect(ns(r.requests.handoff!.decodeAdmitMs[3]!)).toBe(5412);
      expect(run(config, w, true).results.decodeRunPasses).toBeGreaterThan(0);
    });

    it('runs give the same results as stepping', () => {
      const b = run(config, w, true).results;
      expect(ns(b.requests.handoff!.decodeAdmitMs[3]!)).toBe(5412);
      expectSame(config, w);
    });
  });
});
