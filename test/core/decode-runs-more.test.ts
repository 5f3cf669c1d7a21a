// More adversarial checks of decode runs, aimed at three recent additions:
//   (a) attention-DP workers run (every rank with work needs room, each pass lasts as long as the
//       slowest rank, idle ranks stay idle, any change to any rank interrupts the whole worker);
//   (b) SGLang runs (plain decode steps inside held pages, waiting and prebuilt queues empty, the
//       new-token ratio decaying once per pass);
//   (c) vLLM / TRT-LLM runs while requests wait behind a head that the next pass would neither
//       reject nor admit (KV gate, max_num_seqs, token budget).
// Every scenario runs pass by pass (`decodeRuns: false`) and with runs; results (all but
// decodeRunPasses) and, where the scenario pauses like a planner, every tick's status(),
// drainTraffic() and observe() must be identical, and the bulk run must really have completed
// passes in bulk. Ticks are mostly put on pass ends (token instants of a pass-by-pass run, one ns
// either side, and pass ends extrapolated from a request's first two tokens), where an interrupt
// must know whether the next pass has begun.
import { describe, expect, it } from 'vitest';
import type { NativeSimConfig, PoolObservation } from '../../src/core/native.js';
import type { SimResults } from '../../src/core/results.js';
import type { Workload } from '../../src/core/workload.js';
import { sglangEngine, workload, type Turn } from './build.js';
import { agg, boundaryTimes, disagg, expectSame, ids, lcg, ms, ns, passesSeen, run, settledAt, stepped, tokenAt, type Outcome } from './equivalence.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** Pass ends and neighbours of a pass-by-pass run as tick limits (ms). */
const boundaryTicks = (r: SimResults, extra = 4, cap = 400) => boundaryTimes(r, extra, cap).map(ms);

/** A pass that only decoded while requests waited behind it: what (c) lets a run do. */
const decodedWhileWaiting = (p: PoolObservation['passes'][number]) =>
  p.pass.numPrefillRequests === 0 && p.pass.numDecodeRequests > 0 && p.pass.numQueuedPrefill + p.pass.numQueuedDecode > 0;

// ---------------------------------------------------------------------------------------------

