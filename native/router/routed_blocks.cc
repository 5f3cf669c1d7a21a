#include "routed_blocks.h"

#include <algorithm>
#include <limits>

#include "../common/invariants.h"

namespace dynosim {

namespace {
// PruneManager::prune: `(max_tree_size as f64 * prune_target_ratio) as usize` (saturating, as
// Rust's cast is; a view without a size cap passes the largest max).
int64_t target_size(int64_t max_tree_size, double ratio) {
  const double t = static_cast<double>(max_tree_size) * ratio;
  return t >= 9.2e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(t);
}
}  // namespace

RoutedBlocks::RoutedBlocks(OverlapIndex& index, Ns ttl, int64_t max_tree_size, double prune_target_ratio)
    : index_(index),
      ttl_(ttl),
      max_tree_size_(max_tree_size),
      target_size_(target_size(max_tree_size, prune_target_ratio)),
      by_target_(index.num_targets(), FlatMap(16)) {}

bool RoutedBlocks::first(const Due& a, const Due& b) {
  if (a.position != b.position) return a.position > b.position;
  if (a.id != b.id) return a.id > b.id;
  return a.target > b.target;
}

bool RoutedBlocks::valid(const Due& d) const {
  const Timer& t = timers_[d.timer];
  return t.live && t.expiry == d.expiry && t.id == d.id && t.target == d.target;
}

// Puts the entries sharing the front's expiry (recorded at one instant) in the reference's order.
void RoutedBlocks::sort_front_group() {
  if (due_.empty()) return;
  const Ns expiry = due_.front().expiry;
  auto end = due_.begin();
  while (end != due_.end() && end->expiry == expiry) ++end;
  std::sort(due_.begin(), end, first);
}

void RoutedBlocks::drop(int32_t timer) {
  Timer& t = timers_[timer];
  index_.remove(t.target, t.slot);
  by_target_[t.target].erase(t.id);
  t.live = false;
  free_timers_.push_back(timer);
  --live_;
}

void RoutedBlocks::record(int32_t target, const BlockHash* ids, int32_t count, Ns now) {
  const Ns expiry = now + ttl_;  // both within 100 years: no overflow
  FlatMap& mine = by_target_[target];
  for (int32_t i = 0; i < count; ++i) {
    const int32_t slot = index_.add(target, ids[i]);
    int32_t timer = mine.find(ids[i]);
    if (timer == FlatMap::kMissing) {
      if (free_timers_.empty()) {
        timer = static_cast<int32_t>(timers_.size());
        timers_.emplace_back();
      } else {
        timer = free_timers_.back();
        free_timers_.pop_back();
      }
      timers_[timer] = Timer{expiry, ids[i], target, i, slot, true};
      mine.put(ids[i], timer);
      ++live_;
    } else {
      timers_[timer].expiry = expiry;  // the earlier queue entry goes stale
    }
    due_.push_back(Due{expiry, ids[i], target, i, timer});
  }
  DYNOSIM_INVARIANT(live_ == index_.total_size(), "approximate indexer: timers and index entries disagree");
  if (live_ > max_tree_size_) prune(live_);
  // Stale queue entries are dropped when they outnumber the live ones four to one.
  if (due_.size() > 4 * static_cast<size_t>(live_) + 1024) compact();
}

void RoutedBlocks::expire(Ns now) {
  while (!due_.empty() && due_.front().expiry <= now) {
    const Due d = due_.front();
    due_.pop_front();
    if (!valid(d)) continue;
    drop(d.timer);
    ++expired_;
  }
}

// PruneManager::prune: pops valid entries in heap order until the view is down to the target.
void RoutedBlocks::prune(int64_t current) {
  int64_t excess = current > target_size_ ? current - target_size_ : 0;
  Ns sorted = -1;  // the expiry whose group is in order
  while (excess > 0 && !due_.empty()) {
    if (due_.front().expiry != sorted) {
      sorted = due_.front().expiry;
      sort_front_group();
    }
    const Due d = due_.front();
    due_.pop_front();
    if (!valid(d)) continue;
    drop(d.timer);
    ++pruned_;
    --excess;
  }
  DYNOSIM_INVARIANT(live_ == index_.total_size(), "approximate indexer: prune left timers and index apart");
}

void RoutedBlocks::forget_target(int32_t target) {
  for (int32_t timer = 0; timer < static_cast<int32_t>(timers_.size()); ++timer) {
    Timer& t = timers_[timer];
    if (!t.live || t.target != target) continue;
    t.live = false;
    free_timers_.push_back(timer);
    --live_;
  }
  by_target_[target] = FlatMap(16);
  DYNOSIM_INVARIANT(live_ == index_.total_size(), "approximate indexer: a removed target kept timers");
}

void RoutedBlocks::compact() {
  due_.erase(std::remove_if(due_.begin(), due_.end(), [this](const Due& d) { return !valid(d); }), due_.end());
}

}  // namespace dynosim
