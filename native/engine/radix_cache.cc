#include "radix_cache.h"

#include <algorithm>


namespace dynosim {

RadixCache::RadixCache(int32_t num_pages) : slots_(num_pages), map_(0) {}

// Pages are made as they are first used (LazySlots): memory follows the pages in use.
int32_t RadixCache::alloc_private() {
  bool fresh = false;
  const int32_t p = slots_.take(&fresh);
  if (fresh) {
    ids_.push_back(ResidentIndex::kNoId);
    parent_.push_back(kRoot);
    children_.push_back(0);
    lock_.push_back(0);
    stamp_.push_back(0);
    gen_.push_back(0);
    in_tree_.push_back(0);
  }
  return p;
}

void RadixCache::compact_heap() {
  heap_.clear();
  for (int32_t p = 0; p < slots_.made(); ++p)
    if (evictable_leaf(p)) heap_.push_back(HeapEntry{stamp_[p], p, gen_[p]});
  std::make_heap(heap_.begin(), heap_.end(), later);
}

void RadixCache::push_leaf(int32_t p) {
  // Stale entries pile up when leaves are locked again or touched; rebuild once they dominate.
  if (heap_.size() > 2 * static_cast<size_t>(tree_pages_) + 1024) compact_heap();
  heap_.push_back(HeapEntry{stamp_[p], p, gen_[p]});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

void RadixCache::remove_node(int32_t p) {
  feed_.removed(ids_[p]);
  ids_[p] = ResidentIndex::kNoId;  // its index entry goes stale by itself
  if (parent_[p] != kRoot) --children_[parent_[p]];
  in_tree_[p] = 0;
  ++gen_[p];
  --evictable_;
  --tree_pages_;
  slots_.give_back(p);
}

int32_t RadixCache::evict(int32_t pages) {
  int32_t freed = 0;
  while (freed < pages && !heap_.empty()) {
    const HeapEntry e = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    if (!valid(e)) continue;
    // Walk up the chain while each newly exposed parent is still the oldest leaf: a cached path
    // shares one stamp, so this evicts it leaf to root without a heap round trip per page.
    int32_t p = e.page;
    for (;;) {
      const int32_t parent = parent_[p];
      remove_node(p);
      ++freed;
      if (parent == kRoot || !evictable_leaf(parent)) break;
      const HeapEntry next{stamp_[parent], parent, gen_[parent]};
      if (freed >= pages || (!heap_.empty() && later(next, heap_.front()))) {
        push_leaf(parent);
        break;
      }
      p = parent;
    }
  }
  return freed;
}

void RadixCache::lock(int32_t p, uint64_t stamp) {
  if (lock_[p]++ == 0) --evictable_;
  if (stamp > stamp_[p]) stamp_[p] = stamp;
}

void RadixCache::unlock(int32_t p, uint64_t stamp) {
  if (stamp > stamp_[p]) stamp_[p] = stamp;
  if (--lock_[p] > 0) return;
  ++evictable_;
  if (children_[p] == 0) push_leaf(p);
}

int32_t RadixCache::insert_locked(int32_t page, BlockHash id, int32_t parent, uint64_t stamp) {
  const int32_t existing = lookup(id);
  if (existing != kNone) {
    slots_.give_back(page);
    lock(existing, stamp);
    return existing;
  }
  ids_[page] = id;
  parent_[page] = parent;
  children_[page] = 0;
  lock_[page] = 1;
  stamp_[page] = stamp;
  in_tree_[page] = 1;
  if (parent != kRoot) ++children_[parent];
  map_.insert(id, page, ids_.data(), slots_.made());
  ++tree_pages_;
  feed_.stored(id);
  return page;
}

}  // namespace dynosim