describe('(a) attention DP: decode runs stay identical to stepping', () => {
  it('ranks with different run room and different batches; a rank empties and idles while the other runs', () => {
    // Rank 0 carries three requests (slow passes), rank 1 one or two short ones, so each pass
    // lasts as long as rank 0's; their block boundaries (block 16) and output limits fall at
    // different passes, so the worker's room is set now by one rank, now by the other. Ranks
    // empty at different times and stay idle through later runs until a follow-up turn (delays
    // 0, 7 and 120 ms) lands on them. A second worker is added (and removed) mid-run.
    const sessions: Turn[][] = [
      [{ isl: 20, osl: 200, ids: ids(20, 16, 100), at: 0 }, { isl: 40, osl: 30, ids: ids(40, 16, 150), delay: 7 }],
      [{ isl: 31, osl: 60, ids: ids(31, 16, 200), at: 0 }, { isl: 50, osl: 45, ids: ids(50, 16, 250), delay: 0 }],
      [{ isl: 100, osl: 150, ids: ids(100, 16, 300), at: 0 }],
      [{ isl: 9, osl: 1, ids: ids(9, 16, 400), at: 0 }, { isl: 17, osl: 70, ids: ids(17, 16, 450), delay: 120 }],
      [{ isl: 300, osl: 120, ids: ids(300, 16, 500), at: 0 }],
      [{ isl: 47, osl: 33, ids: ids(47, 16, 600), at: 0 }],
    ];
    const w = workload(sessions, 16);
    for (const dpSize of [2, 3]) {
      const config = agg({ numWorkers: 1, engine: { dpSize, blockSize: 16 } });
      const ticks = boundaryTicks(stepped(config, w), 6);
      const scale = (k: number): [number | null, number | null] | null => (k === 30 ? [null, 2] : k === 90 ? [null, 1] : null);
      expectSame(config, w, { ticks, scale });
    }
  });

  it('a request reaches an idle rank exactly as a pass of the busy rank ends, and a ns either side', () => {
    // Rank 0 decodes a long request in runs; the second request (round robin: rank 1, idle since
    // the run began) arrives on one of its pass ends. Stepping has already applied that pass and,
    // since nothing had been driven yet at that instant, plans the next pass with the new request.
    const long: Turn = { isl: 641, osl: 300, ids: ids(641, 64, 1000), at: 0 };
    const config = agg({ numWorkers: 1, engine: { dpSize: 2 } });
    const probe = stepped(config, workload([[long]], 64));
    const f = ns(probe.requests.firstTokenMs[0]!), d = ns(probe.requests.secondTokenMs[0]!) - f;
    for (const k of [3, 10]) {
      const passEnd = tokenAt(config, workload([[long]], 64), 0, k + 1);
      expect(settledAt(config, workload([[long]], 64), passEnd)).toBe(passEnd); // a pass end indeed
      for (const dt of [-1, 0, 1]) {
        const at = passEnd + dt;
        const w = workload([[long], [{ isl: 200, osl: 40, ids: ids(200, 64, 2000), at: ms(at) }]], 64);
        const { stepped: s } = expectSame(config, w, { ticks: [ms(at - 1), ms(at), ms(at + 1), ms(at + d), ms(at + 5 * d)] });
        const admit = ns(s.results.requests.firstAdmitMs[1]!);
        // On the pass end it joins the pass that starts there; otherwise the next one.
        if (dt === 0) expect(admit).toBe(at);
        else expect(admit).toBeGreaterThan(at);
      }
    }
  });

  it('kv_router over ranks (targets are ranks), queueing, ticks on pass ends and scaling', () => {
    // The router places requests on individual ranks by their cached prefixes; a request for one
    // rank interrupts the whole worker. With queue threshold 0.3 requests may wait in the router
    // and be released when some rank's pass emits a first token, at instants where other workers
    // are mid-run. Scaling up (with startup time) and down at ticks.
    const rand = lcg(31);
    const sessions: Turn[][] = [];
    for (let s = 0; s < 28; s++) {
      const group = s % 4;
      const isl = 64 * (1 + Math.floor(rand() * 5)) + Math.floor(rand() * 64);
      const turns: Turn[] = [{ isl, osl: 20 + Math.floor(rand() * 150), ids: ids(isl, 64, 3000 + 50 * s, [10 * group + 1, 10 * group + 2]), at: rand() * 400 }];
      if (rand() < 0.5) turns.push({ isl: isl + 64, osl: 30, ids: ids(isl + 64, 64, 3000 + 50 * s, [10 * group + 1, 10 * group + 2]), delay: rand() < 0.5 ? 0 : 20 });
      sessions.push(turns);
    }
    sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
    const w = workload(sessions, 64);
    const config = agg({ numWorkers: 2, startupTimeS: 0.05, engine: { dpSize: 2 }, router: { mode: 'kv_router', queueThreshold: 0.3 } });
    const ticks = boundaryTicks(stepped(config, w), 4, 300);
    const scale = (k: number): [number | null, number | null] | null => (k === 40 ? [null, 3] : k === 150 ? [null, 1] : null);
    expectSame(config, w, { ticks, scale });
  });

  it('one rank runs while requests wait behind its KV gate, the other rank is free', () => {
    // A tight pool per rank (40 blocks of 16): rank 0's queue waits behind the gate while its
    // running requests decode in runs; rank 1 has room. Both vLLM and TRT-LLM.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 14; s++) {
      const isl = s % 2 === 0 ? 150 + 10 * s : 30;
      sessions.push([{ isl, osl: s % 2 === 0 ? 120 + 5 * s : 200, ids: ids(isl, 16, 4000 + 30 * s), at: 2 * s }]);
    }
    const w = workload(sessions, 16);
    for (const [kind, mode] of [['vllm', 'round_robin'], ['trtllm', 'round_robin'], ['vllm', 'kv_router']] as const) {
      const config = agg({ numWorkers: 1, engine: { kind, dpSize: 2, blockSize: 16, numGpuBlocks: 40 }, router: { mode, queueThreshold: NaN } });
      const ticks = boundaryTicks(stepped(config, w), 4, 300);
      const { stepped: s } = expectSame(config, w, { ticks });
      expect(passesSeen(s.ticks).some(decodedWhileWaiting)).toBe(true);
    }
  });

  it('disaggregated decode with DP ranks: reservations and transfers land on an idle rank mid-run', () => {
    // Decode worker with 2 ranks; prefill is instantaneous and a transfer takes one ns per token,
    // so hand-offs reserve on (and later activate on) a rank that was idle when the worker's run
    // began, at instants spread over the runs: the first lands exactly on a pass end, the others
    // (the batch has changed by then) wherever they fall.
    const long: Turn = { isl: 500, osl: 260, ids: ids(500, 64, 5000), at: 0 };
    const probe = stepped(disagg({ numWorkers: 1, engine: { dpSize: 2 } }), workload([[long]], 64));
    const f = ns(probe.requests.firstTokenMs[0]!), d = ns(probe.requests.secondTokenMs[0]!) - f;
    const fourth = tokenAt(disagg({ numWorkers: 1, engine: { dpSize: 2 } }), workload([[long]], 64), 0, 5);
    const sessions: Turn[][] = [[long]];
    for (let k = 0; k < 6; k++) {
      const isl = 100 + 37 * k;
      // Transfer time = isl ns: land on pass ends (k even) or just after (k odd); the first lands
      // exactly on the long request's fourth pass end after its first token.
      const land = k === 0 ? fourth : f + (4 + 9 * k) * d + (k % 2);
      sessions.push([{ isl, osl: 15 + 9 * k, ids: ids(isl, 64, 6000 + 100 * k), at: ms(land - isl) }]);
    }
    const w = workload(sessions, 64);
    expect(settledAt(disagg({ numWorkers: 1, engine: { dpSize: 2 } }), workload([[long]], 64), fourth)).toBe(fourth);
    for (const engine of [{ dpSize: 2 }, { dpSize: 3, kind: 'trtllm' as const }, sglangEngine({ dpSize: 2 })]) {
      const config = disagg({ numWorkers: 1, engine });
      const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 200) });
      if (engine.dpSize === 2 && !('kind' in engine)) expect(ns(s.results.requests.handoff!.destinationActivatedMs[1]!)).toBe(fourth);
    }
  });
});

