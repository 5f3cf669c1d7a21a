// 64-bit mixing used for block identities. Block identities never leave the core, so any
// well-mixed hash serves; what matters is that equal token content chains to equal ids.
#pragma once
#include <cstdint>

namespace dynosim {

inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Chains a block's local hash onto its parent's identity. The local half can be mixed once and
// reused: every engine block inside one trace block has the same content.
inline uint64_t mix_local(uint64_t local) { return mix64(local + 0x51ed270b27e3d1a5ULL); }
inline uint64_t chain(uint64_t parent, uint64_t mixed_local) { return mix64(parent ^ mixed_local); }
inline uint64_t hash_combine(uint64_t parent, uint64_t local) { return chain(parent, mix_local(local)); }

// Content-hashed blocks have the top bit clear; unique per-request blocks have it set.
constexpr uint64_t kUniqueBlockTag = 1ULL << 63;

inline uint64_t content_block_id(uint64_t h) { return h & ~kUniqueBlockTag; }
inline uint64_t unique_block_id(uint32_t request, uint32_t block_index) {
  return mix64((static_cast<uint64_t>(request) << 32) | block_index) | kUniqueBlockTag;
}

}  // namespace dynosim
