#include "overlap_index.h"

#include <algorithm>

namespace dynosim {

OverlapIndex::OverlapIndex(int32_t num_targets)
    : num_targets_(num_targets),
      words_per_set_(std::max(1, (num_targets + 63) / 64)),
      slots_(1024),
      tree_size_(num_targets, 0) {}

void OverlapIndex::add_target() {
  ++num_targets_;
  tree_size_.push_back(0);
  int32_t needed = (num_targets_ + 63) / 64;
  if (needed > words_per_set_) regrow_sets(needed);
}

void OverlapIndex::regrow_sets(int32_t new_words) {
  size_t slots = holders_.size();
  std::vector<uint64_t> grown(slots * new_words, 0);
  for (size_t s = 0; s < slots; ++s)
    std::copy_n(&sets_[s * words_per_set_], words_per_set_, &grown[s * new_words]);
  sets_ = std::move(grown);
  words_per_set_ = new_words;
}

void OverlapIndex::remove_target(int32_t target) {
  const int32_t slots = static_cast<int32_t>(holders_.size());
  for (int32_t slot = 0; slot < slots; ++slot) {
    if (holders_[slot] == 0) continue;
    uint64_t& w = words(slot)[target >> 6];
    uint64_t bit = 1ULL << (target & 63);
    if (!(w & bit)) continue;
    w &= ~bit;
    if (--holders_[slot] == 0) release_slot(slot);
  }
  total_size_ -= tree_size_[target];
  tree_size_[target] = 0;
}

// A slot nobody holds is free; its index entry goes stale by itself.
void OverlapIndex::release_slot(int32_t slot) {
  slot_ids_[slot] = ResidentIndex::kNoId;
  free_slots_.push_back(slot);
}

int32_t OverlapIndex::add(int32_t target, BlockHash id) {
  int32_t slot = slots_.find(id, slot_ids_.data());
  if (slot == ResidentIndex::kMissing) {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
      std::fill_n(words(slot), words_per_set_, 0);
      slot_ids_[slot] = id;
      holders_[slot] = 0;
    } else {
      slot = static_cast<int32_t>(holders_.size());
      holders_.push_back(0);
      slot_ids_.push_back(id);
      sets_.resize(sets_.size() + words_per_set_, 0);
    }
    slots_.insert(id, slot, slot_ids_.data(), static_cast<int32_t>(slot_ids_.size()));
  }
  uint64_t& w = words(slot)[target >> 6];
  uint64_t bit = 1ULL << (target & 63);
  if (w & bit) return slot;
  w |= bit;
  ++holders_[slot];
  ++tree_size_[target];
  ++total_size_;
  return slot;
}

void OverlapIndex::remove(int32_t target, int32_t slot) {
  uint64_t& w = words(slot)[target >> 6];
  uint64_t bit = 1ULL << (target & 63);
  if (!(w & bit)) return;
  w &= ~bit;
  --tree_size_[target];
  --total_size_;
  if (--holders_[slot] == 0) release_slot(slot);
}

void OverlapIndex::match(const BlockHash* ids, int32_t count, std::vector<int32_t>& overlap) const {
  overlap.assign(num_targets_, 0);
  // Targets still matching after each block; a target's overlap is where it drops out.
  std::vector<uint64_t> alive(words_per_set_, ~0ULL);
  int32_t alive_count = num_targets_;
  for (int32_t i = 0; i < count && alive_count > 0; ++i) {
    int32_t slot = slots_.find(ids[i], slot_ids_.data());
    const uint64_t* set = slot == ResidentIndex::kMissing ? nullptr : words(slot);
    for (int32_t k = 0; k < words_per_set_; ++k) {
      uint64_t before = alive[k];
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
      alive[k] = after;
    }
  }
  for (int32_t k = 0; k < words_per_set_; ++k) {
    uint64_t rest = alive[k];
    while (rest) {
      int32_t t = k * 64 + __builtin_ctzll(rest);
      rest &= rest - 1;
      if (t < num_targets_) overlap[t] = count;
    }
  }
}

}  // namespace dynosim