describe('(b) SGLang: decode runs stay identical to stepping', () => {
  it('DP ranks: an idle rank keeps its new-token ratio while the other rank runs', () => {
    // Rank 0 decodes a long request in runs; rank 1 serves a short request, then idles for
    // hundreds of rank-0 passes. Then X and, 30 ms later, Y reach rank 1: Y's extend budget
    // reserves X's output (256 tokens, clipped) at rank 1's ratio. That ratio decayed only over
    // rank 1's own few passes (an idle rank plans nothing), so Y (950 tokens, in 80 pages) waits
    // over a second for it to decay further; had it decayed with rank 0's passes, Y would fit at once — as it does
    // with a lower starting ratio (conservativeness 1.3). Round robin alternates ranks: short
    // fillers keep the long requests on rank 0.
    for (const at of [150, 400]) {
      const w = workload(
        [
          [{ isl: 40, osl: 700, ids: ids(40, 16, 19000), at: 0 }],
          [{ isl: 30, osl: 5, ids: ids(30, 16, 19100), at: 0 }],
          [{ isl: 20, osl: 3, ids: ids(20, 16, 19200), at }],
          [{ isl: 50, osl: 400, ids: ids(50, 16, 19300), at }],
          [{ isl: 20, osl: 3, ids: ids(20, 16, 19400), at: at + 30 }],
          [{ isl: 950, osl: 20, ids: ids(950, 16, 19500), at: at + 30 }],
        ],
        16,
      );
      for (const scheduleConservativeness of [1.5, 1.3]) {
        const engine = sglangEngine({ dpSize: 2, blockSize: 16, numGpuBlocks: 80 }, { clipMaxNewTokens: 256, scheduleConservativeness });
        const config = agg({ numWorkers: 1, engine });
        const { stepped: s } = expectSame(config, w, { ticks: [at - 1, at, at + 1, at + 30, at + 31, at + 80] });
        const q = s.results.requests;
        expect([...q.status]).toEqual([1, 1, 1, 1, 1, 1]);
        expect([...q.workerIdx]).toEqual([0, 0, 0, 0, 0, 0]);
        const yAdmit = q.firstAdmitMs[5]! - (at + 30);
        if (scheduleConservativeness === 1.5) expect(yAdmit).toBeGreaterThan(1000);
        else expect(yAdmit).toBeLessThan(50);
      }
    }
  });

  it('retraction in a tight pool, with ticks on pass ends', () => {
    // 60 pages of 16 tokens: decode growth outruns the pool, the request with the fewest output
    // tokens is retracted and waits (as decode work) until it fits again; runs must stop while it
    // waits and resume once the queue is empty, with the new-token ratio reset and decayed the
    // same number of times.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 10; s++) sessions.push([{ isl: 40 + 23 * s, osl: 150 + 17 * s, ids: ids(40 + 23 * s, 16, 7000 + 50 * s), at: 3 * s }]);
    const w = workload(sessions, 16);
    const config = agg({ numWorkers: 1, startupTimeS: 0.02, engine: sglangEngine({ blockSize: 16, numGpuBlocks: 60 }, { clipMaxNewTokens: 64 }) });
    const ticks = boundaryTicks(stepped(config, w), 4, 400);
    const { stepped: s } = expectSame(config, w, { ticks });
    // The same with a second worker started (and later drained) at ticks inside runs.
    expectSame(config, w, { ticks, scale: (k) => (k === 50 ? [null, 2] : k === 200 ? [null, 1] : null) });
    // Retracted requests did wait (as decode work, with output already emitted).
    expect(passesSeen(s.ticks).some((p) => p.pass.numQueuedDecode > 0)).toBe(true);
  });

  it('the new-token ratio, decayed through runs, decides when a late arrival is admitted', () => {
    // The extend budget reserves min(remaining, clip) × ratio tokens per running request; the
    // ratio starts at 0.7 × conservativeness and decays once per pass, in a run once per bulk
    // pass. Three long requests decode (mostly in runs) until Y arrives; Y's prompt is sized so
    // that whether and when it fits depends on the exact ratio (a slightly lower starting ratio,
    // conservativeness 1.9 instead of 2, admits it seconds earlier).
    const base: Turn[][] = [0, 1, 2].map((s) => [{ isl: 50 + 10 * s, osl: 900, ids: ids(50 + 10 * s, 16, 8000 + 100 * s), at: 0 }]);
    const at = 230;
    let sensitive = 0;
    for (const isl of [700, 750, 800, 850]) {
      const w = workload([...base, [{ isl, osl: 20, ids: ids(isl, 16, 8500), at }]], 16);
      const admitted: number[] = [];
      for (const scheduleConservativeness of [2, 1.9]) {
        const config = agg({ numWorkers: 1, engine: sglangEngine({ blockSize: 16, numGpuBlocks: 190 }, { scheduleConservativeness, clipMaxNewTokens: 512 }) });
        const { stepped: s } = expectSame(config, w, { ticks: [at - 1, at, at + 0.5, at + 40, at + 2000] });
        admitted.push(s.results.requests.firstAdmitMs[3]!);
      }
      if (admitted[0]! - admitted[1]! > 100) sensitive++;
    }
    expect(sensitive).toBeGreaterThan(1);
  });

  it('LPM ordering and chunked prefills parked in the waiting queue', () => {
    // Small chunks (64 tokens) park long prompts at the head of the queue between passes, and
    // LPM reorders the waiting requests by cached prefix; runs may only start once both are gone.
    const rand = lcg(5);
    const sessions: Turn[][] = [];
    for (let s = 0; s < 16; s++) {
      const isl = 32 + Math.floor(rand() * 400);
      const shared = s % 3 === 0 ? [1, 2, 3] : s % 3 === 1 ? [1, 2] : [];
      sessions.push([
        { isl, osl: 10 + Math.floor(rand() * 120), ids: ids(isl, 16, 9000 + 40 * s, shared), at: rand() * 60 },
        { isl: isl + 20, osl: 25, ids: ids(isl + 20, 16, 9000 + 40 * s, shared), delay: rand() < 0.5 ? 0 : 10 },
      ]);
    }
    sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
    const w = workload(sessions, 16);
    for (const schedulePolicy of ['lpm', 'fifo'] as const) {
      const config = agg({ numWorkers: 2, engine: sglangEngine({ blockSize: 16, numGpuBlocks: 300 }, { schedulePolicy, chunkedPrefillSize: 64, maxPrefillTokens: 128 }) });
      expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 300) });
    }
  });

  it('disaggregated decode: transferred prompts wait in the prebuilt queue for a running slot', () => {
    // max_num_seqs 2 on the decode side: landed transfers queue as prebuilt requests while two
    // others decode, so no run may start until they are all admitted; some land on pass ends.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 8; s++) {
      const isl = 60 + 40 * s;
      sessions.push([{ isl, osl: 40 + 23 * s, ids: ids(isl, 16, 10000 + 50 * s), at: 0.4 * s }]);
    }
    const w = workload(sessions, 16);
    for (const decodeEngine of [sglangEngine({ blockSize: 16, maxNumSeqs: 2 }), sglangEngine({ blockSize: 16, maxNumSeqs: 3, dpSize: 2 })]) {
      const config = disagg({ numWorkers: 1, engine: decodeEngine }, { engine: sglangEngine({ blockSize: 16 }) });
      const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 4, 300) });
      // Transferred prompts did wait (queued decode work on the decode side).
      expect(passesSeen(s.ticks).some((p) => p.pass.numQueuedDecode > 0)).toBe(true);
    }
  });

  it('prefix caching off, tiny pages (4 tokens), and page size 1 (no run can fit)', () => {
    // With 4-token pages a run lasts at most 3 passes, and must stop short of the pass that fills a
    // page (it would enter the radix tree, or with caching off need a new page next). With
    // 1-token pages every pass needs a new page: nothing may run at all.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 8; s++) sessions.push([{ isl: 5 + 7 * s, osl: 30 + 11 * s, ids: ids(5 + 7 * s, 4, 11000 + 20 * s, s % 2 ? [1] : []), at: s }]);
    const w4 = workload(sessions, 4);
    for (const enablePrefixCaching of [true, false]) {
      const config = agg({ numWorkers: 2, engine: sglangEngine({ blockSize: 4, numGpuBlocks: 400, enablePrefixCaching }) });
      expectSame(config, w4, { ticks: boundaryTicks(stepped(config, w4), 3, 200) });
    }
    const w1 = workload(sessions.map(([t]) => [{ ...t!, ids: ids(t!.isl, 1, 12000 + t!.isl * 10) }]), 1);
    const one = agg({ numWorkers: 1, engine: sglangEngine({ blockSize: 1, numGpuBlocks: 2000 }) });
    const a = run(one, w1, false), b = run(one, w1, true);
    expect(b.results.decodeRunPasses).toBe(0);
    const { decodeRunPasses: _a, ...ar } = a.results;
    const { decodeRunPasses: _b, ...br } = b.results;
    expect(br).toStrictEqual(ar);
  });
});

