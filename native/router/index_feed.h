// An engine cache's stored/removed KV events as a KV router sees them. The reference replay
// ingests a worker's KV events when its pass ends (aisimulate replay: process_completed_pass
// applies the pass's engine observations at KvIngestBoundary::PassEnd), so while a pass is
// planned its updates stay invisible and reach the router at flush() (its end). Updates outside
// a pass (KV hand-off reservations and releases) reach it at once.
//
// The router's view of one target is therefore the cache's own content as of its last pass end:
// rather than mirroring every event into a shared index (a random memory access per block stored
// or evicted), the feed answers from the cache's identity index, and while a pass is pending it
// corrects the answer for the ids that pass touched (an id's first update in the pass says how it
// stood before: stored first = absent, removed first = present).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../common/flat_map.h"
#include "../common/resident_index.h"
#include "../common/types.h"
#include "overlap_index.h"

namespace dynosim {

class IndexFeed {
 public:
  // The cache holds content `ids[s * stride]` in slot s (kNoId when none), found through
  // `cache_index`; both belong to the cache that owns this feed and outlive its use by `index`.
  void attach(OverlapIndex* index, int32_t target, const ResidentIndex* cache_index, const std::vector<BlockHash>* ids,
              size_t stride = 1) {
    cache_index_ = cache_index;
    cache_ids_ = ids;
    cache_stride_ = stride;
    index->attach_feed(target, this);
  }
  // Hints that the router will soon ask whether `id` is published here.
  void prefetch_view(BlockHash id) const { cache_index_->prefetch(id); }

  // The cache now holds content `id` / no longer holds it. Private ids are never published.
  void stored(BlockHash id) { update(id, true); }
  void removed(BlockHash id) { update(id, false); }

  // A pass is being planned: its updates stay invisible until flush() (its end).
  void defer() { defer_ = true; }
  void flush() {
    pending_.clear();
    if (overlay_upto_ > 0) {
      overlay_.clear();
      overlay_upto_ = 0;
    }
    defer_ = false;
  }

  // Whether the router sees content `id` on this target.
  bool published(BlockHash id) const {
    if (id & kUniqueBlockTag) return false;
    if (!pending_.empty()) {
      // Built on demand: the router looks far less often than caches change.
      for (; overlay_upto_ < pending_.size(); ++overlay_upto_) {
        const Update& u = pending_[overlay_upto_];
        if (overlay_.find(u.id) == FlatMap::kMissing) overlay_.put(u.id, u.added ? 0 : 1);
      }
      const int32_t before = overlay_.find(id);
      if (before != FlatMap::kMissing) return before == 1;
    }
    return cache_index_->find(id, cache_ids_->data(), cache_stride_) != ResidentIndex::kMissing;
  }

 private:
  struct Update {
    BlockHash id;
    bool added;
  };

  void update(BlockHash id, bool added) {
    if (cache_index_ != nullptr && defer_ && !(id & kUniqueBlockTag)) pending_.push_back(Update{id, added});
  }

  const ResidentIndex* cache_index_ = nullptr;
  const std::vector<BlockHash>* cache_ids_ = nullptr;
  size_t cache_stride_ = 1;
  bool defer_ = false;
  std::vector<Update> pending_;  // this pass's updates, in order
  // id -> 1 if it was published before this pass, 0 if not: pending_[0, overlay_upto_) folded in.
  mutable FlatMap overlay_{16};
  mutable size_t overlay_upto_ = 0;
};

}  // namespace dynosim
