// The distinct prompt blocks of the requests live on one routing target: the KV router's decode
// load in blocks (lib/kv-router ActiveSequences, blocks of the active sequences, shared ones once).
//
// Block ids chain over their whole prefix, and each live request holds its whole run of full
// prompt blocks, so the live blocks form a tree (a block's parent is the one before it in any
// chain holding it) and a request's blocks already live are a leading run of its chain. Each
// live block counts its uses: its live children plus the live requests whose run ends there. A
// request adds a use to the block its run ends on, or to the last block it shares when it brings
// new ones (each new one used once, by the next); when it leaves, the blocks whose uses drop to
// zero go, from the end of its run back, and the walk stops at the first block still in use. So
// admission and departure touch the request's new or freed blocks, not its shared prefix again.
#pragma once
#include <cstdint>

#include "../common/flat_map.h"
#include "../common/types.h"

namespace dynosim {

class LiveBlocks {
 public:
  // Distinct blocks live on the target.
  int64_t size() const { return size_; }

  // How many leading blocks of ids[0..count) are live here.
  int32_t held(const BlockHash* ids, int32_t count) const {
    int32_t i = 0;
    while (i < count && uses_.find(ids[i]) != FlatMap::kMissing) {
      if (i + kAhead < count) uses_.prefetch(ids[i + kAhead]);
      ++i;
    }
    return i;
  }

  // A request whose full prompt blocks are ids[0..count) is now live here.
  void add(const BlockHash* ids, int32_t count) {
    if (count == 0) return;
    const int32_t from = held(ids, count);
    // The last shared block gains a child, or (nothing new) the run's end gains a request.
    if (from > 0) uses_.acquire(ids[from == count ? count - 1 : from - 1]);
    for (int32_t i = from; i < count; ++i) {
      if (i + kAhead < count) uses_.prefetch(ids[i + kAhead]);
      uses_.acquire(ids[i]);
    }
    size_ += count - from;
  }

  // That request is gone: ids[0..count) as it was added.
  void remove(const BlockHash* ids, int32_t count) {
    for (int32_t i = count - 1; i >= 0; --i) {
      if (i >= kAhead) uses_.prefetch(ids[i - kAhead]);
      const int32_t left = uses_.release(ids[i]);
      if (left != 0) return;  // still in use (or, after its target was cleared, absent)
      --size_;
    }
  }

 private:
  static constexpr int32_t kAhead = 8;  // prefetch distance in blocks: the map is larger than cache

  FlatMap uses_{256};
  int64_t size_ = 0;
};

}  // namespace dynosim