describe('(c) vLLM / TRT-LLM: runs while requests wait stay identical to stepping', () => {
  it('the waiting head is a preempted request (recompute from scratch, its own old blocks cached)', () => {
    // A pool too small for every running request's growth: LIFO (and FIFO) preemption puts a
    // request back at the head with num_computed 0 and its output kept; it waits behind the KV
    // gate while the others decode in runs. Its prefix match may reach its own freed decode
    // blocks (private ids, still resident), which the gate does not charge.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 8; s++) sessions.push([{ isl: 30 + 21 * s, osl: 120 + 13 * s, ids: ids(30 + 21 * s, 16, 13000 + 50 * s), at: 2 * s }]);
    const w = workload(sessions, 16);
    for (const preemptionMode of ['lifo', 'fifo'] as const) {
      for (const enablePrefixCaching of [true, false]) {
        const config = agg({ numWorkers: 1, engine: { blockSize: 16, numGpuBlocks: 45, preemptionMode, enablePrefixCaching } });
        const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 4, 300) });
        // Preempted requests did wait (queued decode work in an aggregated pool = preempted).
        expect(passesSeen(s.ticks).some((p) => decodedWhileWaiting(p) && p.pass.numQueuedDecode > 0)).toBe(true);
      }
    }
  });

  it('disaggregated decode: the waiting head holds its transferred prompt (num_computed > 0)', () => {
    // The head's prompt blocks are already held (reserved for the transfer): the vLLM gate lets it
    // in unless the sequence cap is reached; TRT-LLM also charges the blocks every running request
    // may still need, so the head can wait behind the gate with its prompt in place.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 9; s++) {
      const isl = 50 + 30 * s;
      sessions.push([{ isl, osl: 60 + 29 * (s % 4), ids: ids(isl, 16, 14000 + 50 * s), at: 0.3 * s }]);
    }
    const w = workload(sessions, 16);
    const engines = [
      { blockSize: 16, maxNumSeqs: 2 },
      { blockSize: 16, kind: 'trtllm' as const, numGpuBlocks: 110 },
      { blockSize: 16, kind: 'trtllm' as const, numGpuBlocks: 130 },
      { blockSize: 16, kind: 'trtllm' as const, numGpuBlocks: 140, maxNumSeqs: 3, maxNumBatchedTokens: 3 },
    ];
    for (const engine of engines) {
      const config = disagg({ numWorkers: 1, engine }, { engine: { blockSize: 16, speedupRatio: 1e9 } });
      const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 4, 300) });
      expect(passesSeen(s.ticks).some((p) => decodedWhileWaiting(p) && p.pass.numQueuedDecode > 0)).toBe(true);
    }
  });

  it('TRT-LLM: the gate charges the blocks running requests still need, swept over pool sizes', () => {
    // The head waits until the running requests' remaining reservations shrink — which happens
    // only when one finishes, never within a run (a run holds its blocks and output limits).
    // Pool sizes around the point where the head just fits.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 6; s++) sessions.push([{ isl: 40 + 16 * s, osl: 90 + 30 * s, ids: ids(40 + 16 * s, 16, 15000 + 50 * s), at: s }]);
    const w = workload(sessions, 16);
    let waited = 0;
    for (const numGpuBlocks of [38, 39, 40, 41, 52, 53]) {
      const config = agg({ numWorkers: 1, engine: { kind: 'trtllm', blockSize: 16, numGpuBlocks } });
      const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 150) });
      if (passesSeen(s.ticks).some(decodedWhileWaiting)) waited++;
    }
    expect(waited).toBeGreaterThan(2);
  });

  it('sequence cap exactly reached, token budget equal to the running count, and one above', () => {
    // max_num_seqs = running count: the head waits on the cap. Budget = running count: every
    // running request gets its one token and the budget is spent, so the head waits on the
    // budget; budget + 1 lets the head in (no run while it fits the gate). With chunked prefill
    // off, an admitted head whose prompt exceeds the budget left is admitted but not scheduled.
    const sessions: Turn[][] = [];
    for (let s = 0; s < 7; s++) sessions.push([{ isl: 20 + 9 * s, osl: 70 + 11 * s, ids: ids(20 + 9 * s, 16, 16000 + 20 * s), at: 0.5 * s }]);
    const w = workload(sessions, 16);
    const variants = [
      { maxNumSeqs: 3 },
      { maxNumSeqs: 3, maxNumBatchedTokens: 3 },
      { maxNumSeqs: 4, maxNumBatchedTokens: 3 },
      { maxNumSeqs: 3, maxNumBatchedTokens: 4 },
      { maxNumSeqs: 4, maxNumBatchedTokens: 76, enableChunkedPrefill: false },
      { maxNumSeqs: 3, kind: 'trtllm' as const },
      // A head over max_model_len behind the cap: stepping leaves it waiting (the cap stops the
      // loop before it is looked at); a run must not start, as it would have to reject it.
      { maxNumSeqs: 3, maxModelLen: 60 },
    ];
    for (const v of variants) {
      const config = agg({ numWorkers: 1, engine: { blockSize: 16, ...v } });
      const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 200) });
      expect(passesSeen(s.ticks).some(decodedWhileWaiting)).toBe(true);
      if ('maxModelLen' in v) expect([...s.results.requests.status]).toContain(2); // turned away
    }
  });

  it("prefix caching: the head's cached prefix is held by running requests (not charged by the gate)", () => {
    // Every request shares a 6-block prefix that running requests keep active; the gate does not
    // charge the head for those blocks, so whether it fits depends on them staying held (and
    // the free count staying put) through the run. Pool sizes sweep the fit boundary.
    const shared = [1, 2, 3, 4, 5, 6];
    const sessions: Turn[][] = [];
    for (let s = 0; s < 7; s++) {
      const isl = 96 + 5 + 13 * s;
      sessions.push([{ isl, osl: 80 + 17 * s, ids: ids(isl, 16, 17000 + 20 * s, shared), at: 0.7 * s }]);
    }
    const w = workload(sessions, 16);
    let waited = 0;
    for (const numGpuBlocks of [24, 25, 26, 27, 30]) {
      for (const kind of ['vllm', 'trtllm'] as const) {
        const config = agg({ numWorkers: 1, engine: { kind, blockSize: 16, numGpuBlocks } });
        const { stepped: s } = expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 150) });
        if (passesSeen(s.ticks).some(decodedWhileWaiting)) waited++;
        expect(s.results.requests.reusedTokens.some((t) => t >= 96)).toBe(true);
      }
    }
    expect(waited).toBeGreaterThan(3);
  });

  it('planner ticks and scaling in the middle of runs with a blocked queue', () => {
    // Two tight workers with long queues; ticks on an odd grid and on pass ends; the pool grows
    // (the router then sends new arrivals to the new worker, never moving queued ones) and shrinks
    // (a draining worker keeps running with its queue).
    const rand = lcg(77);
    const sessions: Turn[][] = [];
    for (let s = 0; s < 30; s++) {
      const isl = 20 + Math.floor(rand() * 200);
      sessions.push([{ isl, osl: 30 + Math.floor(rand() * 200), ids: ids(isl, 16, 18000 + 30 * s), at: rand() * 300 }]);
    }
    sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
    const w = workload(sessions, 16);
    for (const kind of ['vllm', 'trtllm'] as const) {
      const config = agg({ numWorkers: 2, startupTimeS: 0.04, engine: { kind, blockSize: 16, numGpuBlocks: 50, maxNumSeqs: 4 } });
      const scale = (k: number): [number | null, number | null] | null => (k === 20 ? [null, 3] : k === 60 ? [null, 1] : k === 100 ? [null, 2] : null);
      const grid = Array.from({ length: 160 }, (_, i) => 13.7 * (i + 1));
      const { stepped: s } = expectSame(config, w, { ticks: grid, scale });
      expect(passesSeen(s.ticks).some(decodedWhileWaiting)).toBe(true);
      expectSame(config, w, { ticks: boundaryTicks(stepped(config, w), 3, 300), scale });
    }
  });
});

