// The KV router's approximate cache view, used when it gets no KV events (use_kv_events=false):
// the router records where it sent each request's full prompt blocks, each (target, block) entry
// expiring router_ttl_secs after it was last routed, and the whole view pruned back to
// router_prune_target_ratio × router_max_tree_size when a routing decision grows it past
// router_max_tree_size. This is the reference's approximate indexer (lib/kv-router/src/indexer/
// pruning.rs, PruneManager: insert refreshes a key's expiry; pop_expired; prune drops the
// earliest-expiring entries first, the deepest prefix position first among equal expiries),
// driven by simulated time: expiries are applied before the router next looks at its view.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../common/flat_map.h"
#include "../common/types.h"
#include "overlap_index.h"

namespace dynosim {

class RoutedBlocks {
 public:
  // `ttl` at most 100 years (the simulated-time limit); `max_tree_size` counts (target, block) entries.
  RoutedBlocks(OverlapIndex& index, Ns ttl, int64_t max_tree_size, double prune_target_ratio);

  // `target` was sent a request whose full prompt blocks are ids[0..count): they are now on it,
  // expiring at now + ttl; prunes when the view outgrows the maximum.
  void record(int32_t target, const BlockHash* ids, int32_t count, Ns now);
  // Drops every entry whose expiry is at or before `now`.
  void expire(Ns now);
  void add_target() { by_target_.emplace_back(16); }
  // The target's entries are gone from the index (its worker left): forget their timers too.
  void forget_target(int32_t target);

  int64_t size() const { return live_; }
  uint64_t pruned() const { return pruned_; }
  uint64_t expired() const { return expired_; }

 private:
  struct Timer {
    Ns expiry;
    BlockHash id;
    int32_t target;
    int32_t position;  // block index in the prompt (the reference's BlockEntry::seq_position)
    int32_t slot;      // the index entry's handle
    bool live;
  };
  // A queue entry; stale once its timer was refreshed or dropped.
  struct Due {
    Ns expiry;
    BlockHash id;
    int32_t target;
    int32_t position;
    int32_t timer;
  };
  // The reference pops entries from a max-heap of (Reverse(expiry), BlockEntry): earliest expiry
  // first, and among equal expiries the deepest position, then the larger block id and target.
  // Expiries never decrease in recording order (one TTL, a clock that only advances), so a FIFO
  // holds them in that order; only entries recorded at the same instant need sorting, by `first`.
  static bool first(const Due& a, const Due& b);
  bool valid(const Due& d) const;
  void sort_front_group();
  void drop(int32_t timer);
  void prune(int64_t current);
  void compact();

  OverlapIndex& index_;
  Ns ttl_;
  int64_t max_tree_size_;
  int64_t target_size_;  // kept after a prune: floor(max × ratio)
  std::vector<Timer> timers_;
  std::vector<int32_t> free_timers_;
  std::vector<FlatMap> by_target_;  // per target: block id -> timer
  std::deque<Due> due_;  // recording order = expiry order
  int64_t live_ = 0;
  uint64_t pruned_ = 0, expired_ = 0;
};

}  // namespace dynosim
