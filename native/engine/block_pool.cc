#include "block_pool.h"

#include "../common/invariants.h"

namespace dynosim {

namespace {
// Evictions look this many queued releases ahead to prefetch the blocks they will take.
constexpr size_t kLruAhead = 16;
// A queued release of each block must be found current only while it is (stamps are 32-bit):
// the queue is compacted long before any block's stamp could come round again.
constexpr size_t kMaxQueued = size_t{1} << 30;
}  // namespace

BlockPool::BlockPool(int32_t num_blocks, bool prefix_caching)
    : prefix_caching_(prefix_caching), index_of_(0), slots_(num_blocks) {}

// A free block (a forgotten one first, else a new one), or kNone when every block is resident.
int32_t BlockPool::take_free() {
  bool fresh = false;
  const int32_t b = slots_.take(&fresh);
  if (fresh) {
    records_.push_back(ResidentIndex::kNoId);
    records_.push_back(0);
  }
  return b;
}

void BlockPool::enter_lru(int32_t b) {
  const uint32_t stamp = bump_stamp(b);
  ++inactive_;
  const size_t queued = lru_.size() - lru_head_;
  if (queued >= 2 * static_cast<size_t>(inactive_) + 64 || lru_.size() >= kMaxQueued) compact_lru();
  else if (lru_head_ >= 4096 && lru_head_ * 2 >= lru_.size()) {
    lru_.erase(lru_.begin(), lru_.begin() + static_cast<std::ptrdiff_t>(lru_head_));
    lru_head_ = 0;
  }
  lru_.push_back(release_of(b, stamp));
}

// Keeps only the current releases (at most half the queue, by the trigger above).
void BlockPool::compact_lru() {
  size_t out = 0;
  for (size_t i = lru_head_; i < lru_.size(); ++i) {
    const Release e = lru_[i];
    if (current(e)) lru_[out++] = e;
  }
  lru_.resize(out);
  lru_head_ = 0;
}

// Takes the least recently released inactive block out of the LRU order (there is one). The
// evictions ahead are known: their blocks are fetched early.
int32_t BlockPool::take_lru_head() {
  for (;;) {
    DYNOSIM_INVARIANT(lru_head_ < lru_.size(), "the LRU queue lost an inactive KV block");
    if (lru_head_ + kLruAhead < lru_.size()) __builtin_prefetch(&id_word(block_of(lru_[lru_head_ + kLruAhead])));
    const Release e = lru_[lru_head_++];
    if (!current(e)) continue;
    leave_lru(block_of(e));
    return block_of(e);
  }
}

// The block's own index entry goes stale by itself once its id changes (see ResidentIndex).
void BlockPool::forget(int32_t b) {
  feed_.removed(id_word(b));
  id_word(b) = ResidentIndex::kNoId;
  --resident_;
}

void BlockPool::assign(int32_t b, BlockHash id) {
  id_word(b) = id;
  index_of_.insert(id, b, records_.data(), slots_.made(), kWords);
}

int32_t BlockPool::acquire(BlockHash id) {
  int32_t b = lookup(id);
  if (b != kNone) {
    if (add_ref(b) == 0) {
      leave_lru(b);
      ++active_;
    }
    return b;
  }
  b = take_free();
  if (b != kNone) {
    ++resident_;
  } else {
    // Evict the least recently released block in place: it stays resident under its new id.
    if (inactive_ == 0) return kNone;
    b = take_lru_head();
    feed_.removed(id_word(b));
  }
  assign(b, id);
  set_refs(b, 1);
  ++active_;
  DYNOSIM_INVARIANT(active_ <= resident_ && resident_ <= slots_.capacity(), "KV blocks in use exceed the pool");
  feed_.stored(id);
  return b;
}

void BlockPool::evict_until_free(int32_t n) {
  while (slots_.available() < n && inactive_ > 0) {
    const int32_t b = take_lru_head();
    forget(b);
    slots_.give_back(b);
  }
}

void BlockPool::release(int32_t b) {
  DYNOSIM_INVARIANT(b >= 0 && b < slots_.made() && refs(b) > 0, "a KV block released more often than acquired");
  if (drop_ref(b) > 1) return;
  --active_;
  if (prefix_caching_) {
    enter_lru(b);
  } else {
    forget(b);
    slots_.give_back(b);
  }
}

int32_t BlockPool::promote(int32_t b, BlockHash content_id) {
  int32_t existing = lookup(content_id);
  if (existing != kNone) {
    // Another request computed the same content first: share its block, return ours.
    if (add_ref(existing) == 0) {
      leave_lru(existing);
      ++active_;
    }
    if (drop_ref(b) == 1) {
      --active_;
      forget(b);
      slots_.give_back(b);
    }
    return existing;
  }
  assign(b, content_id);
  feed_.stored(content_id);
  return b;
}

}  // namespace dynosim