describe('randomized sweep over (a), (b) and (c)', () => {
  // Small random deployments: DP sizes 1–4, vLLM / TRT-LLM / SGLang, tight pools, sequence caps,
  // budgets, chunked prefill and prefix caching on or off, LPM, round robin or kv_router (with
  // queueing), some disaggregated; ticks on pass ends with scaling at two of them. A case that
  // dead-ends pass by pass (a tight pool can) must dead-end with runs too.
  function sweepCase(seed: number): NativeSimConfig & { w: Workload } {
    const rand = lcg(seed * 7919 + 13);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
    const bs = pick([4, 8, 16, 16, 32]);
    const kind = pick(['vllm', 'vllm', 'trtllm', 'sglang', 'sglang'] as const);
    const engine = {
      kind,
      blockSize: bs,
      dpSize: pick([1, 2, 2, 3, 4]),
      numGpuBlocks: pick([30, 60, 100, 200, 2000]),
      maxNumSeqs: pick([0, 2, 3, 5, 8, 256]),
      maxNumBatchedTokens: pick([0, 3, 6, 64, 256, 2048]),
      enablePrefixCaching: rand() < 0.7,
      enableChunkedPrefill: rand() < 0.7,
      preemptionMode: pick(['lifo', 'fifo'] as const),
      maxModelLen: pick([0, 0, 0, 300]),
      ...(kind === 'sglang'
        ? sglangEngine({}, { schedulePolicy: pick(['fifo', 'lpm'] as const), maxPrefillTokens: pick([64, 512, 16384]), chunkedPrefillSize: pick([32, 128, 8192]), clipMaxNewTokens: pick([64, 4096]), scheduleConservativeness: pick([0.3, 1, 2]) })
        : {}),
    };
    const router = { mode: pick(['round_robin', 'kv_router'] as const), queueThreshold: pick([NaN, 0, 0.5, 4]) };
    const sessions: Turn[][] = [];
    let next = 1000;
    const span = pick([50, 500, 3000]);
    for (let k = 0, n = 5 + Math.floor(rand() * 20); k < n; k++) {
      const group = Math.floor(rand() * 3);
      const turns: Turn[] = [];
      for (let t = 0, nt = 1 + Math.floor(rand() * 3); t < nt; t++) {
        const isl = 1 + Math.floor(rand() * pick([40, 200, 600]));
        const blockIds = Array.from({ length: Math.ceil(isl / bs) }, (_, i) => (i < 2 ? 10 * group + i + 1 : next++));
        turns.push({ isl, osl: 1 + Math.floor(rand() * pick([5, 60, 300])), ids: blockIds, at: rand() * span, delay: rand() < 0.4 ? 0 : rand() * 100 });
      }
      sessions.push(turns);
    }
    sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
    const w = workload(sessions, bs);
    const workers = 1 + Math.floor(rand() * 3);
    if (rand() < 0.3) {
      const prefillKind = kind === 'sglang' ? sglangEngine({ blockSize: bs }) : { kind: pick(['vllm', 'trtllm'] as const), blockSize: bs };
      return {
        ...disagg({ numWorkers: workers, engine, router, startupTimeS: pick([0, 0.05]) }, { numWorkers: 1, engine: { ...prefillKind, numGpuBlocks: 4000 } }, {
          kvBytesPerToken: pick([0, 1000, 131072]),
          kvTransferGbps: 25,
          kvTransferTiming: pick(['full_prompt', 'destination_missing'] as const),
        }),
        w,
      };
    }
    return { ...agg({ numWorkers: workers, engine, router, startupTimeS: pick([0, 0.05]) }), w };
  }

  it('120 random cases: identical results and ticks, most with runs', () => {
    let cases = 0, withRuns = 0;
    for (let seed = 0; seed < 150 && cases < 120; seed++) {
      const { w, ...config } = sweepCase(seed);
      let plain: SimResults;
      try {
        plain = stepped(config, w);
      } catch {
        expect(() => run(config, w, true)).toThrow(/dead end/);
        continue;
      }
      const ticks = boundaryTicks(plain, 3, 150);
      const k1 = Math.floor(ticks.length / 5);
      const scale = (k: number): [number | null, number | null] | null => (k === k1 ? [config.disaggregated ? 2 : null, 3] : k === 3 * k1 ? [config.disaggregated ? 1 : null, 1] : null);
      let a: Outcome, b: Outcome;
      try {
        a = run(config, w, false, { ticks, scale });
      } catch {
        expect(() => run(config, w, true, { ticks, scale })).toThrow(/dead end/);
        continue;
      }
      b = run(config, w, true, { ticks, scale });
      cases++;
      if (b.results.decodeRunPasses > 0) withRuns++;
      const { decodeRunPasses: _a, ...ar } = a.results;
      const { decodeRunPasses: _b, ...br } = b.results;
      expect(br, `seed ${seed}`).toStrictEqual(ar);
      expect(b.ended, `seed ${seed}`).toStrictEqual(a.ended);
      expect(b.ticks, `seed ${seed}`).toStrictEqual(a.ticks);
    }
    expect(cases).toBe(120);
    expect(withRuns).toBeGreaterThan(80);
  });
});

