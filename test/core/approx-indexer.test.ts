// use_kv_events=false: the KV router's approximate indexer (issue 13, item 3). The router sees no
// KV events; it records the full prompt blocks of each request it places on the chosen target,
// each entry expiring router_ttl_secs after it was last routed, and prunes the view to
// floor(router_max_tree_size × router_prune_target_ratio) entries when a decision grows it past
// router_max_tree_size. Reference: lib/kv-router/src/indexer/pruning.rs, PruneManager (insert
// refreshes a key's expiry; pop_expired drops entries whose expiry is at or before now; prune pops
// the earliest expiry first and, among entries of one decision, the deepest position first) as
// the approximate KvIndexer drives it (process_routing_decision_for_request → insert, then prune
// when current_size, the (worker, block) entries of the tree, exceeds max_tree_size).
// Every expectation below is derived by hand from those rules; engine block = trace block = 64.
import { describe, expect, it } from 'vitest';
import type { NativeRouterConfig } from '../../src/core/native.js';
import { routeDetail, type Turn } from './build.js';

/** Prompt tokens the router saw cached on the chosen worker, per request (2 workers, kv_router). */
const overlaps = (turns: Turn[], over: Partial<NativeRouterConfig>): number[] =>
  Array.from(routeDetail(turns, { router: { mode: 'kv_router', ...over }, numWorkers: 2 }).routeOverlapTokens);

// Each request is short (a 4-block prompt, 2 output tokens): it is long finished before the next
// arrives, so only the cache view decides — the holder of the prefix costs max(0, 4 − 4) + 4 fresh
// decode blocks = 4 against 4 + 4 = 8 elsewhere (DefaultWorkerScorer::worker_logit).
const same = (at: number): Turn => ({ isl: 256, osl: 2, ids: [1, 2, 3, 4], at });

describe('approximate indexer: TTL', () => {
  const arrivals = [0, 500, 1400, 2400, 2500];
  // TTL 1 s. 0: nothing known. 500: recorded at 0, expires 1000 → 4 blocks. 1400: the 500 ms
  // decision refreshed the entries to 1500 → 4 blocks (without the refresh they would have gone
  // at 1000). 2400: the 1400 ms decision expires at exactly 2400, and pop_expired keeps only
  // expiries after now → 0. 2500: recorded at 2400 → 4 blocks.
  it('expires entries TTL after their last routing decision, refreshed by each new one', () => {
    expect(overlaps(arrivals.map(same), { useKvEvents: false, ttlSecs: 1 })).toEqual([0, 256, 256, 0, 256]);
  });

  it('with KV events the engines report their cache, which holds the prefix throughout', () => {
    expect(overlaps(arrivals.map(same), { ttlSecs: 1 })).toEqual([0, 256, 256, 256, 256]);
  });

  it('a TTL of 0 forgets each decision before the next arrival', () => {
    expect(overlaps(arrivals.map(same), { useKvEvents: false, ttlSecs: 0 })).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('approximate indexer: pruning at router_max_tree_size', () => {
  // Six one-block requests with distinct prefixes, 100 ms apart (TTL 60 s: nothing expires),
  // then four probes of ids 5, 4, 3, 0. With max 5 and ratio 0.4 (target floor(2.0) = 2, the
  // reference's test_approx_indexer_e2e_pruning): the sixth decision makes 6 > 5 entries, and
  // pruning drops the 4 earliest-expiring (ids 0-3), keeping 4 and 5. Probe 5 and probe 4 see their
  // block (and refresh it); probe 3 and probe 0 do not. With max 6 nothing is pruned.
  const one = (id: number, at: number): Turn => ({ isl: 64, osl: 2, ids: [id], at });
  const turns = [0, 1, 2, 3, 4, 5].map((id) => one(id, id * 100)).concat([5, 4, 3, 0].map((id, k) => one(id, 600 + k * 100)));

  it('drops the oldest entries down to floor(max × ratio) when a decision passes the max', () => {
    const got = overlaps(turns, { useKvEvents: false, ttlSecs: 60, maxTreeSize: 5, pruneTargetRatio: 0.4 });
    expect(got.slice(6)).toEqual([64, 64, 0, 0]);
  });

  it('at the max exactly, nothing is pruned', () => {
    const got = overlaps(turns, { useKvEvents: false, ttlSecs: 60, maxTreeSize: 6, pruneTargetRatio: 0.4 });
    expect(got.slice(6)).toEqual([64, 64, 64, 64]);
  });

  // One 3-block decision into max 2, ratio 0.5 (target 1): the three entries share one expiry, and
  // BlockEntry's order pops the deepest position first, so positions 2 and 1 go and the first block
  // stays: the probe sees 1 block (64 tokens), not 0 (oldest-first by position would keep block 3).
  it('among entries of one decision, prunes the deepest prefix position first', () => {
    const got = overlaps(
      [
        { isl: 192, osl: 2, ids: [1, 2, 3], at: 0 },
        { isl: 192, osl: 2, ids: [1, 2, 3], at: 100 },
      ],
      { useKvEvents: false, ttlSecs: 60, maxTreeSize: 2, pruneTargetRatio: 0.5 },
    );
    expect(got).toEqual([0, 64]);
  });
});

// router_predicted_ttl_secs (KvRouterConfig; lib/llm kv_router Indexer::find_match_details with a
// predict-on-route side indexer, merge_side_or_warn): with KV events on, the router also records
// its own decisions for the TTL and takes, per worker, the larger overlap.
// Request 0 (blocks 1-2) runs first on some worker X. Request 1 (blocks 1-4, at 500 ms) sees 2
// cached blocks on X: X costs (256/64 − 2) + 4 fresh = 6 against 4 + 4 = 8, so it goes to X with
// 128 tokens uncached. Request 2 (blocks 1-4) comes 1 ms later, while request 1's prefill runs
// and X has published only blocks 1-2: by the KV events X costs (128 + 256)/64 − 2 + 4 active
// = 8, a tie with the other worker's 8 (a seeded pick, 0 or 128 tokens seen). The side view also
// holds blocks 3-4, routed 1 ms earlier: X costs 6 − 4 + 4 = 6 and request 2 sees all 256 tokens.
describe('predict-on-route side indexer', () => {
  const turns: Turn[] = [
    { isl: 128, osl: 2, ids: [1, 2], at: 0 },
    { isl: 256, osl: 2, ids: [1, 2, 3, 4], at: 500 },
    { isl: 256, osl: 2, ids: [1, 2, 3, 4], at: 501 },
  ];
  it('adds the routed blocks before the engine reports them', () => {
    const events = overlaps(turns, {});
    expect(events.slice(0, 2)).toEqual([0, 128]);
    expect([0, 128]).toContain(events[2]);
    expect(overlaps(turns, { predictedTtlSecs: 1 })).toEqual([0, 128, 256]);
  });
});
