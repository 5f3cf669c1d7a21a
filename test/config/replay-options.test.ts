// The API boundary (issue 11, items 7 and 8): replay() checks what it is handed — a plain object,
// known options with their types, nothing this run would ignore, times it can represent — and
// answers with UsageError naming the option, before anything runs.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay, UsageError } from '../../src/api.js';
import { checkReplayOptions, flagOf } from '../../src/config/replay-options.js';
import { ROOT, runCli } from '../cli/run-cli.js';

const TRACE = path.join(ROOT, 'examples', 'trace.jsonl');
const refused = (options: unknown, message: string) => {
  expect(() => checkReplayOptions(options)).toThrow(UsageError);
  expect(() => checkReplayOptions(options)).toThrow(message);
};

describe('replay() options', () => {
  it('null or a non-object is the API error type, not a TypeError', async () => {
    await expect(replay(null as never)).rejects.toBeInstanceOf(UsageError);
    await expect(replay(null as never)).rejects.toThrow('replay options must be a plain object, got null');
    refused('x', 'replay options must be a plain object, got "x"');
  });

  it('unknown options and wrong types are refused by name', () => {
    refused({ traceFiles: [TRACE], numWorker: 8 }, 'replay options: unknown option `numWorker`');
    refused({ traceFiles: [TRACE], numWorkers: '8' }, 'replay options: numWorkers must be a number, got "8"');
    refused({ traceFiles: TRACE }, 'replay options: traceFiles must be an array of file paths');
  });

  it('options a trace replay would ignore are refused (extra trace files, other formats, synthetic knobs)', () => {
    refused({ traceFiles: [TRACE, TRACE] }, '--trace-format=mooncake requires exactly one trace file');
    refused({ traceFiles: [TRACE], traceFormat: 'agentic_mooncake', replayConcurrency: 2 }, '--trace-format=agentic_mooncake replays its request graph open-loop: use --agentic-lanes instead of --replay-concurrency');
    refused({ traceFiles: [TRACE], agenticLanes: 2 }, '--agentic-lanes applies to --trace-format agentic_mooncake or dynamo (agent sessions) only');
    refused({ traceFiles: [TRACE], traceFormat: 'agentic_mooncake', agenticLanes: 0 }, 'agentic_lanes must be greater than 0');
    refused({ traceFiles: [TRACE], requestRate: 5 }, '--request-rate applies to synthetic workloads only');
    refused({ traceFiles: [TRACE], traceSharedPrefixRatio: 0.5 }, '--trace-shared-prefix-ratio applies to --trace-format applied_compute_agentic only');
    refused({ inputTokens: 10, outputTokens: 1, requestCount: 1, traceBlockSize: 64 }, '--trace-block-size applies to trace-file replay only');
    expect(() => checkReplayOptions({ traceFiles: [TRACE], numWorkers: 2, onNote: () => undefined })).not.toThrow();
  });

  it('--max-sim-time-seconds must be positive, finite and within 100 years', () => {
    for (const bad of [-1, 0, NaN, Infinity, 1e10]) {
      refused({ traceFiles: [TRACE], maxSimTimeSeconds: bad }, '--max-sim-time-seconds must be greater than 0 and at most 3.15576e+9 (100 years)');
    }
    expect(() => checkReplayOptions({ traceFiles: [TRACE], maxSimTimeSeconds: 3.15576e9 })).not.toThrow();
  });

  it('maps option names to their flags', () => {
    expect(flagOf('maxSimTimeSeconds')).toBe('--max-sim-time-seconds');
    expect(flagOf('numWorkers')).toBe('--num-workers');
  });

  it('on the command line the same checks are usage errors (exit 2), before anything runs', () => {
    for (const value of ['-1', 'nan']) {
      const r = runCli([TRACE, '--max-sim-time-seconds', value]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^usage: dynosim .*\ndynosim: error: --max-sim-time-seconds must be greater than 0 and at most 3\.15576e\+9 \(100 years\), got (-1|NaN)\n$/);
    }
  });
});
