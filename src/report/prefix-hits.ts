// The engines' prefix-cache hit rate over time, for the planner report: per tick window, the
// prompt tokens found cached at first admission over the prompt tokens admitted. Every router has
// it (the router's own hit rate exists only with kv_router).

import type { SimResults } from '../core/results.js';
import type { Workload } from '../core/workload.js';

/** One value per tick (null where nothing was admitted in the window ending at that tick). */
export function prefixHitRateByTick(tickMs: readonly number[], results: SimResults, workload: Workload): (number | null)[] {
  const reused = new Float64Array(tickMs.length);
  const admitted = new Float64Array(tickMs.length);
  const r = results.requests;
  for (let i = 0; i < r.firstAdmitMs.length; i++) {
    const t = r.firstAdmitMs[i]!;
    if (!Number.isFinite(t)) continue;
    // The window (previous tick, this tick] holding the admission; later ones are past the last tick.
    let lo = 0;
    let hi = tickMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tickMs[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === tickMs.length) continue;
    reused[lo] += r.firstAdmitReusedTokens[i]!;
    admitted[lo] += workload.inputLength[i]!;
  }
  return Array.from(admitted, (a, k) => (a > 0 ? reused[k]! / a : null));
}
