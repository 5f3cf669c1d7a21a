// Disaggregated hand-off, TRT-LLM admission, DP routing and planner actuation in the core.
import { describe, expect, it } from 'vitest';
import { RequestStatus } from '../../src/core/results.js';
import { simulate, start, startDisagg, startScalable, workload } from './build.js';

const parityEngine = { blockSize: 4, numGpuBlocks: 32, speedupRatio: 1000, decodeSpeedupRatio: 1000 };
const parity = () =>
  workload(
    [
      [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
      [{ isl: 8, osl: 2, ids: [1, 3], at: 0.5 }],
    ],
    4,
  );

describe('disaggregated replay', () => {
  it('reproduces the reference fixture: decode admitted at prefill end, first token one decode step later', () => {
    const sim = startDisagg(parity(), { prefill: { engine: parityEngine }, decode: { engine: parityEngine } });
    sim.runUntil(Infinity);
    const r = sim.results();
    const h = r.requests.handoff!;
    // Prefill of 8 tokens = 16,623 ns; no decode step on the prefill worker; zero transfer.
    expect(h.sourceHeldMs[0]).toBe(0.016623);
    expect(h.decodeAdmitMs[0]).toBe(0.016623);
    // Decode at 2/32 of KV = 9 ns.
    expect(r.requests.firstTokenMs[0]).toBe(0.016632);
    expect(Array.from(r.requests.outputTokens)).toEqual([3, 2]);
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    expect(Array.from(h.prefillWorkerIdx)).toEqual([0, 0]);
    expect(Array.from(r.requests.workerIdx)).toEqual([0, 0]);
    // Prefix reuse is the prefill side's: the second request's first block.
    expect(Array.from(r.requests.reusedTokens)).toEqual([0, 4]);
    expect(r.prefillWorkerSeconds).toBeGreaterThan(0);
    expect(r.decodeWorkerSeconds).toBe(r.prefillWorkerSeconds);
  });

  it('delays the decode side by tokens × bytes per token / bandwidth', () => {
    // 8 tokens × 1e6 bytes at 1 GB/s = 8 ms = 8,000,000 ns.
    const sim = startDisagg(parity(), {
      prefill: { engine: parityEngine },
      decode: { engine: parityEngine },
      kvBytesPerToken: 1e6,
      kvTransferGbps: 1,
    });
    sim.runUntil(Infinity);
    const h = sim.results().requests.handoff!;
    expect(h.destinationReservedMs[0]).toBe(0.016623);
    expect(h.destinationActivatedMs[0]).toBeCloseTo(0.016623 + 8, 9);
    expect(h.decodeAdmitMs[0]).toBeCloseTo(0.016623 + 8, 9);
  });

  it('moves only the blocks the destination lacks in destination_missing mode', () => {
    // The second request shares its first 4-token block with the first, already on the decode
    // worker, so only 4 of its 8 tokens travel: 4 ms instead of 8.
    const sim = startDisagg(parity(), {
      prefill: { engine: parityEngine },
      decode: { engine: parityEngine },
      kvBytesPerToken: 1e6,
      kvTransferGbps: 1,
      kvTransferTiming: 'destination_missing',
    });
    sim.runUntil(Infinity);
    const h = sim.results().requests.handoff!;
    expect(h.destinationActivatedMs[0]! - h.destinationReservedMs[0]!).toBeCloseTo(8, 9);
    expect(h.destinationActivatedMs[1]! - h.destinationReservedMs[1]!).toBeCloseTo(4, 9);
  });
});

describe('TRT-LLM guaranteed no-evict', () => {
  it('never preempts under memory pressure: it admits only what it can finish', () => {
    // 6 blocks of 4 tokens; each request needs ceil((8 + 12) / 4) = 5 blocks to finish, so the
    // second waits for the first instead of both running and one being evicted.
    const sessions = [
      [{ isl: 8, osl: 12, ids: [1, 2], at: 0 }],
      [{ isl: 8, osl: 12, ids: [3, 4], at: 0 }],
    ];
    const r = simulate(workload(sessions, 4), { engine: { kind: 'trtllm', blockSize: 4, numGpuBlocks: 6 } });
    const q = r.requests;
    expect(Array.from(q.outputTokens)).toEqual([12, 12]);
    // Admitted once each, the second only after the first finished (vLLM would run both and preempt).
    expect(q.firstAdmitMs[1]).toBe(q.lastTokenMs[0]);
  });

  it('caps the output so the whole sequence fits the pool', () => {
    const sessions = [[{ isl: 16, osl: 100, ids: [1, 2, 3, 4], at: 0 }]];
    const r = simulate(workload(sessions, 4), { engine: { kind: 'trtllm', blockSize: 4, numGpuBlocks: 6 } });
    expect(r.requests.outputTokens[0]).toBe(24 - 16);
  });
});

describe('attention data parallelism', () => {
  it('the KV router spreads two requests over ranks 0 and 1 of one worker', () => {
    const sessions = [
      [{ isl: 64, osl: 3, ids: [1], at: 0 }],
      [{ isl: 64, osl: 3, ids: [2], at: 0 }],
    ];
    const sim = start(workload(sessions, 64), { engine: { dpSize: 2 }, router: { mode: 'kv_router' } });
    sim.runUntil(0);
    const passes = sim.observe().decode.passes;
    expect(passes.map((p) => [p.workerId, p.dpRank])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    sim.runUntil(Infinity);
    const r = sim.results();
    // Both ranks step together: identical token times.
    expect(r.requests.firstTokenMs[0]).toBe(r.requests.firstTokenMs[1]);
  });
});

describe('planner actuation', () => {
  const steady = () =>
    workload(
      Array.from({ length: 40 }, (_, i) => [{ isl: 256, osl: 20, ids: [4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4], at: i * 50 }]),
      64,
    );

  it('a scaled-up worker takes requests only after its startup time, and worker-seconds count it from the decision', () => {
    const sim = startScalable(steady(), { numWorkers: 1, startupTimeS: 0.5 });
    sim.runUntil(100);
    sim.scale(null, 2);
    let obs = sim.observe().decode;
    expect(obs.active).toBe(1);
    expect(obs.total).toBe(2);
    sim.runUntil(600);
    obs = sim.observe().decode;
    expect(obs.active).toBe(2);
    expect(obs.activeIds).toEqual([0, 1]);
    sim.runUntil(Infinity);
    const r = sim.results();
    const placed = Array.from(r.requests.workerIdx);
    const arrivals = Array.from(r.requests.arrivalMs);
    // Nothing reaches worker 1 before it is ready at 600 ms; something does after.
    expect(placed.some((w, i) => w === 1 && arrivals[i]! < 600)).toBe(false);
    expect(placed.filter((w) => w === 1).length).toBeGreaterThan(0);
    // 1 worker for the first 100 ms, 2 from then on.
    expect(r.decodeWorkerSeconds).toBeCloseTo((2 * r.endTimeMs - 100) / 1000, 6);
  });

  it('scaling down drains the highest id: it takes no new requests but finishes its own', () => {
    const sim = startScalable(steady(), { numWorkers: 2 });
    sim.runUntil(200);
    sim.scale(null, 1);
    const obs = sim.observe().decode;
    expect(obs.active).toBe(1);
    sim.runUntil(Infinity);
    const r = sim.results();
    const placed = Array.from(r.requests.workerIdx);
    const arrivals = Array.from(r.requests.arrivalMs);
    expect(placed.some((w, i) => w === 1 && arrivals[i]! > 200)).toBe(false);
    expect(Array.from(r.requests.status).every((s) => s === RequestStatus.Completed)).toBe(true);
    expect(sim.observe().decode.total).toBe(1);
  });
});

describe('worker-seconds past int64 nanoseconds', () => {
  it('10,000 workers over 90 years accrue 10,000 × 90 years (int64 ns overflowed at 9.2e18, UB the fuzzer found)', () => {
    const years90Ms = 90 * 365.25 * 86400 * 1000;
    const w = workload([[{ isl: 8, osl: 2, ids: [1, 2], at: 0 }], [{ isl: 8, osl: 2, ids: [3, 4], at: years90Ms }]], 4);
    const sim = startScalable(w, { numWorkers: 10_000 });
    sim.runUntil(Infinity);
    const r = sim.results();
    const endS = r.endTimeMs / 1000;
    expect(endS).toBeGreaterThan(years90Ms / 1000);
    expect(r.decodeWorkerSeconds / (10_000 * endS)).toBeCloseTo(1, 9);
  });
});
