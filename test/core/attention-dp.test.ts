// Attention data parallelism: the ranks of a worker step together and complete at the slowest
// rank (mocker_engine.md §11, with the reference's stub timing: prefill = new tokens in ms,
// decode = 1 ms, speedup 1 — expressed here as a profile model).
import { describe, expect, it } from 'vitest';
import type { NativePerfConfig } from '../../src/perf/native-types.js';
import { start, workload } from './build.js';

const stub: NativePerfConfig = {
  kind: 'profile',
  prefillTokens: Float64Array.of(0, 1000),
  prefillMs: Float64Array.of(0, 1000),
  decodeKvTokens: Float64Array.of(0, 1e9),
  decodeContext: Float64Array.of(0, 1e9),
  decodeItlMs: Float64Array.of(1, 1, 1, 1),
};

const engine = (dpSize: number) => ({ blockSize: 4, numGpuBlocks: 64, dpSize, perf: stub });

describe('attention-DP barrier', () => {
  it('a single rank: a 4-token prompt with one output completes at 5.0 ms, TTFT 5.0', () => {
    const sim = start(workload([[{ isl: 4, osl: 1, ids: [1], at: 0 }]], 4), { engine: engine(1) });
    sim.runUntil(Infinity);
    const q = sim.results().requests;
    expect(q.lastTokenMs[0]).toBe(5);
    expect(q.firstTokenMs[0]! - q.arrivalMs[0]!).toBe(5);
  });

  it('two ranks with 4- and 8-token prompts both complete at the slower rank, 9.0 ms', () => {
    const sim = start(
      workload(
        [
          [{ isl: 4, osl: 1, ids: [1], at: 0 }],
          [{ isl: 8, osl: 1, ids: [2, 3], at: 0 }],
        ],
        4,
      ),
      { engine: engine(2) },
    );
    sim.runUntil(Infinity);
    const q = sim.results().requests;
    expect(Array.from(q.lastTokenMs)).toEqual([9, 9]);
    expect(Array.from(q.firstTokenMs)).toEqual([9, 9]);
    const passes = sim.observe().decode.passes;
    expect(passes.map((p) => [p.dpRank, p.pass.wallTimeSecs])).toEqual([
      [0, 0.009],
      [1, 0.009],
    ]);
  });

  it('an arrival at 4.0 onto the idle rank waits for the group to finish at 9.0, completes at 14.0, TTFT 10.0', () => {
    const sim = start(
      workload(
        [
          [{ isl: 8, osl: 1, ids: [1, 2], at: 0 }],
          [{ isl: 4, osl: 1, ids: [3], at: 4 }],
        ],
        4,
      ),
      { engine: engine(2) },
    );
    sim.runUntil(Infinity);
    const q = sim.results().requests;
    expect(q.lastTokenMs[0]).toBe(9);
    expect(q.lastTokenMs[1]).toBe(14);
    expect(q.firstTokenMs[1]! - q.arrivalMs[1]!).toBe(10);
  });
});
