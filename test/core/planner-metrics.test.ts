// Forward-pass snapshots and the traffic window, with the reference's collector examples.
import { describe, expect, it } from 'vitest';
import { start, workload } from './build.js';

describe('forward-pass snapshot', () => {
  it('reports the population variance of the prefill batch lengths (Welford example: 4.0)', () => {
    const lengths = [2, 4, 4, 4, 5, 5, 7, 9];
    const sim = start(workload(lengths.map((isl, i) => [{ isl, osl: 2, ids: [i + 1], at: 0 }]), 64));
    sim.runUntil(0);
    const [entry] = sim.observe().decode.passes;
    const pass = entry?.pass;
    expect(pass).toBeDefined();
    expect(pass!.numPrefillRequests).toBe(8);
    expect(pass!.varPrefillLength).toBeCloseTo(4.0, 12);
    expect(pass!.sumPrefillTokens).toBe(40);
    expect(pass!.numDecodeRequests).toBe(0);
    expect(pass!.wallTimeSecs).toBeGreaterThan(0);
    // Nothing new until the worker runs again.
    expect(sim.observe().decode.passes).toEqual([]);
  });

  it('reports queued prompts behind a full batch ([100, 200, 300] -> variance 6666.67)', () => {
    // max_num_seqs 1: the first request runs, the other three wait.
    const isl = [64, 100, 200, 300];
    const sim = start(workload(isl.map((n, i) => [{ isl: n, osl: 2, ids: [10 * i + 1, 10 * i + 2, 10 * i + 3, 10 * i + 4, 10 * i + 5], at: 0 }]), 64), {
      engine: { maxNumSeqs: 1 },
    });
    sim.runUntil(0);
    const pass = sim.observe().decode.passes[0]?.pass;
    expect(pass!.numPrefillRequests).toBe(1);
    expect(pass!.numQueuedPrefill).toBe(3);
    expect(pass!.sumQueuedPrefillTokens).toBe(600);
    expect(pass!.varQueuedPrefillLength).toBeCloseTo(20000 / 3, 6);
  });
});

describe('traffic window', () => {
  it('averages the router hit rate over admissions ((3/4, 0/12) -> 0.375) and resets on drain', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => 100 + i);
    const sim = start(
      workload(
        [
          [{ isl: 192, osl: 2, ids: [1, 2, 3], at: 0 }],
          [{ isl: 256, osl: 2, ids: [1, 2, 3, 4], at: 2000 }],
          [{ isl: 768, osl: 3, ids: fresh, at: 2000 }],
        ],
        64,
      ),
      { router: { mode: 'kv_router' } },
    );
    sim.runUntil(1000);
    const first = sim.drainTraffic();
    expect(first.durationS).toBe(1);
    expect(first.numReq).toBe(1);
    expect(first.completed).toBe(1);
    expect(first.avgIsl).toBe(192);
    expect(first.avgKvHitRate).toBe(0); // 0 of 3 blocks cached

    sim.runUntil(1999);
    const idle = sim.drainTraffic();
    expect(idle.durationS).toBeCloseTo(0.999, 12);
    expect(idle.numReq).toBe(0);
    expect(idle.kvHitCount).toBe(0);

    sim.runUntil(Infinity);
    const second = sim.drainTraffic();
    expect(second.numReq).toBe(2);
    expect(second.kvHitCount).toBe(2);
    expect(second.avgKvHitRate).toBe(0.375);
    expect(second.avgIsl).toBe((256 + 768) / 2);
    expect(second.avgOsl).toBe(2.5);
    // Without speculation every decode forward shows exactly one token.
    expect(second.avgAcceptLength).toBe(1);
  });
});

describe('what the idle-engine rule needs (LatestFpmBuffer: activate_worker, insert)', () => {
  it('each pass reports when it began, each active worker when it became ready', async () => {
    const { startScalable } = await import('./build.js');
    // One long request on worker 0; a second worker is added at 1 s with a 2 s start-up.
    const sim = startScalable(workload([[{ isl: 64, osl: 3000, ids: [1], at: 0 }]], 64), { numWorkers: 1, startupTimeS: 2 });
    sim.runUntil(1000);
    sim.observe();
    sim.scale(null, 2);
    sim.runUntil(2500);
    let seen = sim.observe().decode;
    expect(seen.activeIds).toEqual([0]);
    expect(seen.starting).toBe(1);
    expect(seen.activatedMs).toEqual([0]);
    sim.runUntil(4000);
    seen = sim.observe().decode;
    expect(seen.activeIds).toEqual([0, 1]);
    expect(seen.starting).toBe(0);
    expect(seen.activatedMs).toEqual([0, 3000]);
    // Worker 0's latest pass began at or before the tick and ends after it (it is in flight).
    const [p] = seen.passes;
    expect(p!.workerId).toBe(0);
    expect(p!.startMs).toBeLessThanOrEqual(4000);
    expect(p!.startMs + p!.pass.wallTimeSecs * 1000).toBeGreaterThan(4000);
  });
});
