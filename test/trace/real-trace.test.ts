import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMooncakeTrace } from '../../src/trace/mooncake.js';

const here = dirname(fileURLToPath(import.meta.url));
const conversation = resolve(here, '../../../shared/traces/mooncake_conversation_trace.jsonl');
const exists = existsSync(conversation);
if (!exists) console.warn(`skipping the real-trace test: ${conversation} is absent (../shared is not checked out)`);

describe(exists ? 'real Mooncake conversation trace' : 'real Mooncake conversation trace (SKIPPED: ../shared/traces absent)', () => {
  it.skipIf(!exists)('loads 12,031 requests with avg ISL ≈ 12,035 and OSL ≈ 343', async () => {
    const start = performance.now();
    const w = await loadMooncakeTrace(conversation);
    const ms = performance.now() - start;
    console.log(`loaded ${conversation} in ${ms.toFixed(1)} ms`);
    const n = w.inputLength.length;
    expect(n).toBe(12031);
    expect(w.sessionIds.length).toBe(12031);
    let isl = 0;
    let osl = 0;
    for (let i = 0; i < n; i++) {
      isl += w.inputLength[i];
      osl += w.outputLength[i];
    }
    expect(isl / n).toBeCloseTo(12035.06, 1);
    expect(osl / n).toBeCloseTo(342.62, 1);
    expect(w.firstArrivalMs[0]).toBe(0);
    for (let i = 1; i < n; i++) expect(w.firstArrivalMs[i]).toBeGreaterThanOrEqual(w.firstArrivalMs[i - 1]);
    expect(w.firstArrivalMs[n - 1] / 60000).toBeCloseTo(58.95, 1); // ~59 min span
    expect(w.traceBlockSize).toBe(512);
  });
});
