// Requests that can never fit end as rejections, counted and explained, and never stop the run
// (issue 11, item 3). The engines follow aisimulate's scheduler/vllm/policy.rs,
// decide_waiting_admission_with_cost: a fresh sequence longer than the pool is rejected, and a
// preempted one that has outgrown it is AllocationRequirement::Impossible, also a rejection.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { RequestStatus } from '../../src/core/results.js';
import { ROOT, runCli } from '../cli/run-cli.js';
import { simulate, workload } from './build.js';

const EXAMPLE = path.join(ROOT, 'examples', 'trace.jsonl');

describe('a request that outgrows the pool', () => {
  it('self-preempted, then re-admitted and recomputed past one budget chunk: both complete (it stopped in a dead end)', () => {
    // 1,000 blocks of 64 = 64,000 tokens. Together the two outgrow it: b (last admitted) is
    // preempted near 32,000 tokens; a finishes alone at 100 + 40,000; b then recomputes its
    // ~32,000 tokens in chunks of 8,192 (tokens neither prompt nor decode) and finishes too.
    const w = workload([[{ isl: 100, osl: 40_000, ids: [1] }], [{ isl: 100, osl: 40_000, ids: [2] }]], 512);
    const r = simulate(w, { engine: { numGpuBlocks: 1000 } });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Completed, RequestStatus.Completed]);
    expect(Array.from(r.requests.outputTokens)).toEqual([40_000, 40_000]);
  });

  it('one that can never finish is rejected, the other served', () => {
    // a needs 100 + 70,000 − 1 tokens > 64,000: rejected once it has outgrown the pool; b fits.
    const w = workload([[{ isl: 100, osl: 70_000, ids: [1] }], [{ isl: 100, osl: 1_000, ids: [2] }]], 512);
    const r = simulate(w, { engine: { numGpuBlocks: 1000 } });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Rejected, RequestStatus.Completed]);
  });
});

describe('under MTP the burst reserved before it is sampled counts (vllm_engine reserve_bursts; it looped forever)', () => {
  // 100 blocks of 64 = 6,400 tokens. The step that can end a request reserves blocks up to prompt
  // + output, so 100 + 6,300 just fits and 100 + 6,301 never can: it is turned away once it has
  // outgrown the pool with its burst, instead of being re-admitted, recomputed and preempted again.
  const mtp = { numGpuBlocks: 100, blockSize: 64, nextn: 2, acceptRates: [0.7, 0.4] };
  it('prompt + output = the pool completes; one token more is rejected and the other request served', () => {
    const fits = simulate(workload([[{ isl: 100, osl: 6_300, ids: [1, 2] }]], 64), { engine: mtp });
    expect(Array.from(fits.requests.status)).toEqual([RequestStatus.Completed]);
    const w = workload([[{ isl: 100, osl: 6_301, ids: [1, 2] }], [{ isl: 100, osl: 50, ids: [3, 4] }]], 64);
    const r = simulate(w, { engine: mtp });
    expect(Array.from(r.requests.status)).toEqual([RequestStatus.Rejected, RequestStatus.Completed]);
  });
});

describe('the example trace with num_gpu_blocks 100 (it stopped with no report)', () => {
  it('rejects exactly the requests whose peak sequence exceeds 100 × 64 tokens, and names the first', async () => {
    // Expected from the trace file alone: the sequence peaks at prompt + output − 1 tokens.
    const rows = fs.readFileSync(EXAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { input_length: number; output_length: number });
    const expected = rows.map((row) => Math.ceil((row.input_length + row.output_length - 1) / 64) > 100);
    const notes: string[] = [];
    const { results } = await replay({ traceFiles: [EXAMPLE], extraEngineArgs: { num_gpu_blocks: 100 }, onNote: (l) => notes.push(l) });
    const rejected = Array.from(results.requests.status, (s) => s === RequestStatus.Rejected);
    expect(rejected).toEqual(expected);
    const first = expected.indexOf(true);
    const count = expected.filter(Boolean).length;
    expect(notes.at(-1)).toMatch(new RegExp(`^note: ${count} of 400 requests were rejected because they can never fit, first request_${first + 1}: its prompt `));
  });
});

describe('configurations that can serve no request are refused before the run', () => {
  it('--output-tokens 2000000: every request outgrows the default pool', () => {
    const r = runCli(['--input-tokens', '100', '--output-tokens', '2000000', '--request-count', '2', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "dynosim: error: no request can be served in this configuration: every one is too large, e.g. request_1: its prompt and output (100 + 2,000,000 tokens) outgrow a worker's KV pool of 1,048,576 tokens (raise num_gpu_blocks)\n",
    );
  });

  it('max_num_batched_tokens below every prompt with chunked prefill off; above some, the rest are rejected', async () => {
    const r = runCli([EXAMPLE, '--extra-engine-args', '{"max_num_batched_tokens": 100, "enable_chunked_prefill": false}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('exceeds max_num_batched_tokens 100 with chunked prefill off');
    const rows = fs.readFileSync(EXAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { input_length: number });
    const { results } = await replay({ traceFiles: [EXAMPLE], extraEngineArgs: { max_num_batched_tokens: 3000, enable_chunked_prefill: false } });
    expect(Array.from(results.requests.status, (s) => s === RequestStatus.Rejected)).toEqual(rows.map((row) => row.input_length > 3000));
  });
});
