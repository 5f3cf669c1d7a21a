#include "overlap_index.h"

#include <algorithm>

#include "index_feed.h"

namespace dynosim {

OverlapIndex::OverlapIndex(int32_t num_targets)
    : num_targets_(num_targets),
      words_per_set_(std::max(1, (num_targets + 63) / 64)),
      stride_(1 + static_cast<size_t>(words_per_set_)),
      slots_(1024),
      tree_size_(num_targets, 0),
      feeds_(num_targets, nullptr) {}

void OverlapIndex::add_target() {
  ++num_targets_;
  tree_size_.push_back(0);
  feeds_.push_back(nullptr);
  int32_t needed = (num_targets_ + 63) / 64;
  if (needed > words_per_set_) restride(needed);
}

void OverlapIndex::restride(int32_t new_words) {
  const int32_t slots = num_slots();
  const size_t new_stride = 1 + static_cast<size_t>(new_words);
  std::vector<uint64_t> grown(slots * new_stride, 0);
  for (int32_t s = 0; s < slots; ++s) std::copy_n(record(s), stride_, &grown[s * new_stride]);
  records_ = std::move(grown);
  words_per_set_ = new_words;
  stride_ = new_stride;
}

// Clears target's bit in the record; a slot nobody holds is free (its index entry goes stale by
// itself).
void OverlapIndex::clear_holder(int32_t target, int32_t slot, uint64_t* rec) {
  rec[1 + (target >> 6)] &= ~(1ULL << (target & 63));
  for (int32_t k = 1; k <= words_per_set_; ++k)
    if (rec[k] != 0) return;
  rec[0] = ResidentIndex::kNoId;
  free_slots_.push_back(slot);
}

void OverlapIndex::attach_feed(int32_t target, const IndexFeed* feed) {
  if (feeds_[target] == nullptr) ++num_feeds_;
  feeds_[target] = feed;
}

void OverlapIndex::remove_target(int32_t target) {
  if (feeds_[target] != nullptr) {
    feeds_[target] = nullptr;
    --num_feeds_;
  }
  const int32_t slots = num_slots();
  for (int32_t slot = 0; slot < slots; ++slot) {
    uint64_t* rec = record(slot);
    if (rec[0] == ResidentIndex::kNoId || !(rec[1 + (target >> 6)] & (1ULL << (target & 63)))) continue;
    clear_holder(target, slot, rec);
  }
  total_size_ -= tree_size_[target];
  tree_size_[target] = 0;
}

int32_t OverlapIndex::add(int32_t target, BlockHash id) {
  int32_t slot = slots_.find(id, records_.data(), stride_);
  if (slot == ResidentIndex::kMissing) {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = num_slots();
      records_.resize(records_.size() + stride_);
    }
    uint64_t* rec = record(slot);
    rec[0] = id;
    std::fill_n(rec + 1, words_per_set_, 0);
    slots_.insert(id, slot, records_.data(), num_slots(), stride_);
  }
  uint64_t& w = record(slot)[1 + (target >> 6)];
  const uint64_t bit = 1ULL << (target & 63);
  if (w & bit) return slot;
  w |= bit;
  ++tree_size_[target];
  ++total_size_;
  return slot;
}

void OverlapIndex::remove(int32_t target, int32_t slot) {
  uint64_t* rec = record(slot);
  if (!(rec[1 + (target >> 6)] & (1ULL << (target & 63)))) return;
  --tree_size_[target];
  --total_size_;
  clear_holder(target, slot, rec);
}

void OverlapIndex::match(const BlockHash* ids, int32_t count, std::vector<int32_t>& overlap) const {
  overlap.assign(num_targets_, 0);
  if (total_size_ > 0 || num_feeds_ == 0) match_recorded(ids, count, overlap);
  // Targets fed by their caches: the run of leading blocks published, up to the first missing
  // one. The targets still matching advance together, so their look-ups overlap in memory.
  if (num_feeds_ == 0) return;
  // Each target's look-ups are prefetched kViewAhead blocks ahead of its walk.
  constexpr int32_t kViewAhead = 4;
  matching_.clear();
  for (int32_t t = 0; t < num_targets_; ++t) {
    if (feeds_[t] == nullptr) continue;
    matching_.push_back(t);
    for (int32_t i = 0; i < std::min(count, kViewAhead); ++i) feeds_[t]->prefetch_view(ids[i]);
  }
  for (int32_t i = 0; i < count && !matching_.empty(); ++i) {
    size_t kept = 0;
    for (const int32_t t : matching_) {
      if (i + kViewAhead < count) feeds_[t]->prefetch_view(ids[i + kViewAhead]);
      if (feeds_[t]->published(ids[i])) matching_[kept++] = t;
      else overlap[t] = i;
    }
    matching_.resize(kept);
  }
  for (const int32_t t : matching_) overlap[t] = count;
}

void OverlapIndex::match_recorded(const BlockHash* ids, int32_t count, std::vector<int32_t>& overlap) const {
  // Targets still matching after each block; a target's overlap is where it drops out.
  alive_.assign(words_per_set_, ~0ULL);
  int32_t alive_count = num_targets_;
  for (int32_t i = 0; i < count && alive_count > 0; ++i) {
    const int32_t slot = slots_.find(ids[i], records_.data(), stride_);
    const uint64_t* set = slot == ResidentIndex::kMissing ? nullptr : record(slot) + 1;
    for (int32_t k = 0; k < words_per_set_; ++k) {
      uint64_t before = alive_[k];
      uint64_t after = set ? (before & set[k]) : 0;
      uint64_t dropped = before & ~after;
      while (dropped) {
        int32_t t = k * 64 + __builtin_ctzll(dropped);
        dropped &= dropped - 1;
        if (t < num_targets_) {
          overlap[t] = i;
          --alive_count;
        }
      }
      alive_[k] = after;
    }
  }
  for (int32_t k = 0; k < words_per_set_; ++k) {
    uint64_t rest = alive_[k];
    while (rest) {
      int32_t t = k * 64 + __builtin_ctzll(rest);
      rest &= rest - 1;
      if (t < num_targets_) overlap[t] = count;
    }
  }
}

}  // namespace dynosim
