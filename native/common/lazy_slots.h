// Slots of a fixed-capacity cache (KV blocks, radix pages) that come into being when first
// handed out: never-used slots go lowest first, freed ones are reused last-in-first-out (the order
// a full free list built up front would give), and the owner's per-slot arrays grow with the slots
// in use, not with the capacity. 10,000 idle workers of 16,384 blocks each cost nothing.
#pragma once
#include <cstdint>
#include <vector>

namespace dynosim {

class LazySlots {
 public:
  static constexpr int32_t kNone = -1;

  explicit LazySlots(int32_t capacity) : capacity_(capacity) {}

  // Slots that can be handed out now: freed ones plus those never made.
  int32_t available() const { return static_cast<int32_t>(freed_.size()) + (capacity_ - made_); }
  // Slots made so far: every per-slot array holds this many entries.
  int32_t made() const { return made_; }
  int32_t capacity() const { return capacity_; }

  // A slot, or kNone when none is available. `*fresh` tells the owner to append its entries.
  int32_t take(bool* fresh) {
    if (!freed_.empty()) {
      const int32_t s = freed_.back();
      freed_.pop_back();
      *fresh = false;
      return s;
    }
    if (made_ == capacity_) return kNone;
    *fresh = true;
    return made_++;
  }
  void give_back(int32_t slot) { freed_.push_back(slot); }

 private:
  int32_t capacity_;
  int32_t made_ = 0;
  std::vector<int32_t> freed_;
};

}  // namespace dynosim
