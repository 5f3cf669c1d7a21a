// Decode runs under logical-context pricing: every pass of a run grows the priced context sum by
// the batch size, so no two passes of a run need cost the same, and a shared prefix held once
// counts once per sequence (scheduler/vllm/core.rs, emit_ready_tokens; scheduler/sglang/decode.rs,
// simulate_decode_step_with_sampler). Each scenario runs pass by pass and in runs and must give
// identical results and tick observations (see equivalence.ts): shared prefixes under load, sums
// past the pool (the polynomial's cap), zero-output requests leaving the batch, and prompts
// admitted with no token budget left.
import { describe, it } from 'vitest';
import type { NativePerfConfig } from '../../src/perf/native-types.js';
import type { Workload } from '../../src/core/workload.js';
import { sglangEngine, workload, type Turn } from './build.js';
import { agg, expectSame, lcg } from './equivalence.js';

/**
 * Sessions over a few long shared prefixes, arriving faster than the workers drain them: most
 * prompts reuse a prefix that the batch's other sequences hold too. `zeroOutput` is the share of
 * turns that ask for no output.
 */
function sharedUnderLoad(opts: { sessions: number; seed: number; spanMs: number; groups: number; prefixBlocks: number; bs: number; zeroOutput?: number }): Workload {
  const rand = lcg(opts.seed);
  const sessions: Turn[][] = [];
  let fresh = 50_000;
  for (let s = 0; s < opts.sessions; s++) {
    const group = Math.floor(rand() * opts.groups);
    const prefix = Array.from({ length: opts.prefixBlocks }, (_, i) => 1000 * (group + 1) + i);
    const turns: Turn[] = [];
    const n = 1 + Math.floor(rand() * 2);
    for (let t = 0; t < n; t++) {
      const extra = Math.floor(rand() * 3);
      const ids = [...prefix, ...Array.from({ length: extra }, () => fresh++)];
      const isl = (ids.length - 1) * opts.bs + 1 + Math.floor(rand() * opts.bs);
      const osl = rand() < (opts.zeroOutput ?? 0) ? 0 : 2 + Math.floor(rand() * 250);
      turns.push({ isl, osl, ids, at: rand() * opts.spanMs, delay: rand() < 0.3 ? 0 : rand() * 100 });
    }
    sessions.push(turns);
  }
  sessions.sort((a, b) => a[0]!.at! - b[0]!.at!);
  return workload(sessions, opts.bs);
}

describe('decode runs price the growing logical context exactly', () => {
  const w = sharedUnderLoad({ sessions: 300, seed: 91, spanMs: 4_000, groups: 3, prefixBlocks: 20, bs: 64 });

  it('vLLM and TRT-LLM, shared prefixes under load, round robin and kv_router, planner pauses', () => {
    for (const kind of ['vllm', 'trtllm'] as const) {
      expectSame(agg({ numWorkers: 3, engine: { kind } }), w, { every: 250 }, 0.2);
      expectSame(agg({ numWorkers: 3, engine: { kind }, router: { mode: 'kv_router', queueThreshold: 1 } }), w, {}, 0.2);
    }
  });

  it('SGLang, shared prefixes under load', () => {
    expectSame(agg({ numWorkers: 3, engine: sglangEngine({ blockSize: 16 }) }), w, { every: 250 }, 0.1);
  });

  it('context sums past the pool (utilisation capped at 1) while the shared blocks fit', () => {
    // 1,600-token prefixes shared by dozens of sequences in a 2,560-token pool: the sums run far
    // past the pool, the blocks held do not.
    const dense = sharedUnderLoad({ sessions: 200, seed: 92, spanMs: 2_000, groups: 2, prefixBlocks: 25, bs: 64 });
    expectSame(agg({ numWorkers: 2, engine: { numGpuBlocks: 40, maxNumSeqs: 64 } }), dense, { every: 200 }, 0.1);
    expectSame(agg({ numWorkers: 2, engine: { kind: 'trtllm', numGpuBlocks: 60, maxNumSeqs: 64 } }), dense, {}, 0.05);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ blockSize: 16, numGpuBlocks: 300, maxNumSeqs: 64 }) }), dense, {}, 0.05);
  });

  it('a profile model extrapolating past its grid', () => {
    const profile: NativePerfConfig = {
      kind: 'profile',
      prefillTokens: Float64Array.of(0, 4096, 16384),
      prefillMs: Float64Array.of(5, 120, 900),
      decodeKvTokens: Float64Array.of(0, 10_000, 40_000),
      decodeContext: Float64Array.of(0, 2000),
      decodeItlMs: Float64Array.of(4, 5, 9, 10, 30, 34),
    };
    expectSame(agg({ numWorkers: 2, engine: { perf: profile } }), w, { every: 300 }, 0.1);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ blockSize: 16, perf: profile }) }), w, {}, 0.1);
  });

  it('zero-output turns end without joining the step; tight budgets admit transfer-free prompts with no budget left', () => {
    const mixed = sharedUnderLoad({ sessions: 250, seed: 93, spanMs: 3_000, groups: 2, prefixBlocks: 6, bs: 32, zeroOutput: 0.15 });
    for (const kind of ['vllm', 'trtllm'] as const) {
      // TRT-LLM reuses whole cached prompts, so repeats need no budget at all.
      expectSame(agg({ numWorkers: 2, engine: { kind, blockSize: 32, maxNumBatchedTokens: 256 } }), mixed, { every: 150 }, 0.1);
    }
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ blockSize: 16 }) }), mixed, {}, 0.1);
  });
});
