// Engine behaviour pinned to Dynamo's current replay engine (ai-dynamo/dynamo,
// aisimulate/crates/engine): how a decode step is priced, which requests it covers, when the
// waiting queue is admitted and when MTP bursts take their KV. Every expected time is derived
// here from the polynomial model (perf_model.rs: prefill over batch × new tokens, decode over the
// KV utilisation capped at 1, floored at 1 ms) and the reference's rounding of each duration to
// whole nanoseconds; speedup 1, so a duration's ns is its ms × 1e6 rounded.
import { describe, expect, it } from 'vitest';
import type { NativePerfConfig } from '../../src/perf/native-types.js';
import { RequestStatus } from '../../src/core/results.js';
import { sglangEngine, simulate, start, workload } from './build.js';

const prefillMs = (tokens: number) => 4.209989e-7 * tokens * tokens + 1.518344e-2 * tokens + 16.50142;
// aisimulate/crates/engine/src/common/perf_model.rs, polynomial_decode_time: utilisation capped at 1.
const decodeMs = (activeKv: number, totalKv: number) => {
  const p = Math.min(1, activeKv / totalKv);
  return Math.max(1, -25.74 * p * p + 54.01 * p + 5.74);
};
const nsOf = (ms: number) => Math.round(ms * 1e6);
/** A sum of durations (ms), each rounded to ns as the engine does, back in ms. */
const at = (...durationsMs: number[]) => durationsMs.reduce((t, d) => t + nsOf(d), 0) / 1e6;

