// The reference replay core's latest-FPM buffer (aisimulate replay scaling, LatestFpmBuffer:
// insert / activate_worker / emit_idle_due, and its test latest_fpm_buffer_emits_idle_on_simulated_cadence),
// as the planner applies it to the core's latest passes.
import { describe, expect, it } from 'vitest';
import { LatestFpmCache } from '../../src/planner/fpm-cache.js';
import { makePass } from '../../src/planner/types.js';

const real = (workerId: number, dpRank: number, startMs: number, wall: number) => ({ workerId, dpRank, startMs, pass: makePass({ numDecodeRequests: 1, sumDecodeKvTokens: 100, wallTimeSecs: wall }) });
const walls = (c: LatestFpmCache) => c.values().map((e) => [e.workerId, e.dpRank, e.pass.wallTimeSecs]);

describe('idle engines (LatestFpmBuffer::emit_idle_due)', () => {
  it('latest_fpm_buffer_emits_idle_on_simulated_cadence: ready at 100 ms, empty snapshots from 1,100 ms on, per DP rank', () => {
    const c = new LatestFpmCache();
    c.merge([], [4], [100], 1099, 2);
    expect(c.values()).toEqual([]); // ready 999 ms ago, never ran: absent
    c.merge([], [4], [100], 1100, 2);
    expect(walls(c)).toEqual([[4, 0, 0], [4, 1, 0]]);
    // Rank 1 begins a pass at 1,500 ms; at 2,100 ms rank 0 is idle again (its clock stands at
    // 1,100 ms), rank 1 reports its pass (begun 600 ms ago).
    c.merge([real(4, 1, 1500, 0.25)], [4], [100], 2100, 2);
    expect(walls(c)).toEqual([[4, 0, 0], [4, 1, 0.25]]);
    expect([...c.freshThisTick]).toEqual(['4/1']);
  });

  it('delayed observation: the publish clock advances in whole seconds; inactive workers are dropped', () => {
    const c = new LatestFpmCache();
    c.merge([], [8], [0], 1500, 1);
    expect(c.values().length).toBe(1); // 1.5 s idle: empty; clock → 1,000
    c.merge([], [8], [0], 2400, 1);
    expect(c.values().length).toBe(1); // 1.4 s since 1,000: empty again; clock → 2,000
    c.merge([real(8, 0, 3000, 0.1)], [], [], 3500, 1);
    expect(c.values()).toEqual([]); // worker 8 no longer active: dropped
    c.merge([], [8], undefined, 4000, 1);
    expect(c.values()).toEqual([]); // seen again with no readiness time: its clock starts now
  });

  it('a pass begun over a second before the tick reports empty even if it is still running', () => {
    const c = new LatestFpmCache();
    c.merge([real(0, 0, 8_500, 2.0)], [0], [0], 10_000, 1);
    expect(walls(c)).toEqual([[0, 0, 0]]);
    expect(c.freshThisTick.size).toBe(0);
    const d = new LatestFpmCache();
    d.merge([real(0, 0, 9_001, 2.0)], [0], [0], 10_000, 1);
    expect(walls(d)).toEqual([[0, 0, 2.0]]);
  });
});
