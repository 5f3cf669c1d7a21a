// The KV pages of one SGLang-style engine (one attention-DP rank): a fixed pool of pages of
// `block_size` tokens, each free, private to one request (allocated, not shareable yet) or a node
// of the radix tree of cached prefixes.
//
// A tree node is one page keyed by its chained block identity. The identity already encodes the
// whole prefix before it, so the tree needs no child tables: a prefix match is a run of hash
// lookups, and because only unlocked leaves are evicted, a present node always has its whole
// ancestry present. `lock` counts the requests whose path runs through a node (a request locks
// every page of its path once, so a path is protected exactly while someone uses it). Evictable
// = unlocked leaves, oldest access stamp first (a monotonic counter, not wall time), kept in a
// min-heap with lazy invalidation. Every operation costs O(pages touched), never O(tokens).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "../common/lazy_slots.h"
#include "../common/resident_index.h"
#include "../common/types.h"
#include "../router/index_feed.h"

namespace dynosim {

class RadixCache {
 public:
  static constexpr int32_t kNone = -1;
  static constexpr int32_t kRoot = -1;

  explicit RadixCache(int32_t num_pages);

  // Publishes inserted/evicted content pages (ids without kUniqueBlockTag) to a router index.
  void attach_index(OverlapIndex* index, int32_t target) { feed_.attach(index, target, &map_, &ids_); }
  // KV events of a pass reach the router when it ends (see IndexFeed).
  IndexFeed& index_feed() { return feed_; }

  int32_t num_pages() const { return slots_.capacity(); }
  int32_t free_pages() const { return slots_.available(); }
  // Cached pages no request holds (the reference's evictable_size, in pages).
  int32_t evictable_pages() const { return evictable_; }
  int32_t tree_pages() const { return tree_pages_; }

  // The tree node holding this identity, or kNone.
  int32_t lookup(BlockHash id) const {
    int32_t p = map_.find(id, ids_.data());
    return p == ResidentIndex::kMissing ? kNone : p;
  }
  void prefetch(BlockHash id) const { map_.prefetch(id); }
  bool in_tree(int32_t page) const { return in_tree_[page] != 0; }
  bool is_locked(int32_t page) const { return lock_[page] > 0; }
  uint64_t stamp_of(int32_t page) const { return stamp_[page]; }
  BlockHash id_of(int32_t page) const { return ids_[page]; }

  uint64_t next_stamp() { return ++clock_; }

  // A free page for one request's private use, or kNone (no eviction here).
  int32_t alloc_private();
  void free_private(int32_t page) { slots_.give_back(page); }

  // Frees up to `pages` pages by evicting the least recently used unlocked leaves (a freed leaf
  // may expose its parent as the next leaf). Returns how many were freed.
  int32_t evict(int32_t pages);

  // A request takes / drops its hold on a tree node. Locking touches the node with `stamp`;
  // unlocking raises its stamp to `stamp` (the holder's last access) if that is newer.
  void lock(int32_t page, uint64_t stamp);
  void unlock(int32_t page, uint64_t stamp);

  // Turns the owner's private, fully computed `page` into the tree node `id` under `parent`
  // (kRoot or the owner's previous page, itself a node), held once by the owner. If the node
  // already exists (another request cached the same content first), the private page is freed
  // and the existing node is locked and returned instead.
  int32_t insert_locked(int32_t page, BlockHash id, int32_t parent, uint64_t stamp);

 private:
  struct HeapEntry {
    uint64_t stamp;
    int32_t page;
    uint32_t gen;
  };
  static bool later(const HeapEntry& a, const HeapEntry& b) {
    return a.stamp != b.stamp ? a.stamp > b.stamp : a.page > b.page;
  }
  bool evictable_leaf(int32_t p) const { return in_tree_[p] && lock_[p] == 0 && children_[p] == 0; }
  bool valid(const HeapEntry& e) const {
    return evictable_leaf(e.page) && stamp_[e.page] == e.stamp && gen_[e.page] == e.gen;
  }
  void push_leaf(int32_t p);
  void remove_node(int32_t p);
  void compact_heap();

  LazySlots slots_;               // free pages: freed ones, then never-used ones
  std::vector<BlockHash> ids_;    // identity of each tree node; kNoId for other pages
  ResidentIndex map_;             // identity -> tree node (page)
  std::vector<int32_t> parent_;   // kRoot for a first page
  std::vector<int32_t> children_;
  std::vector<int32_t> lock_;
  std::vector<uint64_t> stamp_;
  std::vector<uint32_t> gen_;     // bumped when a page leaves the tree (invalidates heap entries)
  std::vector<uint8_t> in_tree_;
  std::vector<HeapEntry> heap_;   // min-heap by (stamp, page); stale entries skipped on pop
  int32_t evictable_ = 0;
  int32_t tree_pages_ = 0;
  uint64_t clock_ = 0;

  IndexFeed feed_;
};

}  // namespace dynosim
