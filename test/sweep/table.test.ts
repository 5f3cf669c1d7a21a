// The sweep's table helpers and its progress line.
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/sweep.js';
import { spread, toCsv } from '../../src/sweep/table.js';

describe('tables', () => {
  it('CSV quotes what needs quoting and leaves missing values empty', () => {
    expect(toCsv([{ a: 1, b: 'x,y', c: null, d: 'say "hi"' }])).toBe('a,b,c,d\n1,"x,y",,"say ""hi"""\n');
  });

  it('spread: mean, sample standard deviation, min and max', () => {
    expect(spread([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7), min: 2, max: 9 });
    expect(spread([3])).toEqual({ mean: 3, sd: 0, min: 3, max: 3 });
    expect(spread([])).toBeNull();
  });
});

describe('progress', () => {
  it('one line: done, running, failed and the time to go', () => {
    expect(progressLine({ total: 31, done: 12, running: 2, failed: 1, etaS: 75 })).toBe('sweep: 12/31 done, 2 running, 1 failed, ETA 1:15');
    expect(progressLine({ total: 31, done: 0, running: 2, failed: 0, etaS: null })).toBe('sweep: 0/31 done, 2 running, 0 failed');
  });
});
