// The reference's own scenarios (mocker_engine.md §11) and hand-computed cases for the core.
import { describe, expect, it } from 'vitest';
import { buildFlatReport } from '../../src/report/summary.js';
import { RequestStatus } from '../../src/core/results.js';
import { simulate, workload, type Turn } from './build.js';

// The reference's two-request parity fixture: 8-token prompts sharing their first 4-token block,
// outputs 3 and 2, arrivals 0 and 0.5 ms, polynomial model, B = 4, 32 blocks, speedup 1000 on
// both phases. Prefill of 8 new tokens = 16.62291 ms -> 16,623 ns after scaling; decode at 8/128
// of KV = 9.015 ms -> 9 ns. The fixture file (lib/mocker/src/replay/offline/parity/
// offline_replay.json) was recorded when decode read the blocks held (a 9-token sequence holds 3
// blocks: 12/128 -> 10.58 ms -> 11 ns, last tokens 0.016654 / 0.516582). The current engine
// prices the logical context sum (aisimulate/crates/engine/src/scheduler/vllm/core.rs,
// emit_ready_tokens: active_kv_tokens = total_length): 9/128 -> 9.410 ms -> 9 ns and 10/128 ->
// 9.802 ms -> 10 ns, so the last tokens land at 0.016651 / 0.516580.
const parity = () =>
  workload(
    [
      [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
      [{ isl: 8, osl: 2, ids: [1, 3], at: 0.5 }],
    ],
    4,
  );
const parityEngine = { blockSize: 4, numGpuBlocks: 32, speedupRatio: 1000, decodeSpeedupRatio: 1000 };

describe('parity fixture', () => {
  it('one worker with the KV router reproduces the reference timings and reuse', () => {
    const w = parity();
    const r = simulate(w, { engine: parityEngine, router: { mode: 'kv_router' } });
    const q = r.requests;
    expect(Array.from(q.firstTokenMs)).toEqual([0.016632, 0.516571]);
    expect(Array.from(q.lastTokenMs)).toEqual([0.016651, 0.51658]);
    expect(Array.from(q.reusedTokens)).toEqual([0, 4]);
    expect(r.ttft.max).toBeCloseTo(0.016632, 9);
    expect(r.ttft.min).toBeCloseTo(0.016571, 9);
    expect(r.itl.mean).toBeCloseTo((0.000009 + 0.00001 + 0.000009) / 3, 12);
    expect(r.itl.count).toBe(3);

    const report = buildFlatReport({ results: r, workload: w, wallTimeMs: 1, prefillGpusPerWorker: 1, decodeGpusPerWorker: 1 });
    expect(report.prefix_cache_reused_ratio).toBe(0.25);
    expect(report.duration_ms).toBeCloseTo(0.51658, 12);
    expect(report.request_throughput_rps).toBeCloseTo(2 / 0.51658e-3, 5); // 3871.617...
    expect(report.total_input_tokens).toBe(16);
    expect(report.total_output_tokens).toBe(5);
  });

  it('round robin over two workers gives the second request no reuse and the same TTFT as the first', () => {
    const r = simulate(parity(), { engine: parityEngine, numWorkers: 2 });
    expect(Array.from(r.requests.workerIdx)).toEqual([0, 1]);
    expect(r.requests.firstTokenMs[1]! - r.requests.arrivalMs[1]!).toBeCloseTo(0.016632, 9);
    expect(Array.from(r.requests.reusedTokens)).toEqual([0, 0]);
  });
});

describe('aggregated replay', () => {
  it('round robin dispatches five simultaneous requests over four workers as [0,1,2,3,0]', () => {
    const sessions = [0, 1, 2, 3, 4].map((i) => [{ isl: 64, osl: 2, ids: [100 + i], at: 0 }]);
    const r = simulate(workload(sessions, 64), { numWorkers: 4 });
    expect(Array.from(r.requests.workerIdx)).toEqual([0, 1, 2, 3, 0]);
  });

  it('a concurrency cap of 2 starts the third request when the first one finishes', () => {
    const sessions = [0, 1, 2].map((i) => [{ isl: 64, osl: 4 + i, ids: [i + 1] }]);
    const r = simulate(workload(sessions, 64, 2), { numWorkers: 1 });
    const q = r.requests;
    expect(q.arrivalMs[0]).toBe(0);
    expect(q.arrivalMs[1]).toBe(0);
    // Request 0 has the shorter output, so it finishes first and frees the slot.
    expect(q.arrivalMs[2]).toBe(q.lastTokenMs[0]);
    expect(q.firstAdmitMs[2]).toBe(q.arrivalMs[2]);
  });

  it('a follow-up turn arrives the delay after the previous turn finished', () => {
    const session: Turn[] = [
      { isl: 128, osl: 5, ids: [1, 2], at: 0 },
      { isl: 192, osl: 5, ids: [1, 2, 3], delay: 10 },
    ];
    const r = simulate(workload([session], 64));
    const q = r.requests;
    expect(q.arrivalMs[1]).toBeCloseTo(q.lastTokenMs[0]! + 10, 9);
    // The second turn's prompt starts with the first turn's prompt: two cached blocks.
    expect(q.reusedTokens[1]).toBe(128);
  });

  it('the KV router sends a repeated prefix back to the worker that served it', () => {
    const first = [0, 1, 2, 3].map((i) => [{ isl: 256, osl: 2, ids: [10 * i + 1, 10 * i + 2, 10 * i + 3, 10 * i + 4], at: 0 }]);
    // Long after the first wave has finished, each prefix comes back in reverse order.
    const repeat = [3, 2, 1, 0].map((i) => [{ isl: 320, osl: 2, ids: [10 * i + 1, 10 * i + 2, 10 * i + 3, 10 * i + 4, 999 - i], at: 2000 }]);
    const r = simulate(workload([...first, ...repeat], 64), { numWorkers: 4, router: { mode: 'kv_router' } });
    const worker = r.requests.workerIdx;
    expect(new Set(Array.from(worker.slice(0, 4))).size).toBe(4);
    for (const [k, i] of [3, 2, 1, 0].entries()) expect(worker[4 + k]).toBe(worker[i]);
    for (let k = 4; k < 8; k++) expect(r.requests.reusedTokens[k]).toBe(256);
  });

  it('rejects a prompt that can never fit the KV pool and counts it apart', () => {
    const sessions = [
      [{ isl: 64 * 9, osl: 2, ids: [1, 2, 3, 4, 5, 6, 7, 8, 9], at: 0 }],
      [{ isl: 64, osl: 2, ids: [20], at: 0 }],
    ];
    const r = simulate(workload(sessions, 64), { engine: { numGpuBlocks: 8 } });
    expect(r.requests.status[0]).toBe(RequestStatus.Rejected);
    expect(r.requests.status[1]).toBe(RequestStatus.Completed);
    expect(r.ttft.count).toBe(1);
  });

  it('rejects prompts at or above max_model_len', () => {
    const sessions = [[{ isl: 128, osl: 2, ids: [1, 2], at: 0 }], [{ isl: 127, osl: 2, ids: [3, 4], at: 0 }]];
    const r = simulate(workload(sessions, 64), { engine: { maxModelLen: 128 } });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Rejected, RequestStatus.Completed]);
  });

  it('preempts under KV pressure, recomputes, and still completes every request with all its tokens', () => {
    // 6 blocks of 4 tokens; two requests of 8 prompt tokens growing to 20 tokens cannot both fit.
    const sessions = [
      [{ isl: 8, osl: 12, ids: [1, 2], at: 0 }],
      [{ isl: 8, osl: 12, ids: [3, 4], at: 0 }],
    ];
    const r = simulate(workload(sessions, 4), { engine: { blockSize: 4, numGpuBlocks: 6 } });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    expect(Array.from(r.requests.outputTokens)).toEqual([12, 12]);
    // LIFO preemption: the later request is evicted and re-admitted, so it is admitted twice and
    // finishes after the first.
    expect(r.requests.lastTokenMs[1]!).toBeGreaterThan(r.requests.lastTokenMs[0]!);
  });
});

