// The end-to-end acceptance on the real Mooncake conversation trace (skipped, saying so,
// when ../shared is absent).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { formatReportJson } from '../../src/report/summary.js';

const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/traces/mooncake_conversation_trace.jsonl');
const present = existsSync(trace);
if (!present) console.warn(`skipping the conversation-trace replay tests: ${trace} is absent (../shared is not checked out)`);

const WALL_CLOCK_KEYS = /"(wall_time_ms|processed_tokens_per_s|processed_output_tokens_per_s)": .*\n/g;

describe.skipIf(!present)('conversation trace, 8 workers', () => {
  it('completes all 12,031 requests with both routers; the KV router reuses more prefix', async () => {
    const rr = await replay({ traceFiles: [trace], numWorkers: 8, routerMode: 'round_robin' });
    const kv = await replay({ traceFiles: [trace], numWorkers: 8, routerMode: 'kv_router' });
    for (const { report } of [rr, kv]) {
      expect(report.num_requests).toBe(12031);
      expect(report.completed_requests).toBe(12031);
      // The trace spans about 59 minutes of arrivals.
      expect(report.duration_ms / 60000).toBeGreaterThan(58);
      expect(report.mean_ttft_ms).toBeGreaterThan(0);
    }
    expect(kv.report.prefix_cache_reused_ratio).toBeGreaterThan(rr.report.prefix_cache_reused_ratio);
    // Avg ISL 12,035 over 12,031 requests, as the trace's description says.
    expect(rr.report.total_input_tokens / 12031).toBeCloseTo(12035, -1);
  });

  it('two identical KV-router runs write byte-identical reports apart from wall-clock fields', async () => {
    const a = await replay({ traceFiles: [trace], numWorkers: 8, routerMode: 'kv_router' });
    const b = await replay({ traceFiles: [trace], numWorkers: 8, routerMode: 'kv_router' });
    expect(formatReportJson(b.report).replace(WALL_CLOCK_KEYS, '')).toBe(formatReportJson(a.report).replace(WALL_CLOCK_KEYS, ''));
  });
});
