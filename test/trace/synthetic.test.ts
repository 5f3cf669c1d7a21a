import { describe, expect, it } from 'vitest';
import { requestHashIds, type Workload } from '../../src/core/workload.js';
import { ReplayError } from '../../src/errors.js';
import { isFlatSynthetic, syntheticWorkload, type SyntheticOptions } from '../../src/trace/synthetic.js';

const base: SyntheticOptions = { inputTokens: 1000, outputTokens: 50, requestCount: 5, blockSize: 64 };

function idsOf(w: Workload, r: number): number[] {
  return Array.from(requestHashIds(w, r));
}

// Every request's ids in request order, and where each request's start.
function allIds(w: Workload): { ids: number[]; offsets: number[] } {
  const ids: number[] = [];
  const offsets = [0];
  for (let r = 0; r < w.inputLength.length; r++) offsets.push(ids.push(...idsOf(w, r)));
  return { ids, offsets };
}

function errorOf(opts: SyntheticOptions): string {
  try {
    syntheticWorkload(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    return (err as Error).message;
  }
  throw new Error('expected syntheticWorkload to throw');
}

describe('flat synthetic workload', () => {
  it('spaces arrivals by the interval and applies the speedup', () => {
    const w = syntheticWorkload({ ...base, arrivalIntervalMs: 10 });
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 10, 20, 30, 40]);
    const fast = syntheticWorkload({ ...base, arrivalIntervalMs: 10, arrivalSpeedupRatio: 4 });
    expect(Array.from(fast.firstArrivalMs)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(Array.from(syntheticWorkload(base).firstArrivalMs)).toEqual([0, 1, 2, 3, 4]); // default 1 ms
    expect(Array.from(syntheticWorkload({ ...base, arrivalIntervalMs: 0 }).firstArrivalMs)).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives every request its own blocks (no prefix sharing)', () => {
    const w = syntheticWorkload(base);
    expect(isFlatSynthetic(base)).toBe(true);
    expect(w.traceBlockSize).toBe(64);
    expect(Array.from(w.inputLength)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(Array.from(w.outputLength)).toEqual([50, 50, 50, 50, 50]);
    expect(Array.from(w.sessionStart)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(w.sessionIds).toEqual(['request_1', 'request_2', 'request_3', 'request_4', 'request_5']);
    const { ids, offsets } = allIds(w);
    expect(offsets).toEqual([0, 16, 32, 48, 64, 80]); // ceil(1000/64) = 16 blocks
    expect(new Set(ids).size).toBe(80);
    expect(ids.includes(0)).toBe(false);
    expect(Array.from(w.turnDelayMs)).toEqual([0, 0, 0, 0, 0]);
    expect(w.concurrency).toBe(0);
  });

  it('sets all arrivals to 0 in concurrency mode', () => {
    const w = syntheticWorkload({ ...base, arrivalIntervalMs: 10, concurrency: 3 });
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 0, 0, 0]);
    expect(w.concurrency).toBe(3);
  });
});

describe('multi-turn synthetic workload', () => {
  const opts: SyntheticOptions = { ...base, requestCount: 3, turnsPerSession: 3, interTurnDelayMs: 100, arrivalIntervalMs: 20 };

  it('makes requestCount sessions of fixed-size turns with the inter-turn delay', () => {
    const w = syntheticWorkload({ ...opts, arrivalSpeedupRatio: 2 });
    expect(isFlatSynthetic(opts)).toBe(false);
    expect(w.sessionIds).toEqual(['session_0', 'session_1', 'session_2']);
    expect(Array.from(w.sessionStart)).toEqual([0, 3, 6, 9]);
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 10, 20]);
    expect(Array.from(w.turnDelayMs)).toEqual([0, 50, 50, 0, 50, 50, 0, 50, 50]);
    expect(Array.from(w.inputLength)).toEqual(new Array(9).fill(1000));
    expect(new Set(allIds(w).ids).size).toBe(9 * 16); // no sharing without prefix groups
  });

  it('applies no speedup in concurrency mode', () => {
    const w = syntheticWorkload({ ...opts, arrivalSpeedupRatio: 2, concurrency: 2 });
    expect(Array.from(w.turnDelayMs)).toEqual([0, 100, 100, 0, 100, 100, 0, 100, 100]);
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 0]);
  });
});

