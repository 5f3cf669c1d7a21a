#include "block_pool.h"

#include "../common/invariants.h"

namespace dynosim {

BlockPool::BlockPool(int32_t num_blocks, bool prefix_caching)
    : prefix_caching_(prefix_caching), index_of_(0), slots_(num_blocks) {}

// A free block (a forgotten one first, else a new one), or kNone when every block is resident.
int32_t BlockPool::take_free() {
  bool fresh = false;
  const int32_t b = slots_.take(&fresh);
  if (fresh) {
    ids_.push_back(ResidentIndex::kNoId);
    refs_.push_back(0);
    prev_.push_back(kNone);
    next_.push_back(kNone);
  }
  return b;
}

void BlockPool::unlink(int32_t b) {
  int32_t p = prev_[b], n = next_[b];
  if (p != kNone) next_[p] = n; else lru_head_ = n;
  if (n != kNone) prev_[n] = p; else lru_tail_ = p;
  prev_[b] = next_[b] = kNone;
}

void BlockPool::push_lru_tail(int32_t b) {
  prev_[b] = lru_tail_;
  next_[b] = kNone;
  if (lru_tail_ != kNone) next_[lru_tail_] = b; else lru_head_ = b;
  lru_tail_ = b;
}

// The block's own index entry goes stale by itself once its id changes (see ResidentIndex).
void BlockPool::forget(int32_t b) {
  feed_.removed(b, ids_[b]);
  ids_[b] = ResidentIndex::kNoId;
  --resident_;
}

void BlockPool::assign(int32_t b, BlockHash id) {
  ids_[b] = id;
  index_of_.insert(id, b, ids_.data(), slots_.made());
}

int32_t BlockPool::acquire(BlockHash id) {
  int32_t b = lookup(id);
  if (b != kNone) {
    if (refs_[b]++ == 0) {
      unlink(b);
      ++active_;
    }
    return b;
  }
  b = take_free();
  if (b != kNone) {
    ++resident_;
  } else {
    // Evict the least recently released block in place: it stays resident under its new id.
    if (lru_head_ == kNone) return kNone;
    b = lru_head_;
    unlink(b);
    feed_.removed(b, ids_[b]);
  }
  assign(b, id);
  refs_[b] = 1;
  ++active_;
  DYNOSIM_INVARIANT(active_ <= resident_ && resident_ <= slots_.capacity(), "KV blocks in use exceed the pool");
  feed_.stored(b, id);
  return b;
}

void BlockPool::evict_until_free(int32_t n) {
  while (slots_.available() < n && lru_head_ != kNone) {
    const int32_t b = lru_head_;
    unlink(b);
    forget(b);
    slots_.give_back(b);
  }
}

void BlockPool::release(int32_t b) {
  DYNOSIM_INVARIANT(b >= 0 && b < slots_.made() && refs_[b] > 0, "a KV block released more often than acquired");
  if (--refs_[b] > 0) return;
  --active_;
  if (prefix_caching_) {
    push_lru_tail(b);
  } else {
    forget(b);
    slots_.give_back(b);
  }
}

int32_t BlockPool::promote(int32_t b, BlockHash content_id) {
  int32_t existing = lookup(content_id);
  if (existing != kNone) {
    // Another request computed the same content first: share its block, return ours.
    if (refs_[existing]++ == 0) {
      unlink(existing);
      ++active_;
    }
    if (--refs_[b] == 0) {
      --active_;
      forget(b);
      slots_.give_back(b);
    }
    return existing;
  }
  assign(b, content_id);
  feed_.stored(b, content_id);
  return b;
}

}  // namespace dynosim