describe('router queue', () => {
  // Budget 8 and threshold 0.5: a worker is busy while more than 4 uncached prompt tokens are in
  // prefill, so one running prefill blocks the queue until its first token.
  const queued = (policy: 'fcfs' | 'lcfs') => {
    const sessions = [
      [{ isl: 16, osl: 2, ids: [1], at: 0 }],
      [{ isl: 30, osl: 2, ids: [2], at: 0.1 }],
      [{ isl: 40, osl: 2, ids: [3], at: 0.2 }],
    ];
    return simulate(workload(sessions, 64), {
      engine: { maxNumBatchedTokens: 8 },
      router: { mode: 'kv_router', queueThreshold: 0.5, queuePolicy: policy },
      numWorkers: 1,
    });
  };

  it('FCFS releases the queued requests in arrival order [30, 40]', () => {
    const q = queued('fcfs').requests;
    expect(q.firstAdmitMs[1]!).toBeLessThan(q.firstAdmitMs[2]!);
    // The first queued request is released exactly when the running one emits its first token.
    expect(q.firstAdmitMs[1]).toBe(q.firstTokenMs[0]);
  });

  it('LCFS releases them newest first [40, 30]', () => {
    const q = queued('lcfs').requests;
    expect(q.firstAdmitMs[2]!).toBeLessThan(q.firstAdmitMs[1]!);
    expect(q.firstAdmitMs[2]).toBe(q.firstTokenMs[0]);
  });
});

