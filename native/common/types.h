// Shared scalar types of the native core.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dynosim {

// Simulated time is integer nanoseconds: exact sums, no drift over hour-long traces.
using Ns = int64_t;
constexpr Ns kNever = -1;

// Identity of a KV block: a chained content hash for full prompt blocks, a per-request unique id
// for everything else (partial tails and generated tokens are never shared across requests).
using BlockHash = uint64_t;

inline Ns ms_to_ns(double ms) { return static_cast<Ns>(ms * 1e6 + (ms >= 0 ? 0.5 : -0.5)); }
inline double ns_to_ms(Ns ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace dynosim
