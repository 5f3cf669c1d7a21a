// The planner report's engine prefix-cache hit rate per tick window, by hand.
import { describe, expect, it } from 'vitest';
import type { SimResults } from '../../src/core/results.js';
import type { Workload } from '../../src/core/workload.js';
import { prefixHitRateByTick } from '../../src/report/prefix-hits.js';

describe('prefixHitRateByTick', () => {
  it('sums cached over admitted prompt tokens per window (previous tick, tick]', () => {
    const results = {
      requests: { firstAdmitMs: Float64Array.of(5, 10, 15, 15, 25, NaN), firstAdmitReusedTokens: Uint32Array.of(50, 0, 0, 300, 7, 9) },
    } as unknown as SimResults;
    const workload = { inputLength: Uint32Array.of(100, 100, 100, 300, 10, 10) } as unknown as Workload;
    // Window 1 (…, 10]: 50 of 200. Window 2 (10, 20]: 300 of 400. Window 3 (20, 30]: nothing. The
    // admission at 25 falls in window 3 only when a tick at 30 exists.
    expect(prefixHitRateByTick([10, 20, 22], results, workload)).toEqual([0.25, 0.75, null]);
    expect(prefixHitRateByTick([10, 20, 30], results, workload)).toEqual([0.25, 0.75, 0.7]);
  });
});
