// Decode runs (plain decode passes priced and completed in bulk) must not change any result: every
// scenario here runs twice, pass by pass (`decodeRuns: false`) and with runs, and everything the
// core reports — per-request timelines, distributions, pass counts, planner observations and
// traffic windows at each tick — must be identical. Each scenario also checks that runs actually
// happened, so a comparison cannot pass by never taking the bulk path.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSimulation, type NativeSimConfig } from '../../src/core/native.js';
import type { Workload } from '../../src/core/workload.js';
import { loadMooncakeTrace } from '../../src/trace/mooncake.js';
import { pool, sglangEngine, workload, type Turn } from './build.js';
import { agg, expectSame } from './equivalence.js';

/** Deterministic pseudo-random multi-turn workload: shared prefixes, mixed lengths, think times. */
function mixedWorkload(opts: { sessions: number; seed: number; spanMs: number; zeroDelays?: boolean; maxIsl?: number }): Workload {
  let s = opts.seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const sessions: Turn[][] = [];
  let nextId = 1000;
  for (let k = 0; k < opts.sessions; k++) {
    const group = Math.floor(rand() * 4);
    const turns: Turn[] = [];
    const nTurns = 1 + Math.floor(rand() * 3);
    const prefix = [group * 10 + 1, group * 10 + 2];
    for (let t = 0; t < nTurns; t++) {
      const isl = 64 + Math.floor(rand() * (opts.maxIsl ?? 1500));
      const blocks = Math.ceil(isl / 64);
      const ids = [...prefix, ...Array.from({ length: Math.max(0, blocks - prefix.length) }, () => nextId++)].slice(0, blocks);
      turns.push({
        isl,
        osl: 1 + Math.floor(rand() * 300),
        ids,
        at: rand() * opts.spanMs,
        delay: opts.zeroDelays && rand() < 0.5 ? 0 : rand() * 200,
      });
    }
    sessions.push(turns);
  }
  return workload(sessions, 64);
}

// Default share of passes that must go in runs (the scenarios below mostly decode unhindered).
const SHARE = 0.3;