describe('shared prefixes', () => {
  it('shares round(ceil(isl/bs) * ratio) leading blocks within a group, distinct across groups', () => {
    const opts: SyntheticOptions = { ...base, requestCount: 60, turnsPerSession: 2, sharedPrefixRatio: 0.5, numPrefixGroups: 3 };
    const w = syntheticWorkload(opts);
    const R = w.inputLength.length;
    expect(R).toBe(120);
    const prefixes = new Map<string, number>();
    const suffixIds: number[] = [];
    const prefixIds = new Set<number>();
    for (let r = 0; r < R; r++) {
      const ids = idsOf(w, r);
      expect(ids.length).toBe(16);
      const key = ids.slice(0, 8).join(',');
      prefixes.set(key, (prefixes.get(key) ?? 0) + 1);
      ids.slice(0, 8).forEach((id) => prefixIds.add(id));
      suffixIds.push(...ids.slice(8));
    }
    expect(prefixes.size).toBe(3); // 60 sessions hit all 3 groups
    expect(prefixIds.size).toBe(24); // 3 groups × 8 blocks, no collision between groups
    expect(new Set(suffixIds).size).toBe(120 * 8); // the other blocks are globally unique
    expect(suffixIds.some((id) => prefixIds.has(id))).toBe(false);
    // both turns of a session use the same group
    for (let s = 0; s < 60; s++) expect(idsOf(w, 2 * s).slice(0, 8)).toEqual(idsOf(w, 2 * s + 1).slice(0, 8));
  });

  it('rounds the shared block count and caps it at the prompt', () => {
    const shared = (ratio: number) => {
      const w = syntheticWorkload({ ...base, requestCount: 40, sharedPrefixRatio: ratio, numPrefixGroups: 1 });
      const first = idsOf(w, 0);
      let n = 0;
      while (n < first.length && idsOf(w, 1)[n] === first[n]) n++;
      return n;
    };
    expect(shared(0.3)).toBe(5); // 16 × 0.3 = 4.8 → 5
    expect(shared(0.25)).toBe(4);
    expect(shared(1)).toBe(16);
  });

  it('does not share without groups, and is deterministic', () => {
    const w = syntheticWorkload({ ...base, sharedPrefixRatio: 0.5 });
    const { ids } = allIds(w);
    expect(new Set(ids).size).toBe(ids.length);
    const opts: SyntheticOptions = { ...base, requestCount: 30, sharedPrefixRatio: 0.5, numPrefixGroups: 4 };
    expect(syntheticWorkload(opts)).toEqual(syntheticWorkload(opts));
  });
});

describe('Poisson arrivals', () => {
  it('has mean gap 1000/rate ms and is reproducible per seed', () => {
    const n = 20001;
    const w = syntheticWorkload({ ...base, inputTokens: 1, requestCount: n, requestRate: 50 });
    const a = w.firstArrivalMs;
    expect(a[0]).toBe(0);
    for (let i = 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1]);
    const meanGap = a[n - 1] / (n - 1);
    expect(meanGap).toBeGreaterThan(20 * 0.97);
    expect(meanGap).toBeLessThan(20 * 1.03);
    // coefficient of variation of exponential gaps is 1
    let sq = 0;
    for (let i = 1; i < n; i++) sq += (a[i] - a[i - 1] - meanGap) ** 2;
    const cv = Math.sqrt(sq / (n - 1)) / meanGap;
    expect(cv).toBeGreaterThan(0.9);
    expect(cv).toBeLessThan(1.1);

    const again = syntheticWorkload({ ...base, inputTokens: 1, requestCount: n, requestRate: 50 });
    expect(Array.from(again.firstArrivalMs)).toEqual(Array.from(a));
    const other = syntheticWorkload({ ...base, inputTokens: 1, requestCount: n, requestRate: 50, arrivalSeed: 7 });
    expect(Array.from(other.firstArrivalMs)).not.toEqual(Array.from(a));
  });

  it('wins over the interval and honours the speedup', () => {
    const slow = syntheticWorkload({ ...base, requestRate: 10, arrivalIntervalMs: 1 });
    const fast = syntheticWorkload({ ...base, requestRate: 10, arrivalIntervalMs: 1, arrivalSpeedupRatio: 2 });
    expect(Array.from(fast.firstArrivalMs)).toEqual(Array.from(slow.firstArrivalMs, (t) => t / 2));
    expect(slow.firstArrivalMs[4]).not.toBe(4);
  });
});

describe('synthetic validation', () => {
  it('uses the reference messages', () => {
    expect(errorOf({ ...base, inputTokens: 0 })).toBe('input_tokens must be at least 1');
    expect(errorOf({ ...base, outputTokens: 0 })).toBe('output_tokens must be at least 1');
    expect(errorOf({ ...base, requestCount: 0 })).toBe('request_count must be at least 1');
    expect(errorOf({ ...base, turnsPerSession: 0 })).toBe('turns_per_session must be at least 1');
    expect(errorOf({ ...base, turnsPerSession: 2, arrivalIntervalMs: -1 })).toBe(
      'arrival_interval_ms must be a finite non-negative number',
    );
    expect(errorOf({ ...base, arrivalIntervalMs: Infinity })).toBe(
      'arrival_interval_ms must be a finite non-negative number, got inf',
    );
    expect(errorOf({ ...base, interTurnDelayMs: -5 })).toBe('inter_turn_delay_ms must be a finite non-negative number');
    expect(errorOf({ ...base, sharedPrefixRatio: 1.5 })).toBe('shared_prefix_ratio must be between 0.0 and 1.0, got 1.5');
    expect(errorOf({ ...base, sharedPrefixRatio: NaN })).toBe('shared_prefix_ratio must be between 0.0 and 1.0, got NaN');
    expect(errorOf({ ...base, arrivalSpeedupRatio: 0 })).toBe('ratio must be a finite positive number, got 0');
    expect(errorOf({ ...base, requestRate: 0 })).toBe('request_rate must be a finite positive number, got 0');
    // the speedup is not used (nor checked) in concurrency mode, as in the reference
    expect(() => syntheticWorkload({ ...base, arrivalSpeedupRatio: 0, concurrency: 1 })).not.toThrow();
  });
});
