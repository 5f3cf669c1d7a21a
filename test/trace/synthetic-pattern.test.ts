// Synthetic workloads describe their hash ids by a pattern (group prefix, then fresh ids) instead
// of listing them: 4 bytes per prompt block saved on each side of the addon (a million 2048-token
// requests listed 128 MB of ids twice). The core must see exactly the ids the list held.
import { describe, expect, it } from 'vitest';
import { createSimulation } from '../../src/core/native.js';
import { numberedNames, requestHashIds, type Workload } from '../../src/core/workload.js';
import { syntheticWorkload } from '../../src/trace/synthetic.js';
import { pool, simulate } from '../core/build.js';

/** The same workload with its ids listed (hashOffsets / hashIds), the pattern dropped. */
function listed(w: Workload): Workload {
  const ids: number[] = [];
  const offsets = [0];
  for (let r = 0; r < w.inputLength.length; r++) offsets.push(ids.push(...requestHashIds(w, r)));
  const { blockIdPattern: _, ...rest } = w;
  return { ...rest, hashOffsets: Uint32Array.from(offsets), hashIds: Uint32Array.from(ids) };
}

const agg = (w: Workload) => () => createSimulation({ disaggregated: false, agg: pool(), maxSimTimeMs: Infinity }, w);

describe('block id pattern', () => {
  it('gives each request its group prefix, then fresh ids counted from firstPrivateId', () => {
    // ISL 300 in blocks of 64: 5 blocks, round(5 × 0.4) = 2 shared; groups at 1.. and 3..; fresh from 1 + 2 × 2 = 5.
    const w = syntheticWorkload({ inputTokens: 300, outputTokens: 2, requestCount: 4, blockSize: 64, sharedPrefixRatio: 0.4, numPrefixGroups: 2 });
    expect(w.hashIds.length).toBe(0);
    expect(w.blockIdPattern).toMatchObject({ sharedBlocks: 2, blocksPerRequest: 5, firstPrivateId: 5 });
    for (let r = 0; r < 4; r++) {
      const g = w.blockIdPattern!.sharedFirstId[r]!;
      expect([1, 3]).toContain(g);
      expect(Array.from(requestHashIds(w, r))).toEqual([g, g + 1, 5 + 3 * r, 6 + 3 * r, 7 + 3 * r]);
    }
  });

  it('replays exactly as the same ids listed (prefix reuse across 8 groups, 4 workers, kv_router)', () => {
    const w = syntheticWorkload({
      inputTokens: 1000,
      outputTokens: 20,
      requestCount: 300,
      requestRate: 40,
      blockSize: 64,
      sharedPrefixRatio: 0.5,
      numPrefixGroups: 8,
      turnsPerSession: 2,
      interTurnDelayMs: 5,
    });
    const opts = { numWorkers: 4, router: { mode: 'kv_router' as const } };
    const fromPattern = simulate(w, opts);
    const fromList = simulate(listed(w), opts);
    expect(fromPattern.requests).toEqual(fromList.requests);
    expect(fromPattern.ttft).toEqual(fromList.ttft);
    expect(fromPattern.itl).toEqual(fromList.itl);
    // The ids matter here: the shared prefixes are found again.
    const reused = fromPattern.requests.reusedTokens.reduce((a, b) => a + b, 0);
    expect(reused).toBeGreaterThan(0);
  });

  it('is refused when it would make an id past 2^32 - 1, leave a prompt uncovered or come with listed ids', () => {
    const base = syntheticWorkload({ inputTokens: 128, outputTokens: 1, requestCount: 2, blockSize: 64 });
    const p = base.blockIdPattern!;
    expect(agg({ ...base, blockIdPattern: { ...p, firstPrivateId: 0xffffffff - 2 } })).toThrow(
      'native config: workload.blockIdPattern.firstPrivateId puts the last private id past 2^32 - 1',
    );
    expect(agg({ ...base, blockIdPattern: { ...p, sharedBlocks: 1, sharedFirstId: Uint32Array.from([1, 0xffffffff]) } })).not.toThrow();
    expect(agg({ ...base, blockIdPattern: { ...p, sharedBlocks: 2, sharedFirstId: Uint32Array.from([1, 0xffffffff]) } })).toThrow(
      'native config: workload.blockIdPattern.sharedFirstId puts a shared id past 2^32 - 1 for request 1',
    );
    expect(agg({ ...base, blockIdPattern: { ...p, blocksPerRequest: 1 } })).toThrow('native config: workload.inputLength exceeds what its hash ids cover for request 0');
    expect(agg({ ...base, blockIdPattern: { ...p, sharedBlocks: 3 } })).toThrow('native config: workload.blockIdPattern.sharedBlocks must be a finite number in [0, 2]');
    expect(agg({ ...base, blockIdPattern: { ...p, sharedFirstId: new Uint32Array(1) } })).toThrow('native config: workload.blockIdPattern.sharedFirstId has length 1, expected 2');
    expect(agg({ ...listed(base), blockIdPattern: p })).toThrow('native config: workload.hashIds must be empty with blockIdPattern');
  });
});

describe('numbered names', () => {
  it('reads like the array of names, made when read', () => {
    const names = numberedNames('session_', 0, 3);
    expect(names.length).toBe(3);
    expect(names[2]).toBe('session_2');
    expect(names[3]).toBeUndefined();
    expect(Array.from(names)).toEqual(['session_0', 'session_1', 'session_2']);
    expect(names.indexOf('session_1')).toBe(1);
    expect(numberedNames('request_', 1, 2)).toEqual(['request_1', 'request_2']);
  });
});
