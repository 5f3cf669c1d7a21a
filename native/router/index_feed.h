// An engine cache's stored/removed KV events as a KV router sees them. The reference replay
// ingests a worker's KV events when its pass ends (aisimulate replay: process_completed_pass
// applies the pass's engine observations at KvIngestBoundary::PassEnd), so while a pass is
// planned the updates queue up, in order, and reach the router's index at flush().
// Updates outside a pass (KV hand-off reservations and releases) reach it at once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../common/types.h"
#include "overlap_index.h"

namespace dynosim {

class IndexFeed {
 public:
  static constexpr int32_t kNone = -1;

  // Each of the cache's blocks (or pages) holds at most one published identity.
  void attach(OverlapIndex* index, int32_t target) {
    index_ = index;
    target_ = target;
  }
  // Hints that `id` will be stored soon (the index is far larger than cache): the cache probes it
  // as it allocates, and flush() again a few updates ahead (both measured to help).
  void prefetch(BlockHash id) const {
    if (index_) index_->prefetch(id);
  }

  // The slot now holds content `id` / no longer holds `id`. Private ids are never published.
  void stored(int32_t slot, BlockHash id) { update(slot, id, true); }
  void removed(int32_t slot, BlockHash id) { update(slot, id, false); }

  // A pass is being planned: hold updates until flush() (its end).
  void defer() { defer_ = true; }
  void flush() {
    constexpr size_t kAhead = 8;
    const size_t n = pending_.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && pending_[i + kAhead].added) index_->prefetch(pending_[i + kAhead].id);
      apply(pending_[i]);
    }
    pending_.clear();
    defer_ = false;
  }

 private:
  struct Update {
    int32_t slot;
    bool added;
    BlockHash id;
  };

  void update(int32_t slot, BlockHash id, bool added) {
    if (!index_ || (id & kUniqueBlockTag)) return;
    if (defer_) pending_.push_back(Update{slot, added, id});
    else apply(Update{slot, added, id});
  }
  void apply(const Update& u) {
    if (u.added) {
      // The cache makes its slots as it first uses them (LazySlots); so does this table.
      if (static_cast<size_t>(u.slot) >= handle_.size()) handle_.resize(static_cast<size_t>(u.slot) + 1, kNone);
      handle_[u.slot] = index_->add(target_, u.id);
    } else if (static_cast<size_t>(u.slot) < handle_.size() && handle_[u.slot] != kNone) {
      index_->remove(target_, handle_[u.slot]);
      handle_[u.slot] = kNone;
    }
  }

  OverlapIndex* index_ = nullptr;
  int32_t target_ = 0;
  bool defer_ = false;
  std::vector<Update> pending_;
  std::vector<int32_t> handle_;  // per slot: its index entry, kNone if unpublished
};

}  // namespace dynosim
