// The router's view of which blocks each routing target (worker or worker DP rank) holds, fed by
// the engines' stored/removed events. Block ids chain over their whole prefix, so "the longest
// cached prefix on target t" is the run of leading blocks whose id is present for t — the radix
// tree of the reference collapses to one map from block id to the set of targets holding it.
// A target fed by an engine cache's KV events is answered by that cache's feed instead (see
// IndexFeed); the map holds what the router records itself (the approximate indexer, the
// predicted side view).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../common/resident_index.h"
#include "../common/types.h"

namespace dynosim {

class IndexFeed;

class OverlapIndex {
 public:
  explicit OverlapIndex(int32_t num_targets);

  // Records that `target` holds block `id`; returns the entry's handle, which stays valid while
  // the target holds the block and is what `remove` takes (no lookup on the eviction path).
  int32_t add(int32_t target, BlockHash id);
  void remove(int32_t target, int32_t handle);

  // overlap[t] = leading blocks of `ids` present on target t, for every target.
  void match(const BlockHash* ids, int32_t count, std::vector<int32_t>& overlap) const;

  // From now on target t's blocks are the ones `feed` publishes (it outlives its use here).
  void attach_feed(int32_t target, const IndexFeed* feed);

  int64_t tree_size(int32_t target) const { return tree_size_[target]; }
  // (target, block) entries over all targets: the reference's RadixTree::current_size.
  int64_t total_size() const { return total_size_; }
  int32_t num_targets() const { return num_targets_; }
  void add_target();
  // Drops every block of the target (its worker is gone).
  void remove_target(int32_t target);

 private:
  // A slot's record: its block id (kNoId when free), then the bitset of targets holding it, so a
  // look-up's confirmation and the targets share a cache line.
  uint64_t* record(int32_t slot) { return &records_[static_cast<size_t>(slot) * stride_]; }
  const uint64_t* record(int32_t slot) const { return &records_[static_cast<size_t>(slot) * stride_]; }
  int32_t num_slots() const { return static_cast<int32_t>(records_.size() / stride_); }
  void restride(int32_t new_words);
  void match_recorded(const BlockHash* ids, int32_t count, std::vector<int32_t>& overlap) const;
  void clear_holder(int32_t target, int32_t slot, uint64_t* rec);

  int32_t num_targets_;
  int32_t words_per_set_;
  size_t stride_;                   // 1 + words_per_set_
  ResidentIndex slots_;             // block id -> slot
  std::vector<uint64_t> records_;   // per slot: id, then the target bitset
  std::vector<int32_t> free_slots_;
  std::vector<int64_t> tree_size_;
  int64_t total_size_ = 0;
  mutable std::vector<uint64_t> alive_;  // match's scratch
  std::vector<const IndexFeed*> feeds_;  // per target: its engine cache's feed, or null
  mutable std::vector<int32_t> matching_;  // match's scratch: fed targets still matching
  int32_t num_feeds_ = 0;
};

}  // namespace dynosim