describe('decode runs give the same results as stepping every pass', () => {
  it('round robin, multi-turn sessions, 4 workers', () => {
    const w = mixedWorkload({ sessions: 300, seed: 1, spanMs: 60_000 });
    expectSame(agg({ numWorkers: 4 }), w, {}, SHARE);
  });

  it('follow-up turns released the instant the previous turn ends', () => {
    const w = mixedWorkload({ sessions: 300, seed: 2, spanMs: 30_000, zeroDelays: true });
    expectSame(agg({ numWorkers: 3 }), w, {}, SHARE);
  });

  it('kv_router with queueing and shared prefixes', () => {
    const w = mixedWorkload({ sessions: 400, seed: 3, spanMs: 20_000 });
    expectSame(agg({ numWorkers: 4, router: { mode: 'kv_router', queueThreshold: 0.5 } }), w, {}, SHARE);
  });

  it('a small KV pool (preemption, eviction), a sequence cap and max_model_len', () => {
    const w = mixedWorkload({ sessions: 300, seed: 4, spanMs: 10_000, maxIsl: 900 });
    expectSame(agg({ numWorkers: 2, engine: { numGpuBlocks: 60, maxNumSeqs: 6, maxModelLen: 900, blockSize: 16 } }), w, {}, 0.005);
  });

  it('a saturated pool: requests wait behind the KV gate or budget, the sequence cap or an unchunked prompt while the running ones decode in runs', () => {
    const w = mixedWorkload({ sessions: 400, seed: 12, spanMs: 5_000 });
    const tight = { numGpuBlocks: 120, blockSize: 16 };
    expectSame(agg({ numWorkers: 2, engine: tight }), w, { every: 500 }, 0.2);
    expectSame(agg({ numWorkers: 2, engine: { ...tight, kind: 'trtllm' } }), w, { every: 500 }, 0.2);
    // SGLang's head waits on a KV budget that grows as the new-token ratio decays, pass by pass.
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ numGpuBlocks: 400, blockSize: 16 }) }), w, { every: 500 }, 0.2);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ maxNumSeqs: 3 }) }), w, {}, 0.2);
    expectSame(agg({ numWorkers: 2, engine: { maxNumSeqs: 3 } }), w, {}, 0.2);
    expectSame(agg({ numWorkers: 2, engine: { maxNumBatchedTokens: 2048, enableChunkedPrefill: false } }), w, {}, 0.2);
  });

  it('TRT-LLM admission and a budget smaller than the batch', () => {
    const w = mixedWorkload({ sessions: 300, seed: 5, spanMs: 20_000 });
    expectSame(agg({ numWorkers: 2, engine: { kind: 'trtllm', numGpuBlocks: 400 } }), w, {}, 0.005);
    expectSame(agg({ numWorkers: 2, engine: { maxNumBatchedTokens: 4 } }), w, {}, 0.002);
  });

  it('cut short by max_sim_time', () => {
    const w = mixedWorkload({ sessions: 300, seed: 6, spanMs: 60_000 });
    expectSame(agg({ numWorkers: 4 }, 25_000), w, {}, SHARE);
  });

  it('planner ticks: observations, traffic windows and scaling with startup time', () => {
    const w = mixedWorkload({ sessions: 500, seed: 7, spanMs: 60_000 });
    const scale = (k: number): [number | null, number | null] | null => (k === 5 ? [null, 6] : k === 20 ? [null, 2] : k === 40 ? [null, 4] : null);
    expectSame(agg({ numWorkers: 3, startupTimeS: 3 }), w, { every: 1000, scale }, SHARE);
    // Ticks that fall inside runs on an odd grid.
    expectSame(agg({ numWorkers: 3 }), w, { every: 777.777 }, SHARE);
  });

  it('the every-pass log: runs hand their passes over in bulk segments, the same passes as stepping, each pass once', () => {
    const w = mixedWorkload({ sessions: 300, seed: 7, spanMs: 30_000 });
    const { stepped, bulk } = expectSame(agg({ numWorkers: 3 }), w, { every: 1000 }, SHARE);
    const logged = (o: typeof bulk) => o.ticks.reduce((n, t) => n + t.passes.decode.wallSecs.length, 0);
    const segments = (o: typeof bulk) => o.ticks.reduce((n, t) => n + t.passes.decode.count.length, 0);
    // Every pass begun before the last tick is in some tick's log, once: the logs add up to the
    // passes of the run up to there, and most passes share segments (plain decode stretches).
    expect(logged(bulk)).toBe(logged(stepped));
    expect(logged(bulk)).toBeGreaterThan(0.9 * bulk.results.forwardPasses);
    expect(logged(bulk)).toBeLessThanOrEqual(bulk.results.forwardPasses);
    expect(segments(bulk)).toBeLessThan(0.2 * logged(bulk));
    // The decode stretches are what the core coalesced: in a segment each pass adds one KV token
    // per decode request, with no prefill.
    for (const t of bulk.ticks) {
      const { count, work } = t.passes.decode;
      for (let i = 0; i < count.length; i++) if (count[i]! > 1) expect([work[5 * i], work[5 * i + 1], work[5 * i + 2]]).toEqual([0, 0, 0]);
    }
  });

  it('disaggregated: decode workers run in bulk between KV reservations and arrivals', () => {
    const w = mixedWorkload({ sessions: 300, seed: 8, spanMs: 30_000 });
    const config: NativeSimConfig = {
      disaggregated: true,
      prefill: pool({ numWorkers: 2 }),
      decode: pool({ numWorkers: 2, engine: { numGpuBlocks: 4000 } }),
      kvBytesPerToken: 131072,
      kvTransferGbps: 25,
      kvTransferTiming: 'full_prompt',
      maxSimTimeMs: Infinity,
    };
    expectSame(config, w, {}, SHARE);
    expectSame(config, w, { every: 2000, scale: (k) => (k === 3 ? [3, 4] : k === 9 ? [1, 1] : null) }, SHARE);
  });

  it('attention DP: ranks step together, each pass as long as the slowest rank, idle ranks stay idle', () => {
    const w = mixedWorkload({ sessions: 300, seed: 10, spanMs: 30_000 });
    expectSame(agg({ numWorkers: 2, engine: { dpSize: 4 } }), w, {}, 0.2);
    expectSame(agg({ numWorkers: 2, engine: { dpSize: 2 }, router: { mode: 'kv_router' } }), w, { every: 1500 }, 0.2);
  });

  it('SGLang: radix pages, retraction, new-token-ratio decay, LPM, prefix caching off, disaggregated', () => {
    const w = mixedWorkload({ sessions: 300, seed: 11, spanMs: 30_000 });
    expectSame(agg({ numWorkers: 3, engine: sglangEngine() }), w, {}, 0.2);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ numGpuBlocks: 120, blockSize: 16 }) }), w, { every: 1000 }, 0.005);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({ enablePrefixCaching: false, dpSize: 2 }), router: { mode: 'kv_router' } }), w, {}, 0.1);
    expectSame(agg({ numWorkers: 2, engine: sglangEngine({}, { schedulePolicy: 'lpm' }) }), w, {}, 0.1);
    const config: NativeSimConfig = {
      disaggregated: true,
      prefill: pool({ numWorkers: 2, engine: sglangEngine() }),
      decode: pool({ numWorkers: 2, engine: sglangEngine({ numGpuBlocks: 4000 }) }),
      kvBytesPerToken: 131072,
      kvTransferGbps: 25,
      kvTransferTiming: 'full_prompt',
      maxSimTimeMs: Infinity,
    };
    expectSame(config, w, { every: 2000 }, 0.1);
  });

  it('MTP bursts draw random numbers per pass, so they keep stepping', () => {
    const w = mixedWorkload({ sessions: 100, seed: 9, spanMs: 20_000 });
    for (const e of [{ nextn: 2, acceptRates: [0.7, 0.5] }, sglangEngine({ nextn: 1, acceptRates: [0.6] })]) {
      const sim = createSimulation(agg({ numWorkers: 2, engine: e }), w);
      sim.runUntil(Infinity);
      expect(sim.results().decodeRunPasses).toBe(0);
    }
  });
});

const here = path.dirname(fileURLToPath(import.meta.url));
const conversation = path.resolve(here, '..', '..', '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');
const haveTrace = existsSync(conversation);
if (!haveTrace) console.log(`decode runs on the conversation trace: skipped, ${conversation} not found (../shared is absent)`);

describe.skipIf(!haveTrace)('decode runs on the conversation trace (12,031 requests, 8 workers)', () => {
  for (const mode of ['round_robin', 'kv_router'] as const) {
    it(`${mode}: identical results, most passes in runs`, async () => {
      const w = await loadMooncakeTrace(conversation, {});
      expectSame(agg({ numWorkers: 8, router: { mode } }), w, {}, 0.8);
    });
  }
});
