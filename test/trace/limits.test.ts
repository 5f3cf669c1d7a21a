// Inputs that would overflow simulated time or memory, refused where they enter with the user's
// own names (issue 11, items 1, 2 and 6): times beyond 100 years, endless lines, invalid UTF-8.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SIM_TIME_MS, sessionBeyondTimeLimit } from '../../src/core/limits.js';
import { loadMooncakeTrace } from '../../src/trace/mooncake.js';
import { syntheticWorkload } from '../../src/trace/synthetic.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-limits-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function trace(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const row = (extra: string) => `{"input_length":10,"output_length":5,"hash_ids":[1]${extra}}\n`;

describe('the simulated-time limit (100 years = 3.15576e12 ms)', () => {
  it('is 100 Julian years in ms, far inside int64 nanoseconds', () => {
    expect(MAX_SIM_TIME_MS).toBe(3_155_760_000_000);
    expect(MAX_SIM_TIME_MS * 1e6).toBeLessThan(2 ** 63);
  });

  it('a session is judged by its first arrival plus all of its delays', () => {
    // Sessions: [0 | 10, 20], [MAX-5 | 4], [MAX-5 | 6]: the third ends at MAX + 1.
    const first = new Float64Array([0, MAX_SIM_TIME_MS - 5, MAX_SIM_TIME_MS - 5]);
    const start = new Uint32Array([0, 3, 5, 7]);
    const delays = new Float64Array([0, 10, 20, 0, 4, 0, 6]);
    expect(sessionBeyondTimeLimit(first, start, delays)).toBe(2);
    expect(sessionBeyondTimeLimit(first.subarray(0, 2), start.subarray(0, 3), delays)).toBe(-1);
    expect(sessionBeyondTimeLimit(new Float64Array([NaN]), new Uint32Array([0, 1]), new Float64Array([0]))).toBe(0);
  });

  it('a trace timestamp 1e13 ms after the first is refused at its line (it replayed at t≈0)', async () => {
    const file = trace('late.jsonl', row(',"timestamp":0') + row(',"timestamp":1e13'));
    await expect(loadMooncakeTrace(file)).rejects.toThrow(`${file}:2: session request_2 reaches beyond the simulated-time limit of 100 years (3.15576e+12 ms)`);
  });

  it('a delay of 1e300 ms is refused, naming the session and its first line (it was ignored)', async () => {
    const file = trace('delay.jsonl', row(',"timestamp":0,"session_id":"s"') + row(',"session_id":"s","delay":1e300'));
    await expect(loadMooncakeTrace(file)).rejects.toThrow(`${file}:1: session s reaches beyond the simulated-time limit`);
  });

  it('a speedup ratio that stretches arrivals past the limit is named', async () => {
    const file = trace('stretch.jsonl', row(',"timestamp":0') + row(',"timestamp":3600000'));
    await expect(loadMooncakeTrace(file, { arrivalSpeedupRatio: 1e-7 })).rejects.toThrow(
      `${file}:2: session request_2 reaches beyond the simulated-time limit of 100 years (3.15576e+12 ms) at --arrival-speedup-ratio 1e-7`,
    );
    const ok = await loadMooncakeTrace(file, { arrivalSpeedupRatio: 1e-3 });
    expect(ok.firstArrivalMs[1]).toBe(3.6e9);
  });

  const synthetic = { inputTokens: 100, outputTokens: 10, blockSize: 64 };
  it('synthetic arrivals past the limit are refused up front, naming the flags', () => {
    expect(() => syntheticWorkload({ ...synthetic, requestCount: 5, requestRate: 1e-12 })).toThrow(
      '--request-count 5, --request-rate 1e-12 put the last arrival at about 4.000e+15 ms, beyond the simulated-time limit',
    );
    expect(() => syntheticWorkload({ ...synthetic, requestCount: 5, arrivalIntervalMs: 1e12 })).toThrow(
      '--request-count 5, --arrival-interval-ms 1000000000000 put the last arrival at about 4.000e+12 ms',
    );
    expect(() => syntheticWorkload({ ...synthetic, requestCount: 2, turnsPerSession: 2, interTurnDelayMs: 1e300 })).toThrow(
      '--turns-per-session 2, --inter-turn-delay-ms 1e+300 put the last arrival',
    );
    // One request at t = 0 is legitimate whatever the rate.
    expect(syntheticWorkload({ ...synthetic, requestCount: 1, requestRate: 1e-12 }).firstArrivalMs[0]).toBe(0);
  });
});

describe('trace lines', () => {
  it('a file with no end of line (dynosim /dev/zero) stops at the line cap instead of growing forever', async () => {
    await expect(loadMooncakeTrace('/dev/zero')).rejects.toThrow('/dev/zero:1: trace line 1 is longer than 256 MiB with no end of line');
  });

  it('invalid UTF-8 is refused at its line: two session ids differing only in bad bytes are not merged', async () => {
    const a = Buffer.from(row(',"timestamp":0,"session_id":"a\u0001"'));
    const b = Buffer.from(row(',"timestamp":1,"session_id":"a\u0002"'));
    a[a.indexOf(0x01)] = 0xff;
    b[b.indexOf(0x02)] = 0xfe;
    const file = trace('bad.jsonl', Buffer.concat([Buffer.from(row(',"timestamp":0')), a, b]));
    await expect(loadMooncakeTrace(file)).rejects.toThrow(`${file}:2: trace line 2 is not valid UTF-8`);
  });
});
