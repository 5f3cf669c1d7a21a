// Identity -> slot index for an array of slots (KV blocks, radix pages, router index entries)
// whose owner keeps each slot's identity in its own array, `ids` (kNoId when the slot holds
// nothing). The array may grow; the table grows with it at rebuilds.
//
// Why not a plain hash map: evicting a slot is the hottest step of KV allocation, and erasing its
// map entry is a random access into a table far larger than cache. Here eviction touches nothing:
// an entry whose slot no longer holds its identity is stale, is skipped by lookups (every hit is
// confirmed against `ids`), and disappears when the table is rebuilt from the live slots, which
// happens once live and stale entries together fill half the table (amortised O(1) per insert).
// Entries hold 32 bits of the key's hash beside the slot, so a table is half the size of one
// holding full keys.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hash.h"

namespace dynosim {

class ResidentIndex {
 public:
  static constexpr int32_t kMissing = -1;
  static constexpr uint64_t kNoId = ~0ULL;

  explicit ResidentIndex(int32_t num_slots) { resize_for(num_slots); }

  // The slot holding `key`, or kMissing. Slot s's identity is ids[s * stride] (an owner keeping
  // more per slot beside its identity passes the record's size in words).
  int32_t find(uint64_t key, const uint64_t* ids, size_t stride = 1) const {
    const uint64_t h = mix64(key);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kMissing) return kMissing;
      if (e.tag == tag && ids[static_cast<size_t>(e.slot) * stride] == key) return e.slot;
    }
  }

  // Records that `slot` now holds `key` (already stored in ids[slot * stride]); `key` must not be
  // held by any other slot. Any earlier entry of `slot` goes stale by itself.
  void insert(uint64_t key, int32_t slot, const uint64_t* ids, int32_t num_slots, size_t stride = 1) {
    if ((used_ + 1) * 2 > entries_.size()) rebuild(ids, num_slots, stride);  // places `slot` too
    else place(key, slot);
  }

  // Hints that `key` will be looked up soon: the table is too large for cache.
  void prefetch(uint64_t key) const { __builtin_prefetch(&entries_[mix64(key) & mask_]); }

 private:
  // An empty entry is all one bits, so that a rebuild clears the table with memset (a loop storing
  // each entry's two halves was a tenth of KV block allocation).
  struct Entry {
    uint32_t tag = ~0u;
    int32_t slot = kMissing;
  };
  static_assert(kMissing == -1, "an empty entry is all one bits");

  void place(uint64_t key, int32_t slot) {
    const uint64_t h = mix64(key);
    size_t i = h & mask_;
    while (entries_[i].slot != kMissing) i = (i + 1) & mask_;
    entries_[i] = Entry{static_cast<uint32_t>(h >> 32), slot};
    ++used_;
  }

  void resize_for(int32_t num_slots) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(num_slots) * 4) cap <<= 1;
    entries_.assign(cap, Entry{});
    mask_ = cap - 1;
    used_ = 0;
  }

  // Drops every stale entry: the table keeps only slots whose identity is set. The table has
  // room for four entries a slot, so at least a quarter of it is free again afterwards.
  void rebuild(const uint64_t* ids, int32_t num_slots, size_t stride) {
    if (entries_.size() < static_cast<size_t>(num_slots) * 4) resize_for(num_slots);
    else std::memset(static_cast<void*>(entries_.data()), 0xff, entries_.size() * sizeof(Entry));
    used_ = 0;
    for (int32_t s = 0; s < num_slots; ++s) {
      const uint64_t id = ids[static_cast<size_t>(s) * stride];
      if (id != kNoId) place(id, s);
    }
  }

  std::vector<Entry> entries_;
  size_t mask_ = 0;
  size_t used_ = 0;
};

}  // namespace dynosim
