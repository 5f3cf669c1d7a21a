// The SGLang engine's KV pages: prefix matches in the radix cache, page growth and reservation,
// and handing a request's pages to the cache or back to the pool.
#include <algorithm>

#include "sglang_engine.h"

namespace dynosim {

// Leading pages of r's sequence present in the radix tree (no touch, no lock). A node implies
// its ancestors, so presence along r's chain is a prefix: the previous answer is revalidated with
// one lookup (a binary search if it shrank) and extended, instead of rescanning every pass.
int32_t SglangEngine::matched_pages(int32_t r, int32_t max_pages) const {
  const Local& l = local(r);
  auto present = [&](int32_t i) { return cache_.lookup(req_.block_id(r, i)) != RadixCache::kNone; };
  int32_t m = std::min(l.match_hint, max_pages);
  if (m > 0 && !present(m - 1)) {
    int32_t lo = 0, hi = m - 1;  // pages [0, lo) known present; page hi known absent
    while (lo < hi) {
      const int32_t mid = (lo + hi) / 2;
      if (present(mid)) lo = mid + 1;
      else hi = mid;
    }
    m = lo;
  }
  for (; m < max_pages; ++m) {
    if (m + 2 < max_pages) cache_.prefetch(req_.block_id(r, m + 2));
    if (!present(m)) break;
  }
  l.match_hint = m;
  return m;
}

// Its last chunk can only pass admission's KV budget if the page-rounded prompt plus its clipped
// output reserve is under the whole pool: a fresh request that could never get there is rejected.
bool SglangEngine::never_fits(int32_t r) const {
  return !local(r).admitted && st_.num_computed[r] == 0 &&
         pages_for(req_.input_len(r)) * B_ + std::min<int64_t>(st_.output_limit[r], cfg_.sglang.clip_max_new_tokens) >=
             total_tokens_;
}

// The chunk waiting request r would extend with `rem_chunk` tokens of chunk budget left; false
// when it cannot extend now (a continuation with nothing left, or no room for a page). A fresh
// request matches its whole sequence against the tree once, capped so that at least its last
// token is computed (unless it has nothing to generate); chunk continuations extend their own
// pages and never re-match.
bool SglangEngine::plan_extension(int32_t r, double rem_chunk, Extension& e) const {
  const uint32_t len = seq_len(r);
  const uint32_t owned = st_.num_computed[r];
  const bool fresh = owned == 0;
  e.matched = 0;
  if (fresh && caching_) {
    const uint32_t match_len = st_.output_limit[r] == 0 || len == 0 ? len : len - 1;
    e.matched = matched_pages(r, static_cast<int32_t>(match_len / B_));
  }
  e.start = std::max<int64_t>(owned, static_cast<int64_t>(e.matched) * B_);
  e.extend = static_cast<int64_t>(len) - e.start;
  if (e.extend == 0 && !fresh) return false;
  e.chunk = e.extend;
  if (static_cast<double>(pages_for(e.extend) * B_) > rem_chunk) {
    e.chunk = (static_cast<int64_t>(rem_chunk) / B_) * B_;
    if (e.chunk <= 0) return false;
    e.chunk = std::min(e.chunk, e.extend);
  }
  e.charged = pages_for(e.chunk) * B_;
  e.reserve = e.chunk < e.extend ? 0 : std::min<int64_t>(remaining(r), cfg_.sglang.clip_max_new_tokens);
  return true;
}

// The KV that admission holds back for running requests' remaining output (clipped), at the
// new-token ratio, `passes_ahead` plain decode passes from now.
double SglangEngine::decode_reserve(int64_t passes_ahead, double ratio) const {
  double reserved = 0;
  for (int32_t r : running_)
    reserved += static_cast<double>(std::min<int64_t>(static_cast<int64_t>(remaining(r)) - passes_ahead,
                                                      cfg_.sglang.clip_max_new_tokens)) *
                ratio;
  return reserved;
}

// Takes hold of the first `pages` pages of r's sequence, all resident (just matched).
void SglangEngine::lock_prefix(int32_t r, int32_t pages) {
  Local& l = local(r);
  auto& blocks = st_.blocks[r];
  l.touch = cache_.next_stamp();
  for (int32_t i = 0; i < pages; ++i) {
    const int32_t p = cache_.lookup(req_.block_id(r, i));
    cache_.lock(p, l.touch);
    blocks.push_back(p);
  }
  l.cached_pages = pages;
}

// Private pages up to `target_pages`, evicting cached leaves when the free list runs short.
bool SglangEngine::grow_pages(int32_t r, int64_t target_pages) {
  auto& blocks = st_.blocks[r];
  const int64_t need = target_pages - static_cast<int64_t>(blocks.size());
  if (need <= 0) return true;
  if (cache_.free_pages() < need) cache_.evict(static_cast<int32_t>(need - cache_.free_pages()));
  if (cache_.free_pages() < need) return false;
  for (int64_t k = 0; k < need; ++k) blocks.push_back(cache_.alloc_private());
  return true;
}

// r's pages [cached, upto), fully computed, join the radix tree (still held by r). A page whose
// content another request cached first is swapped for that node.
void SglangEngine::cache_pages(int32_t r, int32_t upto) {
  if (!caching_) return;
  Local& l = local(r);
  if (upto <= l.cached_pages) return;
  auto& blocks = st_.blocks[r];
  l.touch = cache_.next_stamp();
  for (int32_t i = l.cached_pages; i < upto; ++i) {
    if (i + 2 < upto) cache_.prefetch(req_.block_id(r, i + 2));
    const int32_t parent = i == 0 ? RadixCache::kRoot : blocks[i - 1];
    blocks[i] = cache_.insert_locked(blocks[i], req_.block_id(r, i), parent, l.touch);
  }
  l.cached_pages = upto;
}

// Frees r's private pages and lets go of its cached path (leaf first).
void SglangEngine::release_pages(int32_t r) {
  Local& l = local(r);
  auto& blocks = st_.blocks[r];
  for (int32_t i = static_cast<int32_t>(blocks.size()) - 1; i >= l.cached_pages; --i) cache_.free_private(blocks[i]);
  for (int32_t i = l.cached_pages - 1; i >= 0; --i) cache_.unlock(blocks[i], l.touch);
  std::vector<int32_t>().swap(blocks);  // its capacity too: memory follows the requests in flight
  l.cached_pages = 0;
}

}  // namespace dynosim