describe('max_sim_time with planner pauses', () => {
  // One request decodes in one long run (block size 2048 holds its whole sequence; ~6 ms a
  // pass, 800 output tokens) that reaches past max_sim_time (1 s). Pass by pass, runUntil(100 | 500 |
  // 900) pauses with the clock at the limit (the next pass ends before the stop). With runs the
  // next queued event is that run's end, past max_sim_time: run_until must still pause, because
  // the next pass end inside the run (what stepping would see next) comes before the stop.
  const w = workload([[{ isl: 100, osl: 800, ids: [1], at: 0 }]], 2048);
  const config = agg({ numWorkers: 1, engine: { blockSize: 2048 } }, 1000);
  const ticks = [100, 500, 900];

  it('the scenario: stepping pauses at every tick; final results agree', () => {
    const a = run(config, w, false, { ticks }), b = run(config, w, true, { ticks });
    expect(a.ended).toEqual([false, false, false]);
    expect(a.ticks.map((t) => (t.status as { nowMs: number }).nowMs)).toEqual(ticks);
    expect(b.results.decodeRunPasses).toBeGreaterThan(0);
    const { decodeRunPasses: _a, ...ar } = a.results;
    const { decodeRunPasses: _b, ...br } = b.results;
    expect(br).toStrictEqual(ar);
    expect(ar.endTimeMs).toBeLessThan(1000);
    expect(ar.endTimeMs).toBeGreaterThan(900);
  });

  it('runs pause at ticks before max_sim_time like stepping', () => {
    expectSame(config, w, { ticks });
  });
});
