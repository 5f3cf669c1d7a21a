// The KV block pool of one engine (one attention-DP rank): a fixed number of blocks, each either
// free, active (referenced by running requests) or inactive (cached, evictable). Blocks are made
// as they are first used (LazySlots), so memory follows the blocks in use. Prefix caching is
// the hash -> block map; eviction takes the least recently released inactive block, and requests
// release their blocks leaf first, so a prefix outlives its extensions.
#pragma once
#include <cstdint>
#include <vector>

#include "../common/lazy_slots.h"
#include "../common/resident_index.h"
#include "../common/types.h"
#include "../router/index_feed.h"

namespace dynosim {

class BlockPool {
 public:
  static constexpr int32_t kNone = -1;

  BlockPool(int32_t num_blocks, bool prefix_caching);

  // Publishes stored/removed content blocks to a router index (kv_router mode only).
  void attach_index(OverlapIndex* index, int32_t target) { feed_.attach(index, target, &index_of_, &ids_); }
  // KV events of a pass reach the router when it ends (see IndexFeed).
  IndexFeed& index_feed() { return feed_; }

  // Takes a reference on the block with this identity, reusing a cached copy when there is one,
  // else claiming a free or evicted block. Returns kNone when every block is active.
  int32_t acquire(BlockHash id);
  // Drops one reference; at zero the block becomes the most recent inactive (evictable) block.
  void release(int32_t block);
  // Frees cached blocks, least recently released first, until `n` blocks are free (or none is
  // cached): a reservation that must not find them later.
  void evict_until_free(int32_t n);
  // A partial block became full: give it its content identity (merging with a cached copy).
  int32_t promote(int32_t block, BlockHash content_id);

  // Is a block with this identity resident (active or cached)? Returns it or kNone.
  int32_t lookup(BlockHash id) const {
    const int32_t b = index_of_.find(id, ids_.data());
    return b == ResidentIndex::kMissing ? kNone : b;
  }
  // Acquiring a block probes this pool's index and, in kv_router mode, the router's.
  void prefetch(BlockHash id) const {
    index_of_.prefetch(id);
    feed_.prefetch(id);
  }
  bool is_active(int32_t block) const { return refs_[block] > 0; }
  BlockHash id_of(int32_t block) const { return ids_[block]; }

  int32_t num_blocks() const { return slots_.capacity(); }
  int32_t active_blocks() const { return active_; }
  int32_t resident_blocks() const { return resident_; }

 private:
  void unlink(int32_t b);
  void push_lru_tail(int32_t b);
  void forget(int32_t b);
  void assign(int32_t b, BlockHash id);
  int32_t take_free();

  bool prefix_caching_;
  // Apart from active_: updated next to each other, the two were stored as a pair, and a pair
  // loaded right after one of them was stored alone stalls (store forwarding fails).
  int32_t resident_ = 0;           // active + inactive
  std::vector<BlockHash> ids_;     // identity of each block; kNoId when free
  ResidentIndex index_of_;         // identity -> block, for resident blocks
  std::vector<int32_t> refs_;      // references; 0 = inactive or free
  std::vector<int32_t> prev_, next_;  // inactive LRU list (head = least recently released)
  LazySlots slots_;                // free blocks: forgotten ones, then never-used ones
  int32_t lru_head_ = kNone, lru_tail_ = kNone;
  int32_t active_ = 0;
  IndexFeed feed_;
};

}  // namespace dynosim
