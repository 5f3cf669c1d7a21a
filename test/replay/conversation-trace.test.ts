// The end-to-end acceptance on the real Mooncake conversation trace (skipped, saying so,
// when ../shared is absent).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

describe.skipIf(!present)('conversation trace, other engines and the guide commands', () => {
  it.each(['sglang', 'trtllm'])('replays end to end with engine_type %s: every request completes or is rejected', async (engineType) => {
    const { report, results } = await replay({ traceFiles: [trace], numWorkers: 8, extraEngineArgs: { engine_type: engineType } });
    const rejected = Array.from(results.requests.status).filter((s) => s === 2).length;
    expect(report.num_requests).toBe(12031);
    expect(report.completed_requests + rejected).toBe(12031);
    expect(report.completed_requests).toBeGreaterThan(0);
  });

  const guideEngine = JSON.stringify({
    aic_backend: 'vllm',
    aic_system: 'h200_sxm',
    aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8',
    aic_tp_size: 1,
  });

  async function cli(argv: string[]) {
    const { main } = await import('../../src/cli/main.js');
    let stdout = '';
    let stderr = '';
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dynosim-guide-')), 'report.json');
    const code = await main([...argv, '--report-json', out], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      env: {},
    });
    return { code, stdout, stderr, report: JSON.parse(readFileSync(out, 'utf8')) as Record<string, number> };
  }

  it("the guide's agg command (2 workers) prints the full table", async () => {
    const r = await cli([trace, '--extra-engine-args', guideEngine, '--num-workers', '2', '--arrival-speedup-ratio', '1.0']);
    expect(r.code).toBe(0);
    for (const row of ['Time to First Token (ms)', 'Inter Token Latency (ms)', 'Request Throughput (requests/sec)', 'Request Count (requests)'])
      expect(r.stdout).toContain(row);
  });

  it("the guide's disagg command (1P1D) prints the full table and accounts both pools' worker-seconds", async () => {
    const r = await cli([
      trace,
      '--prefill-engine-args',
      guideEngine,
      '--decode-engine-args',
      guideEngine,
      '--num-prefill-workers',
      '1',
      '--num-decode-workers',
      '1',
      '--arrival-speedup-ratio',
      '1.0',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Time to First Token (ms)');
    expect(r.report.completed_requests).toBe(12031);
    expect(r.report.prefill_worker_seconds).toBeGreaterThan(3500);
    expect(r.report.decode_worker_seconds).toBeGreaterThan(3500);
    expect(r.report.gpu_hours).toBeCloseTo((r.report.prefill_worker_seconds + r.report.decode_worker_seconds) / 3600, 9);
  });
});
