// The SGLang engine policy (mocker_engine.md §3): extend-first passes, the radix page cache (prefix
// reuse, LRU leaf eviction), the new-token-ratio admission budget and retraction of the request
// with the fewest output tokens (§11).
import { describe, expect, it } from 'vitest';
import { RequestStatus } from '../../src/core/results.js';
import type { NativeEngineConfig } from '../../src/core/native.js';
import { sglangEngine, simulate, start, startDisagg, workload, type SglangPolicy, type Turn } from './build.js';

const sg = (over: Partial<NativeEngineConfig> = {}, policy: Partial<SglangPolicy> = {}) => sglangEngine({ blockSize: 16, ...over }, policy);
/** One single-turn session per request. */
const singles = (turns: Turn[], traceBlockSize: number) => workload(turns.map((t) => [t]), traceBlockSize);
const statuses = (s: Uint8Array) => Array.from(s);

describe('sglang extend-first passes', () => {
  it('a pass that prefills advances only the requests it prefilled', () => {
    const w = singles(
      [
        { isl: 64, osl: 100, ids: [1, 2, 3, 4], at: 0 },
        { isl: 64, osl: 5, ids: [5, 6, 7, 8], at: 40 },
      ],
      16,
    );
    const full = simulate(w, { engine: sg() });
    expect(statuses(full.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    const firstB = full.requests.firstTokenMs[1]!;

    const sim = start(w, { engine: sg() });
    sim.runUntil(firstB - 1e-6); // the extend pass that prefills B is in flight
    const pass = sim.observe().decode.passes[0]!.pass;
    expect(pass.numPrefillRequests).toBe(1);
    expect(pass.sumPrefillTokens).toBe(64);
    // Its decode step covers B's first token only, not A.
    expect(pass.numDecodeRequests).toBe(1);
    expect(pass.sumDecodeKvTokens).toBe(64);
    const before = sim.results().requests.outputTokens[0]!;
    sim.runUntil(firstB);
    const q = sim.results().requests;
    expect(q.outputTokens[1]).toBe(1);
    expect(q.outputTokens[0]).toBe(before);
    expect(q.lastTokenMs[0]!).toBeLessThan(firstB);
  });

  it('without a prefill batch, one decode step advances every running request together', () => {
    const w = singles(
      [
        { isl: 64, osl: 20, ids: [1, 2, 3, 4], at: 0 },
        { isl: 64, osl: 20, ids: [5, 6, 7, 8], at: 0 },
      ],
      16,
    );
    const q = simulate(w, { engine: sg() }).requests;
    // Both prefill in one extend pass, then share every decode step.
    expect(q.firstTokenMs[0]).toBe(q.firstTokenMs[1]);
    expect(q.lastTokenMs[0]).toBe(q.lastTokenMs[1]);
  });
});

describe('sglang radix cache', () => {
  it('a later request sharing a prefix reports the cached pages as reused (capped below the full prompt)', () => {
    const w = singles(
      [
        { isl: 64, osl: 3, ids: [1, 2, 3, 4], at: 0 },
        { isl: 80, osl: 3, ids: [1, 2, 3, 4, 9], at: 200 },
        { isl: 64, osl: 3, ids: [1, 2, 3, 4], at: 400 },
        { isl: 64, osl: 3, ids: [7, 2, 3, 4], at: 600 },
      ],
      16,
    );
    const q = simulate(w, { engine: sg() }).requests;
    // B extends A's four cached pages; C repeats A exactly but must compute its last token, so
    // it reuses three pages; D differs in its first page, so nothing chains.
    expect(Array.from(q.reusedTokens)).toEqual([0, 64, 48, 0]);
  });

  it('without prefix caching nothing is reused', () => {
    const w = singles(
      [
        { isl: 64, osl: 3, ids: [1, 2, 3, 4], at: 0 },
        { isl: 80, osl: 3, ids: [1, 2, 3, 4, 9], at: 200 },
      ],
      16,
    );
    const q = simulate(w, { engine: sg({ enablePrefixCaching: false }) }).requests;
    expect(Array.from(q.reusedTokens)).toEqual([0, 0]);
    expect(statuses(q.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
  });

  it('the KV router sees the cache: a repeated prefix goes back to the worker holding it', () => {
    const w = singles(
      [
        { isl: 256, osl: 3, ids: [1, 2, 3, 4], at: 0 },
        { isl: 256, osl: 3, ids: [5, 6, 7, 8], at: 0 },
        { isl: 320, osl: 3, ids: [5, 6, 7, 8, 9], at: 500 },
        { isl: 320, osl: 3, ids: [1, 2, 3, 4, 10], at: 500 },
      ],
      64,
    );
    const q = simulate(w, { engine: sg(), router: { mode: 'kv_router' }, numWorkers: 2 }).requests;
    expect(q.workerIdx[2]).toBe(q.workerIdx[1]);
    expect(q.workerIdx[3]).toBe(q.workerIdx[0]);
    expect(q.workerIdx[0]).not.toBe(q.workerIdx[1]);
    expect(Array.from(q.reusedTokens)).toEqual([0, 0, 256, 256]);
  });

  // Pool of 16 four-token pages. A and B leave their 4-page prompts cached; C re-reads one of the
  // two prefixes, so the other is the least recently used. D (12 prompt pages + growth) must
  // evict 5 pages: the whole LRU path, then the leaf page of the other. A probe with the
  // re-read prefix still finds 3 pages; a probe with the other finds none.
  const lruReuse = (touch: number[], probe: number[]) => {
    const w = singles(
      [
        { isl: 16, osl: 2, ids: [1, 2, 3, 4], at: 0 },
        { isl: 16, osl: 2, ids: [5, 6, 7, 8], at: 100 },
        { isl: 16, osl: 2, ids: touch, at: 200 },
        { isl: 48, osl: 2, ids: [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111], at: 300 },
        { isl: 16, osl: 2, ids: probe, at: 400 },
      ],
      4,
    );
    const q = simulate(w, { engine: sg({ blockSize: 4, numGpuBlocks: 16 }) }).requests;
    expect(statuses(q.status).every((s) => s === RequestStatus.Completed)).toBe(true);
    expect(Array.from(q.reusedTokens.slice(0, 4))).toEqual([0, 0, 12, 0]);
    return q.reusedTokens[4];
  };
  const A = [1, 2, 3, 4];
  const B = [5, 6, 7, 8];

  it('evicts the least recently used leaf first', () => {
    expect(lruReuse(A, A)).toBe(12);
    expect(lruReuse(A, B)).toBe(0);
  });

  it('touching the other prefix flips which one survives', () => {
    expect(lruReuse(B, A)).toBe(0);
    expect(lruReuse(B, B)).toBe(12);
  });
});

describe('sglang schedule policy', () => {
  // chunked_prefill_size 64 admits one 64-token prompt per extend pass, so the waiting order shows.
  const order = (policy: 'fifo' | 'lpm') => {
    const w = singles(
      [
        { isl: 64, osl: 2, ids: [1, 2, 3, 4], at: 0 },
        { isl: 64, osl: 2, ids: [9, 10, 11, 12], at: 100 },
        { isl: 64, osl: 2, ids: [1, 2, 3, 4], at: 100 },
      ],
      16,
    );
    return simulate(w, { engine: sg({}, { schedulePolicy: policy, chunkedPrefillSize: 64 }) }).requests.firstTokenMs;
  };

  it('lpm serves the longest cached prefix first; fifo keeps arrival order', () => {
    const lpm = order('lpm');
    expect(lpm[2]!).toBeLessThan(lpm[1]!);
    const fifo = order('fifo');
    expect(fifo[1]!).toBeLessThan(fifo[2]!);
  });

  // Two prompts per extend pass. Y2 shares Y1's first 32 tokens and has no cache of its own, so
  // lpm defers it behind Z: Y1 and Z prefill together, and Y2 then hits Y1's pages.
  it('lpm deprioritises a request whose first tokens an earlier waiting request already claimed', () => {
    const run = (policy: 'fifo' | 'lpm') => {
      const w = singles(
        [
          { isl: 64, osl: 2, ids: [20, 21, 22, 23], at: 0 },
          { isl: 64, osl: 2, ids: [20, 21, 22, 24], at: 0 },
          { isl: 64, osl: 2, ids: [30, 31, 32, 33], at: 0 },
        ],
        16,
      );
      return simulate(w, { engine: sg({}, { schedulePolicy: policy, chunkedPrefillSize: 128 }) }).requests;
    };
    const lpm = run('lpm');
    expect(lpm.firstTokenMs[2]).toBe(lpm.firstTokenMs[0]);
    expect(lpm.firstTokenMs[1]!).toBeGreaterThan(lpm.firstTokenMs[0]!);
    expect(lpm.reusedTokens[1]).toBe(48);
    const fifo = run('fifo');
    expect(fifo.firstTokenMs[1]).toBe(fifo.firstTokenMs[0]);
    expect(fifo.reusedTokens[1]).toBe(0);
  });
});

describe('sglang admission budget', () => {
  // B = 1. X (100-token prompt, 4000 outputs, clip 2000) is admitted alone at pass 1, charged its
  // whole clipped reserve: 100 + 2000 < 2101. From then on the running reserve is 2000 × ratio,
  // and W (600 + 100 reserved) fits once free − 2000·ratio > 700, where after j passes (j tokens
  // of X) free = 2101 − 100 − j and ratio = 0.7 − j·step, step = (0.7 − 0.098)/600:
  //   f(j) = 2001 − j − 2000·(0.7 − j·step) = 601 + 1.00667·j, first above 700 at j = 99.
  // Without the decay f would fall with j and W would wait until X finished.
  it('the new-token ratio decays once per pass until a waiting request fits', () => {
    const w = singles(
      [
        { isl: 100, osl: 4000, ids: [1], at: 0 },
        { isl: 600, osl: 100, ids: [2, 3, 4, 5, 6, 7], at: 0 },
      ],
      100,
    );
    const engine = sg({ blockSize: 1, numGpuBlocks: 2101 }, { clipMaxNewTokens: 2000 });
    let ratio = 0.7;
    const step = (0.7 - 0.7 * 0.14) / 600;
    let j = 1;
    for (; ; ++j) {
      ratio = Math.max(ratio - step, 0.098);
      const remTotal = 2101 - 100 - j - Math.min(4000 - j, 2000) * ratio;
      if (600 + 100 < remTotal) break;
    }
    expect(j).toBe(99);

    const full = simulate(w, { engine });
    expect(statuses(full.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    const admitW = full.requests.firstAdmitMs[1]!;
    expect(admitW).toBeGreaterThan(0);
    const sim = start(w, { engine });
    sim.runUntil(admitW);
    expect(sim.results().requests.outputTokens[0]).toBe(j);
  });

  it('a prompt that could never fit the pool is rejected, the rest complete', () => {
    const w = singles(
      [
        { isl: 64, osl: 4, ids: [1, 2, 3, 4], at: 0 },
        { isl: 1024, osl: 4, ids: Array.from({ length: 64 }, (_, i) => 100 + i), at: 0 },
        { isl: 64, osl: 4, ids: [5, 6, 7, 8], at: 0 },
      ],
      16,
    );
    const q = simulate(w, { engine: sg({ numGpuBlocks: 32 }) }).requests;
    expect(statuses(q.status)).toEqual([RequestStatus.Completed, RequestStatus.Rejected, RequestStatus.Completed]);
  });
});

describe('sglang retraction', () => {
  // Four-token pages, 20 pages. The clipped output reserve (4) and a low conservativeness let the
  // budget admit more than the pool can grow into. X runs alone for a while; Y and Z arrive
  // together, so when decode runs out of pages X has the most output and Y, Z tie for the fewest:
  // the first of them (Y) is retracted — not the newest (Z, LIFO) nor the oldest (X, FIFO). Y then
  // finishes last although Z is identical.
  const retractCase = () =>
    singles(
      [
        { isl: 16, osl: 40, ids: [1, 2, 3, 4], at: 0 },
        { isl: 16, osl: 40, ids: [5, 6, 7, 8], at: 90 },
        { isl: 16, osl: 40, ids: [9, 10, 11, 12], at: 90 },
      ],
      4,
    );
  const policy = { clipMaxNewTokens: 4, scheduleConservativeness: 0.1 };

  it('retracts the running request with the fewest output tokens while pages are short', () => {
    const q = simulate(retractCase(), { engine: sg({ blockSize: 4, numGpuBlocks: 20 }, policy) }).requests;
    expect(statuses(q.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed, RequestStatus.Completed]);
    expect(Array.from(q.outputTokens)).toEqual([40, 40, 40]);
    expect(q.firstTokenMs[1]).toBe(q.firstTokenMs[2]);
    expect(q.lastTokenMs[1]!).toBeGreaterThan(q.lastTokenMs[2]!);
    expect(q.lastTokenMs[1]!).toBeGreaterThan(q.lastTokenMs[0]!);
  });

  it('with room to grow nobody is retracted and the twins finish together', () => {
    const q = simulate(retractCase(), { engine: sg({ blockSize: 4, numGpuBlocks: 200 }, policy) }).requests;
    expect(q.lastTokenMs[1]).toBe(q.lastTokenMs[2]);
  });
});

describe('sglang end to end', () => {
  // Multi-turn sessions sharing system prompts, long and short prompts (some chunked), a tight pool.
  const mixed = () => {
    const sessions: Turn[][] = [];
    for (let s = 0; s < 24; ++s) {
      const turns: Turn[] = [];
      const sys = [1000 + (s % 3) * 10, 1001 + (s % 3) * 10];
      let ids = [...sys];
      for (let t = 0; t < 3; ++t) {
        const extra = 1 + ((s * 7 + t * 3) % 9);
        for (let k = 0; k < extra; ++k) ids.push(s * 1000 + t * 100 + k);
        const isl = ids.length * 64 - ((s + t) % 5) * 7;
        turns.push({ isl, osl: 5 + ((s * 13 + t * 5) % 60), ids: [...ids], at: s * 37, delay: 20 });
      }
      sessions.push(turns);
    }
    return workload(sessions, 64);
  };
  const expectAllDone = (q: { status: Uint8Array; outputTokens: Uint32Array }, w: ReturnType<typeof mixed>) => {
    expect(statuses(q.status).every((s) => s === RequestStatus.Completed)).toBe(true);
    expect(Array.from(q.outputTokens)).toEqual(Array.from(w.outputLength));
  };

  it('fifo, round robin, page pressure and chunked prefill: everything completes', () => {
    const w = mixed();
    const r = simulate(w, {
      engine: sg({ numGpuBlocks: 512 }, { chunkedPrefillSize: 256, maxPrefillTokens: 512 }),
      numWorkers: 2,
    });
    expectAllDone(r.requests, w);
    expect(Array.from(r.requests.reusedTokens).some((x) => x > 0)).toBe(true);
  });

  it('lpm behind the KV router, with MTP bursts: everything completes', () => {
    const w = mixed();
    const r = simulate(w, {
      engine: sg({ numGpuBlocks: 1024, nextn: 2, acceptRates: [0.8, 0.5] }, { schedulePolicy: 'lpm' }),
      router: { mode: 'kv_router' },
      numWorkers: 3,
    });
    expectAllDone(r.requests, w);
  });

  it('disaggregated sglang prefill and decode pools hand off and complete', () => {
    const w = mixed();
    const sim = startDisagg(w, {
      prefill: { engine: sg({ numGpuBlocks: 512 }), router: { mode: 'kv_router' }, numWorkers: 2 },
      decode: { engine: sg({ numGpuBlocks: 512 }), numWorkers: 2 },
      kvBytesPerToken: 131072,
      kvTransferGbps: 64,
    });
    sim.runUntil(Infinity);
    const r = sim.results();
    expectAllDone(r.requests, w);
    const h = r.requests.handoff!;
    for (let i = 0; i < w.inputLength.length; ++i) {
      expect(h.decodeAdmitMs[i]!).toBeGreaterThanOrEqual(h.destinationActivatedMs[i]!);
      expect(r.requests.firstTokenMs[i]!).toBeGreaterThan(h.decodeAdmitMs[i]!);
    }
  });
});
