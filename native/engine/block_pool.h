// The KV block pool of one engine (one attention-DP rank): a fixed number of blocks, each either
// free, active (referenced by running requests) or inactive (cached, evictable). Blocks are made
// as they are first used (LazySlots), so memory follows the blocks in use. Prefix caching is
// the hash -> block map; eviction takes the least recently released inactive block, and requests
// release their blocks leaf first, so a prefix outlives its extensions.
//
// Why the layout: with the pool full, nearly every prompt block evicts one, and the pools of all
// workers together are far larger than cache, so each random access costs a memory round trip.
// A block's identity, references and LRU stamp share one record (one cache line, not four
// arrays), and the LRU order is a queue of releases rather than a linked list: leaving it needs
// no neighbour's update, and the blocks the next evictions take are known ahead (prefetched).
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
  void attach_index(OverlapIndex* index, int32_t target) { feed_.attach(index, target, &index_of_, &records_, kWords); }
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
    const int32_t b = index_of_.find(id, records_.data(), kWords);
    return b == ResidentIndex::kMissing ? kNone : b;
  }
  // Acquiring a block probes this pool's index (the router's view reads the same index).
  void prefetch(BlockHash id) const { index_of_.prefetch(id); }
  bool is_active(int32_t block) const { return refs(block) > 0; }
  BlockHash id_of(int32_t block) const { return records_[block * kWords]; }

  int32_t num_blocks() const { return slots_.capacity(); }
  int32_t active_blocks() const { return active_; }
  int32_t resident_blocks() const { return resident_; }

 private:
  // One block's record, two words: its identity (kNoId when free), then its references (low
  // half; 0 = inactive or free) and its LRU stamp (high half), which changes whenever the block
  // enters or leaves the LRU order, so a queued release is current exactly when its stamp is still
  // the block's. Words, not a struct: the identity index reads identities with a stride.
  static constexpr size_t kWords = 2;
  BlockHash& id_word(int32_t b) { return records_[static_cast<size_t>(b) * kWords]; }
  uint64_t& state_word(int32_t b) { return records_[static_cast<size_t>(b) * kWords + 1]; }
  uint64_t state_word(int32_t b) const { return records_[static_cast<size_t>(b) * kWords + 1]; }
  int32_t refs(int32_t b) const { return static_cast<int32_t>(static_cast<uint32_t>(state_word(b))); }
  uint32_t stamp(int32_t b) const { return static_cast<uint32_t>(state_word(b) >> 32); }
  // References stay within 0..2^31: adding or taking one never reaches the stamp's half.
  // Each returns the count before the change.
  int32_t add_ref(int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(state_word(b)++)); }
  int32_t drop_ref(int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(state_word(b)--)); }
  void set_refs(int32_t b, int32_t n) { state_word(b) = (state_word(b) & ~uint64_t{0xffffffff}) | static_cast<uint32_t>(n); }
  uint32_t bump_stamp(int32_t b) { return static_cast<uint32_t>((state_word(b) += uint64_t{1} << 32) >> 32); }

  // A queued release: the block (low half) and its stamp then (high half), one integer so that
  // queueing it is one store (a struct was assembled on the stack and reloaded, which stalls).
  using Release = uint64_t;
  static Release release_of(int32_t b, uint32_t stamp) { return static_cast<uint64_t>(stamp) << 32 | static_cast<uint32_t>(b); }
  static int32_t block_of(Release e) { return static_cast<int32_t>(static_cast<uint32_t>(e)); }
  bool current(Release e) const { return stamp(block_of(e)) == static_cast<uint32_t>(e >> 32); }

  void enter_lru(int32_t b);
  void leave_lru(int32_t b) {
    bump_stamp(b);
    --inactive_;
  }
  int32_t take_lru_head();
  void compact_lru();
  void forget(int32_t b);
  void assign(int32_t b, BlockHash id);
  int32_t take_free();

  bool prefix_caching_;
  // Apart from active_: updated next to each other, the two were stored as a pair, and a pair
  // loaded right after one of them was stored alone stalls (store forwarding fails).
  int32_t resident_ = 0;           // active + inactive
  std::vector<uint64_t> records_;  // kWords per block made
  ResidentIndex index_of_;         // identity -> block, for resident blocks
  // Inactive blocks in release order (least recent first, from lru_head_), among releases that
  // are no longer current (the block was reused or evicted since); those are skipped.
  std::vector<Release> lru_;
  size_t lru_head_ = 0;
  int32_t inactive_ = 0;
  LazySlots slots_;                // free blocks: forgotten ones, then never-used ones
  int32_t active_ = 0;
  IndexFeed feed_;
};

}  // namespace dynosim