describe('determinism', () => {
  it('two identical KV-router runs give identical per-request arrays', () => {
    const sessions = Array.from({ length: 40 }, (_, i) => [{ isl: 256, osl: 8, ids: [i % 5, 100 + i, 200 + i, 300 + i], at: i * 3 }]);
    const a = simulate(workload(sessions, 64), { numWorkers: 3, router: { mode: 'kv_router' } });
    const b = simulate(workload(sessions, 64), { numWorkers: 3, router: { mode: 'kv_router' } });
    expect(Array.from(a.requests.workerIdx)).toEqual(Array.from(b.requests.workerIdx));
    expect(Array.from(a.requests.lastTokenMs)).toEqual(Array.from(b.requests.lastTokenMs));
  });
});

describe('more reference scenarios', () => {
  it('with one session slot, sessions are dispatched in trace order [64, 128, 192]', () => {
    const sessions = [64, 128, 192].map((isl, i) => [{ isl, osl: 3, ids: [1 + 10 * i, 2 + 10 * i, 3 + 10 * i] }]);
    const r = simulate(workload(sessions, 64, 1));
    const q = r.requests;
    expect(q.arrivalMs[0]).toBe(0);
    expect(q.arrivalMs[1]).toBe(q.lastTokenMs[0]);
    expect(q.arrivalMs[2]).toBe(q.lastTokenMs[1]);
  });

  it('a queued third request is admitted at the earliest first token of the two running ones', () => {
    // Budget 8, threshold 0.5: both workers are busy while they prefill their 64-token prompts.
    const sessions = [
      [{ isl: 64, osl: 4, ids: [1], at: 0 }],
      [{ isl: 64, osl: 4, ids: [2], at: 0 }],
      [{ isl: 64, osl: 4, ids: [3], at: 0.1 }],
    ];
    const r = simulate(workload(sessions, 64), {
      engine: { maxNumBatchedTokens: 8 },
      router: { mode: 'kv_router', queueThreshold: 0.5 },
      numWorkers: 2,
    });
    const q = r.requests;
    expect(q.firstAdmitMs[2]).toBe(Math.min(q.firstTokenMs[0]!, q.firstTokenMs[1]!));
  });

  it('a run cut by the simulated-time cap leaves in-flight requests incomplete and out of the statistics', () => {
    // Request 0 (3 tokens) finishes early; request 1 is still decoding its 1,000 tokens at the cap.
    const sessions = [
      [{ isl: 64, osl: 3, ids: [1], at: 0 }],
      [{ isl: 64, osl: 1000, ids: [2], at: 0 }],
    ];
    const r = simulate(workload(sessions, 64), { numWorkers: 2, maxSimTimeMs: 500 });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Incomplete]);
    expect(r.requests.outputTokens[1]!).toBeGreaterThan(10);
    // Only the completed request's two gaps are pooled.
    expect(r.itl.count).toBe(2);
    expect(r.ttft.count).toBe(1);
    expect(r.endTimeMs).toBeLessThanOrEqual(500);
  });
});
