// Open-addressing hash map from a 64-bit key to a 32-bit value, linear probing with
// backward-shift deletion: no tombstones, no allocation after construction unless it grows.
#pragma once
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
    while (used_[i]) {
      if (keys_[i] == key) return values_[i];
      i = (i + 1) & mask_;
    }
    return kMissing;
  }

  // Inserts or overwrites.
  void put(uint64_t key, int32_t value) {
    if ((size_ + 1) * 4 > keys_.size() * 3) rehash(keys_.size() * 2);
    size_t i = mix64(key) & mask_;
    while (used_[i]) {
      if (keys_[i] == key) {
        values_[i] = value;
        return;
      }
      i = (i + 1) & mask_;
    }
    used_[i] = 1;
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }

  bool erase(uint64_t key) {
    size_t i = mix64(key) & mask_;
    while (used_[i]) {
      if (keys_[i] == key) {
        shift_back(i);
        --size_;
        return true;
      }
      i = (i + 1) & mask_;
    }
    return false;
  }

  size_t size() const { return size_; }

 private:
  static size_t capacity_for(size_t n) {
    size_t cap = 16;
    while (cap * 3 < n * 4 + 4) cap <<= 1;
    return cap;
  }

  void shift_back(size_t hole) {
    size_t j = hole;
    for (;;) {
      j = (j + 1) & mask_;
      if (!used_[j]) break;
      size_t home = mix64(keys_[j]) & mask_;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      keys_[hole] = keys_[j];
      values_[hole] = values_[j];
      hole = j;
    }
    used_[hole] = 0;
  }

  void rehash(size_t cap) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<int32_t> old_values = std::move(values_);
    std::vector<uint8_t> old_used = std::move(used_);
    keys_.assign(cap, 0);
    values_.assign(cap, 0);
    used_.assign(cap, 0);
    mask_ = cap - 1;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i)
      if (old_used[i]) put(old_keys[i], old_values[i]);
  }

  std::vector<uint64_t> keys_;
  std::vector<int32_t> values_;
  std::vector<uint8_t> used_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace dynosim
