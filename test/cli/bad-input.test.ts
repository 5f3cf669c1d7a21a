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
