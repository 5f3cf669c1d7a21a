// The terminal progress bar: rendering, throttling and clearing.
import { describe, expect, it } from 'vitest';
import { createProgressBar, renderProgressLine } from '../../src/cli/progress.js';

describe('progress bar', () => {
  it('renders a bounded line', () => {
    const line = renderProgressLine(0.25, 80);
    expect(line).toMatch(/^dynosim \[#+-+\]  25\.0% simulated$/);
    expect(line.length).toBeLessThan(80);
    expect(renderProgressLine(2, 80)).toContain('100.0%');
    expect(renderProgressLine(NaN, 80)).toContain('  0.0%');
  });

  it('throttles redraws to the interval and clears at the end', () => {
    let t = 0;
    const writes: string[] = [];
    const bar = createProgressBar({ write: (s: string) => writes.push(s), columns: 60 }, { now: () => t });
    bar.update(0.1);
    t = 50;
    bar.update(0.2); // within 100 ms: skipped
    t = 120;
    bar.update(0.3);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain(' 30.0%');
    bar.finish();
    bar.finish();
    expect(writes).toHaveLength(3);
    expect(writes[2]).toMatch(/^\r +\r$/);
    bar.update(0.9);
    expect(writes).toHaveLength(3);
  });

  it('writes nothing on finish if it never drew', () => {
    const writes: string[] = [];
    createProgressBar({ write: (s: string) => writes.push(s) }).finish();
    expect(writes).toEqual([]);
  });
});
