// Hostile command lines (issue 11): each ends in one line naming the flag, exit 2 or 1, no stack.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('perf-model points', () => {
  it('a point past 2^31 is a usage error naming the flag (it printed "ms": 0)', () => {
    const r = runCli(['perf-model', '--prefill', '1:99999999999999999999']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').at(-2)).toBe("dynosim perf-model: error: argument --prefill: values must be at most 2147483648, got '1:99999999999999999999'");
    expect(r.stdout).toBe('');
  });
});

describe('runs that cannot fit in memory are refused up front, naming the input and the estimate', () => {
  it('--request-count 100000000 (it aborted Node with a heap dump) and 1e9', () => {
    for (const n of ['100000000', '1000000000']) {
      const r = runCli(['--input-tokens', '512', '--output-tokens', '16', '--request-count', n, '--request-rate', '100', '--report-json', '/dev/null']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^dynosim: error: this run needs about [0-9.]+ GiB of memory \\(--request-count ${n}: [0-9.]+ GiB\\), more than this machine's [0-9.]+ GiB allows\\n$`));
    }
  });

  it('num_gpu_blocks 1e9 runs in little memory: KV bookkeeping grows with blocks in use (it ended in std::bad_alloc after 7.7 GB)', () => {
    const r = runCli(['examples/trace.jsonl', '--extra-engine-args', '{"num_gpu_blocks": 1000000000}', '--report-json', '/dev/null']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--num-workers 10000 with a small trace runs (it held 8 GB of idle KV pools; the bench measures it under 1 GB)', () => {
    const r = runCli(['examples/trace.jsonl', '--num-workers', '10000', '--report-json', '/dev/null']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe("the addon's limits reach the user under the user's names", () => {
  it('--num-workers past the core limit names the flag (it read "native config: config.agg.numWorkers")', () => {
    const r = runCli(['examples/trace.jsonl', '--num-workers', '2000000', '--extra-engine-args', '{"num_gpu_blocks": 100}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: --num-workers must be a finite number in [0, 1048576], got 2000000\n');
  });

  it('engine and router keys are named with their flag', () => {
    const dp = runCli(['examples/trace.jsonl', '--extra-engine-args', '{"dp_size": 5000}', '--report-json', '/dev/null']);
    expect(dp.stderr).toBe('dynosim: error: --extra-engine-args: dp_size (or attention_dp_size) must be a finite number in [1, 1024], got 5000\n');
    const t = runCli(['examples/trace.jsonl', '--router-mode', 'kv_router', '--num-workers', '3', '--router-config', '{"router_temperature": 1e12}', '--report-json', '/dev/null']);
    expect(t.stderr).toBe('dynosim: error: --router-config: router_temperature must be a finite number in [0, 1000000000], got 1000000000000\n');
  });
});

describe('times, rates and ratios beyond 100 years of simulated time are refused before the run, by name', () => {
  it('a planner interval of 1e10 s (it hung)', () => {
    const r = runCli(['examples/trace.jsonl', '--planner-config', '{"mode":"agg","optimization_target":"throughput","load_adjustment_interval_seconds": 10000000000}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: --planner-config: load_adjustment_interval_seconds must be at most 3155760000 (100 years of simulated time), got 10000000000\n');
  });

  it('kv_transfer_bandwidth 1e-300 (it meant an instant hand-off)', () => {
    const r = runCli(['examples/trace.jsonl', '--prefill-engine-args', '{"kv_bytes_per_token": 1024, "kv_transfer_bandwidth": 1e-300}', '--decode-engine-args', '{}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^dynosim: error: --prefill-engine-args: kv_transfer_bandwidth 1e-300 GB\/s makes the hand-off of a [0-9,]+-token prompt \(kv_bytes_per_token 1,024\) last beyond the simulated-time limit of 100 years/);
  });

  it('passes that add up past 100 years end in the error (speedup_ratio 1e-9 on the agentic example: its clock wrapped and the run hung)', () => {
    // Each pass is under the limit; their sum (about 312 years) is not. Checked where the clock
    // would go (native/sim/event_queue.h push, decode_runs.cc start_decode_run).
    const r = runCli(['--trace-format', 'agentic_mooncake', 'examples/agentic_mooncake.jsonl', '--num-workers', '3', '--extra-engine-args', '{"speedup_ratio": 1e-9}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: a simulated duration passes the 100-year limit (check speedup_ratio, decode_speedup_ratio and kv_transfer_bandwidth)\n');
  });

  it('speedup_ratio 1e-300 (it gave TTFT 0)', () => {
    const r = runCli(['examples/trace.jsonl', '--extra-engine-args', '{"speedup_ratio": 1e-300}', '--report-json', '/dev/null']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dynosim: error: --extra-engine-args: speedup_ratio must be a finite number in [1e-09, 1000000000], got 1e-300\n');
  });
});
