// Property-based tests (issue 11): random valid workloads and engine configurations, checked for
// the core's invariants and equivalences. fast-check shrinks a failure to a small case and prints
// its seed, so a finding is reproducible.
//   - decode runs are exact: results, tick observations and pass logs equal pass-by-pass stepping;
//   - conservation: every request completes with exactly its output length, its milestones in
//     order (arrival ≤ admission ≤ first ≤ second ≤ last token), reuse within its prompt, a valid
//     worker; worker-seconds are the integral of the provisioned workers (workers × end time);
//   - one worker behind the KV router (no queue) serves exactly as one worker alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NativeEngineConfig } from '../../src/core/native.js';
import { RequestStatus } from '../../src/core/results.js';
import type { Workload } from '../../src/core/workload.js';
import { sglangEngine, workload, type Turn } from './build.js';
import { agg, run } from './equivalence.js';

const TRACE_BS = 64;

const turnArb = fc.record({
  isl: fc.integer({ min: 1, max: 2500 }),
  osl: fc.integer({ min: 1, max: 40 }),
  // A small id alphabet so prompts share prefixes.
  firstId: fc.integer({ min: 0, max: 6 }),
  at: fc.integer({ min: 0, max: 3000 }),
  delay: fc.integer({ min: 0, max: 200 }),
});
const workloadArb = fc.array(fc.array(turnArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 14 }).map((sessions) => {
  const turns: Turn[][] = sessions.map((s) =>
    s.map((t) => ({ isl: t.isl, osl: t.osl, at: t.at, delay: t.delay, ids: Array.from({ length: Math.ceil(t.isl / TRACE_BS) }, (_, k) => t.firstId * 100 + k) })),
  );
  return { w: workload(turns, TRACE_BS), turns: turns.flat() };
});

const engineArb = fc.record({
  kind: fc.constantFrom('vllm', 'trtllm', 'sglang'),
  blockSize: fc.constantFrom(16, 32, 64),
  maxNumSeqs: fc.integer({ min: 1, max: 48 }),
  maxNumBatchedTokens: fc.integer({ min: 128, max: 8192 }),
  enablePrefixCaching: fc.boolean(),
  extraBlocks: fc.integer({ min: 0, max: 400 }),
  dpSize: fc.constantFrom(1, 1, 2),
});

/** An engine whose pool holds any one request whole (so none is rejected), with chunked prefill. */
function engineFor(e: fc.infer<typeof engineArb>, turns: Turn[]): Partial<NativeEngineConfig> {
  const longest = Math.max(...turns.map((t) => t.isl + t.osl));
  const blocks = Math.ceil(longest / e.blockSize) + 2 + e.extraBlocks;
  const base: Partial<NativeEngineConfig> = {
    blockSize: e.blockSize,
    numGpuBlocks: blocks,
    maxNumSeqs: e.maxNumSeqs,
    maxNumBatchedTokens: e.maxNumBatchedTokens,
    enablePrefixCaching: e.enablePrefixCaching,
    dpSize: e.kind === 'sglang' ? 1 : e.dpSize,
  };
  return e.kind === 'sglang' ? sglangEngine(base) : { ...base, kind: e.kind as 'vllm' | 'trtllm' };
}

function checkConservation(w: Workload, r: ReturnType<typeof run>['results'], workers: number): void {
  const q = r.requests;
  for (let i = 0; i < w.inputLength.length; i++) {
    expect(q.status[i], `request ${i} status`).toBe(RequestStatus.Completed);
    expect(q.outputTokens[i]).toBe(w.outputLength[i]);
    expect(q.arrivalMs[i]!).toBeLessThanOrEqual(q.firstAdmitMs[i]!);
    expect(q.firstAdmitMs[i]!).toBeLessThanOrEqual(q.firstTokenMs[i]!);
    if (w.outputLength[i]! > 1) {
      expect(q.firstTokenMs[i]!).toBeLessThanOrEqual(q.secondTokenMs[i]!);
      expect(q.secondTokenMs[i]!).toBeLessThanOrEqual(q.lastTokenMs[i]!);
    } else expect(q.lastTokenMs[i]).toBe(q.firstTokenMs[i]);
    expect(q.reusedTokens[i]!).toBeLessThanOrEqual(w.inputLength[i]!);
    expect(q.workerIdx[i]!).toBeGreaterThanOrEqual(0);
    expect(q.workerIdx[i]!).toBeLessThan(workers);
  }
  // No scaling: the provisioned workers are constant, so their integral is workers × the run's end.
  expect(r.decodeWorkerSeconds).toBeCloseTo((workers * r.endTimeMs) / 1000, 6);
}

const withoutRunCount = (r: ReturnType<typeof run>['results']) => {
  const { decodeRunPasses: _d, ...rest } = r;
  return rest;
};

describe('core properties over random workloads and engines', () => {
  it('decode runs equal pass-by-pass stepping, with planner-like pauses; every request is conserved', () => {
    fc.assert(
      fc.property(workloadArb, engineArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 50, max: 700 }), ({ w, turns }, e, workers, every) => {
        const config = agg({ engine: engineFor(e, turns), numWorkers: workers });
        const stepped = run(config, w, false, { every });
        const bulk = run(config, w, true, { every });
        expect(withoutRunCount(bulk.results)).toStrictEqual(withoutRunCount(stepped.results));
        expect(bulk.ticks).toStrictEqual(stepped.ticks);
        checkConservation(w, stepped.results, workers);
      }),
      { numRuns: 120, seed: 20261206 },
    );
  });

  it('one worker behind the KV router (queueing off) serves exactly as one worker alone', () => {
    fc.assert(
      fc.property(workloadArb, engineArb, ({ w, turns }, e) => {
        const engine = { ...engineFor(e, turns), dpSize: 1 };
        const alone = run(agg({ engine, numWorkers: 1 }), w, true).results;
        const routed = run(agg({ engine, numWorkers: 1, router: { mode: 'kv_router', queueThreshold: NaN } }), w, true).results;
        expect(routed).toStrictEqual(alone);
      }),
      { numRuns: 80, seed: 7 },
    );
  });
});
