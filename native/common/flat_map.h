// Open-addressing hash map from a 64-bit key to a non-negative 32-bit value: one array of
// (key, value) slots so a probe touches one cache line, linear probing, backward-shift deletion
// (no tombstones), no allocation after construction unless it grows.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hash.h"

namespace dynosim {

class FlatMap {
 public:
  static constexpr int32_t kMissing = -1;

  explicit FlatMap(size_t expected = 16) { rehash(capacity_for(expected)); }

  int32_t find(uint64_t key) const {
    size_t i = mix64(key) & mask_;
    for (;;) {
      const Slot& s = slots_[i];
      if (s.value == kMissing) return kMissing;
      if (s.key == key) return s.value;
      i = (i + 1) & mask_;
    }
  }

  // Inserts or overwrites; `value` must be non-negative.
  void put(uint64_t key, int32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    size_t i = mix64(key) & mask_;
    for (;;) {
      Slot& s = slots_[i];
      if (s.value == kMissing) {
        s.key = key;
        s.value = value;
        ++size_;
        return;
      }
      if (s.key == key) {
        s.value = value;
        return;
      }
      i = (i + 1) & mask_;
    }
  }

  bool erase(uint64_t key) {
    size_t i = mix64(key) & mask_;
    for (;;) {
      const Slot& s = slots_[i];
      if (s.value == kMissing) return false;
      if (s.key == key) break;
      i = (i + 1) & mask_;
    }
    shift_back(i);
    --size_;
    return true;
  }

  // Reference counts in one probe: adds one to the key's value (a missing key starts at 1), and
  // takes one off it, erasing the key at zero. Both return the new value; release(missing) kMissing.
  int32_t acquire(uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    for (size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.value == kMissing) {
        s.key = key;
        s.value = 1;
        ++size_;
        return 1;
      }
      if (s.key == key) return ++s.value;
    }
  }
  int32_t release(uint64_t key) {
    for (size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.value == kMissing) return kMissing;
      if (s.key != key) continue;
      if (--s.value > 0) return s.value;
      shift_back(i);
      --size_;
      return 0;
    }
  }

  size_t size() const { return size_; }
  // Empties the map, keeping its capacity.
  void clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    size_ = 0;
  }

  // Hints that `key` will be looked up soon: block allocation knows its next ids in advance, and
  // these maps are too large for cache, so a probe is otherwise a memory round trip.
  void prefetch(uint64_t key) const { __builtin_prefetch(&slots_[mix64(key) & mask_]); }

 private:
  struct Slot {
    uint64_t key = 0;
    int32_t value = kMissing;
  };

  // Load factor stays at or below one half: short probe runs on the hot path.
  static size_t capacity_for(size_t n) {
    size_t cap = 16;
    while (cap < n * 2 + 2) cap <<= 1;
    return cap;
  }

  void shift_back(size_t hole) {
    size_t j = hole;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j].value == kMissing) break;
      size_t home = mix64(slots_[j].key) & mask_;
      // Entry j may move into the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole].value = kMissing;
  }

  void rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.value != kMissing) put(s.key, s.value);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace dynosim