describe('vLLM decode steps are priced from the logical context sum (scheduler/vllm/core.rs, emit_ready_tokens)', () => {
  it('two requests sharing their prompt blocks count the shared KV once per sequence', () => {
    // B = 4, 50 blocks (200 tokens). Both 8-token prompts are [1, 2]: the second reuses the first
    // block (the last prompt block is recomputed for logits) and its second block dedupes onto the
    // first request's, so 2 blocks are held — but each sequence reads its whole context.
    const w = workload(
      [
        [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
        [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
      ],
      4,
    );
    const q = simulate(w, { engine: { blockSize: 4, numGpuBlocks: 50 } }).requests;
    expect(Array.from(q.reusedTokens)).toEqual([0, 4]);
    // Prefill: batch 2, mean isl 8, mean prefix 2 -> 2 × 6 = 12 new tokens. Decode passes read
    // 16, 18, then 20 tokens of 200 (not the 8, 16, 16 tokens of the blocks held).
    const first = at(prefillMs(12), decodeMs(16, 200));
    const second = first + at(decodeMs(18, 200));
    const third = second + at(decodeMs(20, 200));
    expect(Array.from(q.firstTokenMs)).toEqual([first, first]);
    expect(Array.from(q.secondTokenMs)).toEqual([second, second]);
    expect(Array.from(q.lastTokenMs)).toEqual([third, third]);
    expect(first).toBe(26.579746); // 16.683682 + 9.896064 ms
  });

  it('past the pool the polynomial reads full utilisation (perf_model.rs, polynomial_decode_time)', () => {
    // B = 4, 8 blocks (32 tokens); four 12-token prompts [1, 2, 3] share 3 blocks, but their
    // contexts sum to 48 and then 52 tokens: utilisation 1, 34.01 ms a step (p = 1.5 uncapped would
    // give 28.84 ms; the 3 blocks held, 22.37 ms).
    const w = workload([0, 1, 2, 3].map(() => [{ isl: 12, osl: 2, ids: [1, 2, 3], at: 0 }]), 4);
    const q = simulate(w, { engine: { blockSize: 4, numGpuBlocks: 8 } }).requests;
    expect(Array.from(q.reusedTokens)).toEqual([0, 8, 8, 8]);
    // Prefill: batch 4, mean isl 12, mean prefix 6 -> 24 new tokens.
    const first = at(prefillMs(24), decodeMs(48, 32));
    expect(decodeMs(48, 32)).toBeCloseTo(34.01, 12);
    expect(Array.from(q.firstTokenMs)).toEqual([first, first, first, first]);
    expect(Array.from(q.lastTokenMs)).toEqual(Array(4).fill(first + at(34.01)));
  });

  it('TRT-LLM shares the core and prices the same way', () => {
    const w = workload(
      [
        [{ isl: 8, osl: 2, ids: [1, 2], at: 0 }],
        [{ isl: 8, osl: 2, ids: [1, 2], at: 0 }],
      ],
      4,
    );
    const q = simulate(w, { engine: { kind: 'trtllm', blockSize: 4, numGpuBlocks: 50 } }).requests;
    // TRT-LLM reuses the whole cached prompt: the second request prefills nothing.
    expect(Array.from(q.reusedTokens)).toEqual([0, 8]);
    const first = at(prefillMs(8), decodeMs(16, 200));
    expect(Array.from(q.firstTokenMs)).toEqual([first, first]);
    expect(Array.from(q.lastTokenMs)).toEqual([first + at(decodeMs(18, 200)), first + at(decodeMs(18, 200))]);
  });
});

describe('requests already at their output limit leave the decode batch (scheduler/vllm/core.rs, emit_ready_tokens)', () => {
  it('a zero-output request prefilled alongside ends without a token and is not priced in the step', () => {
    // B = 4, 64 blocks (256 tokens). Z asks for no output: it completes after its prefill; the
    // decode step covers A alone (8 tokens), not 16.
    const w = workload(
      [
        [{ isl: 8, osl: 2, ids: [1, 2], at: 0 }],
        [{ isl: 8, osl: 0, ids: [3, 4], at: 0 }],
      ],
      4,
    );
    const q = simulate(w, { engine: { blockSize: 4, numGpuBlocks: 64 } }).requests;
    expect(q.firstTokenMs[0]).toBe(at(prefillMs(16), decodeMs(8, 256)));
    expect(q.outputTokens[1]).toBe(0);
    expect(q.status[0]).toBe(RequestStatus.Completed);
  });

  it('a pass whose only fully computed request is at its limit takes no decode time', () => {
    const sim = start(workload([[{ isl: 8, osl: 0, ids: [3, 4], at: 0 }]], 4), { engine: { blockSize: 4, numGpuBlocks: 64 } });
    sim.runUntil(0);
    const pass = sim.observe().decode.passes[0]!.pass;
    expect(pass.wallTimeSecs).toBeCloseTo(nsOf(prefillMs(8)) / 1e9, 15);
    // Terminal after scheduling: a prefill, and no decode in the snapshot (compute_fpm).
    expect(pass.numPrefillRequests).toBe(1);
    expect(pass.numDecodeRequests).toBe(0);
  });
});

describe('the waiting queue is admitted past an exhausted token budget (scheduler/vllm/core.rs, execute_pass_internal)', () => {
  it('TRT-LLM admits a fully cached prompt in the pass whose budget the first prompt used up', () => {
    // Budget 8: A's 8-token prompt uses it all. The admission loop goes on (it stops only when a
    // request scheduled no tokens with the budget at 0): B's prompt is A's, wholly cached (TRT-LLM
    // applies no recompute rule), so it needs no tokens, is admitted and emits with A.
    const w = workload(
      [
        [{ isl: 8, osl: 4, ids: [1, 2], at: 0 }],
        [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
      ],
      4,
    );
    const q = simulate(w, { engine: { kind: 'trtllm', blockSize: 4, numGpuBlocks: 40, maxNumBatchedTokens: 8 } }).requests;
    expect(Array.from(q.firstAdmitMs)).toEqual([0, 0]);
    expect(Array.from(q.reusedTokens)).toEqual([0, 8]);
    // One prefill of A's 8 tokens; one decode step over both (16 of 160 tokens).
    const first = at(prefillMs(8), decodeMs(16, 160));
    expect(Array.from(q.firstTokenMs)).toEqual([first, first]);
    expect(first).toBe(27.506514);
  });

  it('a vLLM prompt that needs tokens still waits for budget, and is not admitted meanwhile', () => {
    // A's 8-token prompt uses the budget; B's (same blocks) must recompute its last block, so it
    // is admitted at the next pass, with A decoding (budget 8 - 1 = 7 >= 4).
    const w = workload(
      [
        [{ isl: 8, osl: 4, ids: [1, 2], at: 0 }],
        [{ isl: 8, osl: 3, ids: [1, 2], at: 0 }],
      ],
      4,
    );
    const q = simulate(w, { engine: { blockSize: 4, numGpuBlocks: 40, maxNumBatchedTokens: 8 } }).requests;
    const firstA = at(prefillMs(8), decodeMs(8, 160));
    expect(q.firstTokenMs[0]).toBe(firstA);
    expect(q.firstAdmitMs[1]).toBe(firstA);
    expect(q.reusedTokens[1]).toBe(4);
  });
});

describe('MTP reserves burst blocks at emission, outside the decode KV (scheduler/vllm/core.rs, emit_speculative_ready_tokens)', () => {
  it('the reservation covers min(nextn + 1, tokens left), so a request finishing in a full pool is not preempted', () => {
    // B = 8, 2 blocks (16 tokens); nextn 2, every draft accepted (bursts of 3). A: 12-token
    // prompt (2 blocks), 4 output tokens. Pass 1 reserves ceil(15/8) - ceil(12/8) = 0 blocks and
    // emits 3 tokens. Pass 2 has one token left and reserves ceil(16/8) - ceil(15/8) = 0 blocks;
    // room for nextn = 2 tokens ahead (17) would need a third block and preempt A. Each step reads
    // the logical context, 12 then 15 tokens of 16, not the blocks held or reserved.
    const w = workload([[{ isl: 12, osl: 4, ids: [1, 2], at: 0 }]], 8);
    const sim = start(w, { engine: { blockSize: 8, numGpuBlocks: 2, nextn: 2, acceptRates: [1, 1] } });
    expect(sim.runUntil(10_000)).toBe(true);
    const r = sim.results();
    const q = r.requests;
    const first = at(prefillMs(12), decodeMs(12, 16));
    expect(q.firstTokenMs[0]).toBe(first);
    expect(q.lastTokenMs[0]).toBe(first + at(decodeMs(15, 16)));
    expect(q.outputTokens[0]).toBe(4);
    expect(r.forwardPasses).toBe(2);
  });
});

describe('SGLang decode steps hand the model the logical context sum as is (scheduler/sglang/decode.rs, simulate_decode_step_with_sampler)', () => {
  // A profile whose decode step is 1 ms + 1 ms per 100 tokens of active KV, extrapolated past its
  // grid, whatever the context length (the reference's interpolated model extrapolates too).
  const linear: NativePerfConfig = {
    kind: 'profile',
    prefillTokens: Float64Array.of(0, 1000),
    prefillMs: Float64Array.of(0, 1000),
    decodeKvTokens: Float64Array.of(0, 1000),
    decodeContext: Float64Array.of(0, 1e9),
    decodeItlMs: Float64Array.of(1, 1, 11, 11),
  };

  it('two requests sharing prompt pages: a step over more context than the pool holds is priced at that sum', () => {
    // Pages of 16, 16 pages (256 tokens). B repeats A's 160-token prompt: it extends one page and
    // shares nine. Once both decode, their contexts sum past 256 tokens.
    const prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const w = workload(
      [
        [{ isl: 160, osl: 40, ids: prompt, at: 0 }],
        [{ isl: 160, osl: 10, ids: prompt, at: 220 }],
      ],
      16,
    );
    const engine = sglangEngine({ blockSize: 16, numGpuBlocks: 16, perf: linear });
    const full = simulate(w, { engine });
    expect(Array.from(full.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    const sim = start(w, { engine });
    sim.runUntil(full.requests.secondTokenMs[1]! - 1e-6); // B's first full decode step is in flight
    const pass = sim.observe().decode.passes[0]!.pass;
    expect(pass.numDecodeRequests).toBe(2);
    const context = pass.sumDecodeKvTokens;
    expect(context).toBeGreaterThan(256);
    expect(pass.wallTimeSecs * 1e3).toBeCloseTo(1 + context / 100, 9);
  });
});
